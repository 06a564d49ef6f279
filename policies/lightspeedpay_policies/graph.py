"""Navigating the stack in AnalyzeStack: resources by type, links between them, published facts.

Links follow what state keeps in the open: the engine's property dependencies (``projectId`` →
the Project), parents and URNs, never output ids or secret values: ids of new resources are
unknown during a preview and secrets are ciphertext in an exported state, while dependencies and
URNs are always known.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, TypeVar

from pulumi_policy import PolicyResource, StackValidationArgs

from lightspeedpay_vocabulary.facts import FACTS_KEY, STACK, WEB_APP, FactsError, Record, StackFacts, WebAppFacts, read

from .meta import Report
from .props import known, plain, whole
from .vercel import PROJECT

R = TypeVar("R", bound=Record)


_INDEXED_FROM = 32
"""Shorter lists (a property's dependencies, say) are only scanned: remembering them would cost more."""
_KEPT = 8
_INDEXES: OrderedDict[int, tuple[list[PolicyResource], int, dict[str, list[PolicyResource]]]] = OrderedDict()
"""Recent resource lists by id → (the list, its length, the resources of each type asked so far). AnalyzeStack
hands each stack policy a fresh list of every resource, and policies ask it for the same types again and again,
often once per resource: a scan each time made such a policy quadratic in the stack's size. Each type is scanned
for once per list; the list is held, so its id stays its own; policies never change the lists they are given."""
_INDEXES_LOCK = threading.Lock()
"""The pack process serves requests on a thread pool."""


def of_type(args: StackValidationArgs | Iterable[PolicyResource], type_: str) -> list[PolicyResource]:
    """The resources of ``type_``, in stack order."""
    resources = args.resources if isinstance(args, StackValidationArgs) else args
    if not isinstance(resources, list) or len(resources) < _INDEXED_FROM:
        return [r for r in resources if r.resource_type == type_]
    with _INDEXES_LOCK:
        entry = _INDEXES.get(id(resources))
        if entry is None or entry[0] is not resources or entry[1] != len(resources):
            entry = _INDEXES[id(resources)] = (resources, len(resources), {})
            while len(_INDEXES) > _KEPT:
                _INDEXES.popitem(last=False)
        else:
            _INDEXES.move_to_end(id(resources))
        found = entry[2].get(type_)
        if found is None:  # one scan per type asked for: a policy that asks once pays what a scan costs
            found = entry[2][type_] = [r for r in resources if r.resource_type == type_]
        return list(found)


def linked(resource: PolicyResource, prop: str, type_: str) -> PolicyResource | None:
    """The resource of ``type_`` that ``resource``'s property ``prop`` was computed from."""
    for dependency in resource.property_dependencies.get(prop, []):
        if dependency.resource_type == type_:
            return dependency
    return None


def sources(resource: PolicyResource, prop: str) -> set[str]:
    """URNs of every resource ``resource``'s property ``prop`` was computed from."""
    return {dependency.urn for dependency in resource.property_dependencies.get(prop, [])}


def drawn_from(resource: PolicyResource, prop: str, source: PolicyResource, credential: str) -> bool:
    """Whether ``resource``'s ``prop`` was computed from ``source`` and from everything ``source``'s own
    ``credential`` was computed from (e.g. a URL built with that Redis's or that role's generated password)."""
    used, secret = sources(resource, prop), sources(source, credential)
    return source.urn in used and bool(secret) and secret <= used


def prop(resource: PolicyResource, key: str, default: Any = None) -> Any:
    """A property, or ``default`` while it is unknown."""
    return known(resource.props, key, default)[1]


def urn_stack(urn: str) -> str:
    """The stack a URN belongs to (``urn:pulumi:<stack>::<project>::…``), or "" for anything else."""
    return urn.removeprefix("urn:pulumi:").split("::", 1)[0] if urn.startswith("urn:pulumi:") else ""


def stack_name(args: StackValidationArgs) -> str:
    """The stack being analysed, from the URNs."""
    return next((stack for stack in map(urn_stack, (r.urn for r in args.resources)) if stack), "")


def facts_of(resource: PolicyResource, record: type[R]) -> R:
    """The record ``resource`` published (FactsError when it published none, or a malformed one)."""
    return read(record, whole(plain(resource.props.get(FACTS_KEY))))


def published(args: StackValidationArgs, record: type[R], report: Report,
              required: str = "") -> list[tuple[PolicyResource, R]]:
    """Every publisher of ``record`` with its facts; a publisher without them is reported, and so is having
    none at all when ``required`` says what is then missing."""
    found = []
    for resource in of_type(args, record.PUBLISHER):
        try:
            found.append((resource, facts_of(resource, record)))
        except FactsError as error:
            report(f"{resource.name} publishes no usable facts ({error}); the pack cannot tell what it guards.",
                   resource.urn)
    if required and not of_type(args, record.PUBLISHER):
        report(f"The stack declares no {record.PUBLISHER} component: {required}")
    return found


def stack_facts(args: StackValidationArgs, report: Report) -> StackFacts | None:
    """The root stack's facts, or None after reporting that they are missing."""
    stacks = of_type(args, STACK)
    if not stacks:
        report(f"No {STACK} resource was analysed, so the stack's published facts cannot be read.")
        return None
    found = published(args, StackFacts, report)
    return found[0][1] if found else None


def roles(args: StackValidationArgs) -> dict[str, str]:
    """Vercel project URN → what it is for ('site', 'api'), from the facts of the components that declare them.

    Computed once per policy run: a project's role is read from its parent's published facts.
    """
    published_roles: dict[str, str] = {}
    for component in of_type(args, WEB_APP):
        try:
            published_roles[component.urn] = facts_of(component, WebAppFacts).role
        except FactsError:
            continue
    return {r.urn: published_roles[r.parent.urn] for r in of_type(args, PROJECT)
            if r.parent is not None and r.parent.urn in published_roles}


def project_role(project_roles: dict[str, str], resource: PolicyResource, prop_name: str = "projectId") -> str | None:
    """The role of the Vercel project ``resource``'s ``prop_name`` was computed from (its projectId)."""
    project = linked(resource, prop_name, PROJECT)
    return project_roles.get(project.urn) if project is not None else None
