"""Railway services and their per-environment settings (`dynamic/railway:Service|ServiceInstance`).

`Service` is the named thing in a project with its source (a GitHub repo and branch, or an image).
`ServiceInstance` is how it runs in one environment: replicas per region, start command, health
check, restart policy, draining. Two rules from Railway's API shape every write here:
- ``environmentId`` is always passed (without it a write hits every environment);
- the whole ``multiRegionConfig`` is sent on every instance write (a partial write has been seen
  to drop a service back to one replica in the default region).

Autoscaled fleets: with ``replicaBounds`` set, the replica *count* belongs to the autoscaler.
Diff ignores a count inside the bounds; an update keeps the live count (read just before the
write) and only moves it back into the bounds; the bounds themselves stay enforced.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from config.vocabulary import thresholds
from providers.dynamic.checks import Checker
from providers.dynamic.errors import ConfigError
from providers.dynamic.ids import IdFormat
from providers.dynamic.provider import CREATING
from providers.dynamic.resource import Args, DynamicResource, Out
from providers.dynamic.values import compact, is_unknown, normalise

from . import replicas
from .base import RailwayProvider, edges, live
from .client import RailwayClient
from .documents import (
    ENVIRONMENT_CONFIG,
    INSTANCE_DEPLOY,
    INSTANCE_READ,
    INSTANCE_REDEPLOY,
    INSTANCE_UPDATE,
    SERVICE_CONNECT,
    SERVICE_CREATE,
    SERVICE_DELETE,
    SERVICE_FIND,
    SERVICE_LOOKUP,
    SERVICE_READ,
    SERVICE_UPDATE,
)
from .vocabulary import REGION_PATTERN, REPO_PATTERN, RESTART_POLICIES

SOURCE = ("sourceRepo", "sourceBranch", "sourceImage")


def source_input(p: Mapping[str, Any]) -> dict[str, Any]:
    if p.get("sourceImage"):
        return {"image": p["sourceImage"]}
    return compact({"repo": p.get("sourceRepo"), "branch": p.get("sourceBranch")})


def check_source(c: Checker) -> None:
    repo, image = c.news.get("sourceRepo"), c.news.get("sourceImage")
    if is_unknown(repo) or is_unknown(image):
        return
    if bool(repo) == bool(image):
        c.fail("sourceRepo", "give exactly one of sourceRepo (with sourceBranch) or sourceImage")
    elif repo and not re.match(REPO_PATTERN, str(repo)):
        c.fail("sourceRepo", f"{repo!r} must look like 'owner/repository'")
    elif repo and not c.news.get("sourceBranch"):
        c.fail("sourceBranch", "is required with sourceRepo")


def live_regions(api: RailwayClient, environment_id: str, service_id: str) -> replicas.RegionMap:
    """The replica map Railway holds right now (one query)."""
    config = api.execute(ENVIRONMENT_CONFIG, {"id": environment_id})["environment"]["config"]
    return replicas.from_environment_config(config, service_id) or {}


def find_service(api: RailwayClient, project_id: str, name: str) -> dict[str, Any] | None:
    project = api.execute(SERVICE_FIND, {"projectId": project_id})["project"]
    return next((s for s in edges(project.get("services")) if s.get("name") == name and live(s)), None)


def service_environment(api: RailwayClient, ref: dict[str, Any]) -> str:
    """The environment of a service read by its bare id: the only one it runs in."""
    if ref.get("environmentId"):
        return str(ref["environmentId"])
    service = api.execute(SERVICE_LOOKUP, {"id": ref["serviceId"]})["service"]
    environments = sorted({i["environmentId"] for i in edges(service.get("serviceInstances"))})
    if len(environments) != 1:
        raise ConfigError(f"Railway service {ref['serviceId']} runs in {len(environments)} environments "
                          f"({', '.join(environments) or 'none'}); read it as <serviceId>:<environmentId>")
    return environments[0]


# ---------------------------------------------------------------------------------------------
class ServiceProvider(RailwayProvider):
    kind = "Service"
    id_format = IdFormat("{serviceId}")  # other resources use the id as Railway's service id
    lookup_formats = (IdFormat("{serviceId}:{environmentId}"),)
    managed = ("name", *SOURCE)
    replace_on_change = ("projectId", "environmentId")

    def validate(self, c: Checker) -> None:
        c.text("projectId")
        c.text("environmentId")
        c.text("name", 64)
        check_source(c)

    def find(self, api: RailwayClient, p: dict[str, Any]) -> dict[str, Any] | None:
        node = find_service(api, p["projectId"], p["name"])
        return self._view(node, p["environmentId"], None) if node else None

    def make(self, api: RailwayClient, p: dict[str, Any]) -> dict[str, Any]:
        source = source_input(p)
        created = api.execute(SERVICE_CREATE, {"input": compact({
            "projectId": p["projectId"], "environmentId": p["environmentId"], "name": p["name"],
            "source": compact({"repo": source.get("repo"), "image": source.get("image")}),
            "branch": source.get("branch"),
        })}, retry=False)["serviceCreate"]
        return {**self._view(created, p["environmentId"], None), **compact({k: p.get(k) for k in SOURCE})}

    def fetch(self, api: RailwayClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        environment = service_environment(api, ref)
        data = api.execute(SERVICE_READ, {"id": ref["serviceId"], "environmentId": environment})
        if not live(data["service"]):
            return None
        return self._view(data["service"], environment, (data.get("serviceInstance") or {}).get("source"))

    def write(self, api: RailwayClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        if "name" in changes:
            api.execute(SERVICE_UPDATE, {"id": ref["serviceId"], "input": {"name": p["name"]}})
        if any(key in changes for key in SOURCE):
            api.execute(SERVICE_CONNECT, {"id": ref["serviceId"], "input": source_input(p)})
        return {"name": p["name"], **{k: p.get(k) for k in SOURCE}}

    def remove(self, api: RailwayClient, ref: dict[str, Any]) -> None:
        api.execute(SERVICE_DELETE, {"id": ref["serviceId"], "environmentId": service_environment(api, ref)})

    @staticmethod
    def _view(node: Mapping[str, Any], environment_id: str, source: Mapping[str, Any] | None) -> dict[str, Any]:
        view = {"serviceId": node["id"], "name": node.get("name"), "projectId": node.get("projectId"),
                "environmentId": environment_id}
        if source and (source.get("image") or source.get("repo")):
            # The branch is not part of ServiceInstance.source: it stays as last written.
            view.update({"sourceImage": source.get("image"), "sourceRepo": source.get("repo")})
        return view

    def outputs(self, p: dict[str, Any], live_view: dict[str, Any]) -> dict[str, Any]:
        outs = super().outputs(p, live_view)
        outs.pop("serviceId", None)
        if outs.get("sourceImage"):
            outs.pop("sourceBranch", None)
        return compact(outs)


@dataclass(frozen=True)
class ServiceArgs(Args):
    project_id: pulumi.Input[str]
    environment_id: pulumi.Input[str]
    """Environment the service is created in (always passed: without it Railway writes to all)."""
    name: str
    """Service name; also the name in Railway reference variables (``${{<name>.VAR}}``)."""
    source_repo: str | None = None
    """GitHub ``owner/repository`` (the Railway GitHub app must see it); or give source_image."""
    source_branch: str | None = None
    source_image: str | None = None


class Service(DynamicResource, module="railway", name="Service"):
    """A Railway service built from a GitHub repository or a container image."""

    provider_class = ServiceProvider
    args_class = ServiceArgs


# ---------------------------------------------------------------------------------------------
SETTINGS = ("startCommand", "rootDirectory", "healthcheckPath", "healthcheckTimeout", "restartPolicyType",
            "restartPolicyMaxRetries", "drainingSeconds")
"""Instance settings this provider manages; each is a ServiceInstanceUpdateInput field of the same name."""


def _bounds(p: Mapping[str, Any]) -> tuple[int, int] | None:
    bounds = p.get("replicaBounds")
    if not isinstance(bounds, Mapping) or is_unknown(bounds):
        return None
    return int(bounds["min"]), int(bounds["max"])


class ServiceInstanceProvider(RailwayProvider):
    kind = "ServiceInstance"
    id_format = IdFormat("{serviceId}:{environmentId}")
    managed = (*SETTINGS, "regions")
    replace_on_change = ("serviceId", "environmentId")
    declared = ("replicaBounds",)

    def validate(self, c: Checker) -> None:
        c.text("serviceId")
        c.text("environmentId")
        c.choice("restartPolicyType", RESTART_POLICIES, required=True)
        c.integer("restartPolicyMaxRetries", 0, 1000)
        c.integer("healthcheckTimeout", 1, 3600)
        c.integer("drainingSeconds", 0, 3600)
        path = c.news.get("healthcheckPath")
        if path is not None and c.known("healthcheckPath") and not str(path).startswith("/"):
            c.fail("healthcheckPath", f"{path!r} must be an absolute path such as '/health'")
        if c.known("regions") and c.known("replicaBounds"):
            _check_replicas(c)

    def view(self, props: dict[str, Any]) -> dict[str, Any]:
        view = super().view(props)
        regions = props.get("regions")
        if is_unknown(regions):
            return view
        placed = replicas.normalise(regions)
        bounds = _bounds(props)
        # With bounds, the autoscaler owns the count: only the set of regions, and staying inside the
        # bounds, are Pulumi's (an old count outside the bounds differs from any declared count inside).
        view["regions"] = placed if bounds is None else {
            "regions": sorted(placed), "inBounds": bounds[0] <= replicas.total(placed) <= bounds[1]}
        return view

    def find(self, api: RailwayClient, p: dict[str, Any]) -> dict[str, Any] | None:
        return self.fetch(api, p)  # an instance exists as soon as its service does: adopt it

    def fetch(self, api: RailwayClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        data = api.execute(INSTANCE_READ, {"serviceId": ref["serviceId"], "environmentId": ref["environmentId"]})
        node = data["serviceInstance"]
        if not live(node):
            return None
        placed = replicas.from_environment_config((data.get("environment") or {}).get("config"), ref["serviceId"])
        if placed is None and node.get("region"):
            placed = {node["region"]: int(node.get("numReplicas") or 1)}
        return {"serviceId": ref["serviceId"], "environmentId": ref["environmentId"],
                **{key: normalise(node.get(key)) for key in SETTINGS}, "regions": placed or {}}

    def current(self, api: RailwayClient, ref: dict[str, Any], olds: dict[str, Any]) -> dict[str, Any]:
        # The live map, read now rather than taken from state: the autoscaler (or someone in the
        # dashboard) may have moved it since the last refresh, and the write must be complete.
        current = super().current(api, ref, olds)
        current["regions"] = live_regions(api, ref["environmentId"], ref["serviceId"]) or \
            replicas.normalise(olds.get("regions"))
        return current

    def changes(self, p: dict[str, Any], current: dict[str, Any], skip: tuple[str, ...]) -> dict[str, Any]:
        found = super().changes(p, current, skip)
        if _target(p, current) != replicas.normalise(current.get("regions")):
            found["regions"] = _target(p, current)
        else:
            found.pop("regions", None)
        return found

    def write(self, api: RailwayClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        target = _target(p, current)
        # Every managed setting is sent; one that was managed and is now unset is sent as null
        # (Railway's "unset"); one never managed is left out (Railway's "unchanged").
        settings = {key: p.get(key) for key in SETTINGS if p.get(key) is not None or current.get(key) is not None}
        api.execute(INSTANCE_UPDATE, {
            "serviceId": ref["serviceId"], "environmentId": ref["environmentId"],
            "input": {**settings, "multiRegionConfig": replicas.to_config(target, replicas.normalise(
                current.get("regions")))},
        })
        if ref.get(CREATING):
            api.execute(INSTANCE_DEPLOY, {"serviceId": ref["serviceId"], "environmentId": ref["environmentId"]})
        elif any(key in changes for key in SETTINGS):
            api.execute(INSTANCE_REDEPLOY, {"serviceId": ref["serviceId"], "environmentId": ref["environmentId"]})
        return {**{key: p.get(key) for key in SETTINGS}, "regions": target}

    def outputs(self, p: dict[str, Any], live_view: dict[str, Any]) -> dict[str, Any]:
        return compact(super().outputs(p, live_view))


def _target(p: Mapping[str, Any], current: Mapping[str, Any]) -> replicas.RegionMap:
    """Where the replicas should be: the declared map, or with bounds the live counts clamped into them."""
    wanted = replicas.normalise(p.get("regions"))
    bounds = _bounds(p)
    if bounds is None:
        return wanted
    placed = replicas.normalise(current.get("regions"))
    return replicas.clamp_total({r: placed.get(r, count) for r, count in wanted.items()}, *bounds)


def _check_replicas(c: Checker) -> None:
    regions = c.news.get("regions")
    if not isinstance(regions, Mapping) or not regions:
        c.fail("regions", "must map at least one Railway region id to a replica count, "
                          "e.g. {'asia-southeast1-eqsg3a': 2}")
        return
    for region, count in regions.items():
        if not re.match(REGION_PATTERN, str(region)):
            c.fail("regions", f"{region!r} is not a Railway region id (e.g. 'asia-southeast1-eqsg3a')")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            c.fail("regions", f"{region}: replica count must be a whole number >= 0 (got {count!r})")
            return
    # Railway's own limit per service; the workspace plan's (lower) cap is checked where the plan is
    # known: config (jobs.maxReplicas against jobs.plan), the Project's live plan, and the pack.
    cap = thresholds.RAILWAY_MAX_TOTAL_REPLICAS
    placed = replicas.total(replicas.normalise(regions))
    if placed > cap:
        c.fail("regions", f"{placed} replicas in total; Railway allows at most {cap}")
    bounds = c.news.get("replicaBounds")
    if bounds is None:
        return
    raw = [(bounds or {}).get("min"), (bounds or {}).get("max")]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in raw):
        c.fail("replicaBounds", f"needs whole numbers 'min' and 'max' (got {dict(bounds)!r})")
        return
    low, high = int(raw[0]), int(raw[1])  # type: ignore[arg-type]
    if not 0 <= low <= high:
        c.fail("replicaBounds", f"min {low} must be between 0 and max {high}")
    if high > cap:
        c.fail("replicaBounds", f"max {high} exceeds Railway's {cap} replicas per service; allowed: 1..{cap}")
    if not low <= placed <= high:
        c.fail("regions", f"the initial {placed} replica(s) must lie within replicaBounds [{low}, {high}]")


@dataclass(frozen=True)
class ReplicaBounds:
    min: int
    """Fewest replicas, in total across regions; enforced by Pulumi and by the autoscaler."""
    max: int
    """Most replicas, in total; at most Railway's per-service limit (and the plan's cap, checked by config)."""


@dataclass(frozen=True)
class ServiceInstanceArgs(Args):
    service_id: pulumi.Input[str]
    environment_id: pulumi.Input[str]
    regions: Mapping[str, int]
    """Region id → replicas. With replica_bounds, the counts are only the initial placement."""
    restart_policy_type: str
    """ON_FAILURE, ALWAYS or NEVER (Railway's only automatic recovery)."""
    replica_bounds: ReplicaBounds | None = None
    """Set when an autoscaler owns the count: Pulumi keeps the live count within these bounds."""
    restart_policy_max_retries: int | None = None
    start_command: str | None = None
    root_directory: str | None = None
    healthcheck_path: str | None = None
    """HTTP path Railway polls until 200 before a deploy takes over (deploy-time only)."""
    healthcheck_timeout: int | None = None
    draining_seconds: int | None = None
    """SIGTERM → SIGKILL window so running jobs finish or re-queue on scale-down and deploys."""


class ServiceInstance(DynamicResource, module="railway", name="ServiceInstance"):
    """How a Railway service runs in one environment (replicas, health check, restarts, draining)."""

    provider_class = ServiceInstanceProvider
    args_class = ServiceInstanceArgs
    regions = Out[dict[str, int]]("regions")
