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
from typing import Any, cast

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from . import replicas
from .base import Checker, RailwayProvider, changed, compact, delete_quietly, diff, edges, is_unknown, live, norm
from .client import RailwayClient, RailwayError
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
    SERVICE_READ,
    SERVICE_UPDATE,
)

MAX_TOTAL_REPLICAS = 50
"""Railway's limit across regions (the CLI's MAX_TOTAL_REPLICAS)."""
RESTART_POLICIES = ("ON_FAILURE", "ALWAYS", "NEVER")
ROLES = ("worker", "autoscaler", "service")
_REPO = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")
_REGION = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _source_input(p: Mapping[str, Any]) -> dict[str, Any]:
    if p.get("sourceImage"):
        return {"image": p["sourceImage"]}
    return {"repo": p["sourceRepo"], "branch": p.get("sourceBranch")}


# ---------------------------------------------------------------------------------------------
class ServiceProvider(RailwayProvider):
    kind = "Service"
    _SOURCE = ("sourceRepo", "sourceBranch", "sourceImage")

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checker = Checker(self.kind, news)
        for prop in ("projectId", "environmentId"):
            checker.require_text(prop)
        checker.require_text("name", 64)
        check_source(checker, news)
        return checker.result()

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff(olds, news, ("name", *self._SOURCE), ("projectId", "environmentId"))

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = norm(props)
        client = self.client()

        def make() -> dict[str, Any]:
            source = _source_input(p)
            created = client.execute(SERVICE_CREATE, {"input": compact({
                "projectId": p["projectId"], "environmentId": p["environmentId"], "name": p["name"],
                "source": compact({"repo": source.get("repo"), "image": source.get("image")}),
                "branch": source.get("branch"),
            })}, retry=False)
            return cast(dict[str, Any], created["serviceCreate"])

        node, adopted = self.create_or_adopt(client, lambda: find_service(client, p["projectId"], p["name"]), make)
        if adopted:  # a service of that name already exists: make its source ours
            client.execute(SERVICE_CONNECT, {"id": node["id"], "input": compact(_source_input(p))})
        return CreateResult(node["id"], dict(p))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = self.client()
        p = norm(props)
        try:
            data = client.execute(SERVICE_READ, {"id": id_, "environmentId": p["environmentId"]})
        except RailwayError as error:
            if self.gone(client, error):
                return ReadResult(None, {})
            raise
        if not live(data["service"]):
            return ReadResult(None, {})
        source = (data.get("serviceInstance") or {}).get("source") or {}
        outs = {**p, "name": data["service"]["name"]}
        if source.get("image") or source.get("repo"):
            # The branch is not part of ServiceInstance.source; it is kept as last written.
            for key in ("sourceImage", "sourceRepo", "sourceBranch"):
                outs.pop(key, None)
            outs.update(compact({"sourceImage": source.get("image"), "sourceRepo": source.get("repo"),
                                 "sourceBranch": None if source.get("image") else p.get("sourceBranch")}))
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        p = norm(news)
        client = self.client()
        if changed(olds, p, ("name",)):
            client.execute(SERVICE_UPDATE, {"id": id_, "input": {"name": p["name"]}})
        if changed(olds, p, self._SOURCE):
            client.execute(SERVICE_CONNECT, {"id": id_, "input": compact(_source_input(p))})
        return UpdateResult(dict(p))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        delete_quietly(self.client(), SERVICE_DELETE, {"id": id_, "environmentId": props["environmentId"]})


def check_source(checker: Checker, news: Mapping[str, Any]) -> None:
    repo, image = news.get("sourceRepo"), news.get("sourceImage")
    if is_unknown(repo) or is_unknown(image):
        return
    if bool(repo) == bool(image):
        checker.fail("sourceRepo", "give exactly one of sourceRepo (with sourceBranch) or sourceImage")
    elif repo and not _REPO.match(str(repo)):
        checker.fail("sourceRepo", f"{repo!r} must look like 'owner/repository'")
    elif repo and not news.get("sourceBranch"):
        checker.fail("sourceBranch", "is required with sourceRepo")


def live_regions(client: RailwayClient, environment_id: str, service_id: str) -> replicas.RegionMap:
    """The replica map Railway holds right now (one query)."""
    config = client.execute(ENVIRONMENT_CONFIG, {"id": environment_id})["environment"]["config"]
    return replicas.from_environment_config(config, service_id) or {}


def find_service(client: RailwayClient, project_id: str, name: str) -> dict[str, Any] | None:
    project = client.execute(SERVICE_FIND, {"projectId": project_id})["project"]
    return next((s for s in edges(project.get("services")) if s.get("name") == name and live(s)), None)


