"""The shared dynamic-provider base (providers/dynamic): ids, backoff, values, checks, pickling, the Args
pattern and `Resource.get`, independent of any vendor's API."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import dill  # type: ignore[import-untyped]
import pulumi
import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import settings as pulumi_settings

from ops.offline import OfflineMocks, RecordingMonitor
from providers.dynamic.backoff import Backoff
from providers.dynamic.compat import SERIALIZED_PROVIDER_CLASSES, resolve
from providers.dynamic.errors import ConflictError, RateLimitedError
from providers.dynamic.ids import IdFormat, decode_any
from providers.dynamic.provider import DynamicProvider
from providers.dynamic.values import UNKNOWN_TEXT, is_unknown, normalise
from providers.railway.project import Project, ProjectArgs, ProjectProvider
from providers.railway.redis import Redis, RedisArgs
from providers.supabase.roles import Role, RoleArgs
from providers.supabase.settings import PostgresConfigProvider


def test_composite_ids_carry_their_parts_and_refuse_other_shapes() -> None:
    instance = IdFormat("{serviceId}:{environmentId}")
    assert instance.encode({"serviceId": "svc-1", "environmentId": "env-2"}) == "svc-1:env-2"
    assert instance.decode("svc-1:env-2") == {"serviceId": "svc-1", "environmentId": "env-2"}
    assert instance.decode("svc-1") is None and instance.decode("a:b:c") is None
    role = IdFormat("{project_ref}/role/{name}")
    assert role.decode("abcdefghijklmnopqrst/role/lightspeedpay_api") == {
        "project_ref": "abcdefghijklmnopqrst", "name": "lightspeedpay_api"}
    assert role.decode("abcdefghijklmnopqrst/auth") is None
    assert decode_any("svc-1:env-2", (IdFormat("{serviceId}"), instance)) == {"serviceId": "svc-1",
                                                                              "environmentId": "env-2"}
    with pytest.raises(ValueError, match="needs environmentId"):
        instance.encode({"serviceId": "svc-1"})


def test_one_backoff_formula_where_a_servers_wait_wins() -> None:
    backoff = Backoff(base=0.5, cap=4.0, max_wait=60.0)
    assert [backoff.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert backoff.delay(1, asked=7.0) == 7.0
    with pytest.raises(RateLimitedError, match="rate limited for 3600s, longer than the 60s"):
        backoff.delay(1, asked=3600.0, what="create")


def test_engine_values_are_made_comparable() -> None:
    assert normalise({"a": 3.0, "b": None, "c": [1.5, 2.0], "__provider": "x", "d": {"e": None}}) == {
        "a": 3, "c": [1.5, 2], "d": {}}
    assert is_unknown(Unknown()) and is_unknown({"x": [1, UNKNOWN_TEXT]}) and not is_unknown({"x": [1, "y"]})


def test_the_checker_names_the_property_skips_unknowns_and_never_echoes_a_secret() -> None:
    failures = {f.property: f.reason for f in RedisProviderCheck.check(
        {"name": "", "password": "hunter2-short", "restartPolicyType": "SOMETIMES", "image": Unknown()}).failures}
    assert failures["name"] == "railway:Redis name: must be a non-empty string (got '')"
    assert failures["restartPolicyType"].endswith("'SOMETIMES' is not allowed; allowed: ON_FAILURE, ALWAYS, NEVER")
    assert "hunter2" not in str(failures) and "password" in failures
    assert "image" not in failures  # unknown in a preview: not refused


class RedisProviderCheck:
    @staticmethod
    def check(props: dict[str, Any]) -> Any:
        from providers.railway.redis import RedisProvider

        return RedisProvider().check({}, props)


@pytest.mark.parametrize("path", sorted(SERIALIZED_PROVIDER_CLASSES))
def test_every_provider_pickles_by_reference_with_an_empty_state(path: str) -> None:
    provider = resolve(path)()
    provider.configure(ConfigureRequest(Config({"lightspeedpay:railwayApiToken": "test-token-not-real",
                                                "lightspeedpay:supabaseAccessToken": "test-token-not-real"},
                                               "lightspeedpay")))
    provider.options = {"timeout": 1.0}
    pickled = base64.b64decode(serialize_provider(provider))
    assert b"test-token-not-real" not in pickled and b"options" not in pickled and len(pickled) < 140
    again = dill.loads(pickled)
    assert type(again) is type(provider) and again._token is None and again.options is None


@pytest.mark.parametrize("old_state", [{"client_options": {}}, {"runtime": None},
                                       {"_token": None, "runtime": None}, {}])
def test_states_earlier_releases_pickled_are_accepted(old_state: dict[str, Any]) -> None:
    provider = ProjectProvider.__new__(ProjectProvider)
    provider.__setstate__(old_state)
    assert provider._token is None and provider.options is None
    with pytest.raises(Exception, match="pulumi config set --secret lightspeedpay:railwayApiToken"):
        provider.client()


def test_diff_compares_declared_fields_only_and_replaces_deleting_first() -> None:
    provider = ProjectProvider()
    olds = {"name": "jobs", "plan": "pro", "defaultEnvironmentName": "production", "prDeploys": False,
            "workspaceId": "ws-1", "workspacePlan": "PRO", "defaultEnvironmentId": "env-1", "__provider": "old"}
    news = {"name": "jobs", "plan": "pro", "defaultEnvironmentName": "production", "prDeploys": 0.0,
            "__provider": "new"}
    assert provider.diff("prj-1", olds, news).changes is False  # workspaceId is Railway's unless declared
    assert provider.diff("prj-1", olds, {**news, "name": Unknown()}).changes is True
    moved = provider.diff("prj-1", olds, {**news, "workspaceId": "ws-2"})
    assert moved.replaces == ["workspaceId"] and moved.delete_before_replace is True
    with pytest.raises(ConflictError, match=r"already manages 'prj-1', but adoptId names 'prj-9'"):
        provider.diff("prj-1", olds, {**news, "adoptId": "prj-9"})
    assert provider.diff("prj-1", olds, {**news, "adoptId": "prj-1"}).changes is False


def test_a_declared_restart_permission_defaults_to_none_given() -> None:
    # A field added to a kind later (restart_allowed) must not turn existing state into a diff.
    provider = PostgresConfigProvider()
    olds = {"project_ref": "abcdefghijklmnopqrst", "settings": {"statement_timeout": "60s"}}
    assert provider.diff("x", olds, {**olds, "restart_allowed": False}).changes is False


def test_args_become_the_kinds_wire_names_with_secrets_marked() -> None:
    async def wire() -> None:
        redis = RedisArgs(project_id="p", environment_id="e", name="redis", image="redis:7", region="r",
                          password="testRedisPasswordNotReal0123")
        props = redis.props(Redis.provider_class.vendor.wire)
        assert set(props) >= {"projectId", "environmentId", "volumeMountPath", "restartPolicyMaxRetries", "adoptId"}
        password = props["password"]
        assert isinstance(password, pulumi.Output) and await password.is_secret()
        assert await password.future() == "testRedisPasswordNotReal0123"
        role = RoleArgs(project_ref="r", name="lightspeedpay_api", password="testRolePasswordNotReal0123")
        role_props = role.props(Role.provider_class.vendor.wire)
        assert set(role_props) >= {"project_ref", "connection_limit", "adopt_id", "reset_secrets_on_adopt"}
        assert await role_props["password"].is_secret()

    asyncio.run(wire())
    assert Redis.secret_outputs(Redis.provider_class()) == ["password"]
    assert Role.secret_outputs(Role.provider_class()) == ["password"]


class _Mocks(OfflineMocks):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.seen.append(args)
        return super().new_resource(args)


def test_get_reads_by_the_id_alone_with_only_the_serialized_provider() -> None:
    mocks = _Mocks()
    loop = asyncio.new_event_loop()  # its own loop, closed after, as ops.offline runs a program
    asyncio.set_event_loop(loop)
    try:
        pulumi_settings.reset_options()
        pulumi.runtime.set_mocks(mocks, "lightspeedpay", "production", preview=False, monitor=RecordingMonitor(mocks))

        @pulumi.runtime.test
        def program() -> pulumi.Output[Any]:
            got = Project.get("existing-jobs", "prj-42")
            made = Project("declared-jobs", ProjectArgs(name="jobs", plan="pro", adopt_id="prj-42"))
            return pulumi.Output.all(got.id, made.id)

        program()
    finally:
        pulumi_settings.reset_options()
        loop.close()
        asyncio.set_event_loop(None)
    read = next(a for a in mocks.seen if a.name == "existing-jobs")
    assert read.resource_id == "prj-42" and set(read.inputs) == {"__provider"}  # nothing else to go on
    declared = next(a for a in mocks.seen if a.name == "declared-jobs")
    assert declared.inputs["adoptId"] == "prj-42" and not declared.resource_id


def test_every_concrete_kind_is_a_dynamic_provider() -> None:
    for path in SERIALIZED_PROVIDER_CLASSES.values():
        assert issubclass(resolve(path), DynamicProvider)


def test_every_resource_kind_is_listed_for_the_state_it_will_write() -> None:
    """A new kind's provider path and type token are kept from its first release: state will hold them."""
    import providers.railway.project
    import providers.railway.redis
    import providers.railway.service
    import providers.railway.token
    import providers.railway.trigger
    import providers.railway.variables
    import providers.supabase.resources  # noqa: F401  (each kind is a subclass once imported)
    from providers.dynamic.compat import TYPE_TOKENS, kinds

    declared = kinds()
    assert set(declared) == set(TYPE_TOKENS)
    for kind in declared.values():
        provider = kind.provider_class
        assert f"{provider.__module__}.{provider.__qualname__}" in SERIALIZED_PROVIDER_CLASSES.values(), kind
