"""Shared pieces of the Supabase provider tests: an instant clock and configured providers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from pulumi.dynamic import Config, ConfigureRequest, CreateResult, ReadResult, UpdateResult

from fakeapis.server import FakeServer, Recorded
from fakeapis.supabase import TOKEN, FakeSupabase
from providers.supabase.base import SupabaseProvider
from providers.supabase.client import Runtime, is_mutation
from providers.supabase.ratelimit import RateLimiter

P = TypeVar("P", bound=SupabaseProvider)
PASSWORD = "test-db-password-not-real-0123456789"


@dataclass
class FakeClock:
    now: float = 1_000.0
    sleeps: list[float] = field(default_factory=list)

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def instant_runtime(clock: FakeClock | None = None, timeout: float = 2.0) -> Runtime:
    clock = clock or FakeClock()
    return Runtime(sleep=clock.sleep, clock=clock.time, timeout=timeout,
                   limiter=RateLimiter(clock=clock.time, sleep=clock.sleep))


def configured(cls: type[P], clock: FakeClock | None = None, timeout: float = 2.0) -> P:
    """A provider as the host makes it: configured from Pulumi config, here with instant time."""
    provider = cls()
    provider.configure(ConfigureRequest(Config({"lightspeedpay:supabaseAccessToken": TOKEN}, "lightspeedpay")))
    provider.options = {"runtime": instant_runtime(clock, timeout)}
    return provider


def sent(requests: list[Recorded], since: int = 0) -> list[str]:
    return [f"{r.method} {r.path}" for r in requests[since:]]


def mutations(requests: list[Recorded], since: int = 0) -> list[str]:
    return [f"{r.method} {r.path}" for r in requests[since:] if is_mutation(r.method, r.path)]


def project_props(**overrides: Any) -> dict[str, Any]:
    return {"organization_slug": "lightspeedpay", "project_name": "lightspeedpay-test", "region": "ap-south-1",
            "instance_size": "small", "db_pass": PASSWORD, **overrides}


def outs(result: CreateResult | ReadResult | UpdateResult) -> dict[str, Any]:
    """A result's outputs (typed: every call here returns some)."""
    assert result.outs is not None
    return result.outs


@pytest.fixture(name="supabase_server", scope="module")
def supabase_server_fixture() -> Iterator[tuple[FakeServer, list[FakeSupabase]]]:
    """One listening server per test module (shutting one down costs half a second)."""
    current: list[FakeSupabase] = []
    with FakeServer(lambda recorded: current[-1].handle(recorded)) as server:
        yield server, current


@pytest.fixture(name="supabase_api")
def supabase_api_fixture(supabase_server: tuple[FakeServer, list[FakeSupabase]],
                         monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeSupabase, FakeServer]]:
    """A fresh fake (state, knobs, request log) for one test; SUPABASE_API_URL points at it; the
    test fails if any request it caused broke the spec."""
    server, current = supabase_server
    fake = FakeSupabase()
    current.append(fake)
    server.requests.clear()
    server.failures.clear()
    monkeypatch.setenv("SUPABASE_API_URL", server.url)
    monkeypatch.delenv("SUPABASE_ACCESS_TOKEN", raising=False)
    yield fake, server
    current.remove(fake)
    assert fake.violations == [], fake.violations
