"""Navigating the stack in AnalyzeStack: resources by type, links between them, published facts.

Links follow what state keeps in the open: the engine's property dependencies (``projectId`` →
the Project), parents and URNs, never output ids or secret values: ids of new resources are
unknown during a preview and secrets are ciphertext in an exported state, while dependencies and
URNs are always known.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pulumi_policy import PolicyResource, StackValidationArgs

from .facts import FACTS_KEY, STACK, FactsError, Record, StackFacts, read
from .meta import Report
from .props import known, plain, whole

R = TypeVar("R", bound=Record)


def of_type(args: StackValidationArgs | Iterable[PolicyResource], type_: str) -> list[PolicyResource]:
    resources = args.resources if isinstance(args, StackValidationArgs) else args
    return [r for r in resources if r.resource_type == type_]


def linked(resource: PolicyResource, prop: str, type_: str) -> PolicyResource | None:
    """The resource of ``type_`` that ``resource``'s property ``prop`` was computed from."""
    for dependency in resource.property_dependencies.get(prop, []):
        if dependency.resource_type == type_:
            return dependency
    return None


def sources(resource: PolicyResource, prop: str) -> set[str]:
    """URNs of every resource ``resource``'s property ``prop`` was computed from."""
    return {dependency.urn for dependency in resource.property_dependencies.get(prop, [])}


def prop(resource: PolicyResource, key: str, default: Any = None) -> Any:
    """A property, or ``default`` while it is unknown."""
    return known(resource.props, key, default)[1]


def stack_name(args: StackValidationArgs) -> str:
    """The stack being analysed, from the URNs (``urn:pulumi:<stack>::<project>::…``)."""
    for resource in args.resources:
        parts = resource.urn.split(":", 3)
        if len(parts) == 4 and parts[0] == "urn" and parts[1] == "pulumi":
            return parts[2].split("::", 1)[0]
    return ""


def facts_of(resource: PolicyResource, record: type[R]) -> R:
    """The record ``resource`` published (FactsError when it published none, or a malformed one)."""
    return read(record, whole(plain(resource.props.get(FACTS_KEY))))


def published(args: StackValidationArgs, record: type[R], report: Report) -> list[tuple[PolicyResource, R]]:
    """Every publisher of ``record`` with its facts; a publisher without them is reported."""
    found = []
    for resource in of_type(args, record.PUBLISHER):
        try:
            found.append((resource, facts_of(resource, record)))
        except FactsError as error:
            report(f"{resource.name} publishes no usable facts ({error}); the pack cannot tell what it guards.",
                   resource.urn)
    return found


def stack_facts(args: StackValidationArgs, report: Report) -> StackFacts | None:
    """The root stack's facts, or None after reporting that they are missing."""
    stacks = of_type(args, STACK)
    if not stacks:
        report(f"No {STACK} resource was analysed, so the stack's published facts cannot be read.")
        return None
    found = published(args, StackFacts, report)
    return found[0][1] if found else None


def role_of(project: PolicyResource | None) -> str | None:
    """What a Vercel project is for ('site', 'api'), from the facts of the component that declares it."""
    from .facts import WEB_APP, WebAppFacts

    parent = project.parent if project is not None else None
    if parent is None or parent.resource_type != WEB_APP:
        return None
    try:
        return facts_of(parent, WebAppFacts).role
    except FactsError:
        return None
