"""Redis for the job queue: an image service with a volume (`pulumi-python:dynamic/railway:Redis`).

A plain image service rather than Railway's template, so every setting is declared and diffed.
The password Pulumi generates is written *sealed* (``REDIS_PASSWORD``): Railway injects it into
the Redis process and never shows or returns it. Pulumi knows it, so the services that use the
queue receive their full ``REDIS_URL`` sealed as well (`redis_url`), and no reference variable has
to resolve a secret. The volume keeps the queue across restarts; backups of it are off unless
asked for, because queued jobs must not outlive their retention outside India (docs/railway.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from providers.dynamic.checks import Checker
from providers.dynamic.errors import NotFoundError
from providers.dynamic.ids import IdFormat
from providers.dynamic.provider import CREATING
from providers.dynamic.resource import SECRET, Args, DynamicResource, Out
from providers.dynamic.values import compact

from . import replicas
from .base import RailwayProvider, edges, live
from .client import RailwayClient, RailwayError
from .documents import (
    INSTANCE_DEPLOY,
    INSTANCE_REDEPLOY,
    REDIS_READ,
    REDIS_READ_WITHOUT_VOLUME,
    SERVICE_CONNECT,
    SERVICE_CREATE,
    SERVICE_DELETE,
    VOLUME_BACKUPS,
    VOLUME_CREATE,
    VOLUME_DELETE,
    VOLUME_INSTANCE_UPDATE,
)
from .service import find_service, live_regions, service_environment
from .variables import entry, patch_service
from .vocabulary import BACKUP_KINDS, PATH_PATTERN, RESTART_POLICIES

REDIS_PORT = 6379
PASSWORD_VARIABLE = "REDIS_PASSWORD"
LEGACY_VARIABLES = ("REDISPASSWORD", "REDISUSER", "REDISHOST", "REDISPORT", "REDIS_URL")
"""Plain variables earlier releases set on the Redis service (a reference template); removed when the
password is next written, so no plain copy of it stays behind."""
INSTANCE = ("restartPolicyType", "restartPolicyMaxRetries", "volumeMountPath")


def start_command(mount_path: str) -> str:
    """AOF on the volume; ``noeviction`` because a queue must fail loudly rather than drop jobs."""
    return (f'/bin/sh -c "exec redis-server --requirepass \\"${PASSWORD_VARIABLE}\\" --appendonly yes '
            f'--dir {mount_path} --maxmemory-policy noeviction"')


def private_host(service_name: str) -> str:
    return f"{service_name}.railway.internal"


def redis_url(password: str, host: str) -> str:
    """The URL the queue's users receive (sealed): the password is alphanumeric (checked), so no quoting."""
    return f"redis://default:{password}@{host}:{REDIS_PORT}"


