"""A service's GitHub deployment trigger in one environment (`pulumi-python:dynamic/railway:DeploymentTrigger`).

Railway makes one when a service is connected to a repository branch: every push to that branch deploys.
Its ``checkSuites`` switch is Railway's "Wait for CI": a push's deployment waits until every GitHub check
suite of the commit has passed (CI, and the release workflow when the application repository runs it on
pushes), and is skipped when one fails. In the published schema (`schemas/railway/schema.json`) the switch
is a typed field of ``DeploymentTrigger`` only (``deploymentTriggers``, ``deploymentTriggerCreate``,
``deploymentTriggerUpdate(id, input: {branch, checkSuites, repository, rootDirectory})``); the service
instance has none (the CLI's untyped environment-config JSON carries a ``source.checkSuites`` too; we use
the typed mutation, which the fake checks against the schema).

The resource is "the trigger of this service in this environment": id ``{serviceId}:{environmentId}``,
read by listing the service's triggers there (the schema has no single-trigger query), the trigger's own
id kept as the ``triggerId`` output. ``branch`` and ``checkSuites`` are updated in place; the project,
environment, service and repository replace. A create adopts the trigger Railway made with the service
(looked up by project, environment and service, of the declared repository) or creates one when there is
none. A delete leaves the trigger as Railway holds it (``deploymentTriggerDelete`` is not sent): removing
the resource stops managing the gate, it does not open it, and deleting the trigger would stop the
service deploying at all (the pack refuses that removal anyway, `release-gates-declared`); deleting the
service removes its triggers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from providers.dynamic.checks import Checker
from providers.dynamic.errors import ConflictError, NotFoundError
from providers.dynamic.ids import IdFormat
from providers.dynamic.resource import Args, DynamicResource, Out

from .base import RailwayProvider, edges
from .client import RailwayClient
from .documents import DEPLOYMENT_TRIGGER_CREATE, DEPLOYMENT_TRIGGER_UPDATE, DEPLOYMENT_TRIGGERS, SERVICE_LOOKUP
from .vocabulary import REPO_PATTERN

WHERE = ("projectId", "environmentId", "serviceId")
MANAGED = ("branch", "checkSuites")


def _view(node: Mapping[str, Any], where: Mapping[str, Any]) -> dict[str, Any]:
    return {**{key: where[key] for key in WHERE}, "triggerId": node["id"], "repository": node["repository"],
            "branch": node["branch"], "checkSuites": bool(node["checkSuites"])}


class DeploymentTriggerProvider(RailwayProvider):
    kind = "DeploymentTrigger"
    id_format = IdFormat("{serviceId}:{environmentId}")
    managed = MANAGED
    replace_on_change = (*WHERE, "repository")

    def validate(self, c: Checker) -> None:
        for prop in (*WHERE, "branch"):
            c.text(prop)
        c.text("repository", pattern=REPO_PATTERN, what="a GitHub repository of the form 'owner/repository'")
        c.boolean("checkSuites", required=True)

    def fetch(self, api: RailwayClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        where = {**ref}
        if not where.get("projectId"):  # read by the id alone: the service knows its project
            where["projectId"] = api.execute(SERVICE_LOOKUP, {"id": ref["serviceId"]})["service"]["projectId"]
        triggers = edges(api.execute(DEPLOYMENT_TRIGGERS, {key: where[key] for key in WHERE})["deploymentTriggers"])
        # The declared repository's trigger; else the service's only one (so a repository changed in the
        # dashboard shows as drift, and an adoption names the mismatch instead of "no such object").
        candidates = [t for t in triggers if t.get("repository") == ref.get("repository")] or triggers
        if len(candidates) > 1:
            raise ConflictError(
                f"railway:DeploymentTrigger {ref['serviceId']}:{ref['environmentId']}: the service has "
                f"{len(candidates)} deployment triggers there ({', '.join(t['repository'] for t in candidates)}); "
                f"declare the repository of the one to manage")
        return _view(candidates[0], where) if candidates else None

    def find(self, api: RailwayClient, p: dict[str, Any]) -> dict[str, Any] | None:
        return self.fetch(api, p)

    def make(self, api: RailwayClient, p: dict[str, Any]) -> dict[str, Any]:
        node = api.execute(DEPLOYMENT_TRIGGER_CREATE, {"input": {
            **{key: p[key] for key in WHERE}, "provider": "github", "repository": p["repository"],
            "branch": p["branch"], "checkSuites": p["checkSuites"]}}, retry=False)["deploymentTriggerCreate"]
        return _view(node, p)

    def write(self, api: RailwayClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        """Only the managed values that differ (Railway's update merges: fields not sent stay)."""
        trigger_id = current.get("triggerId")
        try:
            if not trigger_id:
                raise NotFoundError("no trigger id in state")
            node = self._update(api, str(trigger_id), changes)
        except NotFoundError:
            # Made again in the dashboard since the last refresh: write to the one that is there now.
            found = self.fetch(api, ref)
            if found is None:
                raise
            node = self._update(api, found["triggerId"], changes)
        return _view(node, ref)

    @staticmethod
    def _update(api: RailwayClient, trigger_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        return dict(api.execute(DEPLOYMENT_TRIGGER_UPDATE, {"id": trigger_id, "input": {
            key: value for key, value in changes.items() if value is not None}})["deploymentTriggerUpdate"])

    def remove(self, api: RailwayClient, ref: dict[str, Any]) -> None:
        """Nothing is sent: the gate stays as it is (module docstring)."""


@dataclass(frozen=True)
class DeploymentTriggerArgs(Args):
    project_id: pulumi.Input[str]
    environment_id: pulumi.Input[str]
    service_id: pulumi.Input[str]
    """The service whose pushes the trigger deploys (its source repository and branch)."""
    repository: str
    """GitHub ``owner/repository`` the service is built from."""
    branch: str
    """The branch whose pushes deploy."""
    check_suites: bool = True
    """Railway's "Wait for CI": deploy a push only after its GitHub check suites passed."""


class DeploymentTrigger(DynamicResource, module="railway", name="DeploymentTrigger"):
    """The GitHub deployment trigger of a Railway service, with "Wait for CI" under Pulumi."""

    provider_class = DeploymentTriggerProvider
    args_class = DeploymentTriggerArgs
    trigger_id = Out[str]("triggerId")
