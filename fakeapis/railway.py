# ruff: noqa: N802, N803  (resolver names and arguments are the schema's camelCase)
"""A fake Railway GraphQL API that executes every request against Railway's published schema.

Each request is parsed and validated against ``railway/schema.json`` (graphql-core), its
variables are coerced against the declared input types, and the operation is *executed* with
resolvers that keep state (projects, environments, services, instances, variables, volumes,
project tokens). Anything the real API would reject for its shape is recorded in
``violations``; tests assert that list is empty. Known Railway traps are violations too: an
instance write without ``environmentId`` or without the full ``multiRegionConfig``.

Failure injection: ``fail_next(operation, reply)`` answers the next request for an operation
with a canned reply (GraphQL errors, 5xx, HTML) without executing it; ``delay_after(operation,
seconds)`` executes it and then holds the reply back (a timeout after the write happened).
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Mapping
from typing import Any

from graphql import GraphQLError, GraphQLSchema, build_client_schema, execute, parse, validate
from graphql.language import OperationDefinitionNode

import schemas

from .server import Recorded, Reply

TEST_TOKEN = "test-token-not-real"
DEFAULT_REGION = "us-west2"


@functools.cache
def railway_schema() -> GraphQLSchema:
    introspection = schemas.load_json("railway", "schema.json")
    # graphql-core 3.3 rejects the published schema's deprecation of Team.id; the reference notes
    # (SOURCE.md) say to build it with assume_valid: documents and variables still validate.
    return build_client_schema(introspection["data"], assume_valid=True)


class FakeApiError(Exception):
    """An error the real API would answer with (becomes a GraphQL ``errors`` entry)."""


SERVICE_PATCH_KEYS = frozenset({"source", "networking", "variables", "configFile", "deploy", "build", "volumeMounts",
                                "isDeleted", "isCreated", "parentServiceId", "clusterRole", "groupId"})
"""A service's keys in an environment-config patch (the CLI's `ServiceCfg`, src/controllers/config/environment.rs)."""
DEPLOY_PATCH_KEYS = frozenset({
    "startCommand", "preDeployCommand", "healthcheckPath", "healthcheckTimeout", "ipv6EgressEnabled", "numReplicas",
    "multiRegionConfig", "cronSchedule", "restartPolicyType", "restartPolicyMaxRetries", "sleepApplication",
    "registryCredentials", "limitOverride", "requiredMountPath", "overlapSeconds", "drainingSeconds"})


def _connection(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"edges": [{"node": n, "cursor": str(i)} for i, n in enumerate(nodes)],
            "pageInfo": {"hasNextPage": False, "endCursor": None, "hasPreviousPage": False, "startCursor": None}}


class RailwayFake:
    """State plus resolvers; ``handler`` plugs into `fakeapis.server.FakeServer`."""

    def __init__(self, token: str = TEST_TOKEN, plan: str = "PRO", page_size: int = 100) -> None:
        self.tokens = {token}
        self.page_size = page_size
        self.workspace = {"id": "ws-1", "name": "lightspeedpay", "plan": plan, "preferredRegion": DEFAULT_REGION}
        self.projects: dict[str, dict[str, Any]] = {}
        self.environments: dict[str, dict[str, Any]] = {}
        self.services: dict[str, dict[str, Any]] = {}
        self.instances: dict[tuple[str, str], dict[str, Any]] = {}
        self.variables: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self.volumes: dict[str, dict[str, Any]] = {}
        self.volume_instances: dict[str, dict[str, Any]] = {}
        self.backups: dict[str, list[str]] = {}
        self.project_tokens: dict[str, dict[str, Any]] = {}
        self.deploys: list[tuple[str, str, str]] = []
        self.triggers: dict[str, dict[str, Any]] = {}
        """GitHub deployment triggers: Railway makes one per environment when a service gets a repository branch."""
        self.violations: list[str] = []
        self.calls: list[tuple[str, bool]] = []
        """(operation name, is a mutation) for every executed request."""
        self._fail: list[tuple[str, Reply]] = []
        self._delay: list[tuple[str, float]] = []
        self._ids = itertools.count(1)
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ test hooks
    def fail_next(self, operation: str, reply: Reply) -> None:
        self._fail.append((operation, reply))

    def graphql_error_next(self, operation: str, message: str) -> None:
        self.fail_next(operation, Reply(200, {"data": None, "errors": [{"message": message}]}))

    def delay_after(self, operation: str, seconds: float) -> None:
        self._delay.append((operation, seconds))

    def scale(self, service_id: str, environment_id: str, regions: Mapping[str, int]) -> None:
        """What the dashboard (or the autoscaler) does to a fleet behind Pulumi's back."""
        with self._lock:
            self.instances[(service_id, environment_id)]["multiRegionConfig"] = {
                r: {"numReplicas": n} for r, n in regions.items()}

    def replicas(self, service_id: str, environment_id: str) -> dict[str, int]:
        config = self.instances[(service_id, environment_id)]["multiRegionConfig"]
        return {r: int(v["numReplicas"]) for r, v in config.items()}

    def mutations(self) -> list[str]:
        return [name for name, is_mutation in self.calls if is_mutation]

    def service_named(self, name: str) -> dict[str, Any]:
        matches = [s for s in self.services.values() if s["name"] == name]
        assert len(matches) == 1, f"{len(matches)} services named {name!r}"
        return matches[0]

    # ------------------------------------------------------------------ transport
    def handler(self, request: Recorded) -> Reply:
        if request.method != "POST" or request.path != "/graphql/v2":
            return Reply(404, raw=b"<html><body>Not Found</body></html>")
        body = request.body if isinstance(request.body, dict) else {}
        query, variables = body.get("query"), body.get("variables") or {}
        if not isinstance(query, str):
            self.violations.append("request without a GraphQL query string")
            return Reply(400, {"errors": [{"message": "Must provide query string."}]})
        try:
            document = parse(query)
        except GraphQLError as error:
            self.violations.append(f"syntax: {error.message}")
            return Reply(400, {"errors": [{"message": error.message}]})
        problems = validate(railway_schema(), document)
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        name = operations[0].name.value if operations and operations[0].name else ""
        mutation = bool(operations) and operations[0].operation.value == "mutation"
        if problems:
            self.violations += [f"{name}: {p.message}" for p in problems]
            return Reply(400, {"errors": [{"message": p.message} for p in problems]})
        declared = {v.variable.name.value for op in operations for v in op.variable_definitions or ()}
        extra = set(variables) - declared
        if extra:
            self.violations.append(f"{name}: variables {sorted(extra)} are not declared by the document")
        if body.get("operationName") not in (None, name):
            self.violations.append(f"{name}: operationName {body.get('operationName')!r} does not match")

        scope = self._authorise(request, name, variables)
        if isinstance(scope, Reply):
            return scope
        with self._lock:
            for index, (operation, reply) in enumerate(self._fail):
                if operation == name:
                    del self._fail[index]
                    return reply
            self.calls.append((name, mutation))
            result = execute(railway_schema(), document, root_value=_Root(self, scope),
                             variable_values=variables, operation_name=name or None)
        if hasattr(result, "__await__"):
            raise AssertionError("resolvers must be synchronous")
        errors = list(result.errors or [])
        for problem in errors:
            if problem.message.startswith("Variable '$"):
                self.violations.append(f"{name}: {problem.message}")
        payload: dict[str, Any] = {"data": result.data}
        if errors:
            payload["errors"] = [{"message": e.message, "path": e.path} for e in errors]
        delay = 0.0
        with self._lock:
            for index, (operation, seconds) in enumerate(self._delay):
                if operation == name:
                    del self._delay[index]
                    delay = seconds
                    break
        return Reply(200, payload, delay=delay)

    def _authorise(self, request: Recorded, operation: str, variables: Mapping[str, Any]) -> str | Reply:
        """'' for a workspace token, the environment id for a project token, or the error reply."""
        bearer = request.headers.get("authorization", "")
        project = request.headers.get("project-access-token")
        if project is not None:
            if bearer:
                self.violations.append(f"{operation}: a project token must not also send Authorization")
            token = next((t for t in self.project_tokens.values() if t["token"] == project), None)
            if token is None:
                return Reply(200, {"data": None, "errors": [{"message": "Project Token not found"}]})
            if variables.get("environmentId", variables.get("id")) != token["environmentId"]:
                return Reply(200, {"data": None, "errors": [{"message": "Not Authorized"}]})
            return str(token["environmentId"])
        if bearer.removeprefix("Bearer ") not in self.tokens:
            return Reply(200, {"data": None, "errors": [{"message": "Not Authorized"}]})
        return ""

    # ------------------------------------------------------------------ state helpers
    def new_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    def project_view(self, project: dict[str, Any]) -> dict[str, Any]:
        environments = [e for e in self.environments.values() if e["projectId"] == project["id"]]
        services = [s for s in self.services.values() if s["projectId"] == project["id"]]
        return {**project, "environments": _connection([dict(e) for e in environments]),
                "services": _connection([dict(s) for s in services]),
                "workspace": {"id": self.workspace["id"], "plan": self.workspace["plan"]}}

    def service_view(self, service: dict[str, Any]) -> dict[str, Any]:
        instances = [self.instance_view(key) for key in self.instances if key[0] == service["id"]]
        return {**service, "serviceInstances": _connection(instances)}

    def workspace_view(self) -> dict[str, Any]:
        def projects(info: Any, first: int | None = None, after: str | None = None, **_: Any) -> dict[str, Any]:
            rows = [self.project_view(p) for p in self.projects.values()
                    if p["workspaceId"] == self.workspace["id"]]
            start = int(after) + 1 if after else 0
            size = min(first or self.page_size, self.page_size)
            page = rows[start:start + size]
            return {"edges": [{"node": n, "cursor": str(start + i)} for i, n in enumerate(page)],
                    "pageInfo": {"hasNextPage": start + size < len(rows),
                                 "endCursor": str(start + len(page) - 1) if page else None,
                                 "hasPreviousPage": start > 0, "startCursor": None}}

        return {**self.workspace, "projects": projects}

    def instance_view(self, key: tuple[str, str]) -> dict[str, Any]:
        instance = self.instances[key]
        placed = {r: v["numReplicas"] for r, v in instance["multiRegionConfig"].items()}
        return {**{k: v for k, v in instance.items() if k != "multiRegionConfig"},
                "id": f"si-{key[0]}-{key[1]}", "serviceId": key[0], "environmentId": key[1],
                "serviceName": self.services[key[0]]["name"], "numReplicas": sum(placed.values()),
                "region": next(iter(placed), None), "deletedAt": None}

    def environment_view(self, environment: dict[str, Any]) -> dict[str, Any]:
        eid = environment["id"]
        services: dict[str, Any] = {}
        for (sid, env), instance in self.instances.items():
            if env != eid:
                continue
            deploy = {k: v for k, v in instance.items() if k not in ("source",)}
            services[sid] = {"source": instance["source"], "deploy": deploy,
                             "variables": {n: {"isSealed": v["isSealed"]}  # values stay encrypted
                                           for n, v in self.variables.get((sid, eid), {}).items()}}
        volumes = [v for v in self.volume_instances.values() if v["environmentId"] == eid]
        return {**environment, "config": {"services": services, "volumes": {
                    v["volumeId"]: {"sizeMB": 5000, "region": v["region"]} for v in volumes}},
                "volumeInstances": _connection([dict(v) for v in volumes])}

    def connect_trigger(self, service_id: str, environment_id: str, repository: str, branch: str) -> None:
        """What Railway does when a service gets a repository branch: one trigger per environment, deploying every
        push at once ("Wait for CI" off)."""
        existing = next((t for t in self.triggers.values()
                         if (t["serviceId"], t["environmentId"]) == (service_id, environment_id)), None)
        if existing is not None:
            existing.update(repository=repository, branch=branch)
            return
        trigger_id = self.new_id("trg")
        self.triggers[trigger_id] = {
            "id": trigger_id, "serviceId": service_id, "environmentId": environment_id,
            "projectId": self.services[service_id]["projectId"], "provider": "github", "repository": repository,
            "branch": branch, "checkSuites": False, "validCheckSuites": 0, "baseEnvironmentOverrideId": None}

    def check_region_map(self, operation: str, mapping: Any) -> None:
        if not isinstance(mapping, Mapping) or not mapping:
            self.violations.append(f"{operation}: multiRegionConfig must be a non-empty region map")
            return
        for region, entry in mapping.items():
            if entry is not None and not (isinstance(entry, Mapping) and set(entry) == {"numReplicas"}
                                          and isinstance(entry["numReplicas"], int) and entry["numReplicas"] >= 0):
                self.violations.append(f"{operation}: multiRegionConfig[{region}] = {entry!r} is not "
                                       f"{{'numReplicas': <int>}} or null")

    def check_variables(self, operation: str, values: Any) -> None:
        if not isinstance(values, Mapping) or not all(isinstance(v, str) for v in values.values()):
            self.violations.append(f"{operation}: EnvironmentVariables must map names to strings")


