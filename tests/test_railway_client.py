"""The Railway GraphQL client on the wire: auth headers, failure modes, typed errors, no token leaks."""

from __future__ import annotations

import pickle

import pytest

from fakeapis.railway import TEST_TOKEN, RailwayFake
from fakeapis.server import FakeServer, Reply
from providers.railway.client import (
    DEFAULT_ENDPOINT,
    RailwayClient,
    RailwayError,
    RailwayNotFoundError,
    RailwayUnauthorizedError,
    endpoint_from_env,
)
from providers.railway.documents import PROJECT_READ, TOKEN_WORKSPACES
from tests.railway_helpers import Sleeps

HTML = b"<html><head><title>Access denied | backboard.railway.com used Cloudflare</title></head></html>"


@pytest.fixture
def api() -> object:
    fake = RailwayFake()
    with FakeServer(fake.handler) as server:
        yield fake, server
    assert fake.violations == []


def client_for(server: FakeServer, sleeps: Sleeps | None = None, **options: object) -> RailwayClient:
    return RailwayClient(token=TEST_TOKEN, endpoint=f"{server.url}/graphql/v2",
                         sleep=sleeps if sleeps is not None else Sleeps(), **options)  # type: ignore[arg-type]


def test_endpoint_defaults_to_railway_and_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAILWAY_API_URL", raising=False)
    assert endpoint_from_env() == DEFAULT_ENDPOINT == "https://backboard.railway.com/graphql/v2"
    monkeypatch.setenv("RAILWAY_API_URL", "http://127.0.0.1:1/graphql/v2")
    assert RailwayClient(token=TEST_TOKEN).endpoint == "http://127.0.0.1:1/graphql/v2"


def test_request_shape_and_bearer_auth(api: tuple[RailwayFake, FakeServer]) -> None:
    _fake, server = api
    data = client_for(server).execute(TOKEN_WORKSPACES)
    assert data == {"apiToken": {"workspaces": [{"id": "ws-1", "name": "lightspeedpay"}]}}
    sent = server.requests[-1]
    assert sent.method == "POST" and sent.path == "/graphql/v2"
    assert sent.headers["authorization"] == f"Bearer {TEST_TOKEN}"
    assert sent.headers["content-type"] == "application/json"
    assert sent.body == {"query": TOKEN_WORKSPACES, "variables": {}, "operationName": "TokenWorkspaces"}


def test_project_tokens_use_their_own_header_and_no_bearer(api: tuple[RailwayFake, FakeServer]) -> None:
    _fake, server = api
    client = RailwayClient(token="test-project-token-not-real", endpoint=f"{server.url}/graphql/v2",
                           token_kind="project")
    with pytest.raises(RailwayUnauthorizedError, match="Project Token not found"):
        client.execute(TOKEN_WORKSPACES)
    sent = server.requests[-1]
    assert sent.headers["project-access-token"] == "test-project-token-not-real"
    assert "authorization" not in sent.headers


def test_429_waits_for_retry_after_then_succeeds(api: tuple[RailwayFake, FakeServer]) -> None:
    _fake, server = api
    sleeps = Sleeps()
    server.failures += [Reply(429, {"errors": [{"message": "rate limited"}]}, headers={"Retry-After": "7"})]
    assert client_for(server, sleeps).execute(TOKEN_WORKSPACES)["apiToken"]
    assert sleeps == [7.0]
    assert len(server.requests) == 2


def test_5xx_and_timeouts_retry_with_bounded_backoff(api: tuple[RailwayFake, FakeServer]) -> None:
    _fake, server = api
    sleeps = Sleeps()
    server.failures += [Reply(502, {"message": "bad gateway"}), Reply(503, {"message": "unavailable"}),
                        Reply(200, {}, delay=0.5)]
    client = client_for(server, sleeps, timeout=0.2)
    assert client.execute(TOKEN_WORKSPACES)["apiToken"]
    assert sleeps == [0.5, 1.0, 2.0]  # exponential, from the shared client's base
    assert client.requests_sent == 4