@dataclass(frozen=True)
class ServiceArgs:
    project_id: pulumi.Input[str]
    environment_id: pulumi.Input[str]
    """Environment the service is created in (always passed: without it Railway writes to all)."""
    name: str
    """Service name; also the name in Railway reference variables (``${{<name>.VAR}}``)."""
    source_repo: str | None = None
    """GitHub ``owner/repository`` (the Railway GitHub app must see it); or give source_image."""
    source_branch: str | None = None
    source_image: str | None = None


class Service(Resource, module="railway", name="Service"):
    """A Railway service built from a GitHub repository or a container image."""

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(ServiceProvider(), name, {
            "projectId": args.project_id, "environmentId": args.environment_id, "name": args.name,
            "sourceRepo": args.source_repo, "sourceBranch": args.source_branch, "sourceImage": args.source_image,
        }, opts)


# ---------------------------------------------------------------------------------------------
SETTINGS = ("startCommand", "rootDirectory", "healthcheckPath", "healthcheckTimeout", "restartPolicyType",
            "restartPolicyMaxRetries", "drainingSeconds")
"""Instance settings this provider manages; each is a ServiceInstanceUpdateInput field of the same name."""


def _bounds(p: Mapping[str, Any]) -> tuple[int, int] | None:
    bounds = p.get("replicaBounds")
    if not isinstance(bounds, Mapping):
        return None
    return int(bounds["min"]), int(bounds["max"])


