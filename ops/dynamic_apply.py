"""Drive an offline plan's dynamic resources through their *serialized* providers, as the engine does.

The engine never calls a dynamic provider's Python object from the program: it takes the
``__provider`` input (base64 dill), unpickles it in the provider host, calls `configure` with the
stack config, then check → create / read / diff → update / delete with the properties it holds.
This module does the same in-process, in plan order, substituting the offline ids and fabricated
outputs of earlier resources with what their create really returned. Used by the Railway
benchmark (against the fake API) and by tests; it never talks to a real vendor by itself.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import dill  # type: ignore[import-untyped]
from pulumi.dynamic import ResourceProvider

from .resources import PlannedResource, is_secret

PROVIDER_KEY = "__provider"


def unwrap(value: Any) -> Any:
    """Engine values with secrets unwrapped (what a provider with acceptSecrets=False receives)."""
    if is_secret(value):
        return unwrap(value["value"])
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


OFFLINE_PREFIX = "offline-"
"""Ids and generated values the offline plan fabricates start so (ops/offline.py)."""


def substitute(value: Any, replacements: Mapping[str, Any]) -> Any:
    """``value`` with each replaced value swapped for its replacement; an offline value is replaced inside
    longer strings too (a connection URL embeds a generated password, a reference an id)."""
    if isinstance(value, str):
        if value in replacements:
            return replacements[value]
        for planned in sorted(replacements, key=len, reverse=True):  # the longest first: ids can nest
            if planned.startswith(OFFLINE_PREFIX) and planned in value:
                value = value.replace(planned, str(replacements[planned]))
        return value
    if isinstance(value, dict):
        return {k: substitute(v, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, replacements) for v in value]
    return value


def load_provider(resource: PlannedResource) -> ResourceProvider:
    """The provider object exactly as serialized into the resource's ``__provider`` input."""
    encoded = unwrap(resource.inputs[PROVIDER_KEY])
    provider = dill.loads(base64.b64decode(encoded))
    if not isinstance(provider, ResourceProvider):
        raise TypeError(f"{resource.name}: __provider does not hold a ResourceProvider")
    return provider


@dataclass
class Applied:
    resource: PlannedResource
    provider: ResourceProvider
    id: str
    outputs: dict[str, Any]


@dataclass
class PlanApplier:
    configure: Callable[[ResourceProvider], None]
    """Called once per provider, like the host's ``configure`` (e.g. hand it the API token)."""
    type_prefix: str = "pulumi-python:dynamic/"
    replacements: dict[str, Any] = field(default_factory=dict)
    """Offline value → real value; seeded by the caller for non-dynamic resources (random passwords)."""
    applied: list[Applied] = field(default_factory=list)

    def inputs_of(self, resource: PlannedResource) -> dict[str, Any]:
        props = {k: v for k, v in unwrap(resource.inputs).items() if k != PROVIDER_KEY}
        return dict(substitute(props, self.replacements))

    def create_all(self, resources: list[PlannedResource],
                   on_create: Callable[[Applied], None] | None = None) -> list[Applied]:
        for resource in resources:
            if not resource.type.startswith(self.type_prefix):
                continue
            provider = load_provider(resource)
            self.configure(provider)
            checked = provider.check({}, self.inputs_of(resource))
            if checked.failures:
                reasons = "; ".join(f.reason for f in checked.failures)
                raise ValueError(f"{resource.name}: check failed: {reasons}")
            result = provider.create(checked.inputs)
            outputs = dict(result.outs or {})
            self.replacements[resource.id] = result.id
            for key, planned in unwrap(resource.outputs).items():
                if isinstance(planned, str) and planned.startswith("offline-") and key in outputs:
                    self.replacements[planned] = outputs[key]
            applied = Applied(resource, provider, str(result.id), outputs)
            self.applied.append(applied)
            if on_create is not None:
                on_create(applied)
        return self.applied

    def destroy_all(self) -> None:
        for applied in reversed(self.applied):
            applied.provider.delete(applied.id, applied.outputs)
        self.applied.clear()
