"""Railway projects and environments (`pulumi-python:dynamic/railway:Project|Environment`).

The workspace is resolved and its plan checked before anything is created: a plan that cannot
hold what the stack was validated against fails before `projectCreate`, so no project is left
behind outside the state. Adoption looks the project up among the workspace's own projects
(`workspace { projects }`), never in a listing whose scope depends on the token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import pulumi

from config.vocabulary import thresholds
from providers.dynamic.checks import Checker
from providers.dynamic.errors import ConflictError
from providers.dynamic.ids import IdFormat
from providers.dynamic.resource import Args, DynamicResource, Out
from providers.dynamic.values import compact, normalise

from .base import RailwayProvider, edges, live
from .client import RailwayClient, RailwayPlanError
from .documents import (
    ENVIRONMENT_CREATE,
    ENVIRONMENT_DELETE,
    ENVIRONMENT_FIND,
    ENVIRONMENT_READ,
    ENVIRONMENT_READ_WITH_BASE,
    ENVIRONMENT_RENAME,
    PROJECT_CREATE,
    PROJECT_DELETE,
    PROJECT_READ,
    PROJECT_UPDATE,
    TOKEN_WORKSPACES,
    WORKSPACE_PROJECTS,
)
from .vocabulary import NAME_PATTERN, PLANS

__all__ = ["Environment", "EnvironmentArgs", "EnvironmentProvider", "Project", "ProjectArgs", "ProjectProvider",
           "RailwayPlanError", "verify_plan"]


def verify_plan(declared: str, live_plan: str | None, project: str) -> None:
    if live_plan is None:
        return  # the token cannot see the workspace (personal project); config validation stands
    tiers, needs = thresholds.RAILWAY_LIVE_PLAN_TIER, thresholds.RAILWAY_DECLARED_PLAN_TIER
    if tiers.get(live_plan, 0) < needs.get(declared, 2):
        raise RailwayPlanError(
            f"Railway project '{project}' lives in a workspace on the {live_plan} plan, but "
            f"lightspeedpay:jobs.plan declares '{declared}'; maxReplicas and log retention were checked "
            f"against '{declared}'. Upgrade the workspace, or lower jobs.plan and jobs.maxReplicas.")


def _plan(node: Mapping[str, Any]) -> str | None:
    workspace = node.get("workspace")
    return str(workspace["plan"]) if isinstance(workspace, Mapping) and workspace.get("plan") else None


# ---------------------------------------------------------------------------------------------
class ProjectProvider(RailwayProvider):
    kind = "Project"
    id_format = IdFormat("{projectId}")
    managed = ("name", "description", "prDeploys")
    replace_on_change = ("workspaceId",)
    computed = ("workspaceId",)  # filled in by Railway unless declared; only a declared, different one replaces
    declared = ("plan", "defaultEnvironmentName")

    def validate(self, c: Checker) -> None:
        c.text("name", 64)
        c.text("defaultEnvironmentName", 64)
        c.choice("plan", PLANS, required=True)
        c.text("workspaceId", required=False)
        c.boolean("prDeploys")

    def prepare(self, api: RailwayClient, p: dict[str, Any]) -> dict[str, Any]:
        """The workspace to create in, and its plan checked, before any mutation."""
        workspace = p.get("workspaceId")
        if not workspace:
            reachable = api.execute(TOKEN_WORKSPACES)["apiToken"]["workspaces"] or []
            if len(reachable) != 1:
                names = ", ".join(f"{w.get('name')} ({w.get('id')})" for w in reachable) or "none"
                raise ConflictError(
                    f"the Railway token reaches {len(reachable)} workspaces ({names}); set "
                    f"lightspeedpay:jobs.workspaceId to the one that holds '{p['name']}'")
            workspace = reachable[0]["id"]
        return {**p, "workspaceId": workspace}

    def find(self, api: RailwayClient, p: dict[str, Any]) -> dict[str, Any] | None:
        matches: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            data = api.execute(WORKSPACE_PROJECTS, compact({"workspaceId": p["workspaceId"], "after": after}))
            workspace = data["workspace"]
            verify_plan(p["plan"], workspace.get("plan"), p["name"])
            page = workspace["projects"]
            matches += [n for n in edges(page) if n.get("name") == p["name"] and live(n)]
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                break
            after = info.get("endCursor")
        if len(matches) > 1:
            raise ConflictError(
                f"Railway has {len(matches)} projects named '{p['name']}' in workspace {p['workspaceId']}; declare "
                f"the one this stack owns with its id (adopt_id) or rename the others")
        return self._view(matches[0], p) if matches else None

    def make(self, api: RailwayClient, p: dict[str, Any]) -> dict[str, Any]:
        created = api.execute(PROJECT_CREATE, {"input": compact({
            "name": p["name"], "description": p.get("description"), "workspaceId": p.get("workspaceId"),
            "defaultEnvironmentName": p["defaultEnvironmentName"], "prDeploys": bool(p.get("prDeploys")),
            "isPublic": False,
        })}, retry=False)
        return self._view(cast(dict[str, Any], created["projectCreate"]), p)

    def fetch(self, api: RailwayClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        node = api.execute(PROJECT_READ, {"id": ref["projectId"]})["project"]
        return self._view(node, ref) if live(node) else None

    def adoption_problems(self, p: dict[str, Any], live_view: dict[str, Any]) -> list[str]:
        if p.get("plan"):
            verify_plan(p["plan"], live_view.get("workspacePlan"), p["name"])
        return super().adoption_problems(p, live_view)

    def write(self, api: RailwayClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        result = api.execute(PROJECT_UPDATE, {"id": ref["projectId"], "input": compact({
            "name": p["name"], "description": p.get("description"), "prDeploys": bool(p.get("prDeploys"))})})
        return self._view(cast(dict[str, Any], result["projectUpdate"]), p)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> Any:
        o, n = normalise(olds), normalise(news)
        if n.get("plan") != o.get("plan"):  # checked against the live workspace before anything is sent
            node = self.client().execute(PROJECT_READ, {"id": id_})["project"]
            verify_plan(n["plan"], _plan(node), n["name"])
        return super().update(id_, olds, news)

    def remove(self, api: RailwayClient, ref: dict[str, Any]) -> None:
        api.execute(PROJECT_DELETE, {"id": ref["projectId"]})

    def view(self, props: dict[str, Any]) -> dict[str, Any]:
        return {**super().view(props), "prDeploys": bool(props.get("prDeploys"))}

    @staticmethod
    def _view(node: Mapping[str, Any], p: Mapping[str, Any]) -> dict[str, Any]:
        environments = edges(node.get("environments"))
        base = next((e for e in environments if e.get("id") == node.get("baseEnvironmentId")), None)
        wanted = p.get("defaultEnvironmentName") or (base or {}).get("name")
        default = next((e["id"] for e in environments if e.get("name") == wanted), None)
        return compact({
            "projectId": node["id"], "name": node.get("name"), "description": node.get("description"),
            "prDeploys": bool(node.get("prDeploys")), "workspaceId": node.get("workspaceId"),
            "workspacePlan": _plan(node), "defaultEnvironmentName": wanted,
            "defaultEnvironmentId": default or node.get("baseEnvironmentId"),
        })

    def outputs(self, p: dict[str, Any], live_view: dict[str, Any]) -> dict[str, Any]:
        outs = super().outputs(p, live_view)
        outs.pop("projectId", None)  # the resource's id; never a property of its own
        outs.setdefault("defaultEnvironmentName", live_view.get("defaultEnvironmentName"))
        return outs


@dataclass(frozen=True)
class ProjectArgs(Args):
    name: str
    """Project name in Railway; unique per workspace (an existing one of this name is adopted)."""
    plan: str
    """Workspace plan the stack was validated against: hobby, pro or enterprise (checked live, first)."""
    default_environment_name: str = "production"
    """Name of the environment Railway creates with the project."""
    workspace_id: str | None = None
    """Workspace of the project; needed when the token reaches several workspaces."""
    description: str | None = None
    pr_deploys: bool = False
    """PR environments copy the base environment's variables and services; off for payment workloads."""


