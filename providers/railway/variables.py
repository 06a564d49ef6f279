"""A service's environment variables in one environment (`pulumi-python:dynamic/railway:Variables`).

Two maps, so that what is secret is visible in the plan's structure (and to the policy pack):
- ``variables``: plain values and Railway references such as ``${{service.VAR}}``;
- ``sealedVariables``: credentials. Secret in Pulumi (``additional_secret_outputs``) and *sealed*
  in Railway (``isSealed: true``), so Railway never shows or returns them again.

Every change is one ``environmentPatchCommit`` (the environment-config path Railway's dashboard
and CLI use): the patch merges, names it does not mention stay, and ``null`` removes a variable.
Railway never unseals a variable, so one moving from sealed to plain is removed first.

Only the names listed here are managed; other variables on the service are left alone. A sealed
variable that already exists when the resource is created (an adopted service) is not overwritten
unless ``reset_secrets_on_adopt`` says so: its value cannot be read, so nobody could tell what was
lost. Such names are listed in the ``unwritten`` output.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from providers.dynamic.checks import Checker
from providers.dynamic.errors import NotFoundError
from providers.dynamic.ids import IdFormat
from providers.dynamic.resource import SECRET, Args, DynamicResource, Out
from providers.dynamic.values import is_unknown

from .base import RailwayProvider
from .client import RailwayClient
from .documents import ENVIRONMENT_PATCH, SERVICE_LOOKUP, VARIABLE_DELETE, VARIABLES_READ
from .vocabulary import VARIABLE_NAME_PATTERN

MAPS = ("variables", "sealedVariables")


def _map(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items() if v is not None} if isinstance(value, Mapping) else {}


def sealed_names(config: Any, service_id: str) -> set[str]:
    """Names Railway reports as sealed for the service, from ``environment.config``."""
    if not isinstance(config, Mapping):
        return set()
    service = (config.get("services") or {}).get(service_id) or {}
    entries = service.get("variables") or {} if isinstance(service, Mapping) else {}
    return {name for name, entry in entries.items() if isinstance(entry, Mapping) and entry.get("isSealed")}


def entry(value: str | None, sealed: bool) -> dict[str, Any] | None:
    """A variable in an environment-config patch: None removes it; a sealed one is never shown again."""
    if value is None:
        return None
    return {"value": value, "isSealed": True} if sealed else {"value": value}


def patch_service(api: RailwayClient, environment_id: str, service_id: str, message: str,
                  variables: Mapping[str, dict[str, Any] | None] | None = None,
                  deploy: Mapping[str, Any] | None = None) -> None:
    """One environment-config commit for one service: variables (merged; null removes one) and deploy
    settings (merged), the path Railway's dashboard and CLI use (`environmentPatchCommit`)."""
    service: dict[str, Any] = {}
    if variables:
        service["variables"] = dict(sorted(variables.items()))
    if deploy:
        service["deploy"] = dict(deploy)
    if service:
        api.execute(ENVIRONMENT_PATCH, {"environmentId": environment_id, "commitMessage": message,
                                        "patch": {"services": {service_id: service}}})


def _names(props: Mapping[str, Any]) -> set[str]:
    return set(_map(props.get("variables"))) | {str(k) for k in (props.get("sealedVariables") or {})}


