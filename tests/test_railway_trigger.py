"""Railway's "Wait for CI" under Pulumi (`DeploymentTrigger`, on the shared base) against the schema-checking
fake API: the requests each step sends (the variables as sent), the state Railway keeps, a trigger switched
off or made again in the dashboard, and a refused write. The kind's lifecycle, lost reply, retried create,
read by id alone and adoption by id run in the contract suite (tests/test_provider_contract.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fakeapis.railway import RailwayFake
from fakeapis.server import FakeServer
from providers.dynamic.errors import ConflictError
from providers.railway.client import RailwayError
from providers.railway.project import ProjectProvider
from providers.railway.service import ServiceProvider
from providers.railway.trigger import DeploymentTriggerProvider
from tests.railway_helpers import configured, railway_api, strip


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[RailwayFake, FakeServer]]:
    with railway_api(monkeypatch) as (fake, server):
        yield fake, server
        assert fake.violations == []


def _worker(fake: RailwayFake) -> dict[str, str]:
    project = configured(ProjectProvider()).create(
        {"name": "lsp-jobs", "plan": "pro", "defaultEnvironmentName": "production", "prDeploys": False})
    environment = (project.outs or {})["defaultEnvironmentId"]
    service = configured(ServiceProvider()).create({
        "projectId": project.id, "environmentId": environment, "name": "worker",
        "sourceRepo": "lightspeedpay/platform", "sourceBranch": "main"}).id
    return {"projectId": project.id, "environmentId": environment, "serviceId": service}


def _sent(server: FakeServer, since: int) -> list[tuple[str, dict[str, Any]]]:
    return [(r.body["operationName"], r.body["variables"]) for r in server.requests[since:]]


def test_wait_for_ci_is_switched_on_for_the_trigger_railway_made(api: tuple[RailwayFake, FakeServer]) -> None:
    fake, server = api
    where = _worker(fake)
    [made] = fake.triggers.values()
    assert made["checkSuites"] is False  # Railway deploys every push at once until told otherwise
    provider = configured(DeploymentTriggerProvider())
    props = {**where, "repository": "lightspeedpay/platform", "branch": "main", "checkSuites": True}
    assert [f.reason for f in provider.check({}, {**props, "repository": "platform", "checkSuites": "yes"}).failures] \
        == ["railway:DeploymentTrigger repository: 'platform' is not a GitHub repository of the form "
            "'owner/repository'", "railway:DeploymentTrigger checkSuites: 'yes' must be true or false"]
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
