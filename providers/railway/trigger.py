"""A service's GitHub deployment trigger in one environment (`pulumi-python:dynamic/railway:DeploymentTrigger`).

Railway makes one when a service is connected to a repository branch: every push to that branch deploys.
Its `checkSuites` switch is Railway's "Wait for CI": a push's deployment waits until every GitHub check
suite of the commit has passed (CI, and the release workflow when the application repository runs it on
pushes), and is skipped when one fails. The published schema has the switch only on `DeploymentTrigger`
(`deploymentTriggerUpdate(id, input: {checkSuites})`), not on the service instance.

This resource owns that switch and the branch the trigger follows. A create adopts the trigger Railway
made (looked up by project, environment and service) or creates it when there is none. A delete leaves
the trigger as Railway holds it: removing the resource stops managing the gate, it does not open it
(the pack refuses that removal anyway, `release-gates-declared`); deleting the service removes it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from .base import Checker, RailwayProvider, changed, diff, edges, norm
from .client import RailwayClient
from .documents import DEPLOYMENT_TRIGGER_CREATE, DEPLOYMENT_TRIGGER_UPDATE, DEPLOYMENT_TRIGGERS

_REPO = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")
_WHERE = ("projectId", "environmentId", "serviceId")


def _triggers(client: RailwayClient, p: Mapping[str, Any]) -> list[dict[str, Any]]:
    variables = {key: p[key] for key in _WHERE}
    return edges(client.execute(DEPLOYMENT_TRIGGERS, variables)["deploymentTriggers"])


def _state(p: Mapping[str, Any], node: Mapping[str, Any]) -> dict[str, Any]:
    return {**p, "branch": node["branch"], "repository": node["repository"], "checkSuites": bool(node["checkSuites"])}


class DeploymentTriggerProvider(RailwayProvider):
    kind = "DeploymentTrigger"

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checker = Checker(self.kind, news)
        for prop in (*_WHERE, "repository", "branch"):
            checker.require_text(prop)
        repository = news.get("repository")
        if checker.known("repository") and isinstance(repository, str) and not _REPO.match(repository):
            checker.fail("repository", f"{repository!r} must look like 'owner/repository'")
        if checker.known("checkSuites") and not isinstance(news.get("checkSuites"), bool):
            checker.fail("checkSuites", f"is required and must be true or false (got {news.get('checkSuites')!r})")
        return checker.result()

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff(olds, news, ("branch", "checkSuites"), (*_WHERE, "repository"))

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = norm(props)
        client = self.client()
        wanted = {"branch": p["branch"], "checkSuites": p["checkSuites"]}
        existing = next((t for t in _triggers(client, p) if t.get("repository") == p["repository"]), None)
        if existing is None:
            node = client.execute(DEPLOYMENT_TRIGGER_CREATE, {"input": {
                **{key: p[key] for key in _WHERE}, "provider": "github", "repository": p["repository"], **wanted}},
                retry=False)["deploymentTriggerCreate"]
        elif {k: existing.get(k) for k in wanted} != wanted:
            node = client.execute(DEPLOYMENT_TRIGGER_UPDATE, {"id": existing["id"], "input": wanted})[
                "deploymentTriggerUpdate"]
        else:
            node = existing
        return CreateResult(node["id"], _state(p, node))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = norm(props)
        client = self.client()
        data = self.fetch(client, DEPLOYMENT_TRIGGERS, {key: p[key] for key in _WHERE})
        node = next((t for t in edges((data or {}).get("deploymentTriggers")) if t.get("id") == id_), None)
        if node is None:
            return ReadResult(None, {})  # disconnected in the dashboard, or the service is gone
        return ReadResult(id_, _state(p, node))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        p = norm(news)
        if not changed(olds, p, ("branch", "checkSuites")):
            return UpdateResult({**p, "repository": olds.get("repository", p["repository"])})  # nothing to send
        node = self.client().execute(DEPLOYMENT_TRIGGER_UPDATE, {
            "id": id_, "input": {"branch": p["branch"], "checkSuites": p["checkSuites"]}})["deploymentTriggerUpdate"]
        return UpdateResult(_state(p, node))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        return None  # the gate stays as it is (module docstring)


@dataclass(frozen=True)
class DeploymentTriggerArgs:
    project_id: pulumi.Input[str]
    environment_id: pulumi.Input[str]
    service_id: pulumi.Input[str]
    """The service whose pushes the trigger deploys (its source repository and branch)."""
    repository: str
    """GitHub ``owner/repository`` the service is built from."""
    branch: str
    """The branch whose pushes deploy."""
    wait_for_ci: bool = True
    """Railway's "Wait for CI" (`checkSuites`): deploy a push only after its GitHub check suites passed."""


class DeploymentTrigger(Resource, module="railway", name="DeploymentTrigger"):
    """The GitHub deployment trigger of a Railway service, with "Wait for CI" under Pulumi."""

    def __init__(self, name: str, args: DeploymentTriggerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(DeploymentTriggerProvider(), name, {
            "projectId": args.project_id, "environmentId": args.environment_id, "serviceId": args.service_id,
            "repository": args.repository, "branch": args.branch, "checkSuites": args.wait_for_ci,
        }, opts)
