"""Redis for the job queue: an image service with a volume (`pulumi-python:dynamic/railway:Redis`).

A plain image service rather than Railway's template, so every setting is declared and diffed.
It publishes the same variables as Railway's Redis template (``REDIS_URL`` and friends), built
from references, so other services use ``${{<name>.REDIS_URL}}`` and never hold the password.
The volume keeps the queue across restarts; backups of it are off unless asked for, because
queued jobs must not outlive their retention outside India (docs/railway.md, data localisation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from . import replicas
from .base import Checker, RailwayProvider, changed, delete_quietly, diff, edges, norm, output_of
from .client import RailwayClient, RailwayError, RailwayNotFoundError
from .documents import (
    INSTANCE_DEPLOY,
    INSTANCE_REDEPLOY,
    INSTANCE_UPDATE,
    REDIS_READ,
    REDIS_READ_WITHOUT_VOLUME,
    SERVICE_CONNECT,
    SERVICE_CREATE,
    SERVICE_DELETE,
    VARIABLES_UPSERT,
    VOLUME_BACKUPS,
    VOLUME_CREATE,
    VOLUME_DELETE,
    VOLUME_FIND,
    VOLUME_INSTANCE_UPDATE,
)
from .service import RESTART_POLICIES, find_service, live_regions

BACKUP_KINDS = ("DAILY", "WEEKLY", "MONTHLY")
REDIS_PORT = 6379
_PATH = re.compile(r"^/[A-Za-z0-9._/-]*$")


def start_command(mount_path: str) -> str:
    """AOF on the volume; ``noeviction`` because a queue must fail loudly rather than drop jobs."""
    return (f'/bin/sh -c "exec redis-server --requirepass \\"$REDIS_PASSWORD\\" --appendonly yes '
            f'--dir {mount_path} --maxmemory-policy noeviction"')


def redis_variables(password: str) -> dict[str, str]:
    """What Railway's Redis template publishes; everything but the password is a reference."""
    return {
        "REDIS_PASSWORD": password,
        "REDISPASSWORD": "${{REDIS_PASSWORD}}",
        "REDISUSER": "default",
        "REDISHOST": "${{RAILWAY_PRIVATE_DOMAIN}}",
        "REDISPORT": str(REDIS_PORT),
        "REDIS_URL": f"redis://default:${{{{REDIS_PASSWORD}}}}@${{{{RAILWAY_PRIVATE_DOMAIN}}}}:{REDIS_PORT}",
    }


def url_reference(service_name: str) -> str:
    return f"${{{{{service_name}.REDIS_URL}}}}"