class _Root:
    """Root resolvers: graphql-core calls ``root.<field>(info, **arguments)``."""

    def __init__(self, fake: RailwayFake, scope: str) -> None:
        self.fake = fake
        self.scope = scope

    # ------------------------------------------------------------------ queries
    def apiToken(self, info: Any) -> dict[str, Any]:
        if self.scope:
            raise FakeApiError("Not Authorized")
        return {"workspaces": [{"id": self.fake.workspace["id"], "name": self.fake.workspace["name"]}]}

    def projects(self, info: Any, workspaceId: str | None = None, first: int | None = None,
                 after: str | None = None, **_: Any) -> dict[str, Any]:
        rows = [self.fake.project_view(p) for p in self.fake.projects.values()
                if workspaceId in (None, p["workspaceId"])]
        start = int(after) + 1 if after else 0
        size = min(first or self.fake.page_size, self.fake.page_size)
        page = rows[start:start + size]
        return {"edges": [{"node": n, "cursor": str(start + i)} for i, n in enumerate(page)],
                "pageInfo": {"hasNextPage": start + size < len(rows), "endCursor": str(start + len(page) - 1)
                             if page else None, "hasPreviousPage": start > 0, "startCursor": None}}

    def workspace(self, info: Any, workspaceId: str) -> dict[str, Any]:
        if self.scope or workspaceId != self.fake.workspace["id"]:
            raise FakeApiError("Not Authorized")
        return self.fake.workspace_view()

    def project(self, info: Any, id: str) -> dict[str, Any]:
        project = self.fake.projects.get(id)
        if project is None:
            raise FakeApiError("Project not found")
        return self.fake.project_view(project)

    def environment(self, info: Any, id: str, projectId: str | None = None) -> dict[str, Any]:
        environment = self.fake.environments.get(id)
        if environment is None:
            raise FakeApiError("Environment not found")
        return self.fake.environment_view(environment)

    def service(self, info: Any, id: str) -> dict[str, Any]:
        service = self.fake.services.get(id)
        if service is None:
            raise FakeApiError("Service not found")
        return self.fake.service_view(service)

    def serviceInstance(self, info: Any, serviceId: str, environmentId: str) -> dict[str, Any]:
        if (serviceId, environmentId) not in self.fake.instances:
            raise FakeApiError("ServiceInstance not found")
        return self.fake.instance_view((serviceId, environmentId))

    def variables(self, info: Any, projectId: str, environmentId: str, serviceId: str | None = None,
                  **_: Any) -> dict[str, str]:
        if serviceId is not None and serviceId not in self.fake.services:
            raise FakeApiError("Service not found")
        values = self.fake.variables.get((serviceId or "", environmentId), {})
        return {n: v["value"] for n, v in values.items() if not v["isSealed"]}

    def volumeInstanceBackupScheduleList(self, info: Any, volumeInstanceId: str) -> list[dict[str, Any]]:
        if volumeInstanceId not in self.fake.volume_instances:
            raise FakeApiError("VolumeInstance not found")
        return [{"kind": k, "id": f"b-{k}", "name": k, "cron": "0 0 * * *", "createdAt": "2026-01-01T00:00:00Z"}
                for k in self.fake.backups.get(volumeInstanceId, [])]

    def projectTokens(self, info: Any, projectId: str, **_: Any) -> dict[str, Any]:
        return _connection([{k: v for k, v in t.items() if k != "token"}
                            for t in self.fake.project_tokens.values() if t["projectId"] == projectId])

    def deploymentTriggers(self, info: Any, projectId: str, environmentId: str, serviceId: str,
                           **_: Any) -> dict[str, Any]:
        return _connection([dict(t) for t in self.fake.triggers.values()
                            if (t["projectId"], t["environmentId"], t["serviceId"]) ==
                            (projectId, environmentId, serviceId)])

    # ------------------------------------------------------------------ deployment triggers
    def deploymentTriggerCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        self.serviceInstance(info, input["serviceId"], input["environmentId"])
        self.fake.connect_trigger(input["serviceId"], input["environmentId"], input["repository"], input["branch"])
        trigger = next(t for t in self.fake.triggers.values()
                       if (t["serviceId"], t["environmentId"]) == (input["serviceId"], input["environmentId"]))
        trigger.update(provider=input["provider"], checkSuites=bool(input.get("checkSuites")))
        return dict(trigger)

    def deploymentTriggerUpdate(self, info: Any, id: str, input: dict[str, Any]) -> dict[str, Any]:
        trigger = self.fake.triggers.get(id)
        if trigger is None:
            raise FakeApiError("DeploymentTrigger not found")
        # A PATCH: only the fields sent change.
        trigger.update({k: v for k, v in input.items()
                        if k in ("branch", "checkSuites", "repository") and v is not None})
        return dict(trigger)

    # ------------------------------------------------------------------ project & environment
    def projectCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        fake = self.fake
        project_id, environment_id = fake.new_id("prj"), fake.new_id("env")
        fake.projects[project_id] = {
            "id": project_id, "name": input.get("name") or "unnamed", "description": input.get("description"),
            "isPublic": bool(input.get("isPublic")), "prDeploys": bool(input.get("prDeploys")),
            "workspaceId": input.get("workspaceId") or fake.workspace["id"], "deletedAt": None,
            "baseEnvironmentId": environment_id}
        fake.environments[environment_id] = {"id": environment_id, "projectId": project_id, "deletedAt": None,
                                             "name": input.get("defaultEnvironmentName") or "production"}
        return fake.project_view(fake.projects[project_id])

    def projectUpdate(self, info: Any, id: str, input: dict[str, Any]) -> dict[str, Any]:
        project = self.project(info, id)
        stored = self.fake.projects[project["id"]]
        stored.update({k: v for k, v in input.items() if k in ("name", "description", "prDeploys", "isPublic")})
        return self.fake.project_view(stored)

    def projectDelete(self, info: Any, id: str) -> bool:
        if self.fake.projects.pop(id, None) is None:
            raise FakeApiError("Project not found")
        for environment_id in [e for e, env in self.fake.environments.items() if env["projectId"] == id]:
            del self.fake.environments[environment_id]
        for service_id in [s for s, svc in self.fake.services.items() if svc["projectId"] == id]:
            self.serviceDelete(info, service_id)
        return True

    def environmentCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        self.project(info, input["projectId"])
        environment_id = self.fake.new_id("env")
        self.fake.environments[environment_id] = {"id": environment_id, "name": input["name"],
                                                  "projectId": input["projectId"], "deletedAt": None}
        return dict(self.fake.environments[environment_id])

    def environmentRename(self, info: Any, id: str, input: dict[str, Any]) -> dict[str, Any]:
        environment = self.fake.environments.get(id)
        if environment is None:
            raise FakeApiError("Environment not found")
        environment["name"] = input["name"]
        return dict(environment)

    def environmentDelete(self, info: Any, id: str) -> bool:
        environment = self.fake.environments.get(id)
        if environment is None:
            raise FakeApiError("Environment not found")
        if self.fake.projects.get(environment["projectId"], {}).get("baseEnvironmentId") == id:
            raise FakeApiError("Cannot delete the base environment of a project")
        del self.fake.environments[id]
        return True

    def environmentPatchCommit(self, info: Any, environmentId: str, patch: Any = None,
                               commitMessage: str | None = None) -> str:
        fake = self.fake
        if environmentId not in fake.environments:
            raise FakeApiError("Environment not found")
        if not isinstance(patch, Mapping) or set(patch) - {"services", "sharedVariables", "volumes"}:
            fake.violations.append(f"EnvironmentPatchCommit: unexpected patch shape {patch!r}")
            return "patch-rejected"
        for service_id, service_patch in (patch.get("services") or {}).items():
            if service_id not in fake.services:
                raise FakeApiError("Service not found")
            unknown = set(service_patch) - SERVICE_PATCH_KEYS
            if unknown:
                fake.violations.append(f"EnvironmentPatchCommit: {sorted(unknown)} are not service config keys")
            values = fake.variables.setdefault((service_id, environmentId), {})
            for name, entry in (service_patch.get("variables") or {}).items():
                if entry is None:
                    values.pop(name, None)
                elif not isinstance(entry.get("value"), str):
                    fake.violations.append(f"EnvironmentPatchCommit: variable {name} needs a string value")
                elif values.get(name, {}).get("isSealed") and not entry.get("isSealed"):
                    raise FakeApiError(f"Variable {name} is sealed; a sealed variable cannot be unsealed")
                else:
                    values[name] = {"value": entry["value"], "isSealed": bool(entry.get("isSealed"))}
            deploy = dict(service_patch.get("deploy") or {})
            if set(deploy) - DEPLOY_PATCH_KEYS:
                fake.violations.append(f"EnvironmentPatchCommit: {sorted(set(deploy) - DEPLOY_PATCH_KEYS)} are not "
                                       f"deploy config keys")
            region_map = deploy.pop("multiRegionConfig", None)
            if region_map is not None:
                fake.check_region_map("EnvironmentPatchCommit", region_map)
                self._merge_regions(service_id, environmentId, region_map)
            instance = fake.instances.get((service_id, environmentId))
            if deploy and instance is None:
                raise FakeApiError("ServiceInstance not found")
            for key, value in deploy.items():
                instance[key] = value  # type: ignore[index]
        return fake.new_id("patch")

    # ------------------------------------------------------------------ services
    def serviceCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        fake = self.fake
        project = self.project(info, input["projectId"])
        if input.get("environmentId") is None:
            fake.violations.append("ServiceCreate without environmentId creates the service in every environment")
        service_id = fake.new_id("svc")
        source = dict(input.get("source") or {})
        fake.services[service_id] = {"id": service_id, "name": input.get("name") or service_id,
                                     "projectId": project["id"], "deletedAt": None}
        environments = [input["environmentId"]] if input.get("environmentId") else \
            [e for e, env in fake.environments.items() if env["projectId"] == project["id"]]
        for environment_id in environments:
            fake.instances[(service_id, environment_id)] = {
                "source": {"image": source.get("image"), "repo": source.get("repo")}, "branch": input.get("branch"),
                "startCommand": None, "rootDirectory": None, "healthcheckPath": None, "healthcheckTimeout": None,
                "restartPolicyType": "ON_FAILURE", "restartPolicyMaxRetries": 10, "drainingSeconds": None,
                "multiRegionConfig": {fake.workspace["preferredRegion"]: {"numReplicas": 1}}}
            if source.get("repo") and input.get("branch"):
                fake.connect_trigger(service_id, environment_id, source["repo"], input["branch"])
            if input.get("variables") is not None:
                fake.check_variables("ServiceCreate", input["variables"])
                fake.variables[(service_id, environment_id)] = {
                    n: {"value": v, "isSealed": False} for n, v in input["variables"].items()}
        return fake.service_view(fake.services[service_id])

    def serviceUpdate(self, info: Any, id: str, input: dict[str, Any]) -> dict[str, Any]:
        service = self.service(info, id)
        self.fake.services[service["id"]].update({k: v for k, v in input.items() if k in ("name", "icon")})
        return dict(self.fake.services[service["id"]])

    def serviceConnect(self, info: Any, id: str, input: dict[str, Any]) -> dict[str, Any]:
        service = self.service(info, id)
        for (service_id, environment_id), instance in self.fake.instances.items():
            if service_id == id:
                instance["source"] = {"image": input.get("image"), "repo": input.get("repo")}
                instance["branch"] = input.get("branch")
                if input.get("repo") and input.get("branch"):
                    self.fake.connect_trigger(id, environment_id, input["repo"], input["branch"])
        return service

    def serviceDelete(self, info: Any, id: str, environmentId: str | None = None) -> bool:
        fake = self.fake
        if fake.services.pop(id, None) is None:
            raise FakeApiError("Service not found")
        for key in [k for k in fake.instances if k[0] == id]:
            del fake.instances[key]
            fake.variables.pop(key, None)
        for trigger_id in [t for t, trigger in fake.triggers.items() if trigger["serviceId"] == id]:
            del fake.triggers[trigger_id]
        for volume in fake.volume_instances.values():
            if volume["serviceId"] == id:
                volume["serviceId"] = None
        return True

    def serviceInstanceUpdate(self, info: Any, serviceId: str, input: dict[str, Any],
                              environmentId: str | None = None) -> bool:
        fake = self.fake
        if environmentId is None:
            fake.violations.append("ServiceInstanceUpdate without environmentId writes to every environment")
            return True
        if (serviceId, environmentId) not in fake.instances:
            raise FakeApiError("ServiceInstance not found")
        if "multiRegionConfig" not in input:
            fake.violations.append("ServiceInstanceUpdate without the full multiRegionConfig (Railway falls back "
                                   "to one replica in the default region)")
        instance = fake.instances[(serviceId, environmentId)]
        for key, value in input.items():
            if key == "multiRegionConfig":
                fake.check_region_map("ServiceInstanceUpdate", value)
                self._merge_regions(serviceId, environmentId, value)
            elif key in instance:
                instance[key] = value
        return True

    def _merge_regions(self, service_id: str, environment_id: str, region_map: Mapping[str, Any]) -> None:
        placed = self.fake.instances[(service_id, environment_id)]["multiRegionConfig"]
        for region, entry in region_map.items():
            if entry is None:
                placed.pop(region, None)
            else:
                placed[region] = {"numReplicas": entry["numReplicas"]}

    def serviceInstanceDeployV2(self, info: Any, serviceId: str, environmentId: str,
                                commitSha: str | None = None) -> str:
        self.serviceInstance(info, serviceId, environmentId)
        self.fake.deploys.append((serviceId, environmentId, "deploy"))
        return self.fake.new_id("dep")

    def serviceInstanceRedeploy(self, info: Any, serviceId: str, environmentId: str) -> bool:
        self.serviceInstance(info, serviceId, environmentId)
        self.fake.deploys.append((serviceId, environmentId, "redeploy"))
        return True

    # ------------------------------------------------------------------ variables
    def variableCollectionUpsert(self, info: Any, input: dict[str, Any]) -> bool:
        fake = self.fake
        key = (input.get("serviceId") or "", input["environmentId"])
        if input.get("serviceId") and input["serviceId"] not in fake.services:
            raise FakeApiError("Service not found")
        fake.check_variables("VariableCollectionUpsert", input["variables"])
        values = fake.variables.setdefault(key, {})
        if input.get("replace"):
            values.clear()
        for name, value in input["variables"].items():
            values[name] = {"value": value, "isSealed": values.get(name, {}).get("isSealed", False)}
        return True

    def variableDelete(self, info: Any, input: dict[str, Any]) -> bool:
        values = self.fake.variables.get((input.get("serviceId") or "", input["environmentId"]), {})
        if values.pop(input["name"], None) is None:
            raise FakeApiError("Variable not found")
        return True

    # ------------------------------------------------------------------ volumes
    def volumeCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        fake = self.fake
        self.project(info, input["projectId"])
        volume_id, instance_id = fake.new_id("vol"), fake.new_id("vi")
        fake.volumes[volume_id] = {"id": volume_id, "name": f"volume-{volume_id}", "projectId": input["projectId"]}
        fake.volume_instances[instance_id] = {
            "id": instance_id, "volumeId": volume_id, "environmentId": input.get("environmentId"),
            "serviceId": input.get("serviceId"), "mountPath": input["mountPath"],
            "region": input.get("region") or fake.workspace["preferredRegion"], "state": "READY"}
        return {**fake.volumes[volume_id], "volumeInstances": _connection([dict(fake.volume_instances[instance_id])])}

    def volumeInstanceUpdate(self, info: Any, volumeId: str, input: dict[str, Any],
                             environmentId: str | None = None) -> bool:
        matches = [v for v in self.fake.volume_instances.values()
                   if v["volumeId"] == volumeId and environmentId in (None, v["environmentId"])]
        if not matches:
            raise FakeApiError("Volume not found")
        for volume in matches:
            volume.update({k: v for k, v in input.items() if k in ("mountPath", "serviceId", "state")})
        return True

    def volumeDelete(self, info: Any, volumeId: str) -> bool:
        if self.fake.volumes.pop(volumeId, None) is None:
            raise FakeApiError("Volume not found")
        for instance_id in [i for i, v in self.fake.volume_instances.items() if v["volumeId"] == volumeId]:
            del self.fake.volume_instances[instance_id]
            self.fake.backups.pop(instance_id, None)
        return True

    def volumeInstanceBackupScheduleUpdate(self, info: Any, volumeInstanceId: str,
                                           kinds: list[str]) -> bool:
        if volumeInstanceId not in self.fake.volume_instances:
            raise FakeApiError("VolumeInstance not found")
        self.fake.backups[volumeInstanceId] = sorted(kinds)
        return True

    # ------------------------------------------------------------------ project tokens
    def projectTokenCreate(self, info: Any, input: dict[str, Any]) -> str:
        self.project(info, input["projectId"])
        token_id = self.fake.new_id("ptk")
        value = f"test-project-token-not-real-{token_id}"
        self.fake.project_tokens[token_id] = {"id": token_id, "name": input["name"], "projectId": input["projectId"],
                                              "environmentId": input["environmentId"], "token": value}
        return value

    def projectTokenDelete(self, info: Any, id: str) -> bool:
        if self.fake.project_tokens.pop(id, None) is None:
            raise FakeApiError("ProjectToken not found")
        return True

