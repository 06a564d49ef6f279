"""What each Railway kind does beyond the shared contract (tests/test_provider_contract.py).

The requests each special step sends, the state the fake keeps, and the failure modes: the plan
checked before a project is created, workspaces resolved without guessing, the base environment
never deleted, every instance write naming its environment with the full region map, one
environment-config commit per variables change, sealed values never reset by an adoption, Redis's
password sealed, project tokens never silently rotated, and a deployment trigger's "Wait for CI" switched on
with only what differs, followed when made again in the dashboard, and never deleted.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from fakeapis.railway import TEST_TOKEN, RailwayFake
from fakeapis.server import FakeServer, Reply
from providers.dynamic.errors import ConfigError, ConflictError
from providers.railway.client import RailwayError, RailwayUnauthorizedError
from providers.railway.project import EnvironmentProvider, ProjectProvider, RailwayPlanError
from providers.railway.redis import LEGACY_VARIABLES, RedisProvider
from providers.railway.service import ServiceInstanceProvider, ServiceProvider
from providers.railway.token import ProjectTokenProvider
from providers.railway.trigger import DeploymentTriggerProvider
from providers.railway.variables import VariablesProvider
from tests.railway_helpers import Sleeps, configured, railway_api, strip

REGION = "asia-southeast1-eqsg3a"
PASSWORD = "testRedisPasswordNotReal0123"


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[RailwayFake, FakeServer]]:
    with railway_api(monkeypatch) as (fake, server):
        yield fake, server
        assert fake.violations == []


def ops_since(fake: RailwayFake, mark: int) -> list[str]:
    return [name for name, _ in fake.calls[mark:]]


def project(fake: RailwayFake, name: str = "lsp-jobs", plan: str = "pro") -> tuple[str, str]:
    created = configured(ProjectProvider()).create(
        {"name": name, "plan": plan, "defaultEnvironmentName": "production", "prDeploys": False})
    assert created.outs is not None
    return created.id, created.outs["defaultEnvironmentId"]


def service(project_id: str, environment_id: str, name: str = "worker") -> str:
    return configured(ServiceProvider()).create({
        "projectId": project_id, "environmentId": environment_id, "name": name,
        "sourceRepo": "lightspeedpay/platform", "sourceBranch": "main"}).id


def failures(provider: Any, props: dict[str, Any]) -> list[str]:
    return [f.reason for f in provider.check({}, props).failures]


# ------------------------------------------------------------------------------------- project
def test_project_check_names_each_problem() -> None:
    assert failures(ProjectProvider(), {"name": "", "plan": "team", "defaultEnvironmentName": "production"}) == [
        "railway:Project name: must be a non-empty string (got '')",
        "railway:Project plan: 'team' is not allowed; allowed: hobby, pro, enterprise"]
    assert failures(ProjectProvider(), {"name": "x", "plan": "pro", "defaultEnvironmentName": "production",
                                        "adoptId": "a:b"}) == [
        "railway:Project adoptId: 'a:b' is not an id of the form {projectId}"]


def test_the_plan_is_checked_before_anything_is_created(monkeypatch: pytest.MonkeyPatch) -> None:
    with railway_api(monkeypatch, plan="HOBBY") as (fake, _):
        with pytest.raises(RailwayPlanError, match=r"HOBBY plan, but lightspeedpay:jobs\.plan declares 'pro'"):
            configured(ProjectProvider()).create(
                {"name": "lsp-jobs", "plan": "pro", "defaultEnvironmentName": "production"})
        assert fake.projects == {} and fake.mutations() == []  # no orphan project outside the state
        assert ops_since(fake, 0) == ["TokenWorkspaces", "WorkspaceProjects"]


def test_a_token_reaching_several_workspaces_needs_the_workspace_named(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, server = api
    server.failures.append(Reply(200, {"data": {"apiToken": {"workspaces": [
        {"id": "ws-1", "name": "lightspeedpay"}, {"id": "ws-9", "name": "personal"}]}}}))
    props = {"name": "lsp-jobs", "plan": "pro", "defaultEnvironmentName": "production"}
    with pytest.raises(ConflictError, match=r"reaches 2 workspaces .*set lightspeedpay:jobs\.workspaceId"):
        configured(ProjectProvider()).create(props)
    assert fake.mutations() == []
    created = configured(ProjectProvider()).create({**props, "workspaceId": "ws-1"})
    assert ops_since(fake, 0) == ["WorkspaceProjects", "ProjectCreate"]  # a named workspace: no token lookup
    assert fake.projects[created.id]["workspaceId"] == "ws-1"


def test_adoption_looks_only_among_the_workspaces_projects(monkeypatch: pytest.MonkeyPatch) -> None:
    with railway_api(monkeypatch, page_size=1) as (fake, _):
        for name in ("a", "b", "c"):
            project(fake, name)
        mark = len(fake.calls)
        again = configured(ProjectProvider()).create(
            {"name": "c", "plan": "pro", "defaultEnvironmentName": "production"})
        assert ops_since(fake, mark) == ["TokenWorkspaces", *["WorkspaceProjects"] * 3] and len(fake.projects) == 3
        assert fake.projects[again.id]["name"] == "c"


def test_two_projects_of_one_name_are_refused_not_guessed(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    first, _env = project(fake)
    fake.projects["prj-dup"] = {**fake.projects[first], "id": "prj-dup"}
    with pytest.raises(ConflictError, match=r"2 projects named 'lsp-jobs' in workspace ws-1; declare"):
        configured(ProjectProvider()).create({"name": "lsp-jobs", "plan": "pro", "defaultEnvironmentName": "x"})
    # Declaring which one is ours settles it.
    adopted = configured(ProjectProvider()).create(
        {"name": "lsp-jobs", "plan": "pro", "defaultEnvironmentName": "production", "adoptId": "prj-dup"})
    assert adopted.id == "prj-dup"


def test_a_plan_change_is_checked_against_the_workspace_before_the_update(monkeypatch: pytest.MonkeyPatch) -> None:
    with railway_api(monkeypatch, plan="HOBBY") as (fake, _):
        provider = configured(ProjectProvider())
        props = {"name": "lsp-jobs", "plan": "hobby", "defaultEnvironmentName": "production", "prDeploys": False}
        created = provider.create(props)
        with pytest.raises(RailwayPlanError):
            provider.update(created.id, created.outs or {}, {**props, "plan": "pro", "description": "x"})
        assert fake.projects[created.id]["description"] is None  # nothing was sent


# ------------------------------------------------------------------------------------- environment
def test_environment_adopts_the_default_and_never_deletes_it(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    project_id, default_env = project(fake)
    provider = configured(EnvironmentProvider())
    adopted = provider.create({"projectId": project_id, "name": "production"})
    assert adopted.id == default_env and (adopted.outs or {})["isBaseEnvironment"] is True
    mark = len(fake.calls)
    provider.delete(adopted.id, adopted.outs or {})
    assert fake.mutations() == [] or "EnvironmentDelete" not in ops_since(fake, mark)
    assert default_env in fake.environments
    # Read by its id alone (no state), it still knows it is the base environment, so a later destroy keeps it.
    alone = provider.read(default_env, {})
    assert (alone.outs or {})["isBaseEnvironment"] is True and (alone.outs or {})["projectId"] == project_id
    provider.delete(default_env, alone.outs or {})
    assert default_env in fake.environments


# ------------------------------------------------------------------------------------- service
def test_service_source_changes_and_checks(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    project_id, environment_id = project(fake)
    provider = configured(ServiceProvider())
    props = {"projectId": project_id, "environmentId": environment_id, "name": "worker",
             "sourceRepo": "lightspeedpay/platform", "sourceBranch": "main"}
    assert failures(provider, {**props, "sourceImage": "node:22"}) == [
        "railway:Service sourceRepo: give exactly one of sourceRepo (with sourceBranch) or sourceImage"]
    assert failures(provider, {**props, "sourceBranch": None}) == [
        "railway:Service sourceBranch: is required with sourceRepo"]
    mark = len(fake.calls)
    created = provider.create(props)
    assert ops_since(fake, mark) == ["ServiceFind", "ServiceCreate"]
    mark = len(fake.calls)
    image = {**props, "sourceRepo": None, "sourceBranch": None, "sourceImage": "ghcr.io/lightspeedpay/worker:1"}
    provider.update(created.id, created.outs or {}, {**image, "name": "jobs-worker"})
    assert ops_since(fake, mark) == ["ServiceUpdate", "ServiceConnect"]
    assert fake.services[created.id]["name"] == "jobs-worker"
    assert fake.instances[(created.id, environment_id)]["source"]["image"] == "ghcr.io/lightspeedpay/worker:1"


def test_a_service_read_by_a_bare_id_needs_its_environment_when_it_runs_in_several(
        api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    project_id, environment_id = project(fake)
    service_id = service(project_id, environment_id)
    assert configured(ServiceProvider()).read(service_id, {}).outs["environmentId"] == environment_id  # type: ignore[index]
    staging = configured(EnvironmentProvider()).create({"projectId": project_id, "name": "staging"}).id
    fake.instances[(service_id, staging)] = dict(fake.instances[(service_id, environment_id)])
    with pytest.raises(ConfigError, match=r"runs in 2 environments .*read it as <serviceId>:<environmentId>"):
        configured(ServiceProvider()).read(service_id, {})
    assert configured(ServiceProvider()).read(f"{service_id}:{staging}", {}).id == service_id


def test_a_graphql_error_on_create_is_raised_with_the_api_message(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    project_id, environment_id = project(fake)
    fake.graphql_error_next("ServiceCreate", "Problem processing request: repository not accessible")
    with pytest.raises(RailwayError, match="ServiceCreate: Problem processing request: repository not accessible"):
        service(project_id, environment_id)
    assert fake.services == {}


def test_a_rate_limited_create_waits_as_told_then_looks_before_trying_again(
        api: tuple[RailwayFake, FakeServer]) -> None:
    fake, server = api
    project_id, environment_id = project(fake)
    sleeps = Sleeps()
    provider = configured(ServiceProvider(), sleeps)
    mark = len(fake.calls)
    server.failures.extend([Reply(200, {"data": {"project": {"id": project_id, "services": {"edges": []}}}}),
                            Reply(429, {"errors": [{"message": "rate limited"}]}, headers={"Retry-After": "7"})])
    created = provider.create({"projectId": project_id, "environmentId": environment_id, "name": "worker",
                               "sourceRepo": "lightspeedpay/platform", "sourceBranch": "main"})
    assert sleeps == [7.0] and ops_since(fake, mark) == ["ServiceFind", "ServiceCreate"]
    assert [s["id"] for s in fake.services.values()] == [created.id]


def test_reads_survive_a_rate_limit_and_still_cost_one_request(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, server = api
    project_id, environment_id = project(fake)
    sleeps = Sleeps()
    provider = configured(ServiceProvider(), sleeps)
    service_id = service(project_id, environment_id)
    mark = len(server.requests)
    server.failures.append(Reply(429, {"message": "slow down"}, headers={"Retry-After": "3"}))
    read = provider.read(service_id, {"projectId": project_id, "environmentId": environment_id, "name": "worker",
                                      "sourceRepo": "lightspeedpay/platform", "sourceBranch": "main"})
    assert read.id == service_id and sleeps == [3.0]
    assert len(server.requests) - mark == 2  # the 429 and its one retry: still a single read


def test_not_authorized_means_gone_only_while_the_token_still_works(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    project_id, environment_id = project(fake)
    props = {"projectId": project_id, "environmentId": environment_id, "name": "worker",
             "sourceRepo": "lightspeedpay/platform", "sourceBranch": "main"}
    service_id = service(project_id, environment_id)
    fake.graphql_error_next("ServiceRead", "Not Authorized")
    assert configured(ServiceProvider()).read(service_id, props).id is None  # moved out of our reach
    with pytest.raises(RailwayUnauthorizedError):  # a revoked token must not empty the state
        configured(ServiceProvider(), token="test-revoked-token-not-real").read(service_id, props)


# ------------------------------------------------------------------------------------- instance
def instance_props(service_id: str, environment_id: str, **changes: Any) -> dict[str, Any]:
    return {"serviceId": service_id, "environmentId": environment_id,
            "regions": {REGION: 2.0}, "startCommand": "node dist/worker.js", "healthcheckPath": "/health",
            "healthcheckTimeout": 60.0, "restartPolicyType": "ON_FAILURE", "restartPolicyMaxRetries": 10.0,
            "drainingSeconds": 60.0, **changes}


def test_instance_check_explains_each_problem() -> None:
    provider = ServiceInstanceProvider()
    assert failures(provider, instance_props("s", "e", regions={}, restartPolicyType="SOMETIMES")) == [
        "railway:ServiceInstance restartPolicyType: 'SOMETIMES' is not allowed; allowed: ON_FAILURE, ALWAYS, NEVER",
        "railway:ServiceInstance regions: must map at least one Railway region id to a replica count, "
        "e.g. {'asia-southeast1-eqsg3a': 2}"]
    assert failures(provider, instance_props("s", "e", replicaBounds={"min": 2, "max": 60})) == [
        "railway:ServiceInstance replicaBounds: max 60 exceeds Railway's 50 replicas per service; allowed: 1..50"]
    assert failures(provider, instance_props("s", "e", replicaBounds={"min": 3, "max": 5})) == [
        "railway:ServiceInstance regions: the initial 2 replica(s) must lie within replicaBounds [3, 5]"]
    assert failures(provider, instance_props("s", "e", healthcheckPath="health", regions={"US West": 1})) == [
        "railway:ServiceInstance healthcheckPath: 'health' must be an absolute path such as '/health'",
        "railway:ServiceInstance regions: 'US West' is not a Railway region id (e.g. 'asia-southeast1-eqsg3a')"]


def test_instance_writes_name_the_environment_and_send_the_full_region_map(
        api: tuple[RailwayFake, FakeServer]) -> None:
    fake, server = api
    project_id, environment_id = project(fake)
    service_id = service(project_id, environment_id)
    provider = configured(ServiceInstanceProvider())
    props = instance_props(service_id, environment_id)
    mark = len(server.requests)
    created = provider.create(props)
    writes = [r.body for r in server.requests[mark:] if r.body["operationName"] == "ServiceInstanceUpdate"]
    assert writes[0]["variables"]["environmentId"] == environment_id
    # The new service's default placement (one replica in us-west2) is removed explicitly.
    assert writes[0]["variables"]["input"]["multiRegionConfig"] == {"us-west2": None, REGION: {"numReplicas": 2}}
    assert fake.deploys == [(service_id, environment_id, "deploy")]

    changed = instance_props(service_id, environment_id, healthcheckTimeout=120.0, regions={REGION: 3.0})
    mark = len(fake.calls)
    provider.update(created.id, created.outs or {}, changed)
    assert ops_since(fake, mark) == ["EnvironmentConfig", "ServiceInstanceUpdate", "ServiceInstanceRedeploy"]
    assert fake.replicas(service_id, environment_id) == {REGION: 3}

    unset = {k: v for k, v in changed.items() if k != "startCommand"}
    provider.update(created.id, changed, unset)
    last = [r.body for r in server.requests if r.body["operationName"] == "ServiceInstanceUpdate"][-1]
    assert last["variables"]["input"]["startCommand"] is None  # managed, then removed: unset on Railway


def test_a_fixed_fleet_drifted_in_the_dashboard_is_put_back(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    project_id, environment_id = project(fake)
    service_id = service(project_id, environment_id)
    provider = configured(ServiceInstanceProvider())
    props = instance_props(service_id, environment_id)
    created = provider.create(props)
    fake.scale(service_id, environment_id, {REGION: 5, "us-east4-eqdc4a": 1})
    refreshed = provider.read(created.id, created.outs or {}).outs or {}
    assert provider.diff(created.id, refreshed, props).changes
    provider.update(created.id, refreshed, props)
    assert fake.replicas(service_id, environment_id) == {REGION: 2}


# ------------------------------------------------------------------------------------- variables
def variables_of_a_new_service(fake: RailwayFake) -> tuple[tuple[str, str], dict[str, Any]]:
    """A new project and service; the (service, environment) key of its variables in the fake, and the
    declaration of them."""
    project_id, environment_id = project(fake)
    service_id = service(project_id, environment_id)
    return (service_id, environment_id), {
        "projectId": project_id, "environmentId": environment_id, "serviceId": service_id,
        "variables": {"LOG_LEVEL": "info"},
        "sealedVariables": {"DATABASE_URL": "postgresql://test:not-real@db.invalid:6543/postgres"}}


def test_variables_are_one_commit_and_sealed_values_never_go_plain(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, server = api
    key, props = variables_of_a_new_service(fake)
    service_id = props["serviceId"]
    provider = configured(VariablesProvider())
    assert failures(provider, {**props, "variables": {"DATABASE_URL": "x", "2BAD": "y"}}) == [
        "railway:Variables variables: '2BAD' is not a valid variable name (letters, digits, '_'; "
        "not starting with a digit)",
        "railway:Variables sealedVariables: DATABASE_URL is set in both variables and sealedVariables; keep it in one"]
    mark = len(server.requests)
    created = provider.create(props)
    bodies = [r.body for r in server.requests[mark:]]
    assert [b["operationName"] for b in bodies] == ["VariablesRead", "EnvironmentPatchCommit"]
    entries = bodies[1]["variables"]["patch"]["services"][service_id]["variables"]
    assert entries == {"DATABASE_URL": {"value": props["sealedVariables"]["DATABASE_URL"], "isSealed": True},
                       "LOG_LEVEL": {"value": "info"}}
    assert (created.outs or {})["sealedVariables"] == props["sealedVariables"]  # kept: it cannot be read back

    # Moving a name out of the declaration removes it in the same kind of commit; nothing else is touched.
    fake.variables[key]["UNMANAGED"] = {"value": "x", "isSealed": False}
    mark = len(fake.calls)
    provider.update(created.id, created.outs or {}, {**props, "variables": {}, "sealedVariables": {}})
    assert ops_since(fake, mark) == ["EnvironmentPatchCommit"]
    assert set(fake.variables[key]) == {"UNMANAGED"}


def test_a_sealed_variable_moving_to_plain_is_removed_first(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    key, props = variables_of_a_new_service(fake)
    provider = configured(VariablesProvider())
    created = provider.create(props)
    plain = {**props, "variables": {"LOG_LEVEL": "info", "DATABASE_URL": "postgresql://plain"}, "sealedVariables": {}}
    mark = len(fake.calls)
    provider.update(created.id, created.outs or {}, plain)
    assert ops_since(fake, mark) == ["EnvironmentPatchCommit", "EnvironmentPatchCommit"]
    assert fake.variables[key]["DATABASE_URL"] == {"value": "postgresql://plain", "isSealed": False}


def test_an_adopted_sealed_variable_is_not_reset_unless_the_stack_says_so(
        api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    key, props = variables_of_a_new_service(fake)
    fake.variables[key] = {"DATABASE_URL": {"value": "set-in-the-dashboard", "isSealed": True}}
    created = configured(VariablesProvider()).create(props)
    stored = fake.variables[key]
    assert stored["DATABASE_URL"]["value"] == "set-in-the-dashboard" and stored["LOG_LEVEL"]["value"] == "info"
    assert (created.outs or {})["unwritten"] == ["sealedVariables.DATABASE_URL"]
    # The stack asks: the next update writes it.
    provider = configured(VariablesProvider())
    asked = {**props, "resetSecretsOnAdopt": True}
    assert provider.diff(created.id, created.outs or {}, asked).changes
    updated = provider.update(created.id, created.outs or {}, asked)
    assert stored["DATABASE_URL"]["value"] == props["sealedVariables"]["DATABASE_URL"]
    assert (updated.outs or {}).get("unwritten") is None
    # Or, from the start, reset_secrets_on_adopt writes it at once.
    fake.variables[key] = {"DATABASE_URL": {"value": "again", "isSealed": True}}
    configured(VariablesProvider()).create(asked)
    assert fake.variables[key]["DATABASE_URL"]["value"] != "again"


# ------------------------------------------------------------------------------------- redis
def redis_props(project_id: str, environment_id: str, **changes: Any) -> dict[str, Any]:
    return {"projectId": project_id, "environmentId": environment_id, "name": "redis", "image": "redis:7.4-alpine",
            "region": REGION, "password": PASSWORD, "volumeMountPath": "/data", "restartPolicyType": "ON_FAILURE",
            "restartPolicyMaxRetries": 10.0, "backupSchedules": [], **changes}


def test_redis_password_is_sealed_and_never_plain(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, server = api
    project_id, environment_id = project(fake)
    provider = configured(RedisProvider())
    props = redis_props(project_id, environment_id)
    assert failures(provider, {**props, "password": "short-one", "backupSchedules": ["HOURLY"]}) == [
        "railway:Redis password: must be at least 16 letters and digits (it is embedded in redis:// URLs)",
        "railway:Redis backupSchedules: ['HOURLY'] has unknown kinds; allowed: DAILY, WEEKLY, MONTHLY"]
    mark = len(server.requests)
    created = provider.create(props)
    assert ops_since(fake, 0)[-5:] == ["ServiceFind", "ServiceCreate", "EnvironmentPatchCommit", "VolumeCreate",
                                       "ServiceInstanceDeploy"]
    variables = fake.variables[(created.id, environment_id)]
    assert variables == {"REDIS_PASSWORD": {"value": PASSWORD, "isSealed": True}}
    sent = [r.body for r in server.requests[mark:]]
    assert PASSWORD not in str([b for b in sent if b["operationName"] != "EnvironmentPatchCommit"])
    instance = fake.instances[(created.id, environment_id)]
    assert "noeviction" in instance["startCommand"] and instance["restartPolicyMaxRetries"] == 10
    assert fake.replicas(created.id, environment_id) == {REGION: 1}
    assert (created.outs or {})["privateHost"] == "redis.railway.internal"


def test_a_new_password_is_sealed_and_the_old_plain_copies_go(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    project_id, environment_id = project(fake)
    provider = configured(RedisProvider())
    created = provider.create(redis_props(project_id, environment_id))
    # What earlier releases left on the service: the password in plain variables.
    fake.variables[(created.id, environment_id)].update(
        {name: {"value": f"legacy-{name}", "isSealed": False} for name in LEGACY_VARIABLES})
    rotated = redis_props(project_id, environment_id, password="testRedisPasswordRotated0123")
    mark = len(fake.calls)
    provider.update(created.id, created.outs or {}, rotated)
    assert ops_since(fake, mark) == ["EnvironmentPatchCommit", "ServiceInstanceRedeploy"]
    assert fake.variables[(created.id, environment_id)] == {
        "REDIS_PASSWORD": {"value": "testRedisPasswordRotated0123", "isSealed": True}}


def test_redis_recovers_a_lost_volume(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    project_id, environment_id = project(fake)
    provider = configured(RedisProvider())
    props = redis_props(project_id, environment_id)
    outs = provider.create(props).outs or {}
    fake.volumes.clear()  # someone deleted the volume in the dashboard
    fake.volume_instances.clear()
    lost = provider.read(outs["volumeInstanceId"] and fake.service_named("redis")["id"], outs).outs or {}
    assert lost["volumeInstanceId"] == "" and provider.diff("x", lost, props).changes
    repaired = provider.update(fake.service_named("redis")["id"], lost, props).outs or {}
    assert repaired["volumeInstanceId"] in fake.volume_instances
    provider.update(fake.service_named("redis")["id"], repaired, {**props, "backupSchedules": ["DAILY"]})
    assert fake.backups[repaired["volumeInstanceId"]] == ["DAILY"]


# ------------------------------------------------------------------------------------- project token
def test_a_token_of_the_declared_name_is_never_silently_rotated(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    project_id, environment_id = project(fake)
    provider = configured(ProjectTokenProvider())
    props = {"projectId": project_id, "environmentId": environment_id, "name": "autoscaler"}
    created = provider.create(props)
    assert (created.outs or {})["token"] == fake.project_tokens[created.id]["token"]
    with pytest.raises(ConflictError, match=r"already exists .*shows a token's value only once"):
        provider.create(props)  # something may be using it: say so, change nothing
    assert list(fake.project_tokens) == [created.id]
    kept = provider.create({**props, "adoptId": f"{project_id}:{created.id}"})
    assert kept.id == created.id and (kept.outs or {})["unwritten"] == ["token"] and not (kept.outs or {}).get("token")
    rotated = provider.create({**props, "resetSecretsOnAdopt": True})
    assert list(fake.project_tokens) == [rotated.id] and rotated.id != created.id


def test_a_token_whose_reply_was_lost_is_minted_again(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    project_id, environment_id = project(fake)
    fake.delay_after("ProjectTokenCreate", 1.0)
    created = configured(ProjectTokenProvider(), timeout=0.3).create(
        {"projectId": project_id, "environmentId": environment_id, "name": "autoscaler"})
    assert list(fake.project_tokens) == [created.id]  # the unknowable one was revoked
    assert (created.outs or {})["token"] == fake.project_tokens[created.id]["token"]


# ------------------------------------------------------------------------------------- secrets
def test_the_token_never_reaches_state_or_the_pickled_provider(api: tuple[RailwayFake, FakeServer]) -> None:
    provider = configured(ProjectProvider())
    pickled = base64.b64decode(serialize_provider(provider))
    assert TEST_TOKEN.encode() not in pickled and b"_token" not in pickled and b"options" not in pickled
    created = provider.create({"name": "lsp-jobs", "plan": "pro", "defaultEnvironmentName": "production"})
    assert TEST_TOKEN not in repr(created.outs)


# ------------------------------------------------------------------------------ DeploymentTrigger ("Wait for CI")
def _worker(fake: RailwayFake) -> dict[str, str]:
    project_id, environment_id = project(fake)
    return {"projectId": project_id, "environmentId": environment_id, "serviceId": service(project_id, environment_id)}


def _sent(server: FakeServer, since: int) -> list[tuple[str, dict[str, Any]]]:
    return [(r.body["operationName"], r.body["variables"]) for r in server.requests[since:]]


def test_wait_for_ci_is_switched_on_for_the_trigger_railway_made(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, server = api
    where = _worker(fake)
    [made] = fake.triggers.values()
    assert made["checkSuites"] is False  # Railway deploys every push at once until told otherwise
    provider = configured(DeploymentTriggerProvider())
    props = {**where, "repository": "lightspeedpay/platform", "branch": "main", "checkSuites": True}
    assert failures(provider, {**props, "repository": "platform", "checkSuites": "yes"}) == [
        "railway:DeploymentTrigger repository: 'platform' is not a GitHub repository of the form 'owner/repository'",
        "railway:DeploymentTrigger checkSuites: 'yes' must be true or false"]
    assert [f.property for f in provider.check({}, {**where, "repository": "lightspeedpay/platform"}).failures] \
        == ["branch", "checkSuites"]

    mark = len(server.requests)
    created = provider.create(props)
    assert _sent(server, mark) == [
        ("DeploymentTriggers", where),
        ("DeploymentTriggerUpdate", {"id": made["id"], "input": {"checkSuites": True}})]  # only what differs
    assert created.id == f"{where['serviceId']}:{where['environmentId']}" and len(fake.triggers) == 1
    assert made["checkSuites"] is True and made["branch"] == "main"
    outs = strip(created.outs or {})
    assert outs["triggerId"] == made["id"] and outs["checkSuites"] is True
    assert not provider.diff(created.id, outs, props).changes
    assert provider.diff(created.id, outs, {**props, "checkSuites": False}).changes
    moved = provider.diff(created.id, outs, {**props, "repository": "lightspeedpay/workers"})
    assert moved.replaces == ["repository"] and moved.delete_before_replace

    # Switched off in the dashboard: refresh sees it, the diff puts it back, the update sends only the switch.
    made["checkSuites"] = False
    read = provider.read(created.id, outs)
    assert read.id == created.id and strip(read.outs or {})["checkSuites"] is False
    assert provider.diff(created.id, strip(read.outs or {}), props).changes
    mark = len(server.requests)
    provider.update(created.id, strip(read.outs or {}), props)
    assert _sent(server, mark) == [("DeploymentTriggerUpdate", {"id": made["id"], "input": {"checkSuites": True}})]
    assert made["checkSuites"] is True

    # A create that finds the switch already on sends no write; a delete sends nothing and leaves the gate closed.
    mark = len(server.requests)
    assert provider.create(props).id == created.id
    assert [name for name, _ in _sent(server, mark)] == ["DeploymentTriggers"]
    mark = len(server.requests)
    provider.delete(created.id, outs)
    assert server.requests[mark:] == [] and made["checkSuites"] is True

    # Disconnected in the dashboard: gone from state on refresh; the next `up` makes one, waiting for CI.
    fake.triggers.clear()
    assert provider.read(created.id, outs).id is None
    mark = len(server.requests)
    recreated = provider.create(props)
    [(name, sent)] = [call for call in _sent(server, mark) if call[0] != "DeploymentTriggers"]
    assert name == "DeploymentTriggerCreate" and sent == {"input": {
        **where, "provider": "github", "repository": "lightspeedpay/platform", "branch": "main", "checkSuites": True}}
    [again] = fake.triggers.values()
    assert recreated.id == created.id and (again["checkSuites"], again["branch"]) == (True, "main")


def test_an_update_follows_a_trigger_made_again_since_the_last_refresh(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, server = api
    where = _worker(fake)
    provider = configured(DeploymentTriggerProvider())
    props = {**where, "repository": "lightspeedpay/platform", "branch": "main", "checkSuites": True}
    outs = strip(provider.create(props).outs or {})
    fake.triggers.clear()
    fake.connect_trigger(where["serviceId"], where["environmentId"], "lightspeedpay/platform", "main")
    [fresh] = fake.triggers.values()
    mark = len(server.requests)
    updated = provider.update(f"{where['serviceId']}:{where['environmentId']}", outs, {**props, "branch": "release"})
    assert [name for name, _ in _sent(server, mark)] == [
        "DeploymentTriggerUpdate", "DeploymentTriggers", "DeploymentTriggerUpdate"]  # the old id is gone: look again
    assert (fresh["branch"], fresh["checkSuites"]) == ("release", False)  # only the change is sent (a merge)
    assert (updated.outs or {})["triggerId"] == fresh["id"]


def test_a_refused_write_fails_the_update_and_changes_nothing(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    where = _worker(fake)
    provider = configured(DeploymentTriggerProvider())
    props = {**where, "repository": "lightspeedpay/platform", "branch": "main", "checkSuites": True}
    created = provider.create(props)
    fake.graphql_error_next("DeploymentTriggerUpdate", "Not Authorized")
    with pytest.raises(RailwayError, match="DeploymentTriggerUpdate: Not Authorized") as refused:
        provider.update(created.id, strip(created.outs or {}), {**props, "branch": "release"})
    assert "test-token-not-real" not in str(refused.value)
    [trigger] = fake.triggers.values()
    assert trigger["branch"] == "main"


def test_a_trigger_of_another_repository_is_not_taken_over(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    where = _worker(fake)
    provider = configured(DeploymentTriggerProvider())
    with pytest.raises(ConflictError, match="repository is 'lightspeedpay/platform' there, 'lightspeedpay/other'"):
        provider.create({**where, "repository": "lightspeedpay/other", "branch": "main", "checkSuites": True})
    assert fake.mutations()[-1] == "ServiceCreate"  # nothing sent for the trigger
