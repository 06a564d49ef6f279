"""Run the real program in-process under Pulumi's own mocks, recording every registration.

The program (`__main__.py`) runs unmodified: config arrives the way the CLI hands it over, secrets
the stack file cannot give offline become obviously fake placeholders that stay secret, and each
`RegisterResource` request is kept exactly as the engine would have received it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import runpy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings

from config import PROJECT, secrets_for
from config.stackfile import REPO_ROOT, as_engine_config, normalise_key, read_stack_file, stack_file_path

from .cli import collector_paused
from .resources import SECRET_SIG, SIG_KEY, STACK_TYPE, PlannedResource, project_path

Fabricator = Callable[[str, dict[str, Any]], dict[str, Any]]

# When the program fails, the SDK leaves pending registration tasks behind; asyncio would print
# one "Task was destroyed" line per resource on top of the one error that matters.
logging.getLogger("asyncio").setLevel(logging.CRITICAL)


def _secret(value: Any) -> dict[str, Any]:
    return {SIG_KEY: SECRET_SIG, "value": value}


def fake_hex_id(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def fake_supabase_ref(seed: str) -> str:
    """A well-formed Supabase project ref (20 lower-case letters), stable per resource name."""
    return "".join(chr(ord("a") + int(c, 16) % 26) for c in fake_hex_id(seed)[:20])


def _fake_uuid(seed: str) -> str:
    digits = fake_hex_id(seed)
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-8{digits[17:20]}-{digits[20:32]}"


def _supabase_project(name: str, _inputs: dict[str, Any]) -> dict[str, Any]:
    ref = fake_supabase_ref(name)
    return {"ref": ref, "status": "ACTIVE_HEALTHY", "db_host": f"db.{ref}.supabase.co",
            "supabase_url": f"https://{ref}.supabase.co", "anon_key": _secret("offline-supabase-anon-key"),
            "service_role_key": _secret("offline-supabase-service-role-key")}


def _supabase_pooler(_name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"db_user": f"postgres.{inputs.get('project_ref')}", "db_host": "aws-0-ap-south-1.pooler.supabase.com",
            "db_port": 6543, "db_name": "postgres"}


OFFLINE_AWS_ACCOUNT = "111111111111"
"""The account offline ARNs name: no stack's account (each stack file names its own)."""


def _aws_arn(typ: str, inputs: dict[str, Any], resource: str) -> str:
    service = typ.split(":")[1].split("/")[0]
    service = {"cloudwatch": "logs", "lambda": "lambda"}.get(service, service)
    return f"arn:aws:{service}:{inputs.get('region', 'ap-south-1')}:{OFFLINE_AWS_ACCOUNT}:{resource}"


