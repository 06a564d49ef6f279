"""Railway projects and environments (`pulumi-python:dynamic/railway:Project|Environment`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from .base import (
    Checker,
    RailwayProvider,
    changed,
    compact,
    delete_quietly,
    diff,
    edges,
    is_unknown,
    live,
    norm,
    output_of,
)
from .client import RailwayClient, RailwayError
from .documents import (
    ENVIRONMENT_CREATE,
    ENVIRONMENT_DELETE,
    ENVIRONMENT_FIND,
    ENVIRONMENT_READ,
    ENVIRONMENT_RENAME,
    PROJECT_CREATE,
    PROJECT_DELETE,
    PROJECT_FIND,
    PROJECT_READ,
    PROJECT_UPDATE,
)

PLANS = ("hobby", "pro", "enterprise")
_DECLARED_TIER = {"hobby": 1, "pro": 2, "enterprise": 2}
"""The API's `Plan` enum is FREE|HOBBY|PRO; an Enterprise workspace reports PRO."""
_LIVE_TIER = {"FREE": 0, "HOBBY": 1, "PRO": 2}


class RailwayPlanError(RailwayError):
    """The workspace's plan is lower than the plan the stack was validated against."""


def verify_plan(declared: str, live_plan: str | None, project: str) -> None:
    if live_plan is None:
        return  # the token cannot see the workspace (personal project); config validation stands
    if _LIVE_TIER.get(live_plan, 0) < _DECLARED_TIER.get(declared, 2):
        raise RailwayPlanError(
            f"Railway project '{project}' lives in a workspace on the {live_plan} plan, but "
            f"lightspeedpay:jobs.plan declares '{declared}'; maxReplicas and log retention were checked "
            f"against '{declared}'. Upgrade the workspace, or lower jobs.plan and jobs.maxReplicas.")


# ---------------------------------------------------------------------------------------------
class ProjectProvider(RailwayProvider):
    kind = "Project"
    _UPDATABLE = ("name", "description", "prDeploys")

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checker = Checker(self.kind, news)
        checker.require_text("name", 64)
        checker.require_text("defaultEnvironmentName", 64)
        checker.choice("plan", PLANS, required=True)
        if news.get("workspaceId") is not None:
            checker.require_text("workspaceId")
        if news.get("prDeploys") not in (None, False, True) and checker.known("prDeploys"):
            checker.fail("prDeploys", "must be true or false")
        return checker.result()

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # workspaceId is an output too (filled in by Railway): only an explicit, different one replaces.
        moved = news.get("workspaceId") is not None and (
            is_unknown(news["workspaceId"]) or norm(news["workspaceId"]) != norm(olds.get("workspaceId")))
        base = diff(olds, news, (*self._UPDATABLE, "plan"))
        # defaultEnvironmentName only matters at creation; renaming environments is Environment's job.
        if moved:
            return DiffResult(changes=True, replaces=["workspaceId"], delete_before_replace=True)
        return base

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = _defaults(props)
        client = self.client()

        def make() -> dict[str, Any]:
            created = client.execute(PROJECT_CREATE, {"input": compact({
                "name": p["name"], "description": p.get("description"), "workspaceId": p.get("workspaceId"),
                "defaultEnvironmentName": p["defaultEnvironmentName"], "prDeploys": bool(p.get("prDeploys")),
                "isPublic": False,
            })}, retry=False)
            return cast(dict[str, Any], created["projectCreate"])

        node, adopted = self.create_or_adopt(client, lambda: self._find(client, p), make)
        if adopted and changed(self._observed(node), p, self._UPDATABLE):
            node = self._update(client, node["id"], p)
        verify_plan(p["plan"], _plan(node), p["name"])
        return CreateResult(node["id"], self._outs(p, node))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = self.client()
        data = self.fetch(client, PROJECT_READ, {"id": id_})
        node = data["project"] if data else None
        if node is None or not live(node):
            return ReadResult(None, {})
        return ReadResult(id_, self._outs({**norm(props), **self._observed(node)}, node))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        p = _defaults(news)
        client = self.client()
        node: dict[str, Any] | None = None
        if changed(olds, p, self._UPDATABLE):
            node = self._update(client, id_, p)
        elif norm(olds.get("plan")) != p.get("plan"):
            node = client.execute(PROJECT_READ, {"id": id_})["project"]
        if node is None:  # nothing to send: keep what we know
            return UpdateResult({**norm(olds), **p})
        verify_plan(p["plan"], _plan(node), p["name"])
        return UpdateResult(self._outs(p, node))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        delete_quietly(self.client(), PROJECT_DELETE, {"id": id_})

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _find(client: RailwayClient, p: Mapping[str, Any]) -> dict[str, Any] | None:
        matches: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            page = client.execute(PROJECT_FIND, compact({"workspaceId": p.get("workspaceId"), "after": after}))
            projects = page["projects"]
            matches += [n for n in edges(projects) if n.get("name") == p["name"] and live(n)]
            info = projects.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                break
            after = info.get("endCursor")
        if len(matches) > 1:
            raise RailwayError(
                f"Railway has {len(matches)} projects named '{p['name']}'; set lightspeedpay:jobs.workspaceId "
                f"or rename the duplicates so the provider can tell which one this stack owns")
        return matches[0] if matches else None

    @staticmethod
    def _update(client: RailwayClient, id_: str, p: Mapping[str, Any]) -> dict[str, Any]:
        result = client.execute(PROJECT_UPDATE, {"id": id_, "input": compact({
            "name": p["name"], "description": p.get("description"), "prDeploys": bool(p.get("prDeploys"))})})
        return cast(dict[str, Any], result["projectUpdate"])

    @staticmethod
    def _observed(node: Mapping[str, Any]) -> dict[str, Any]:
        return {"name": node.get("name"), "description": node.get("description"),
                "prDeploys": bool(node.get("prDeploys"))}

    @staticmethod
    def _outs(p: Mapping[str, Any], node: Mapping[str, Any]) -> dict[str, Any]:
        environments = edges(node.get("environments"))
        wanted = next((e["id"] for e in environments if e.get("name") == p.get("defaultEnvironmentName")), None)
        return {**p, "workspaceId": node.get("workspaceId") or p.get("workspaceId"),
                "workspacePlan": _plan(node),
                "defaultEnvironmentId": wanted or node.get("baseEnvironmentId")}


