"""Each Railway resource's full lifecycle against the schema-validating fake API.

check → create → read → diff → update → delete, the requests each step sends, the state the fake
keeps, and what happens on failure (timeouts after the write, GraphQL errors, gone objects).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from fakeapis.railway import TEST_TOKEN, RailwayFake
from fakeapis.server import FakeServer, Reply
from providers.railway.client import RailwayError, RailwayUnauthorizedError
from providers.railway.project import EnvironmentProvider, ProjectProvider, RailwayPlanError
from providers.railway.redis import RedisProvider
from providers.railway.service import ServiceInstanceProvider, ServiceProvider
from providers.railway.token import ProjectTokenProvider
from providers.railway.variables import VariablesProvider
from tests.railway_helpers import Sleeps, configured, railway_api

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
def test_project_lifecycle(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _server = api
    provider = configured(ProjectProvider())
    props = {"name": "lsp-jobs", "plan": "pro", "defaultEnvironmentName": "production", "prDeploys": False}
    assert failures(provider, {**props, "plan": "team", "name": ""}) == [
        "railway:Project name: is required and must be a non-empty string (got '')",
        "railway:Project plan: 'team' is not allowed; allowed: hobby, pro, enterprise"]

    created = provider.create(props)
    assert ops_since(fake, 0) == ["ProjectFind", "ProjectCreate"]
    stored = fake.projects[created.id]
    assert stored["name"] == "lsp-jobs" and stored["prDeploys"] is False and stored["isPublic"] is False
    outs = created.outs or {}
    assert outs["workspacePlan"] == "PRO" and outs["defaultEnvironmentId"] == stored["baseEnvironmentId"]

    mark = len(fake.calls)
    read = provider.read(created.id, outs)
    assert ops_since(fake, mark) == ["ProjectRead"] and read.id == created.id
    assert not provider.diff(created.id, read.outs or {}, props).changes
    assert provider.diff(created.id, outs, {**props, "workspaceId": "ws-2"}).replaces == ["workspaceId"]
    assert provider.diff(created.id, outs, {**props, "workspaceId": "ws-1"}).changes is False

    mark = len(fake.calls)
    provider.update(created.id, outs, props)
    assert ops_since(fake, mark) == []  # a no-op update sends nothing
    updated = provider.update(created.id, outs, {**props, "description": "jobs"})
    assert ops_since(fake, mark) == ["ProjectUpdate"] and fake.projects[created.id]["description"] == "jobs"
    assert (updated.outs or {})["description"] == "jobs"

    provider.delete(created.id, outs)
    assert created.id not in fake.projects
    gone = provider.read(created.id, outs)
    assert gone.id is None and gone.outs == {}
    provider.delete(created.id, outs)  # a retried destroy of something already gone succeeds


def test_project_refuses_a_workspace_below_the_declared_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    with railway_api(monkeypatch, plan="HOBBY") as (fake, _):
        with pytest.raises(RailwayPlanError, match=r"HOBBY plan, but lightspeedpay:jobs\.plan declares 'pro'"):
            configured(ProjectProvider()).create(
                {"name": "lsp-jobs", "plan": "pro", "defaultEnvironmentName": "production"})
        # The next `pulumi up` (after fixing the plan) adopts the project instead of duplicating it.
        created = configured(ProjectProvider()).create(
            {"name": "lsp-jobs", "plan": "hobby", "defaultEnvironmentName": "production"})
        assert len(fake.projects) == 1 and created.id in fake.projects


def test_project_lookup_pages_through_the_workspace(monkeypatch: pytest.MonkeyPatch) -> None:
    with railway_api(monkeypatch, page_size=1) as (fake, _):
        for name in ("a", "b", "c"):
            project(fake, name)
        mark = len(fake.calls)
        again = configured(ProjectProvider()).create(
            {"name": "c", "plan": "pro", "defaultEnvironmentName": "production"})
        assert ops_since(fake, mark) == ["ProjectFind"] * 3 and len(fake.projects) == 3
        assert fake.projects[again.id]["name"] == "c"


def test_two_projects_of_one_name_are_refused_not_guessed(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    first, _env = project(fake)
    fake.projects["prj-dup"] = {**fake.projects[first], "id": "prj-dup"}
    with pytest.raises(RailwayError, match=r"2 projects named 'lsp-jobs'; set lightspeedpay:jobs\.workspaceId"):
        configured(ProjectProvider()).create({"name": "lsp-jobs", "plan": "pro", "defaultEnvironmentName": "x"})


# ------------------------------------------------------------------------------------- environment
def test_environment_adopts_the_default_and_never_deletes_it(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    project_id, default_env = project(fake)
    provider = configured(EnvironmentProvider())
    adopted = provider.create({"projectId": project_id, "name": "production"})
    assert adopted.id == default_env and (adopted.outs or {})["isBaseEnvironment"] is True
    mark = len(fake.calls)
    provider.delete(adopted.id, adopted.outs or {})
    assert ops_since(fake, mark) == [] and default_env in fake.environments

    staging = provider.create({"projectId": project_id, "name": "staging"})
    assert fake.environments[staging.id]["name"] == "staging" and not (staging.outs or {})["isBaseEnvironment"]
    assert provider.diff(staging.id, staging.outs or {}, {"projectId": "prj-other", "name": "staging"}).replaces \
        == ["projectId"]
    provider.update(staging.id, staging.outs or {}, {"projectId": project_id, "name": "qa"})
    assert fake.environments[staging.id]["name"] == "qa"
    assert provider.read(staging.id, staging.outs or {}).outs == {"projectId": project_id, "name": "qa",
                                                                   "isBaseEnvironment": False}
    provider.delete(staging.id, staging.outs or {})
    assert provider.read(staging.id, staging.outs or {}).id is None


# ------------------------------------------------------------------------------------- service
def test_service_lifecycle_and_source_changes(api: tuple[RailwayFake, FakeServer]) -> None:
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
    assert fake.instances[(created.id, environment_id)]["source"] == {"repo": "lightspeedpay/platform", "image": None}

    read = provider.read(created.id, created.outs or {})
    assert read.outs == props and not provider.diff(created.id, read.outs, props).changes
    assert provider.diff(created.id, props, {**props, "environmentId": "env-x"}).replaces == ["environmentId"]

    mark = len(fake.calls)
    image = {**props, "sourceRepo": None, "sourceBranch": None, "sourceImage": "ghcr.io/lightspeedpay/worker:1"}
    provider.update(created.id, props, {**image, "name": "jobs-worker"})
    assert ops_since(fake, mark) == ["ServiceUpdate", "ServiceConnect"]
    assert fake.services[created.id]["name"] == "jobs-worker"
    assert fake.instances[(created.id, environment_id)]["source"]["image"] == "ghcr.io/lightspeedpay/worker:1"

    provider.delete(created.id, props)
    assert created.id not in fake.services and provider.read(created.id, props).outs == {}


def test_a_create_that_timed_out_after_the_write_adopts_instead_of_duplicating(
        api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _server = api
    project_id, environment_id = project(fake)
    sleeps = Sleeps()
    provider = configured(ServiceProvider(), sleeps, timeout=0.3)
    fake.delay_after("ServiceCreate", 1.0)  # Railway creates the service; the reply never arrives in time
    created = provider.create({"projectId": project_id, "environmentId": environment_id, "name": "worker",
                               "sourceRepo": "lightspeedpay/platform", "sourceBranch": "main"})
    assert [s["name"] for s in fake.services.values()] == ["worker"]
    assert created.id == fake.service_named("worker")["id"]
    assert [n for n, _ in fake.calls if n.startswith("Service")] == [
        "ServiceFind", "ServiceCreate", "ServiceFind", "ServiceConnect"]
    assert sleeps == [1.0]  # one bounded pause before looking again


def test_a_create_retried_by_the_engine_adopts_what_exists(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    first, _ = project(fake)
    again, _ = project(fake)  # e.g. the first `pulumi up` died before recording the project in state
    assert first == again and len(fake.projects) == 1


def test_a_graphql_error_on_create_is_raised_with_the_api_message(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    project_id, environment_id = project(fake)
    fake.graphql_error_next("ServiceCreate", "Problem processing request: repository not accessible")
    with pytest.raises(RailwayError, match="ServiceCreate: Problem processing request: repository not accessible"):
        service(project_id, environment_id)
    assert fake.services == {}


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
    return {"serviceId": service_id, "environmentId": environment_id, "role": "service", "replicaCap": 42.0,
            "regions": {REGION: 2.0}, "startCommand": "node dist/worker.js", "healthcheckPath": "/health",
            "healthcheckTimeout": 60.0, "restartPolicyType": "ON_FAILURE", "restartPolicyMaxRetries": 10.0,
            "drainingSeconds": 60.0, **changes}


def test_instance_check_explains_each_problem(api: tuple[RailwayFake, FakeServer]) -> None:
    provider = ServiceInstanceProvider()
    assert failures(provider, instance_props("s", "e", regions={}, restartPolicyType="SOMETIMES")) == [
        "railway:ServiceInstance restartPolicyType: 'SOMETIMES' is not allowed; allowed: ON_FAILURE, ALWAYS, NEVER",
        "railway:ServiceInstance regions: must map at least one Railway region id to a replica count, "
        "e.g. {'asia-southeast1-eqsg3a': 2}"]
    assert failures(provider, instance_props("s", "e", replicaBounds={"min": 2, "max": 60})) == [
        "railway:ServiceInstance replicaBounds: max 60 exceeds the plan's cap of 42 replicas per service "
        "(replicaCap); allowed: 1..42"]
    assert failures(provider, instance_props("s", "e", replicaBounds={"min": 3, "max": 5})) == [
        "railway:ServiceInstance regions: the initial 2 replica(s) must lie within replicaBounds [3, 5]"]
    assert failures(provider, instance_props("s", "e", healthcheckPath="health", regions={"US West": 1})) == [
        "railway:ServiceInstance healthcheckPath: 'health' must be an absolute path such as '/health'",
        "railway:ServiceInstance regions: 'US West' is not a Railway region id (e.g. 'asia-southeast1-eqsg3a')"]


def test_instance_lifecycle_sends_the_full_region_map_with_the_environment(
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
    assert fake.replicas(service_id, environment_id) == {REGION: 2}
    assert fake.instances[(service_id, environment_id)]["healthcheckPath"] == "/health"
    assert fake.deploys == [(service_id, environment_id, "deploy")]

    read = provider.read(created.id, created.outs or {})
    assert (read.outs or {})["regions"] == {REGION: 2}
    assert not provider.diff(created.id, read.outs or {}, props).changes

    mark = len(fake.calls)
    provider.update(created.id, read.outs or {}, props)
    assert fake.mutations()[-1] == "ServiceInstanceDeploy" and ops_since(fake, mark) == ["EnvironmentConfig"]

    changed = instance_props(service_id, environment_id, healthcheckTimeout=120.0, regions={REGION: 3.0})
    assert provider.diff(created.id, read.outs or {}, changed).changes
    provider.update(created.id, read.outs or {}, changed)
    assert ops_since(fake, mark)[1:] == ["EnvironmentConfig", "ServiceInstanceUpdate", "ServiceInstanceRedeploy"]
    assert fake.instances[(service_id, environment_id)]["healthcheckTimeout"] == 120
    assert fake.replicas(service_id, environment_id) == {REGION: 3}

    unset = {k: v for k, v in changed.items() if k != "startCommand"}
    provider.update(created.id, changed, unset)
    last = [r.body for r in server.requests if r.body["operationName"] == "ServiceInstanceUpdate"][-1]
    assert last["variables"]["input"]["startCommand"] is None  # managed, then removed: unset on Railway

    mark = len(fake.calls)
    provider.delete(created.id, changed)
    assert ops_since(fake, mark) == []  # the instance goes with its service


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
def test_variables_plain_and_sealed(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, server = api
    project_id, environment_id = project(fake)
    service_id = service(project_id, environment_id)
    provider = configured(VariablesProvider())
    props = {"projectId": project_id, "environmentId": environment_id, "serviceId": service_id,
             "variables": {"LOG_LEVEL": "info", "REDIS_URL": "${{redis.REDIS_URL}}"},
             "sealedVariables": {"DATABASE_URL": "postgresql://test:not-real@db.invalid:6543/postgres"}}
    assert failures(provider, {**props, "variables": {"DATABASE_URL": "x", "2BAD": "y"}}) == [
        "railway:Variables variables: '2BAD' is not a valid variable name (letters, digits, '_'; "
        "not starting with a digit)",
        "railway:Variables sealedVariables: DATABASE_URL is set in both variables and sealedVariables; keep it in one"]

    mark = len(server.requests)
    created = provider.create(props)
    bodies = [r.body for r in server.requests[mark:]]
    assert [b["operationName"] for b in bodies] == ["VariableCollectionUpsert", "EnvironmentPatchCommit"]
    assert bodies[0]["variables"]["input"]["skipDeploys"] is True
    assert "DATABASE_URL" not in str(bodies[0])  # sealed values never go through the plain path
    assert bodies[1]["variables"]["patch"]["services"][service_id]["variables"]["DATABASE_URL"]["isSealed"] is True
    stored = fake.variables[(service_id, environment_id)]
    assert stored["DATABASE_URL"]["isSealed"] and not stored["LOG_LEVEL"]["isSealed"]

    read = provider.read(created.id, created.outs or {})
    assert read.outs == props  # the sealed value cannot be read back: it is kept as written
    fake.variables[(service_id, environment_id)]["LOG_LEVEL"]["value"] = "debug"  # drift in the dashboard
    drifted = provider.read(created.id, props).outs or {}
    assert drifted["variables"]["LOG_LEVEL"] == "debug" and provider.diff(created.id, drifted, props).changes

    mark = len(fake.calls)
    provider.update(created.id, props, props)
    assert ops_since(fake, mark) == []
    smaller = {**props, "variables": {"LOG_LEVEL": "warn"}, "sealedVariables": {}}
    provider.update(created.id, props, smaller)
    assert ops_since(fake, mark) == ["VariableCollectionUpsert", "VariableDelete", "VariableDelete"]
    assert set(fake.variables[(service_id, environment_id)]) == {"LOG_LEVEL"}

    provider.delete(created.id, smaller)
    assert fake.variables[(service_id, environment_id)] == {}


# ------------------------------------------------------------------------------------- redis
def test_redis_service_volume_and_recovery_of_a_lost_volume(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    project_id, environment_id = project(fake)
    provider = configured(RedisProvider())
    props = {"projectId": project_id, "environmentId": environment_id, "name": "redis", "image": "redis:7.4-alpine",
             "region": REGION, "password": PASSWORD, "volumeMountPath": "/data", "restartPolicyType": "ON_FAILURE",
             "restartPolicyMaxRetries": 10.0, "backupSchedules": []}
    assert failures(provider, {**props, "password": "short-one", "backupSchedules": ["HOURLY"]}) == [
        "railway:Redis password: must be at least 16 letters and digits (it is embedded in redis:// URLs)",
        "railway:Redis backupSchedules: ['HOURLY'] has unknown kinds; allowed: DAILY, WEEKLY, MONTHLY"]

    mark = len(fake.calls)
    created = provider.create(props)
    assert ops_since(fake, mark) == ["ServiceFind", "ServiceCreate", "EnvironmentConfig", "ServiceInstanceUpdate",
                                     "VolumeCreate", "ServiceInstanceDeploy"]
    outs = created.outs or {}
    variables = fake.variables[(created.id, environment_id)]
    assert variables["REDIS_URL"]["value"] == "redis://default:${{REDIS_PASSWORD}}@${{RAILWAY_PRIVATE_DOMAIN}}:6379"
    assert outs["redisUrlReference"] == "${{redis.REDIS_URL}}"
    volume = fake.volume_instances[outs["volumeInstanceId"]]
    assert (volume["mountPath"], volume["region"], volume["serviceId"]) == ("/data", REGION, created.id)
    assert fake.replicas(created.id, environment_id) == {REGION: 1}
    assert "noeviction" in fake.instances[(created.id, environment_id)]["startCommand"]

    mark = len(fake.calls)
    read = provider.read(created.id, outs).outs or {}
    assert ops_since(fake, mark) == ["RedisRead"] and not provider.diff(created.id, read, props).changes

    fake.volumes.clear()  # someone deleted the volume in the dashboard
    fake.volume_instances.clear()
    lost = provider.read(created.id, outs).outs or {}
    assert lost["volumeInstanceId"] == "" and provider.diff(created.id, lost, props).changes
    repaired = provider.update(created.id, lost, {**props, "backupSchedules": []}).outs or {}
    assert repaired["volumeInstanceId"] in fake.volume_instances

    provider.update(created.id, repaired, {**props, "backupSchedules": ["DAILY"]})
    assert fake.backups[repaired["volumeInstanceId"]] == ["DAILY"]

    provider.delete(created.id, repaired)
    assert fake.volumes == {} and created.id not in fake.services
    assert provider.read(created.id, repaired).id is None


# ------------------------------------------------------------------------------------- project token
def test_project_token_is_minted_rotated_and_revoked(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, _ = api
    project_id, environment_id = project(fake)
    provider = configured(ProjectTokenProvider())
    props = {"projectId": project_id, "environmentId": environment_id, "name": "autoscaler"}
    created = provider.create(props)
    outs = created.outs or {}
    assert outs["token"] == fake.project_tokens[created.id]["token"]
    assert provider.read(created.id, outs).outs == outs
    assert provider.diff(created.id, outs, {**props, "name": "other"}).replaces == ["name"]

    # A create retried after its reply was lost cannot learn the old value: the stale token is revoked.
    again = provider.create(props)
    assert list(fake.project_tokens) == [again.id] and again.id != created.id

    provider.delete(again.id, again.outs or {})
    assert fake.project_tokens == {} and provider.read(again.id, again.outs or {}).id is None


# ------------------------------------------------------------------------------------- secrets
def test_the_token_never_reaches_state_or_the_pickled_provider(api: tuple[RailwayFake, FakeServer]) -> None:
    _fake, _ = api
    provider = configured(ProjectProvider())
    pickled = base64.b64decode(serialize_provider(provider))
    assert TEST_TOKEN.encode() not in pickled and b"_token" not in pickled
    created = provider.create({"name": "lsp-jobs", "plan": "pro", "defaultEnvironmentName": "production"})
    assert TEST_TOKEN not in repr(created.outs)
