"""Navigating the stack in AnalyzeStack: resources by type, links between them, stack outputs.

Links follow the engine's property dependencies (``projectId`` → the Project), never output ids:
ids of new resources are unknown during a preview, dependencies are always known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs

from .props import known

STACK = "pulumi:pulumi:Stack"


def of_type(args: StackValidationArgs | Iterable[PolicyResource], type_: str) -> list[PolicyResource]:
    resources = args.resources if isinstance(args, StackValidationArgs) else args
    return [r for r in resources if r.resource_type == type_]


def linked(resource: PolicyResource, prop: str, type_: str) -> PolicyResource | None:
    """The resource of ``type_`` that ``resource``'s property ``prop`` was computed from."""
    for dependency in resource.property_dependencies.get(prop, []):
        if dependency.resource_type == type_:
            return dependency
    return None


def stack_outputs(args: StackValidationArgs) -> Mapping[str, Any]:
    """The root stack's outputs (AnalyzeStack sees the Stack resource with its outputs)."""
    for resource in of_type(args, STACK):
        return resource.props
    return {}


def prop(resource: PolicyResource, key: str, default: Any = None) -> Any:
    """A property, or ``default`` while it is unknown."""
    return known(resource.props, key, default)[1]