class RedisProvider(RailwayProvider):
    kind = "Redis"
    _INSTANCE = ("restartPolicyType", "restartPolicyMaxRetries", "volumeMountPath")

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checker = Checker(self.kind, news)
        for prop in ("projectId", "environmentId", "image", "region"):
            checker.require_text(prop)
        checker.require_text("name", 64)
        checker.choice("restartPolicyType", RESTART_POLICIES, required=True)
        checker.integer("restartPolicyMaxRetries", 0, 1000)
        mount = news.get("volumeMountPath")
        if checker.known("volumeMountPath") and (not isinstance(mount, str) or not _PATH.match(mount)):
            checker.fail("volumeMountPath", f"{mount!r} must be an absolute path such as '/data'")
        password = news.get("password")
        if checker.known("password") and (not isinstance(password, str) or len(password) < 16
                                          or not password.isalnum()):
            checker.fail("password", "must be at least 16 letters and digits (it is embedded in redis:// URLs)")
        kinds = news.get("backupSchedules") or []
        if checker.known("backupSchedules") and any(k not in BACKUP_KINDS for k in kinds):
            checker.fail("backupSchedules", f"{list(kinds)} has unknown kinds; allowed: {', '.join(BACKUP_KINDS)}")
        return checker.result()

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = diff(olds, news, ("image", "password", "backupSchedules", *self._INSTANCE),
                      ("projectId", "environmentId", "name", "region"))
        if not result.changes and not olds.get("volumeInstanceId"):
            return DiffResult(changes=True, replaces=[])  # the volume is gone: recreate it
        return result

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = norm(props)
        client = self.client()

        def make() -> dict[str, Any]:
            created = client.execute(SERVICE_CREATE, {"input": {
                "projectId": p["projectId"], "environmentId": p["environmentId"], "name": p["name"],
                "source": {"image": p["image"]}, "variables": redis_variables(p["password"])}}, retry=False)
            return cast(dict[str, Any], created["serviceCreate"])

        node, adopted = self.create_or_adopt(client, lambda: find_service(client, p["projectId"], p["name"]), make)
        service_id = node["id"]
        if adopted:
            client.execute(SERVICE_CONNECT, {"id": service_id, "input": {"image": p["image"]}})
            self._set_password(client, p, service_id)
        self._write_instance(client, p, service_id)
        volume = self._ensure_volume(client, p, service_id, look_first=adopted)
        if p.get("backupSchedules"):
            client.execute(VOLUME_BACKUPS, {"volumeInstanceId": volume["id"], "kinds": list(p["backupSchedules"])})
        client.execute(INSTANCE_DEPLOY, {"serviceId": service_id, "environmentId": p["environmentId"]})
        return CreateResult(service_id, self._outs(p, volume))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = norm(props)
        client = self.client()
        variables = {"serviceId": id_, "environmentId": p["environmentId"]}
        data: dict[str, Any] | None = None
        try:
            if p.get("volumeInstanceId"):
                data = client.execute(REDIS_READ, {**variables, "volumeInstanceId": p["volumeInstanceId"]})
        except RailwayNotFoundError:
            data = None  # the service or only its volume is gone: ask again without the volume
        try:
            data = data or client.execute(REDIS_READ_WITHOUT_VOLUME, variables)
        except RailwayError as error:
            if self.gone(client, error):
                return ReadResult(None, {})
            raise
        if not data["service"] or data["service"].get("deletedAt"):
            return ReadResult(None, {})
        instance = data["serviceInstance"] or {}
        volume = next((v for v in edges((data.get("environment") or {}).get("volumeInstances"))
                       if v.get("id") == p.get("volumeInstanceId")), None)
        outs = {**p, "image": (instance.get("source") or {}).get("image") or p.get("image"),
                "restartPolicyType": instance.get("restartPolicyType"),
                "restartPolicyMaxRetries": norm(instance.get("restartPolicyMaxRetries")),
                "startCommand": instance.get("startCommand")}
        if volume is None:
            outs.update({"volumeInstanceId": "", "volumeId": ""})
        else:
            outs.update({"volumeMountPath": volume.get("mountPath"), "region": volume.get("region") or p["region"]})
        if "volumeInstanceBackupScheduleList" in data:
            outs["backupSchedules"] = sorted(s["kind"] for s in data["volumeInstanceBackupScheduleList"] or [])
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        p, o = norm(news), norm(olds)
        client = self.client()
        redeploy = False
        if changed(o, p, ("image",)):
            client.execute(SERVICE_CONNECT, {"id": id_, "input": {"image": p["image"]}})
            redeploy = True
        if changed(o, p, ("password",)):
            self._set_password(client, p, id_)
            redeploy = True
        if changed(o, p, self._INSTANCE) or o.get("startCommand") != start_command(p["volumeMountPath"]):
            self._write_instance(client, p, id_)
            redeploy = True
        volume: Mapping[str, Any] = {"id": o.get("volumeInstanceId"), "volumeId": o.get("volumeId")}
        if not o.get("volumeInstanceId"):
            volume = self._ensure_volume(client, p, id_, look_first=True)
            redeploy = True
        elif changed(o, p, ("volumeMountPath",)):
            client.execute(VOLUME_INSTANCE_UPDATE, {
                "volumeId": o["volumeId"], "environmentId": p["environmentId"],
                "input": {"mountPath": p["volumeMountPath"], "serviceId": id_}})
        if sorted(o.get("backupSchedules") or []) != sorted(p.get("backupSchedules") or []):
            client.execute(VOLUME_BACKUPS, {"volumeInstanceId": volume["id"],
                                            "kinds": sorted(p.get("backupSchedules") or [])})
        if redeploy:
            client.execute(INSTANCE_REDEPLOY, {"serviceId": id_, "environmentId": p["environmentId"]})
        return UpdateResult(self._outs(p, volume))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        client = self.client()
        for document, variables in ((VOLUME_DELETE, {"volumeId": props.get("volumeId")}),
                                    (SERVICE_DELETE, {"id": id_, "environmentId": props["environmentId"]})):
            if all(variables.values()):
                delete_quietly(client, document, variables)

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _set_password(client: RailwayClient, p: Mapping[str, Any], service_id: str) -> None:
        client.execute(VARIABLES_UPSERT, {"input": {
            "projectId": p["projectId"], "environmentId": p["environmentId"], "serviceId": service_id,
            "variables": redis_variables(p["password"]), "replace": False, "skipDeploys": True}})

    @staticmethod
    def _write_instance(client: RailwayClient, p: Mapping[str, Any], service_id: str) -> None:
        previous = live_regions(client, p["environmentId"], service_id)  # e.g. the default region
        client.execute(INSTANCE_UPDATE, {"serviceId": service_id, "environmentId": p["environmentId"], "input": {
            "startCommand": start_command(p["volumeMountPath"]), "restartPolicyType": p["restartPolicyType"],
            "restartPolicyMaxRetries": p.get("restartPolicyMaxRetries"),
            "multiRegionConfig": replicas.to_config({p["region"]: 1}, previous),
        }})

    def _ensure_volume(self, client: RailwayClient, p: Mapping[str, Any], service_id: str,
                       look_first: bool) -> dict[str, Any]:
        def find() -> dict[str, Any] | None:
            environment = client.execute(VOLUME_FIND, {"environmentId": p["environmentId"]})["environment"]
            return next((v for v in edges(environment.get("volumeInstances")) if v.get("serviceId") == service_id),
                        None)

        def make() -> dict[str, Any]:
            volume = client.execute(VOLUME_CREATE, {"input": {
                "projectId": p["projectId"], "environmentId": p["environmentId"], "serviceId": service_id,
                "mountPath": p["volumeMountPath"], "region": p["region"]}}, retry=False)["volumeCreate"]
            instance = next((i for i in edges(volume.get("volumeInstances"))
                             if i.get("environmentId") == p["environmentId"]), None)
            if instance is None:
                raise RailwayError(f"Railway created volume {volume['id']} but not in environment "
                                   f"{p['environmentId']}")
            return {**instance, "volumeId": volume["id"]}

        volume, _ = self.create_or_adopt(client, find, make, look_first=look_first)
        return volume

    @staticmethod
    def _outs(p: Mapping[str, Any], volume: Mapping[str, Any]) -> dict[str, Any]:
        return {**p, "volumeId": volume.get("volumeId") or "", "volumeInstanceId": volume.get("id") or "",
                "startCommand": start_command(p["volumeMountPath"]), "redisUrlReference": url_reference(p["name"]),
                "privateHost": f"{p['name']}.railway.internal",
                "backupSchedules": sorted(p.get("backupSchedules") or [])}