def test_retries_stop_after_the_attempt_budget(api: tuple[RailwayFake, FakeServer]) -> None:
    _fake, server = api
    sleeps = Sleeps()
    server.failures += [Reply(500, {"message": "boom"})] * 3
    with pytest.raises(RailwayError, match="HTTP 500") as caught:
        client_for(server, sleeps, max_attempts=3).execute(TOKEN_WORKSPACES)
    assert caught.value.retryable and len(server.requests) == 3 and len(sleeps) == 2
    assert max(sleeps) <= 20.0


def test_a_create_sent_without_retry_is_sent_once(api: tuple[RailwayFake, FakeServer]) -> None:
    _fake, server = api
    server.failures += [Reply(503, {"message": "unavailable"})]
    with pytest.raises(RailwayError) as caught:
        client_for(server).execute(TOKEN_WORKSPACES, retry=False)
    assert caught.value.retryable and len(server.requests) == 1


def test_html_error_page_becomes_a_clear_error(api: tuple[RailwayFake, FakeServer]) -> None:
    _fake, server = api
    server.failures += [Reply(403, raw=HTML)]
    with pytest.raises(RailwayError, match="HTML page instead of JSON") as caught:
        client_for(server).execute(TOKEN_WORKSPACES)
    assert caught.value.status == 403 and "TokenWorkspaces" in str(caught.value)


def test_graphql_errors_become_typed_errors_with_the_api_message(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, server = api
    client = client_for(server)
    with pytest.raises(RailwayNotFoundError, match="Project not found") as missing:
        client.execute(PROJECT_READ, {"id": "prj-missing"})
    assert missing.value.messages == ["Project not found"]
    fake.graphql_error_next("TokenWorkspaces", "Two Factor Authentication Required")
    with pytest.raises(RailwayUnauthorizedError, match="Two Factor"):
        client.execute(TOKEN_WORKSPACES)
    fake.graphql_error_next("TokenWorkspaces", "Problem processing request")
    with pytest.raises(RailwayError, match="Railway TokenWorkspaces: Problem processing request") as other:
        client.execute(TOKEN_WORKSPACES)
    assert type(other.value) is RailwayError


def test_a_400_with_graphql_errors_keeps_the_api_message(api: tuple[RailwayFake, FakeServer]) -> None:
    _fake, server = api
    server.failures += [Reply(400, {"errors": [{"message": "Cannot query field \"nope\" on type \"Query\"."}]})]
    with pytest.raises(RailwayError, match='Cannot query field "nope"'):
        client_for(server).execute(TOKEN_WORKSPACES)


def test_a_wrong_token_is_unauthorized_and_never_echoed(api: tuple[RailwayFake, FakeServer]) -> None:
    _fake, server = api
    secret = "test-wrong-token-not-real"
    client = RailwayClient(token=secret, endpoint=f"{server.url}/graphql/v2")
    with pytest.raises(RailwayUnauthorizedError) as caught:
        client.execute(TOKEN_WORKSPACES)
    assert secret not in str(caught.value) and secret not in repr(client)
    assert "railwayApiToken" in str(caught.value)


def test_no_token_is_a_clear_error_before_any_request() -> None:
    with pytest.raises(RailwayUnauthorizedError, match="pulumi config set --secret lightspeedpay:railwayApiToken"):
        RailwayClient(token="", endpoint="http://127.0.0.1:9/graphql/v2")


def test_an_unreachable_api_fails_with_a_connection_error() -> None:
    sleeps = Sleeps()
    client = RailwayClient(token=TEST_TOKEN, endpoint="http://127.0.0.1:9/graphql/v2", sleep=sleeps,
                           max_attempts=2)
    with pytest.raises(RailwayError, match="connection failed") as caught:
        client.execute(TOKEN_WORKSPACES)
    assert TEST_TOKEN not in str(caught.value) and len(sleeps) == 1


def test_the_client_pickles_without_live_connections(api: tuple[RailwayFake, FakeServer]) -> None:
    _fake, server = api
    client = client_for(server)
    client.execute(TOKEN_WORKSPACES)
    clone = pickle.loads(pickle.dumps(RailwayClient(token=TEST_TOKEN, endpoint=client.endpoint)))
    assert clone.execute(TOKEN_WORKSPACES)["apiToken"]
