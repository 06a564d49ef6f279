"""Every failure mode a provider call can meet, and what it leaves behind: typed errors, no secrets."""

from __future__ import annotations

import dill  # type: ignore[import-untyped]
import pytest
from pulumi.dynamic import Config, ConfigureRequest

from fakeapis.server import FakeServer, Reply
from fakeapis.supabase import TOKEN, FakeSupabase
from providers.http import ApiError, NotFoundError, UnauthorizedError
from providers.supabase.errors import SupabaseConfigError
from providers.supabase.project import ProjectProvider
from providers.supabase.settings import AuthConfigProvider
from tests.supabase_support import (  # noqa: F401
    PASSWORD,
    FakeClock,
    configured,
    instant_runtime,
    project_props,
    supabase_api_fixture,
    supabase_server_fixture,
)

Api = tuple[FakeSupabase, FakeServer]
HTML = b"<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>"


def _auth(fake: FakeSupabase) -> tuple[AuthConfigProvider, dict[str, object]]:
    ref = fake.add_project("failures").ref
    return configured(AuthConfigProvider), {"project_ref": ref, "settings": {"jwt_exp": 1800}}


def _clean(error: BaseException) -> None:
    text = f"{error!s} {error!r}"
    assert TOKEN not in text and PASSWORD not in text


def test_a_rejected_token_is_a_typed_error_without_the_token(supabase_api: Api) -> None:
    fake, server = supabase_api
    provider, props = _auth(fake)
    server.failures.append(Reply(401, {"message": "Unauthorized"}))
    with pytest.raises(UnauthorizedError, match=r"HTTP 401.*check the API token") as caught:
        provider.create(props)
    _clean(caught.value)
    assert len(server.requests) == 1  # 4xx is not retried


def test_a_wrong_token_reaches_the_fake_and_is_refused(supabase_api: Api) -> None:
    fake, _ = supabase_api
    ref = fake.add_project("wrong-token").ref
    provider = AuthConfigProvider()
    provider.configure(ConfigureRequest(Config({"lightspeedpay:supabaseAccessToken": "another-fake-token"},
                                               "lightspeedpay")))
    provider.options = {"runtime": instant_runtime()}
    with pytest.raises(UnauthorizedError) as caught:
        provider.read(f"{ref}/auth", {"project_ref": ref, "settings": {"jwt_exp": 1800}})
    assert "another-fake-token" not in str(caught.value)


def test_5xx_is_retried_with_bounded_backoff(supabase_api: Api) -> None:
    fake, server = supabase_api
    clock = FakeClock()
    provider, props = _auth(fake)
    provider.options = {"runtime": instant_runtime(clock)}
    server.failures.extend([Reply(500, {"message": "boom"}), Reply(503, {"message": "busy"})])
    provider.create(props)
    assert clock.sleeps == [0.5, 1.0]
    assert fake.projects[str(props["project_ref"])].auth["jwt_exp"] == 1800


def test_persistent_5xx_gives_up_after_the_attempt_limit(supabase_api: Api) -> None:
    fake, server = supabase_api
    clock = FakeClock()
    provider, props = _auth(fake)
    provider.options = {"runtime": instant_runtime(clock)}
    server.failures.extend([Reply(503, {"message": "maintenance"})] * 5)
    with pytest.raises(ApiError, match="HTTP 503: maintenance") as caught:
        provider.create(props)
    assert len(server.requests) == 5 and clock.sleeps == [0.5, 1.0, 2.0, 4.0]
    _clean(caught.value)


def test_an_html_error_page_is_a_clear_error(supabase_api: Api) -> None:
    fake, server = supabase_api
    provider, props = _auth(fake)
    server.failures.extend([Reply(502, raw=HTML)] * 5)
    with pytest.raises(ApiError, match="HTTP 502 returned an HTML page instead of JSON"):
        provider.create(props)


def test_a_timeout_is_retried(supabase_api: Api) -> None:
    fake, _ = supabase_api
    provider, props = _auth(fake)
    provider.options = {"runtime": instant_runtime(timeout=0.2)}
    fake.lose_replies[("GET", f"/v1/projects/{props['project_ref']}/config/auth")] = 1
    fake.stall_seconds = 0.6
    provider.create(props)
    gets = [r for r in fake.requests if r.method == "GET"]
    assert len(gets) == 2  # the first timed out, the second answered


def test_a_429_is_waited_out(supabase_api: Api) -> None:
    fake, server = supabase_api
    clock = FakeClock()
    provider, props = _auth(fake)
    provider.options = {"runtime": instant_runtime(clock)}
    server.failures.append(Reply(429, {"message": "Rate limit exceeded"}, {"X-RateLimit-Reset": "12"}))
    provider.create(props)
    assert clock.sleeps == [12.0]


def test_a_rate_limit_longer_than_a_minute_is_an_error_not_a_hang(supabase_api: Api) -> None:
    fake, server = supabase_api
    provider, props = _auth(fake)
    server.failures.append(Reply(429, {"message": "Rate limit exceeded"}, {"Retry-After": "3600"}))
    with pytest.raises(ApiError, match="rate limited for 3600s"):
        provider.create(props)


def test_a_missing_project_is_not_found(supabase_api: Api) -> None:
    _, _ = supabase_api
    with pytest.raises(NotFoundError, match="HTTP 404"):
        configured(AuthConfigProvider).create({"project_ref": "zzzzzzzzzzzzzzzzzzzz", "settings": {"jwt_exp": 60}})


def test_without_a_token_the_error_says_where_to_set_it(supabase_api: Api) -> None:
    provider = AuthConfigProvider()
    with pytest.raises(SupabaseConfigError, match=r"lightspeedpay:supabaseAccessToken.*SUPABASE_ACCESS_TOKEN"):
        provider.read("abcdefghijklmnopqrst/auth", {"project_ref": "abcdefghijklmnopqrst", "settings": {"jwt_exp": 60}})


def test_the_token_may_come_from_the_environment(supabase_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    fake, _ = supabase_api
    monkeypatch.setenv("SUPABASE_ACCESS_TOKEN", TOKEN)
    ref = fake.add_project("env-token").ref
    provider = AuthConfigProvider()
    provider.options = {"runtime": instant_runtime()}
    assert provider.read(f"{ref}/auth", {"project_ref": ref, "settings": {"jwt_exp": 3600}}).id == f"{ref}/auth"


def test_a_failed_create_leaks_neither_token_nor_password(supabase_api: Api) -> None:
    _, server = supabase_api
    provider = configured(ProjectProvider)
    server.failures.append(Reply(400, {"message": "invalid request"}))
    with pytest.raises(ApiError) as caught:
        provider.create(project_props())
    _clean(caught.value)


def test_the_pickled_provider_holds_no_credential_and_no_code() -> None:
    provider = ProjectProvider()
    pickled = dill.dumps(provider, recurse=True)
    assert b"providers.supabase.project" in pickled and b"ProjectProvider" in pickled  # by reference
    assert len(pickled) < 400 and b"create" not in pickled
    configured_provider = configured(ProjectProvider)
    assert TOKEN not in repr(configured_provider) and TOKEN not in repr(configured_provider.client())