@dataclass(frozen=True)
class RedisArgs:
    project_id: pulumi.Input[str]
    environment_id: pulumi.Input[str]
    name: str
    """Service name; other services reference ``${{<name>.REDIS_URL}}``."""
    image: str
    region: str
    """Railway region of the service and its volume (one replica: Redis is not clustered here)."""
    password: pulumi.Input[str]
    """Generated (pulumi_random); secret in state."""
    volume_mount_path: str = "/data"
    restart_policy_type: str = "ON_FAILURE"
    restart_policy_max_retries: int | None = 10
    backup_schedules: Sequence[str] = field(default_factory=tuple)
    """Volume backups (DAILY/WEEKLY/MONTHLY). Empty on purpose: see the module docstring."""


class Redis(Resource, module="railway", name="Redis"):
    """A Redis service with a persistent volume, private to the project's network."""

    def __init__(self, name: str, args: RedisArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["password"]))
        super().__init__(RedisProvider(), name, {
            "projectId": args.project_id, "environmentId": args.environment_id, "name": args.name,
            "image": args.image, "region": args.region, "password": pulumi.Output.secret(args.password),
            "volumeMountPath": args.volume_mount_path, "restartPolicyType": args.restart_policy_type,
            "restartPolicyMaxRetries": args.restart_policy_max_retries,
            "backupSchedules": list(args.backup_schedules),
            "volumeId": None, "volumeInstanceId": None, "redisUrlReference": None, "privateHost": None,
            "startCommand": None,
        }, opts)

    @property
    def url_reference(self) -> pulumi.Output[str]:
        """``${{<name>.REDIS_URL}}``: what other services put in their REDIS_URL."""
        return output_of(self, "redisUrlReference")