class Project(DynamicResource, module="railway", name="Project"):
    """A Railway project, its default environment, and a live check of the workspace plan."""

    provider_class = ProjectProvider
    args_class = ProjectArgs
    default_environment_id = Out[str]("defaultEnvironmentId")
    workspace_plan = Out[str]("workspacePlan")
    workspace_id = Out[str]("workspaceId")


# ---------------------------------------------------------------------------------------------
class EnvironmentProvider(RailwayProvider):
    kind = "Environment"
    id_format = IdFormat("{environmentId}")
    managed = ("name",)
    replace_on_change = ("projectId",)

    def validate(self, c: Checker) -> None:
        c.text("projectId")
        c.text("name", 64, pattern=NAME_PATTERN, what="an environment name (lower-case letters, digits, '-')")

    def find(self, api: RailwayClient, p: dict[str, Any]) -> dict[str, Any] | None:
        project = api.execute(ENVIRONMENT_FIND, {"projectId": p["projectId"]})["project"]
        node = next((e for e in edges(project.get("environments")) if e.get("name") == p["name"] and live(e)), None)
        return self._view(node, project.get("baseEnvironmentId")) if node else None

    def make(self, api: RailwayClient, p: dict[str, Any]) -> dict[str, Any]:
        created = api.execute(ENVIRONMENT_CREATE, {"input": {
            "name": p["name"], "projectId": p["projectId"], "skipInitialDeploys": True}}, retry=False)
        return self._view(created["environmentCreate"], None)

    def fetch(self, api: RailwayClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        project_id = ref.get("projectId")
        if not project_id:  # read by id alone: learn the project first
            node = api.execute(ENVIRONMENT_READ, {"id": ref["environmentId"]})["environment"]
            if not live(node):
                return None
            project_id = node["projectId"]
        data = api.execute(ENVIRONMENT_READ_WITH_BASE, {"id": ref["environmentId"], "projectId": project_id})
        node = data["environment"]
        return self._view(node, data["project"].get("baseEnvironmentId")) if live(node) else None

    def write(self, api: RailwayClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        api.execute(ENVIRONMENT_RENAME, {"id": ref["environmentId"], "input": {"name": p["name"]}})
        return {"name": p["name"]}

    def remove(self, api: RailwayClient, ref: dict[str, Any]) -> None:
        is_base = ref.get("isBaseEnvironment")
        if is_base is None:
            found = self.fetch(api, ref)
            is_base = bool(found and found.get("isBaseEnvironment"))
        if is_base:
            return  # the project's base environment lives and dies with the project
        api.execute(ENVIRONMENT_DELETE, {"id": ref["environmentId"]})

    @staticmethod
    def _view(node: Mapping[str, Any], base_id: str | None) -> dict[str, Any]:
        return {"environmentId": node["id"], "name": node.get("name"), "projectId": node.get("projectId"),
                "isBaseEnvironment": bool(base_id) and node["id"] == base_id}

    def outputs(self, p: dict[str, Any], live_view: dict[str, Any]) -> dict[str, Any]:
        outs = super().outputs(p, live_view)
        outs.pop("environmentId", None)
        return outs


@dataclass(frozen=True)
class EnvironmentArgs(Args):
    project_id: pulumi.Input[str]
    name: str
    """Environment name; an existing one of that name (e.g. the project's default) is adopted."""


class Environment(DynamicResource, module="railway", name="Environment"):
    """One environment of a Railway project (every write below names it explicitly)."""

    provider_class = EnvironmentProvider
    args_class = EnvironmentArgs
    is_base_environment = Out[bool]("isBaseEnvironment")
