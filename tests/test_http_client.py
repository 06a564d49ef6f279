"""The shared provider HTTP client: retries, rate limits, error pages, and no token in messages."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from fakeapis.server import FakeServer, Recorded, Reply
from providers.dynamic.backoff import Backoff
from providers.http import ApiError, JsonHttpClient, NotFoundError, RateLimitedError, UnauthorizedError

TOKEN = "test-token-not-real-0000"


def _ok(request: Recorded) -> Reply:
    return Reply(200, {"echo": request.body, "path": request.path})


def _client(server: FakeServer, waits: list[float], **kwargs: Any) -> JsonHttpClient:
    return JsonHttpClient(server.url, TOKEN, sleep=waits.append, timeout=kwargs.pop("timeout", 5.0), **kwargs)


def test_sends_bearer_token_and_json() -> None:
    with FakeServer(_ok) as server:
        response = _client(server, []).request("POST", "/v1/things", {"name": "a"})
    assert response.body == {"echo": {"name": "a"}, "path": "/v1/things"}
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert server.requests[0].headers["content-type"] == "application/json"


def test_429_waits_for_retry_after_then_succeeds() -> None:
    waits: list[float] = []
    with FakeServer(_ok) as server:
        server.failures = [Reply(429, {"message": "slow down"}, {"Retry-After": "7"})]
        client = _client(server, waits)
        assert client.request("GET", "/x").status == 200
    assert waits == [7.0] and client.requests_sent == 2


def test_429_with_ratelimit_reset_header() -> None:
    waits: list[float] = []
    with FakeServer(_ok) as server:
        server.failures = [Reply(429, None, {"X-RateLimit-Reset": "3"})]
        _client(server, waits).request("GET", "/x")
    assert waits == [3.0]


def test_5xx_retries_with_bounded_exponential_backoff_then_fails() -> None:
    waits: list[float] = []
    with FakeServer(lambda r: Reply(503, {"message": "unavailable"})) as server:
        client = _client(server, waits, max_attempts=4, backoff=Backoff(base=1.0, cap=3.0))
        with pytest.raises(ApiError) as error:
            client.request("GET", "/x")
    assert waits == [1.0, 2.0, 3.0]
    assert error.value.status == 503 and len(server.requests) == 4


def test_html_error_page_is_a_clear_error() -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    with FakeServer(lambda r: Reply(502, raw=page)) as server, pytest.raises(ApiError) as error:
        _client(server, [], max_attempts=1).request("GET", "/x")
    assert "an HTML page instead of JSON" in str(error.value)


def test_timeout_is_retried_then_reported() -> None:
    waits: list[float] = []
    with FakeServer(lambda r: Reply(200, {}, delay=0.5)) as server, pytest.raises(ApiError) as error:
        _client(server, waits, timeout=0.1, max_attempts=2).request("GET", "/slow")
    assert "timed out" in str(error.value) and len(waits) == 1


def test_client_errors_are_typed_and_not_retried() -> None:
    with FakeServer(lambda r: Reply(404 if r.path == "/missing" else 401, {"message": "nope"})) as server:
        client = _client(server, [])
        with pytest.raises(NotFoundError):
            client.request("GET", "/missing")
        with pytest.raises(UnauthorizedError) as error:
            client.request("GET", "/private")
    assert len(server.requests) == 2
    assert TOKEN not in str(error.value) and TOKEN not in repr(client)


def test_retry_after_longer_than_the_limit_gives_up() -> None:
    slow = FakeServer(lambda r: Reply(429, None, {"Retry-After": "3600"}))
    with slow as server, pytest.raises(RateLimitedError) as error:
        _client(server, []).request("GET", "/x")
    assert "3600s" in str(error.value)


def test_client_pickles_without_live_connections() -> None:
    client = JsonHttpClient("https://example.invalid", TOKEN)
    assert pickle.loads(pickle.dumps(client)).base_url == "https://example.invalid"
