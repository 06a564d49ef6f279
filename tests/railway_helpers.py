"""Shared set-up for the Railway tests: the fake API on a local port, and providers aimed at it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from fakeapis.railway import TEST_TOKEN, RailwayFake
from fakeapis.server import FakeServer
from providers.railway.base import RailwayProvider

P = TypeVar("P", bound=RailwayProvider)


class Sleeps(list[float]):
    """An injectable `sleep` that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@contextmanager
def railway_api(monkeypatch: pytest.MonkeyPatch, **fake_options: Any) -> Iterator[tuple[RailwayFake, FakeServer]]:
    fake = RailwayFake(**fake_options)
    with FakeServer(fake.handler) as server:
        monkeypatch.setenv("RAILWAY_API_URL", f"{server.url}/graphql/v2")
        monkeypatch.delenv("RAILWAY_API_TOKEN", raising=False)
        yield fake, server


def configured(provider: P, sleeps: Sleeps | None = None, timeout: float = 5.0, token: str = TEST_TOKEN) -> P:
    """A provider configured the way the dynamic-provider host does it, with fast, recorded backoff."""
    provider.options = {"sleep": sleeps if sleeps is not None else Sleeps(), "timeout": timeout}
    provider.configure(ConfigureRequest(Config({"lightspeedpay:railwayApiToken": token}, "lightspeedpay")))
    return provider


def strip(outs: dict[str, Any]) -> dict[str, Any]:
    """Outputs as the engine would hand them back (None-valued keys dropped)."""
    return {k: v for k, v in outs.items() if v is not None}
