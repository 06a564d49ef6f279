"""A service's environment variables in one environment (`pulumi-python:dynamic/railway:Variables`).

Two maps, so that what is secret is visible in the plan's structure (and to the policy pack):
- ``variables``: plain values and Railway references such as ``${{redis.REDIS_URL}}``, written
  with the typed ``variableCollectionUpsert``;
- ``sealedVariables``: credentials. Secret in Pulumi (``additional_secret_outputs``) and
  *sealed* in Railway (written through ``environmentPatchCommit`` with ``isSealed: true``, the
  environment-config path the dashboard uses), so Railway never shows or returns them again.

Only the names listed here are managed; other variables on the service are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from .base import Checker, RailwayProvider, delete_quietly, diff, is_unknown, norm
from .client import RailwayClient, RailwayError
from .documents import ENVIRONMENT_PATCH, VARIABLE_DELETE, VARIABLES_READ, VARIABLES_UPSERT

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _map(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items()} if isinstance(value, Mapping) else {}


def sealed_names(config: Any, service_id: str) -> set[str]:
    """Names Railway reports as sealed for the service, from ``environment.config``."""
    if not isinstance(config, Mapping):
        return set()
    service = (config.get("services") or {}).get(service_id) or {}
    entries = service.get("variables") or {} if isinstance(service, Mapping) else {}
    return {name for name, entry in entries.items() if isinstance(entry, Mapping) and entry.get("isSealed")}


class VariablesProvider(RailwayProvider):
    kind = "Variables"

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checker = Checker(self.kind, news)
        for prop in ("projectId", "environmentId", "serviceId"):
            checker.require_text(prop)
        seen: dict[str, str] = {}
        for prop in ("variables", "sealedVariables"):
            values = news.get(prop) or {}
            if is_unknown(values) and not isinstance(values, Mapping):
                continue
            if not isinstance(values, Mapping):
                checker.fail(prop, "must be a map of variable names to string values")
                continue
            for name, value in values.items():
                if not _NAME.match(str(name)):
                    checker.fail(prop, f"{name!r} is not a valid variable name (letters, digits, '_'; "
                                       f"not starting with a digit)")
                if name in seen:
                    checker.fail(prop, f"{name} is set in both {seen[name]} and {prop}; keep it in one")
                seen[str(name)] = prop
                if not is_unknown(value) and not isinstance(value, str):
                    checker.fail(prop, f"{name}: values must be strings (got {type(value).__name__})")
        return checker.result()

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff(olds, news, ("variables", "sealedVariables"), ("projectId", "environmentId", "serviceId"))

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = norm(props)
        client = self.client()
        # No deploy per write: the ServiceInstance created after this resource deploys once.
        self._upsert(client, p, _map(p.get("variables")), skip_deploys=True)
        self._seal(client, p, _map(p.get("sealedVariables")))
        return CreateResult(f"{p['serviceId']}:{p['environmentId']}", dict(p))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = norm(props)
        client = self.client()
        try:
            data = client.execute(VARIABLES_READ, {k: p[k] for k in ("projectId", "environmentId", "serviceId")})
        except RailwayError as error:
            if self.gone(client, error):
                return ReadResult(None, {})
            raise
        present = _map(data.get("variables"))
        sealed = sealed_names((data.get("environment") or {}).get("config"), p["serviceId"])
        plain = {k: present[k] for k in _map(p.get("variables")) if k in present and k not in sealed}
        # Sealed values cannot be read back: keep the value written while the variable exists.
        kept = {k: v for k, v in _map(p.get("sealedVariables")).items() if k in sealed or k in present}
        return ReadResult(id_, {**p, "variables": plain, "sealedVariables": kept})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        p, o = norm(news), norm(olds)
        client = self.client()
        new_plain, old_plain = _map(p.get("variables")), _map(o.get("variables"))
        new_sealed, old_sealed = _map(p.get("sealedVariables")), _map(o.get("sealedVariables"))
        self._upsert(client, p, {k: v for k, v in new_plain.items() if old_plain.get(k) != v}, skip_deploys=False)
        self._seal(client, p, {k: v for k, v in new_sealed.items() if old_sealed.get(k) != v})
        for name in sorted((set(old_plain) | set(old_sealed)) - (set(new_plain) | set(new_sealed))):
            self._delete(client, p, name)
        return UpdateResult(dict(p))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        p = norm(props)
        client = self.client()
        for name in sorted(set(_map(p.get("variables"))) | set(_map(p.get("sealedVariables")))):
            self._delete(client, p, name)

    @staticmethod
    def _upsert(client: RailwayClient, p: Mapping[str, Any], values: Mapping[str, str], skip_deploys: bool) -> None:
        if values:
            client.execute(VARIABLES_UPSERT, {"input": {
                "projectId": p["projectId"], "environmentId": p["environmentId"], "serviceId": p["serviceId"],
                "variables": dict(values), "replace": False, "skipDeploys": skip_deploys}})

    @staticmethod
    def _seal(client: RailwayClient, p: Mapping[str, Any], values: Mapping[str, str]) -> None:
        if values:
            patch = {"services": {p["serviceId"]: {"variables": {
                name: {"value": value, "isSealed": True} for name, value in sorted(values.items())}}}}
            client.execute(ENVIRONMENT_PATCH, {"environmentId": p["environmentId"], "patch": patch,
                                               "commitMessage": f"pulumi: sealed {', '.join(sorted(values))}"})

    @staticmethod
    def _delete(client: RailwayClient, p: Mapping[str, Any], name: str) -> None:
        delete_quietly(client, VARIABLE_DELETE, {"input": {
                "projectId": p["projectId"], "environmentId": p["environmentId"], "serviceId": p["serviceId"],
                "name": name}})


@dataclass(frozen=True)
class VariablesArgs:
    project_id: pulumi.Input[str]
    environment_id: pulumi.Input[str]
    service_id: pulumi.Input[str]
    variables: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Plain values and ``${{service.VAR}}`` references; never a credential (policy-checked)."""
    sealed_variables: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Credentials: secret in Pulumi state, sealed in Railway."""


class Variables(Resource, module="railway", name="Variables"):
    """The managed variables of one service in one environment."""

    def __init__(self, name: str, args: VariablesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        sealed = {k: pulumi.Output.secret(v) for k, v in args.sealed_variables.items()}
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["sealedVariables"]))
        super().__init__(VariablesProvider(), name, {
            "projectId": args.project_id, "environmentId": args.environment_id, "serviceId": args.service_id,
            "variables": dict(args.variables), "sealedVariables": sealed,
        }, opts)
