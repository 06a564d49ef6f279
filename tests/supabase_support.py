"""Shared pieces of the Supabase provider tests: an instant clock and configured providers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pulumi.dynamic import Config, ConfigureRequest, CreateResult, ReadResult, UpdateResult

from providers.supabase.base import SupabaseProvider
from providers.supabase.client import Runtime, is_mutation
from providers.supabase.ratelimit import RateLimiter
from tests.fakes.server import Recorded
from tests.fakes.supabase import TOKEN

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
    provider.runtime = instant_runtime(clock, timeout)
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