class RedisProvider(RailwayProvider):
    kind = "Redis"
    id_format = IdFormat("{serviceId}")
    lookup_formats = (IdFormat("{serviceId}:{environmentId}"),)
    managed = ("image", "password", *INSTANCE, "backupSchedules")
    write_only = ("password",)
    replace_on_change = ("projectId", "environmentId", "name", "region")

    def validate(self, c: Checker) -> None:
        for prop in ("projectId", "environmentId", "image", "region"):
            c.text(prop)
        c.text("name", 64)
        c.choice("restartPolicyType", RESTART_POLICIES, required=True)
        c.integer("restartPolicyMaxRetries", 0, 1000)
        c.text("volumeMountPath", pattern=PATH_PATTERN, what="an absolute path such as '/data'")
        c.secret("password", 16, alphanumeric=True, what=" (it is embedded in redis:// URLs)")
        kinds = c.news.get("backupSchedules") or []
        if c.known("backupSchedules") and any(k not in BACKUP_KINDS for k in kinds):
            c.fail("backupSchedules", f"{list(kinds)} has unknown kinds; allowed: {', '.join(BACKUP_KINDS)}")

    def view(self, props: dict[str, Any]) -> dict[str, Any]:
        return {**super().view(props), "backupSchedules": sorted(props.get("backupSchedules") or [])}

    def extra_changes(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        return sorted(self._repairs(olds, news))

    def changes(self, p: dict[str, Any], current: dict[str, Any], skip: tuple[str, ...]) -> dict[str, Any]:
        return {**super().changes(p, current, skip), **self._repairs(current, p)}

    @staticmethod
    def _repairs(current: dict[str, Any], p: dict[str, Any]) -> dict[str, Any]:
        """What is wrong besides the declared fields: a volume gone, a start command not ours."""
        repairs: dict[str, Any] = {}
        if not current.get("volumeInstanceId"):
            repairs["volumeInstanceId"] = None  # the volume is gone: recreate it
        if current.get("startCommand") and current.get("startCommand") != start_command(str(p.get("volumeMountPath"))):
            repairs["startCommand"] = start_command(str(p.get("volumeMountPath")))
        return repairs

    def find(self, api: RailwayClient, p: dict[str, Any]) -> dict[str, Any] | None:
        node = find_service(api, p["projectId"], p["name"])
        return self.fetch(api, {**p, "serviceId": node["id"]}) if node else None

    def make(self, api: RailwayClient, p: dict[str, Any]) -> dict[str, Any]:
        created = api.execute(SERVICE_CREATE, {"input": {
            "projectId": p["projectId"], "environmentId": p["environmentId"], "name": p["name"],
            "source": {"image": p["image"]}}}, retry=False)["serviceCreate"]
        # Where Railway put the new service's one replica (the workspace's default region), to null it.
        placed = {i["region"]: int(i.get("numReplicas") or 1) for i in edges(created.get("serviceInstances"))
                  if i.get("environmentId") == p["environmentId"] and i.get("region")}
        return {"serviceId": created["id"], "name": created.get("name"), "projectId": created.get("projectId"),
                "environmentId": p["environmentId"], "image": p["image"], "placement": placed or None}

    def fetch(self, api: RailwayClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        environment = service_environment(api, ref)
        variables = {"serviceId": ref["serviceId"], "environmentId": environment}
        data: dict[str, Any] | None = None
        if ref.get("volumeInstanceId"):
            try:
                data = api.execute(REDIS_READ, {**variables, "volumeInstanceId": ref["volumeInstanceId"]})
            except NotFoundError:
                data = None  # the service or only its volume is gone: ask again without the volume
        data = data or api.execute(REDIS_READ_WITHOUT_VOLUME, variables)
        if not live(data["service"]):
            return None
        instance = data.get("serviceInstance") or {}
        volumes = edges((data.get("environment") or {}).get("volumeInstances"))
        volume = next((v for v in volumes if v.get("id") == ref.get("volumeInstanceId")), None) \
            if ref.get("volumeInstanceId") else next((v for v in volumes if v.get("serviceId") == ref["serviceId"]),
                                                     None)
        view = {"serviceId": ref["serviceId"], "name": data["service"].get("name"),
                "projectId": data["service"].get("projectId"), "environmentId": environment,
                "image": (instance.get("source") or {}).get("image"),
                "restartPolicyType": instance.get("restartPolicyType"),
                "restartPolicyMaxRetries": instance.get("restartPolicyMaxRetries"),
                "startCommand": instance.get("startCommand"), "volumeId": "", "volumeInstanceId": ""}
        if volume is not None:
            view.update({"volumeId": volume.get("volumeId") or "", "volumeInstanceId": volume.get("id") or "",
                         "volumeMountPath": volume.get("mountPath"), "region": volume.get("region")})
        if "volumeInstanceBackupScheduleList" in data:
            view["backupSchedules"] = sorted(s["kind"] for s in data["volumeInstanceBackupScheduleList"] or [])
        return compact(view)

    def write(self, api: RailwayClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        service_id, environment_id = ref["serviceId"], ref["environmentId"]
        creating = bool(ref.get(CREATING))
        written: dict[str, Any] = {}
        if "image" in changes:
            api.execute(SERVICE_CONNECT, {"id": service_id, "input": {"image": p["image"]}})
        # Instance settings and the sealed password go in one environment-config commit.
        command = start_command(p["volumeMountPath"])
        deploy: dict[str, Any] = {}
        if any(key in changes for key in INSTANCE) or current.get("startCommand") != command:
            previous = current.get("placement") or live_regions(api, environment_id, service_id)
            deploy = {"startCommand": command, "restartPolicyType": p["restartPolicyType"],
                      "restartPolicyMaxRetries": p.get("restartPolicyMaxRetries"),
                      "multiRegionConfig": replicas.to_config({p["region"]: 1}, previous)}
            written["startCommand"] = command
        variables: dict[str, dict[str, Any] | None] = {}
        if "password" in changes:
            variables[PASSWORD_VARIABLE] = entry(p["password"], sealed=True)
            if not creating:
                variables.update(dict.fromkeys(LEGACY_VARIABLES))
        patch_service(api, environment_id, service_id, f"pulumi: {p['name']} settings", variables, deploy)
        volume = {"volumeId": current.get("volumeId") or "", "volumeInstanceId": current.get("volumeInstanceId") or ""}
        if not volume["volumeInstanceId"]:
            volume = self._create_volume(api, p, service_id)
        elif "volumeMountPath" in changes:
            api.execute(VOLUME_INSTANCE_UPDATE, {
                "volumeId": volume["volumeId"], "environmentId": environment_id,
                "input": {"mountPath": p["volumeMountPath"], "serviceId": service_id}})
        if "backupSchedules" in changes:
            api.execute(VOLUME_BACKUPS, {"volumeInstanceId": volume["volumeInstanceId"],
                                         "kinds": sorted(p.get("backupSchedules") or [])})
        if creating:
            api.execute(INSTANCE_DEPLOY, {"serviceId": service_id, "environmentId": environment_id})
        elif set(changes) - {"backupSchedules"} or written or not current.get("volumeInstanceId"):
            api.execute(INSTANCE_REDEPLOY, {"serviceId": service_id, "environmentId": environment_id})
        return {**{key: p.get(key) for key in self.managed}, **written, **volume, "region": p["region"]}

    def remove(self, api: RailwayClient, ref: dict[str, Any]) -> None:
        if ref.get("volumeId"):
            with contextlib.suppress(NotFoundError):
                api.execute(VOLUME_DELETE, {"volumeId": ref["volumeId"]})
        api.execute(SERVICE_DELETE, {"id": ref["serviceId"], "environmentId": service_environment(api, ref)})

    def outputs(self, p: dict[str, Any], live_view: dict[str, Any]) -> dict[str, Any]:
        outs = super().outputs(p, live_view)
        for internal in ("serviceId", "placement"):
            outs.pop(internal, None)
        outs["startCommand"] = outs.get("startCommand") or start_command(str(outs.get("volumeMountPath")))
        outs["privateHost"] = private_host(str(outs.get("name")))
        outs["backupSchedules"] = sorted(outs.get("backupSchedules") or [])
        return outs

    @staticmethod
    def _create_volume(api: RailwayClient, p: Mapping[str, Any], service_id: str) -> dict[str, str]:
        volume = api.execute(VOLUME_CREATE, {"input": {
            "projectId": p["projectId"], "environmentId": p["environmentId"], "serviceId": service_id,
            "mountPath": p["volumeMountPath"], "region": p["region"]}})["volumeCreate"]
        instance = next((i for i in edges(volume.get("volumeInstances"))
                         if i.get("environmentId") == p["environmentId"]), None)
        if instance is None:
            raise RailwayError(f"Railway created volume {volume['id']} but not in environment {p['environmentId']}")
        return {"volumeId": volume["id"], "volumeInstanceId": instance["id"]}


@dataclass(frozen=True)
class RedisArgs(Args):
    project_id: pulumi.Input[str]
    environment_id: pulumi.Input[str]
    name: str
    """Service name; the private host is ``<name>.railway.internal``."""
    image: str
    region: str
    """Railway region of the service and its volume (one replica: Redis is not clustered here)."""
    password: pulumi.Input[str] = field(metadata=SECRET)
    """Generated (pulumi_random), letters and digits; secret in state, sealed in Railway."""
    volume_mount_path: str = "/data"
    restart_policy_type: str = "ON_FAILURE"
    restart_policy_max_retries: int | None = 10
    backup_schedules: Sequence[str] = field(default_factory=tuple)
    """Volume backups (DAILY/WEEKLY/MONTHLY). Empty on purpose: see the module docstring."""


class Redis(DynamicResource, module="railway", name="Redis"):
    """A Redis service with a persistent volume, private to the project's network."""

    provider_class = RedisProvider
    args_class = RedisArgs
    private_host = Out[str]("privateHost")
    """``<name>.railway.internal``: where the project's other services reach Redis."""
    volume_instance_id = Out[str]("volumeInstanceId")