def _aws(typ: str, kind: str, key: str = "name") -> Fabricator:
    """The ARN (and id-like outputs) AWS gives a resource of ``typ``, named after its ``key`` input."""
    def fabricate(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        label = inputs.get(key) or name
        return {"arn": _aws_arn(typ, inputs, kind.format(label))}
    return fabricate


def _aws_outputs(typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs AWS computes for any aws: resource not listed below: an ARN by its logical name."""
    return {"arn": _aws_arn(typ, inputs, f"{typ.rsplit(':', 1)[-1].lower()}/{name}")}


_AWS_OUTPUTS: dict[str, Fabricator] = {
    "aws:s3/bucket:Bucket": lambda name, inputs: {
        "arn": f"arn:aws:s3:::{inputs.get('bucket') or name}", "bucket": inputs.get("bucket") or name},
    "aws:kms/key:Key": lambda name, inputs: {
        "keyId": f"offline-{fake_hex_id(name)[:8]}", "arn": _aws_arn("aws:kms", inputs, f"key/{fake_hex_id(name)}")},
    "aws:ec2/eip:Eip": lambda name, _: {
        # Shared address space (RFC 6598): plainly not a real egress, and not a documentation range either.
        "publicIp": f"100.64.{int(fake_hex_id(name)[:2], 16)}.{1 + int(fake_hex_id(name)[2:4], 16) % 254}",
        "allocationId": f"eipalloc-{fake_hex_id(name)[:17]}"},
    "aws:ecr/repository:Repository": lambda name, inputs: {
        "repositoryUrl": f"{OFFLINE_AWS_ACCOUNT}.dkr.ecr.{inputs.get('region')}.amazonaws.com/{inputs.get('name')}",
        "arn": _aws_arn("aws:ecr", inputs, f"repository/{inputs.get('name')}")},
    "aws:ecs/cluster:Cluster": _aws("aws:ecs/cluster:Cluster", "cluster/{}"),
    "aws:ec2/vpc:Vpc": lambda name, inputs: {"defaultRouteTableId": f"rtb-{fake_hex_id(name)[:17]}",
                                             "arn": _aws_arn("aws:ec2", inputs, f"vpc/{name}")},
    "aws:ecs/taskDefinition:TaskDefinition": lambda name, inputs: {
        "revision": 1, "arn": _aws_arn("aws:ecs", inputs, f"task-definition/{inputs.get('family')}:1")},
    "aws:iam/role:Role": lambda name, inputs: {
        "arn": f"arn:aws:iam::{OFFLINE_AWS_ACCOUNT}:role/{inputs.get('name') or name}"},
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": lambda name, inputs: {
        "arn": f"arn:aws:iam::{OFFLINE_AWS_ACCOUNT}:oidc-provider/{str(inputs.get('url', '')).split('://')[-1]}"},
    "aws:cloudwatch/logGroup:LogGroup": _aws("aws:cloudwatch/logGroup:LogGroup", "log-group:{}"),
    "aws:secretsmanager/secret:Secret": _aws("aws:secretsmanager/secret:Secret", "secret:{}"),
    "aws:lambda/function:Function": _aws("aws:lambda/function:Function", "function:{}"),
    "aws:lambda/functionUrl:FunctionUrl": lambda name, inputs: {
        "functionUrl": f"https://{fake_hex_id(name)}.lambda-url.{inputs.get('region')}.on.aws/",
        "urlId": fake_hex_id(name)},
}

OUTPUTS: dict[str, Fabricator] = {
    **_AWS_OUTPUTS,
    "checkly:index/heartbeatMonitor:HeartbeatMonitor": lambda name, inputs: {
        "heartbeat": {**(inputs.get("heartbeat") or {}), "pingToken": f"offline-ping-{fake_hex_id(name)[:12]}"}},
    # Outputs a provider would compute; everything else echoes the inputs. The Supabase
    # organisation report (plan, entitlements, members' MFA) is deliberately not fabricated:
    # offline those facts are unknown, and the policies that read them say so instead of passing.
    "random:index/randomPassword:RandomPassword": lambda name, _: {
        "result": _secret(f"offline-random-{name}"), "bcryptHash": _secret("offline-bcrypt")},
    "random:index/randomUuid:RandomUuid": lambda name, _: {"result": _fake_uuid(name)},
    "checkly:index/triggerCheckGroup:TriggerCheckGroup": lambda name, inputs: {
        "token": _secret(f"offline-{name}"),
        "url": _secret(f"https://api.checklyhq.com/check-groups/{inputs.get('groupId')}/trigger/offline-{name}")},
    "vercel:index/projectDomain:ProjectDomain": lambda _n, _i: {"verified": True, "misconfigured": False},
    "vercel:index/edgeConfigToken:EdgeConfigToken": lambda name, _: {
        "token": _secret(f"offline-{name}"),
        "connectionString": _secret(f"https://edge-config.vercel.com/offline?token=offline-{name}")},
    "cloudflare:index/zoneDnssec:ZoneDnssec": lambda _n, _i: {"ds": "offline-ds-record", "status": "pending"},
    "pulumi-python:dynamic/supabase:Project": _supabase_project,
    "pulumi-python:dynamic/supabase:Pooler": _supabase_pooler,
    "pulumi-python:dynamic/supabase:Role": lambda _n, inputs: {
        "pooler_user": f"{inputs.get('name')}.{inputs.get('project_ref')}"},
    # Railway dynamic resources (providers/railway): what their create returns besides the inputs.
    "pulumi-python:dynamic/railway:Project": lambda name, inputs: {
        "defaultEnvironmentId": f"offline-{name}-default-environment", "workspaceId": "offline-railway-workspace",
        "workspacePlan": {"hobby": "HOBBY"}.get(str(inputs.get("plan")), "PRO")},
    "pulumi-python:dynamic/railway:Environment": lambda _n, _i: {"isBaseEnvironment": True},
    "pulumi-python:dynamic/railway:ProjectToken": lambda name, _: {"token": _secret(f"offline-railway-token-{name}")},
    "pulumi-python:dynamic/railway:Redis": lambda name, inputs: {
        "volumeId": f"offline-{name}-volume", "volumeInstanceId": f"offline-{name}-volume-instance",
        "privateHost": f"{inputs.get('name')}.railway.internal"},
    # On-call and metrics (components/oncall.py, components/metrics.py): the keys and URLs the vendors compute.
    "pagerduty:index/serviceIntegration:ServiceIntegration": lambda name, _: {
        "integrationKey": _secret(f"offline-pagerduty-key-{name}")},
    "grafana:cloud/stack:Stack": lambda _n, inputs: {
        "url": f"https://{inputs.get('slug')}.grafana.net",
        "otlpUrl": f"https://otlp-gateway-{inputs.get('regionSlug')}.grafana.net/otlp",
        "prometheusUrl": f"https://prometheus-{inputs.get('regionSlug')}.grafana.net"},
    "grafana:cloud/stackServiceAccountToken:StackServiceAccountToken": lambda name, _: {
        "key": _secret(f"offline-grafana-sa-{name}")},
    "grafana:cloud/accessPolicy:AccessPolicy": lambda name, _: {"policyId": f"offline-{name}-policy"},
    "grafana:cloud/accessPolicyToken:AccessPolicyToken": lambda name, _: {"token": _secret(f"offline-glc-{name}")},
    "grafana:oss/folder:Folder": lambda name, _: {"uid": f"offline-{name}"},
    # Sentry (pulumiverse-sentry): the numeric ids alert actions name, and each key's DSN.
    "sentry:index/sentryTeam:SentryTeam": lambda name, _: {"internalId": str(int(fake_hex_id(name)[:7], 16))},
    "sentry:index/sentryProject:SentryProject": lambda name, _: {"internalId": str(int(fake_hex_id(name)[:7], 16))},
    "sentry:index/sentryKey:SentryKey": lambda name, _: {
        "dsnPublic": f"https://offline{fake_hex_id(name)[:24]}@o0.ingest.sentry.io/{int(fake_hex_id(name)[:6], 16)}"},
}
"""Per resource type: outputs to fabricate on top of the echoed inputs."""

NUMERIC_ID_PACKAGES = ("checkly:",)
"""Packages whose ids are numbers (Checkly alert channels are referenced as integers)."""

INVOKES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "cloudflare:index/getZone:getZone": lambda args: {
        "id": fake_hex_id((args.get("filter") or {}).get("name", "")),
        "name": (args.get("filter") or {}).get("name", ""), "status": "active"},
    "github:index/getTeam:getTeam": lambda args: {
        "id": str(int(fake_hex_id(args.get("slug", ""))[:6], 16)), "slug": args.get("slug", "")},
    "vercel:index/getEndpointVerification:getEndpointVerification": lambda _: {
        "verificationCode": "offline-vercel-verification-code"},
    "aws:s3/getObjects:getObjects": lambda args: _unreachable(f"s3://{args.get('bucket')}"),
}


class InvokeFailure(Exception):  # noqa: N818 (what the provider answers, named as such)
    """An invoke the provider itself fails (a data source that cannot read): returned to the program as the
    engine returns it, an error the caller may handle, not a crash of the plan."""


def _unreachable(what: str) -> dict[str, Any]:
    """What an invoke of a data plane gets offline: no network, so the program must report it unread."""
    raise InvokeFailure(f"offline plan: {what} cannot be read without AWS credentials and network")
"""Invokes the program makes, answered offline. An unlisted invoke fails loudly."""


class OfflineMocks(pulumi.runtime.Mocks):
    def __init__(self, preview: bool = False) -> None:
        self.preview = preview
        """Answer as a first `pulumi preview` would: no id and no computed output is known yet."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if not args.custom:
            return None, {}
        if self.preview and not args.typ.startswith("pulumi:providers:"):
            return "", dict(args.inputs)
        state = dict(args.inputs)
        fabricate = OUTPUTS.get(args.typ)
        if fabricate:
            state.update(fabricate(args.name, args.inputs))
        elif args.typ.startswith("aws:"):
            state.update(_aws_outputs(args.typ, args.name, args.inputs))
        if args.typ.startswith("pulumi:providers:"):
            resource_id = f"offline-{fake_hex_id(args.name)[:8]}"
        elif args.typ.startswith(NUMERIC_ID_PACKAGES):
            resource_id = str(int(fake_hex_id(args.name)[:7], 16))
        else:
            resource_id = f"offline-{args.name}"
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]]]:
        answer = INVOKES.get(args.token)
        if answer is None:
            raise NotImplementedError(f"the offline plan has no answer for invoke {args.token}; add it to "
                                      f"ops/offline.py INVOKES")
        try:
            return answer(args.args), []
        except InvokeFailure as failure:
            return {}, [("bucket", str(failure))]