class ServiceInstanceProvider(RailwayProvider):
    kind = "ServiceInstance"

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checker = Checker(self.kind, news)
        for prop in ("serviceId", "environmentId"):
            checker.require_text(prop)
        checker.choice("role", ROLES, required=True)
        checker.choice("restartPolicyType", RESTART_POLICIES, required=True)
        checker.integer("restartPolicyMaxRetries", 0, 1000)
        checker.integer("healthcheckTimeout", 1, 3600)
        checker.integer("drainingSeconds", 0, 3600)
        checker.integer("replicaCap", 1, MAX_TOTAL_REPLICAS, required=True)
        path = news.get("healthcheckPath")
        if path is not None and checker.known("healthcheckPath") and not str(path).startswith("/"):
            checker.fail("healthcheckPath", f"{path!r} must be an absolute path such as '/health'")
        if checker.known("regions") and checker.known("replicaBounds") and checker.known("replicaCap"):
            _check_replicas(checker, news)
        return checker.result()

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = diff(olds, news, (*SETTINGS, "role", "replicaCap", "replicaBounds"),
                      ("serviceId", "environmentId"))
        if result.changes or is_unknown(news.get("regions")):
            return DiffResult(changes=True, replaces=result.replaces,
                              delete_before_replace=result.delete_before_replace)
        return DiffResult(changes=self._replicas_differ(olds, news), replaces=[])

    @staticmethod
    def _replicas_differ(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        old_map, new_map = replicas.normalise(olds.get("regions")), replicas.normalise(news.get("regions"))
        bounds = _bounds(norm(news))
        if bounds is None:
            return old_map != new_map
        # The autoscaler owns the count: only the set of regions and the bounds are Pulumi's.
        low, high = bounds
        return set(old_map) != set(new_map) or not low <= replicas.total(old_map) <= high

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = norm(props)
        target = replicas.normalise(p["regions"])
        bounds = _bounds(p)
        if bounds is not None:
            target = replicas.clamp_total(target, *bounds)
        client = self.client()
        # A new service starts with one replica in the workspace's default region: null it out.
        self._write(client, p, {}, target, previous=set(live_regions(client, p["environmentId"], p["serviceId"])))
        client.execute(INSTANCE_DEPLOY, {"serviceId": p["serviceId"], "environmentId": p["environmentId"]})
        return CreateResult(f"{p['serviceId']}:{p['environmentId']}", {**p, "regions": target})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = norm(props)
        client = self.client()
        try:
            data = client.execute(INSTANCE_READ, {"serviceId": p["serviceId"], "environmentId": p["environmentId"]})
        except RailwayError as error:
            if self.gone(client, error):
                return ReadResult(None, {})
            raise
        node = data["serviceInstance"]
        if not live(node):
            return ReadResult(None, {})
        placed = replicas.from_environment_config((data.get("environment") or {}).get("config"), p["serviceId"])
        if placed is None and node.get("region"):
            placed = {node["region"]: int(node.get("numReplicas") or 1)}
        outs = {**p, **{key: norm(node.get(key)) for key in SETTINGS}, "regions": placed or {}}
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        p, o = norm(news), norm(olds)
        client = self.client()
        wanted = replicas.normalise(p["regions"])
        bounds = _bounds(p)
        # The live map, read now rather than taken from state: the autoscaler (or someone in the
        # dashboard) may have moved it since the last refresh, and the write must be complete.
        current = live_regions(client, p["environmentId"], p["serviceId"]) or replicas.normalise(o.get("regions"))
        if bounds is None:
            target = wanted
        else:  # keep what the autoscaler set, clamped into the bounds
            target = replicas.clamp_total({r: current.get(r, count) for r, count in wanted.items()}, *bounds)
        settings_changed = changed(o, p, SETTINGS)
        if settings_changed or target != current:
            self._write(client, p, o, target, previous=set(current) | set(replicas.normalise(o.get("regions"))))
        if settings_changed:
            client.execute(INSTANCE_REDEPLOY, {"serviceId": p["serviceId"], "environmentId": p["environmentId"]})
        return UpdateResult({**p, "regions": target})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Nothing to call: an instance goes with its service (the Service resource deletes that)."""

    @staticmethod
    def _write(client: RailwayClient, p: Mapping[str, Any], o: Mapping[str, Any], target: Mapping[str, int],
               previous: set[str] | tuple[()]) -> None:
        # Every managed setting is sent; one that was managed and is now unset is sent as null
        # (Railway's "unset"); one never managed is left out (Railway's "unchanged").
        settings = {key: p.get(key) for key in SETTINGS if p.get(key) is not None or o.get(key) is not None}
        client.execute(INSTANCE_UPDATE, {
            "serviceId": p["serviceId"], "environmentId": p["environmentId"],
            "input": {**settings, "multiRegionConfig": replicas.to_config(target, previous)},
        })


def _check_replicas(checker: Checker, news: Mapping[str, Any]) -> None:
    regions = news.get("regions")
    if not isinstance(regions, Mapping) or not regions:
        checker.fail("regions", "must map at least one Railway region id to a replica count, "
                                "e.g. {'asia-southeast1-eqsg3a': 2}")
        return
    for region, count in regions.items():
        if not _REGION.match(str(region)):
            checker.fail("regions", f"{region!r} is not a Railway region id (e.g. 'asia-southeast1-eqsg3a')")
        if isinstance(count, bool) or not isinstance(count, int | float) or int(count) != count or count < 0:
            checker.fail("regions", f"{region}: replica count must be a whole number >= 0 (got {count!r})")
            return
    placed = replicas.total(replicas.normalise(regions))
    cap = int(news["replicaCap"])
    if placed > MAX_TOTAL_REPLICAS:
        checker.fail("regions", f"{placed} replicas in total; Railway allows at most {MAX_TOTAL_REPLICAS}")
    bounds = news.get("replicaBounds")
    if bounds is None:
        if placed > cap:
            checker.fail("regions", f"{placed} replicas exceed the plan's cap of {cap} (replicaCap)")
        return
    raw = [(bounds or {}).get("min"), (bounds or {}).get("max")]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and int(v) == v for v in raw):
        checker.fail("replicaBounds", f"needs whole numbers 'min' and 'max' (got {dict(bounds)!r})")
        return
    low, high = (int(v) for v in cast(list[float], raw))
    if not 0 <= low <= high:
        checker.fail("replicaBounds", f"min {low} must be between 0 and max {high}")
    if high > cap:
        checker.fail("replicaBounds", f"max {high} exceeds the plan's cap of {cap} replicas per service "
                                      f"(replicaCap); allowed: 1..{cap}")
    if not low <= placed <= high:
        checker.fail("regions", f"the initial {placed} replica(s) must lie within replicaBounds [{low}, {high}]")


@dataclass(frozen=True)
class ReplicaBounds:
    min: int
    """Fewest replicas, in total across regions; enforced by Pulumi and by the autoscaler."""
    max: int
    """Most replicas, in total; must not exceed the plan's cap."""


@dataclass(frozen=True)
class ServiceInstanceArgs:
    service_id: pulumi.Input[str]
    environment_id: pulumi.Input[str]
    regions: Mapping[str, int]
    """Region id → replicas. With replica_bounds, the counts are only the initial placement."""
    restart_policy_type: str
    """ON_FAILURE, ALWAYS or NEVER (Railway's only automatic recovery)."""
    replica_cap: int
    """The workspace plan's per-service replica cap; check() refuses more."""
    role: str = "service"
    """What the service is for (worker, autoscaler, service); policies apply per role."""
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


class ServiceInstance(Resource, module="railway", name="ServiceInstance"):
    """How a Railway service runs in one environment (replicas, health check, restarts, draining)."""

    def __init__(self, name: str, args: ServiceInstanceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        bounds = args.replica_bounds
        super().__init__(ServiceInstanceProvider(), name, {
            "serviceId": args.service_id, "environmentId": args.environment_id, "role": args.role,
            "regions": dict(args.regions), "replicaCap": args.replica_cap,
            "replicaBounds": {"min": bounds.min, "max": bounds.max} if bounds else None,
            "startCommand": args.start_command, "rootDirectory": args.root_directory,
            "healthcheckPath": args.healthcheck_path, "healthcheckTimeout": args.healthcheck_timeout,
            "restartPolicyType": args.restart_policy_type,
            "restartPolicyMaxRetries": args.restart_policy_max_retries, "drainingSeconds": args.draining_seconds,
        }, opts)