class VariablesProvider(RailwayProvider):
    kind = "Variables"
    id_format = IdFormat("{serviceId}:{environmentId}")
    managed = MAPS
    replace_on_change = ("projectId", "environmentId", "serviceId")

    def validate(self, c: Checker) -> None:
        for prop in ("projectId", "environmentId", "serviceId"):
            c.text(prop)
        seen: dict[str, str] = {}
        for prop in MAPS:
            values = c.news.get(prop) or {}
            if is_unknown(values) and not isinstance(values, Mapping):
                continue
            if not isinstance(values, Mapping):
                c.fail(prop, "must be a map of variable names to string values")
                continue
            for name, value in values.items():
                if not re.match(VARIABLE_NAME_PATTERN, str(name)):
                    c.fail(prop, f"{name!r} is not a valid variable name (letters, digits, '_'; not starting with a "
                                 f"digit)")
                if name in seen:
                    c.fail(prop, f"{name} is set in both {seen[name]} and {prop}; keep it in one")
                seen[str(name)] = prop
                if not is_unknown(value) and not isinstance(value, str):
                    c.fail(prop, f"{name}: values must be strings (got {type(value).__name__})")

    def view(self, props: dict[str, Any]) -> dict[str, Any]:
        view = {key: props.get(key) for key in self.replace_on_change}
        for prop in MAPS:
            values = props.get(prop)
            if is_unknown(values) and not isinstance(values, Mapping):
                view[prop] = values
                continue
            view.update({f"{prop}.{name}": value for name, value in (values or {}).items()})
        return view

    def find(self, api: RailwayClient, p: dict[str, Any]) -> dict[str, Any] | None:
        # The service's variables exist with the service: adopt them name by name. No sealed value is
        # known yet (the declared ones are what we want, not what Railway holds).
        return self._read(api, p, _names(p), {})

    def fetch(self, api: RailwayClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        declared = any(prop in ref for prop in MAPS)  # no maps at all: read by id alone, report every name
        return self._read(api, ref, _names(ref) if declared else None, _map(ref.get("sealedVariables")))

    @staticmethod
    def _read(api: RailwayClient, ref: dict[str, Any], names: set[str] | None,
              sealed_values: dict[str, str]) -> dict[str, Any]:
        project_id = ref.get("projectId")
        if not project_id:
            project_id = api.execute(SERVICE_LOOKUP, {"id": ref["serviceId"]})["service"]["projectId"]
        data = api.execute(VARIABLES_READ, {"projectId": project_id, "environmentId": ref["environmentId"],
                                            "serviceId": ref["serviceId"]})
        present = _map(data.get("variables"))
        sealed = sealed_names((data.get("environment") or {}).get("config"), ref["serviceId"])
        plain = {k: v for k, v in present.items() if k not in sealed and (names is None or k in names)}
        # Sealed values cannot be read back: the value last written is kept while the variable is sealed.
        kept = {k: v for k, v in sealed_values.items() if k in sealed}
        return {"projectId": project_id, "environmentId": ref["environmentId"], "serviceId": ref["serviceId"],
                "variables": plain, "sealedVariables": kept, "sealedNames": sorted(sealed)}

    def unreadable(self, p: dict[str, Any], live_view: dict[str, Any]) -> list[str]:
        existing = set(live_view.get("sealedNames") or [])
        return [f"sealedVariables.{name}" for name in _map(p.get("sealedVariables")) if name in existing]

    def write(self, api: RailwayClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        """Every change in one environment-config commit: plain values, sealed values, removals."""
        plain, sealed = _map(p.get("variables")), _map(p.get("sealedVariables"))
        was_sealed = set(_map(current.get("sealedVariables"))) | set(current.get("sealedNames") or [])
        entries: dict[str, dict[str, Any] | None] = {}
        for key, value in changes.items():
            prop, name = key.split(".", 1)
            if value is not None:
                entries[name] = entry(str(value), sealed=prop == "sealedVariables")
            elif name not in plain and name not in sealed:
                entries[name] = None  # no longer declared: removed
        # Railway never unseals a variable: one moving from sealed to plain is removed first.
        unsealed = {name: None for name, item in entries.items() if name in plain and name in was_sealed}
        message = f"pulumi: variables {', '.join(sorted(entries))}"
        patch_service(api, ref["environmentId"], ref["serviceId"], message, variables=unsealed)
        patch_service(api, ref["environmentId"], ref["serviceId"], message, variables=entries)
        now_sealed = {n for n, item in entries.items() if item and item.get("isSealed")}
        gone = {n for n, item in entries.items() if item is None} | set(unsealed)
        return {"variables": plain, "sealedVariables": sealed,
                "sealedNames": sorted((set(current.get("sealedNames") or []) - gone) | now_sealed)}

    def remove(self, api: RailwayClient, ref: dict[str, Any]) -> None:
        for name in sorted(set(_map(ref.get("variables"))) | set(_map(ref.get("sealedVariables")))):
            self._delete(api, ref, name)

    @staticmethod
    def _delete(api: RailwayClient, ref: dict[str, Any], name: str) -> None:
        try:
            api.execute(VARIABLE_DELETE, {"input": {
                "projectId": ref["projectId"], "environmentId": ref["environmentId"], "serviceId": ref["serviceId"],
                "name": name}})
        except NotFoundError:
            return  # already gone (a retried destroy)


@dataclass(frozen=True)
class VariablesArgs(Args):
    project_id: pulumi.Input[str]
    environment_id: pulumi.Input[str]
    service_id: pulumi.Input[str]
    variables: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Plain values and ``${{service.VAR}}`` references; never a credential (policy-checked)."""
    sealed_variables: Mapping[str, pulumi.Input[str]] = field(default_factory=dict, metadata=SECRET)
    """Credentials: secret in Pulumi state, sealed in Railway."""


class Variables(DynamicResource, module="railway", name="Variables"):
    """The managed variables of one service in one environment."""

    provider_class = VariablesProvider
    args_class = VariablesArgs
    sealed_names = Out[list[str]]("sealedNames")