def _defaults(props: Mapping[str, Any]) -> dict[str, Any]:
    p = norm(props)
    p["prDeploys"] = bool(p.get("prDeploys"))
    return dict(p)


def _plan(node: Mapping[str, Any]) -> str | None:
    workspace = node.get("workspace")
    return str(workspace["plan"]) if isinstance(workspace, Mapping) and workspace.get("plan") else None


@dataclass(frozen=True)
class ProjectArgs:
    name: str
    """Project name in Railway; unique per workspace (looked up by name on create)."""
    plan: str
    """Workspace plan the stack was validated against: hobby, pro or enterprise (checked live)."""
    default_environment_name: str = "production"
    """Name of the environment Railway creates with the project."""
    workspace_id: str | None = None
    """Workspace to create the project in; needed when the token reaches several workspaces."""
    description: str | None = None
    pr_deploys: bool = False
    """PR environments copy the base environment's variables and services; off for payment workloads."""


class Project(Resource, module="railway", name="Project"):
    """A Railway project, its default environment, and a live check of the workspace plan."""

    def __init__(self, name: str, args: ProjectArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(ProjectProvider(), name, {
            "name": args.name, "plan": args.plan, "defaultEnvironmentName": args.default_environment_name,
            "workspaceId": args.workspace_id, "description": args.description, "prDeploys": args.pr_deploys,
            "defaultEnvironmentId": None, "workspacePlan": None,
        }, opts)

    @property
    def default_environment_id(self) -> pulumi.Output[str]:
        return output_of(self, "defaultEnvironmentId")

    @property
    def workspace_plan(self) -> pulumi.Output[str]:
        return output_of(self, "workspacePlan")


# ---------------------------------------------------------------------------------------------
class EnvironmentProvider(RailwayProvider):
    kind = "Environment"

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checker = Checker(self.kind, news)
        checker.require_text("projectId")
        checker.require_text("name", 64)
        return checker.result()

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff(olds, news, ("name",), ("projectId",))

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = norm(props)
        client = self.client()
        base: dict[str, str | None] = {"id": None}

        def find() -> dict[str, Any] | None:
            project = client.execute(ENVIRONMENT_FIND, {"projectId": p["projectId"]})["project"]
            base["id"] = project.get("baseEnvironmentId")
            return next((e for e in edges(project.get("environments")) if e.get("name") == p["name"] and live(e)),
                        None)

        def make() -> dict[str, Any]:
            created = client.execute(ENVIRONMENT_CREATE, {"input": {
                "name": p["name"], "projectId": p["projectId"], "skipInitialDeploys": True}}, retry=False)
            return cast(dict[str, Any], created["environmentCreate"])

        node, adopted = self.create_or_adopt(client, find, make)
        # The project's base environment lives and dies with the project: never delete it on its own.
        is_base = adopted and node["id"] == base["id"]
        return CreateResult(node["id"], {**p, "isBaseEnvironment": is_base})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = self.client()
        data = self.fetch(client, ENVIRONMENT_READ, {"id": id_})
        node = data["environment"] if data else None
        if node is None or not live(node):
            return ReadResult(None, {})
        return ReadResult(id_, {**norm(props), "name": node["name"], "projectId": node["projectId"]})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        p = norm(news)
        if changed(olds, p, ("name",)):
            self.client().execute(ENVIRONMENT_RENAME, {"id": id_, "input": {"name": p["name"]}})
        return UpdateResult({**p, "isBaseEnvironment": bool(olds.get("isBaseEnvironment"))})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        if props.get("isBaseEnvironment"):
            return
        delete_quietly(self.client(), ENVIRONMENT_DELETE, {"id": id_})


@dataclass(frozen=True)
class EnvironmentArgs:
    project_id: pulumi.Input[str]
    name: str
    """Environment name; an existing one of that name (e.g. the project's default) is adopted."""


class Environment(Resource, module="railway", name="Environment"):
    """One environment of a Railway project (every write below names it explicitly)."""

    def __init__(self, name: str, args: EnvironmentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(EnvironmentProvider(), name, {
            "projectId": args.project_id, "name": args.name, "isBaseEnvironment": None}, opts)
