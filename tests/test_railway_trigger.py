"""Railway's "Wait for CI" under Pulumi (`DeploymentTrigger`) against the schema-checking fake API: the requests
each step sends, the state Railway keeps, and a trigger gone from the dashboard."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from providers.railway.client import RailwayError
from providers.railway.project import ProjectProvider
from providers.railway.service import ServiceProvider
from providers.railway.trigger import DeploymentTriggerProvider
from tests.fakes.railway import RailwayFake
from tests.railway_helpers import configured, railway_api


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[RailwayFake]:
    with railway_api(monkeypatch) as (fake, _server):
        yield fake
        assert fake.violations == []


def _worker(fake: RailwayFake) -> dict[str, str]:
    project = configured(ProjectProvider()).create(
        {"name": "lsp-jobs", "plan": "pro", "defaultEnvironmentName": "production", "prDeploys": False})
    environment = (project.outs or {})["defaultEnvironmentId"]
    service = configured(ServiceProvider()).create({
        "projectId": project.id, "environmentId": environment, "name": "worker",
        "sourceRepo": "lightspeedpay/platform", "sourceBranch": "main"}).id
    return {"projectId": project.id, "environmentId": environment, "serviceId": service}


def test_wait_for_ci_is_switched_on_for_the_trigger_railway_made(api: RailwayFake) -> None:
    fake = api
    where = _worker(fake)
    [made] = fake.triggers.values()
    assert made["checkSuites"] is False  # Railway deploys every push at once until told otherwise
    provider = configured(DeploymentTriggerProvider())
    props = {**where, "repository": "lightspeedpay/platform", "branch": "main", "checkSuites": True}
    assert [f.reason for f in provider.check({}, {**props, "repository": "platform", "checkSuites": "yes"}).failures] \
        == ["railway:DeploymentTrigger repository: 'platform' must look like 'owner/repository'",
            "railway:DeploymentTrigger checkSuites: is required and must be true or false (got 'yes')"]

    mark = len(fake.calls)
    created = provider.create(props)
    assert [name for name, _ in fake.calls[mark:]] == ["DeploymentTriggers", "DeploymentTriggerUpdate"]
    assert created.id == made["id"] and made["checkSuites"] is True and len(fake.triggers) == 1
    outs = created.outs or {}
    assert not provider.diff(created.id, outs, props).changes
    assert provider.diff(created.id, outs, {**props, "checkSuites": False}).changes

    # Switched off in the dashboard: refresh sees it, the diff puts it back, the update sends only the switch.
    made["checkSuites"] = False
    read = provider.read(created.id, outs)
    assert (read.outs or {})["checkSuites"] is False and provider.diff(created.id, read.outs or {}, props).changes
    mark = len(fake.calls)
    provider.update(created.id, read.outs or {}, props)
    assert [name for name, _ in fake.calls[mark:]] == ["DeploymentTriggerUpdate"] and made["checkSuites"] is True

    # A create that finds the switch already on sends no write; a delete leaves the gate closed.
    mark = len(fake.calls)
    assert provider.create(props).id == made["id"] and fake.mutations()[-1] == "DeploymentTriggerUpdate"
    assert [name for name, _ in fake.calls[mark:]] == ["DeploymentTriggers"]
    provider.delete(created.id, outs)
    assert made["checkSuites"] is True

    # Disconnected in the dashboard: the resource is gone from state, and the next `up` makes it again.
    fake.triggers.clear()
    assert provider.read(created.id, outs).id is None
    recreated = provider.create(props)
    assert fake.mutations()[-1] == "DeploymentTriggerCreate"
    assert fake.triggers[recreated.id]["checkSuites"] is True and fake.triggers[recreated.id]["branch"] == "main"


def test_a_refused_write_fails_the_update(api: RailwayFake) -> None:
    fake = api
    where = _worker(fake)
    provider = configured(DeploymentTriggerProvider())
    props = {**where, "repository": "lightspeedpay/platform", "branch": "main", "checkSuites": True}
    created = provider.create(props)
    fake.graphql_error_next("DeploymentTriggerUpdate", "Not Authorized")
    with pytest.raises(RailwayError):
        provider.update(created.id, created.outs or {}, {**props, "branch": "release"})
    assert fake.triggers[created.id]["branch"] == "main"