def _in_own_event_loop(call: Callable[[], Any]) -> Any:
    """Run one mock RPC with an event loop of its own, closed afterwards.

    The SDK answers registrations in executor threads, where its mock monitor makes an event loop
    per thread (`_ensure_event_loop`) and never closes it: each plan would leak a loop and its
    socket pair. Outside the main thread each call gets a fresh loop instead, closed when it ends.
    """
    if threading.current_thread() is threading.main_thread():
        return call()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return call()
    finally:
        asyncio.set_event_loop(None)
        loop.close()


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, keeping each registration in the engine's own encoding."""

    def __init__(self, mocks: pulumi.runtime.Mocks, root: Path = REPO_ROOT) -> None:
        super().__init__(mocks)
        self.planned: list[PlannedResource] = []
        self.root = root

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine leaves the root stack's type out of its children's URNs; the mock does not.
        if parent and parent.split("::")[2].split("$")[-1] == STACK_TYPE:
            parent = ""
        return str(super().make_urn(parent, type_, name))

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        # A component's outputs are what it registers here; the engine's AnalyzeStack sees these,
        # not the component's constructor inputs.
        for resource in self.planned:
            if resource.urn == request.urn and resource.type != STACK_TYPE:
                resource.outputs = json_format.MessageToDict(request.outputs)
        return super().RegisterResourceOutputs(request)

    def Invoke(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        return _in_own_event_loop(lambda: super(RecordingMonitor, self).Invoke(request))

    def ReadResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        return _in_own_event_loop(lambda: super(RecordingMonitor, self).ReadResource(request))

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = _in_own_event_loop(lambda: super(RecordingMonitor, self).RegisterResource(request))
        is_stack = request.type == STACK_TYPE
        position = request.sourcePosition if request.HasField("sourcePosition") else None
        source_file = project_path(position.uri, self.root) if position is not None else ""
        self.planned.append(PlannedResource(
            urn=response.urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            id=response.id,
            parent="" if is_stack else request.parent,
            provider=request.provider,
            dependencies=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            inputs=json_format.MessageToDict(request.object),
            outputs=json_format.MessageToDict(response.object) if response.HasField("object") else {},
            protect=bool(request.protect),
            import_id=request.importId,
            ignore_changes=list(request.ignoreChanges),
            delete_before_replace=(request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None),
            additional_secret_outputs=list(request.additionalSecretOutputs),
            source_file=source_file,
            source_line=position.line if position is not None and source_file else 0,
        ))
        return response


@dataclass
class ProgramRun:
    stack: str
    resources: list[PlannedResource]
    outputs: dict[str, Any] = field(default_factory=dict)
    """Stack outputs; secret ones are already wrapped as secrets."""
    placeholders: list[str] = field(default_factory=list)
    """Secret keys given an offline placeholder."""
    environments: tuple[str, ...] = ()
    """Pulumi ESC environments the stack file imports (not opened offline)."""


def project_config(root: Path = REPO_ROOT) -> dict[str, Any]:
    """Project-wide values from Pulumi.yaml (`config: {key: {value: ...}}`), as the CLI merges them."""
    document = yaml.safe_load((root / "Pulumi.yaml").read_text(encoding="utf-8")) or {}
    values: dict[str, Any] = {}
    for key, spec in (document.get("config") or {}).items():
        if isinstance(spec, dict) and "value" in spec:
            values[normalise_key(str(key))] = spec["value"]
    return values


def engine_config(stack: str, config_file: Path | None, root: Path = REPO_ROOT
                  ) -> tuple[dict[str, str], list[str], tuple[str, ...]]:
    """(config as the CLI passes it, the secret keys — each given an offline placeholder, the ESC
    environments the stack file imports, whose values are unknown offline)."""
    stack_file = read_stack_file(config_file or stack_file_path(stack, root), stack)
    values = {**project_config(root), **stack_file.values}
    environment = str(values.get(f"{PROJECT}:environment", stack))
    needed = {spec.full_key: spec.offline_placeholder for spec in secrets_for(environment)}
    placeholders = sorted(set(stack_file.secure_keys) | {key for key in needed if key not in values})
    for key in placeholders:
        values[key] = needed.get(key, f"offline-placeholder-{key.split(':', 1)[1]}")
    return as_engine_config(values), placeholders, stack_file.environments


def run_program(stack: str, config_file: Path | None = None, root: Path = REPO_ROOT,
                monitor: RecordingMonitor | None = None, preview: bool = False, dry_run: bool = True) -> ProgramRun:
    """Run `__main__.py` for ``stack`` under mocks; raises whatever the program raises.

    A plan is a dry run, as `pulumi preview` runs the program; the mocks answer with the outputs an
    apply would give, or, with ``preview``, as a first preview (ids and computed values unknown).
    ``dry_run=False`` runs the program as `pulumi up` does (which refuses the stack file's example values).
    """
    if preview and not dry_run:
        raise ValueError("a first preview's unknown outputs only exist in a dry run")
    config, placeholders, environments = engine_config(stack, config_file, root)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        pulumi_settings.reset_options()
        pulumi.runtime.set_all_config(config, placeholders)
        monitor = monitor or RecordingMonitor(OfflineMocks(preview), root)
        pulumi.runtime.set_mocks(monitor.mocks, project=PROJECT, stack=stack, preview=dry_run,
                                 monitor=monitor, organization="organization")
        outputs: dict[str, Any] = {}

        async def collect(values: dict[str, Any]) -> int:
            for key, value in values.items():
                output = pulumi.Output.from_input(value)
                resolved = await output.future()
                outputs[key] = _secret(resolved) if await output.is_secret() else resolved
            return len(outputs)

        @pulumi.runtime.test
        def program() -> pulumi.Output[None]:
            runpy.run_path(str(root / "__main__.py"), run_name="__main__")
            root_stack = pulumi.runtime.get_root_resource()
            exported = dict(getattr(root_stack, "outputs", {}) or {})
            # from_input accepts any awaitable; its annotation is narrower than its behaviour.
            pending = asyncio.ensure_future(collect(exported))
            return pulumi.Output.from_input(pending).apply(lambda _: None)  # type: ignore[arg-type]

        with collector_paused():
            program()
        for resource in monitor.planned:
            if resource.type == STACK_TYPE:
                # The engine stores the exports as the root stack's outputs (RegisterResourceOutputs), and
                # AnalyzeStack reads them there; the mock registered the stack before the program ran.
                resource.outputs = outputs
        return ProgramRun(stack, monitor.planned, outputs, placeholders, environments)
    finally:
        pulumi_settings.reset_options()
        pulumi.runtime.set_all_config({}, [])
        loop.close()
        asyncio.set_event_loop(None)
