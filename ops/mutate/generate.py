"""Mutants of a stack: every operator of the table applied to every resource, one edit at a time.

A mutant is a patch over the unmutated resources (replacements by URN, None for a deletion) plus
what it changed, so the evaluator knows which resources to analyze again and which stack policies
could see the difference. Deleting a resource also drops every reference to it (dependencies,
property dependencies, parents), as removing it from the program would.
"""

from __future__ import annotations

import copy
import fnmatch
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ops.resources import SECRET_SIG, SIG_KEY, STACK_TYPE, PlannedResource, is_secret, map_secrets

from .edits import DELETE, EDITS, Context, PropPath, Site, Variant
from .operators import KINDS, OPERATORS, Operator

OPTIONS = "@opts"
"""Path prefix for resource options in change sets (what `PolicyResourceOptions` attributes hold)."""


@dataclass(eq=False)
class Mutant:
    id: str
    operator: str
    category: str
    urn: str
    type: str
    label: str
    component: str
    path: str
    """The property edited (dotted), empty when the resource as a whole is."""
    edit: str
    subject: PropPath
    """The property edited as a path (``()`` for the resource as a whole, options under ``@opts``)."""
    patch: dict[str, PlannedResource | None]
    changed: dict[str, list[PropPath]] | None = field(default=None)
    """Paths changed per URN, when only properties or options changed; None when resources or links did."""


def dotted(path: PropPath) -> str:
    return ".".join(str(p) for p in path)


def short_type(type_: str) -> str:
    return type_.rsplit(":", 1)[-1]


def _labels(resources: list[PlannedResource]) -> dict[str, str]:
    """Each resource's name, with its type when another resource shares the name (ids stay readable)."""
    def count(key: Callable[[PlannedResource], Any]) -> dict[Any, int]:
        counts: dict[Any, int] = {}
        for resource in resources:
            counts[key(resource)] = counts.get(key(resource), 0) + 1
        return counts

    names, short = count(lambda r: r.name), count(lambda r: (r.name, short_type(r.type)))
    return {r.urn: r.name if names[r.name] == 1 else
            f"{r.name}[{short_type(r.type)}]" if short[(r.name, short_type(r.type))] == 1 else f"{r.name}[{r.type}]"
            for r in resources}


class Graph:
    """The unmutated resources, their labels (names, made unique) and their top-level components."""

    def __init__(self, resources: list[PlannedResource]) -> None:
        self.resources = resources
        self.by_urn = {r.urn: r for r in resources}
        self.children: dict[str, list[str]] = {}
        for resource in resources:
            if resource.parent:
                self.children.setdefault(resource.parent, []).append(resource.urn)
        self.labels = _labels(resources)

    def is_component(self, resource: PlannedResource) -> bool:
        return not resource.custom and resource.type != STACK_TYPE

    def component(self, resource: PlannedResource) -> str:
        """The top-level component a resource belongs to ("(providers)", "(stack)" outside any)."""
        if resource.is_provider:
            return "(providers)"
        top: PlannedResource | None = None
        current: PlannedResource | None = resource
        while current is not None and current.type != STACK_TYPE:
            if self.is_component(current):
                top = current
            current = self.by_urn.get(current.parent)
        return f"{top.name} ({short_type(top.type)})" if top is not None else "(stack)"

    def subtree(self, urn: str) -> list[str]:
        found = [urn]
        for child in self.children.get(urn, []):
            found += self.subtree(child)
        return found


# --------------------------------------------------------------------------------- property edits
def _walk(value: Any, path: PropPath = ()) -> Iterator[tuple[PropPath, Any]]:
    """Every value below the root, with its path; secrets are leaves (their content is not the program's)."""
    if is_secret(value):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), item
            yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*path, index), item
            yield from _walk(item, (*path, index))


def _properties(resource: PlannedResource) -> dict[str, Any]:
    """What a program edit changes: the inputs; a component's or the stack's registered outputs."""
    return resource.inputs or resource.outputs


def _child(tree: Any, part: str | int) -> tuple[bool, Any]:
    if isinstance(tree, dict) and not is_secret(tree):
        return part in tree, tree.get(part)
    if isinstance(tree, list) and isinstance(part, int) and 0 <= part < len(tree):
        return True, tree[part]
    return False, None


def _lookup(tree: Any, path: PropPath) -> tuple[bool, Any]:
    for part in path:
        found, tree = _child(tree, part)
        if not found:
            return False, None
    return True, tree


def _apply(tree: dict[str, Any], subject: PropPath, changes: dict[PropPath, Any]) -> bool:
    """Apply ``changes`` to one property tree (inputs or outputs) that holds ``subject``."""
    if not _lookup(tree, subject)[0]:
        return False
    applied = False
    for path, value in changes.items():
        found, parent = _lookup(tree, path[:-1])
        if not found or (isinstance(parent, dict) and is_secret(parent)):
            continue
        key = path[-1]
        if isinstance(parent, dict):
            if value is DELETE:
                applied = parent.pop(key, DELETE) is not DELETE or applied
            else:
                parent[key] = copy.deepcopy(value)
                applied = True
        elif isinstance(parent, list) and isinstance(key, int) and 0 <= key < len(parent) and value is not DELETE:
            parent[key] = copy.deepcopy(value)
            applied = True
    return applied


def _matches(operator: Operator, resource: PlannedResource) -> bool:
    if not any(fnmatch.fnmatchcase(resource.type, glob) for glob in operator.types.split("|")):
        return False
    props = _properties(resource)
    return all(props.get(key) == value for key, value in operator.where)


def _property_mutants(graph: Graph, context: Context, operators: tuple[Operator, ...]) -> Iterator[Mutant]:
    compiled = [(op, re.compile(op.path or ""), [KINDS[k] for k in op.kind.split("|")], EDITS[op.edit])
                for op in operators if op.path is not None]
    for resource in graph.resources:
        applicable = [entry for entry in compiled if _matches(entry[0], resource)]
        if not applicable:
            continue
        for path, value in _walk(_properties(resource)):
            where = dotted(path)
            for operator, pattern, kinds, edit in applicable:
                if not pattern.search(where) or not any(kind(value) for kind in kinds):
                    continue
                for variant in edit(value, operator.arg, Site(resource.type, path, context)):
                    mutant = _edited(graph, resource, operator, path, variant)
                    if mutant is not None:
                        yield mutant


def _edited(graph: Graph, resource: PlannedResource, operator: Operator, path: PropPath,
            variant: Variant) -> Mutant | None:
    clone = copy.deepcopy(resource)
    in_inputs = _apply(clone.inputs, path, variant.changes)
    in_outputs = _apply(clone.outputs, path, variant.changes)
    if not (in_inputs or in_outputs):
        return None
    for name in clone.additional_secret_outputs:
        # The engine stores these outputs as secrets whatever the program passes.
        if is_secret(resource.outputs.get(name)) and name in clone.outputs and not is_secret(clone.outputs[name]):
            clone.outputs[name] = {SIG_KEY: SECRET_SIG, "value": clone.outputs[name]}
    # A provider's properties reach policies through every resource it manages, a channel the baseline
    # does not record: evaluate such a mutant with every stack policy (changed=None).
    changed = None if resource.is_provider else {resource.urn: list(variant.changes)}
    return _mutant(graph, operator, resource, (*path, *variant.suffix), variant.detail, {resource.urn: clone},
                   changed)


def _mutant(graph: Graph, operator: Operator, subject: PlannedResource, path: PropPath, edit: str,
            patch: dict[str, PlannedResource | None], changed: dict[str, list[PropPath]] | None,
            suffix: str = "") -> Mutant:
    label = graph.labels[subject.urn]
    where = dotted(path)
    parts = [operator.name, label, *([where] if where else []), *([suffix] if suffix else [])]
    return Mutant(id=":".join(parts), operator=operator.name, category=operator.category, urn=subject.urn,
                  type=subject.type, label=label, component=graph.component(subject), path=where, edit=edit,
                  subject=path, patch=patch, changed=changed)


# --------------------------------------------------------------------------------- whole-resource edits
def _without(graph: Graph, removed: set[str]) -> dict[str, PlannedResource | None]:
    """Delete ``removed`` and every reference to them, as taking them out of the program would."""
    patch: dict[str, PlannedResource | None] = {urn: None for urn in removed}
    for resource in graph.resources:
        if resource.urn in removed:
            continue
        parent = resource.parent
        while parent in removed:
            parent = graph.by_urn[parent].parent
        dependencies = [d for d in resource.dependencies if d not in removed]
        property_dependencies = {key: [u for u in urns if u not in removed]
                                 for key, urns in resource.property_dependencies.items()}
        if (parent, dependencies, property_dependencies) != (resource.parent, resource.dependencies,
                                                              resource.property_dependencies):
            clone = copy.copy(resource)
            clone.parent, clone.dependencies, clone.property_dependencies = parent, dependencies, property_dependencies
            patch[resource.urn] = clone
    return patch


def _deletions(graph: Graph, operator: Operator, candidates: list[PlannedResource]) -> Iterator[Mutant]:
    for resource in candidates:
        if resource.custom and not resource.is_provider:
            yield _mutant(graph, operator, resource, (), "resource removed", _without(graph, {resource.urn}), None)


def _component_deletions(graph: Graph, operator: Operator, candidates: list[PlannedResource]) -> Iterator[Mutant]:
    for resource in candidates:
        if graph.is_component(resource):
            removed = set(graph.subtree(resource.urn))
            yield _mutant(graph, operator, resource, (), f"component removed with its {len(removed) - 1} resource(s)",
                          _without(graph, removed), None)


def _replace_id(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new) if old else value
    if isinstance(value, list):
        return [_replace_id(v, old, new) for v in value]
    if isinstance(value, dict) and not is_secret(value):
        return {k: _replace_id(v, old, new) for k, v in value.items()}
    return value


def _rewirings(graph: Graph, operator: Operator, candidates: list[PlannedResource]) -> Iterator[Mutant]:
    """Each property dependency pointed at another resource of the same type (ids in the value too)."""
    for resource in candidates:
        if not resource.custom or resource.is_provider:
            continue
        for prop, urns in resource.property_dependencies.items():
            for old_urn in urns:
                old = graph.by_urn.get(old_urn)
                if old is None:
                    continue
                others = [r for r in graph.resources
                          if r.type == old.type and r.urn not in urns and r.urn != resource.urn]
                if not others:
                    continue
                # The first by label, not by position: the engine registers resources in no fixed order
                # (the program's outputs resolve when they do), and a mutant id must mean one edit.
                new = min(others, key=lambda r: graph.labels[r.urn])
                clone = copy.deepcopy(resource)
                clone.property_dependencies[prop] = [new.urn if u == old_urn else u for u in urns]
                still_used = any(old_urn in v for k, v in clone.property_dependencies.items())
                clone.dependencies = [d for d in resource.dependencies if d != old_urn or still_used]
                if new.urn not in clone.dependencies:
                    clone.dependencies.append(new.urn)
                for tree in (clone.inputs, clone.outputs):
                    if prop in tree:
                        tree[prop] = _replace_id(tree[prop], old.id, new.id)
                suffix = graph.labels[old_urn] if len(urns) > 1 else ""
                yield _mutant(graph, operator, resource, (prop,),
                              f"{prop} → {graph.labels[new.urn]} instead of {graph.labels[old_urn]}",
                              {resource.urn: clone}, None, suffix)


def _unprotections(graph: Graph, operator: Operator, candidates: list[PlannedResource]) -> Iterator[Mutant]:
    for resource in candidates:
        if resource.protect:
            clone = copy.copy(resource)
            clone.protect = False
            yield _mutant(graph, operator, resource, (OPTIONS, "protect"), "protect: true → false",
                          {resource.urn: clone}, {resource.urn: [(OPTIONS, "protect")]})


def _secret_outputs_dropped(graph: Graph, operator: Operator, candidates: list[PlannedResource]) -> Iterator[Mutant]:
    """Each additional secret output no longer marked secret: state keeps that output in plain text
    (what was ciphertext becomes a plaintext marker: the real value is not known offline)."""
    for resource in candidates:
        for name in dict.fromkeys(resource.additional_secret_outputs):
            clone = copy.deepcopy(resource)
            clone.additional_secret_outputs = [n for n in resource.additional_secret_outputs if n != name]
            if name in clone.outputs:  # a dynamic provider's outputs come back plain unless listed
                clone.outputs[name] = map_secrets(clone.outputs[name], lambda _: operator.arg)
            yield _mutant(graph, operator, resource, (name,), f"{name} no longer in additionalSecretOutputs",
                          {resource.urn: clone}, {resource.urn: [(OPTIONS, "additional_secret_outputs"), (name,)]})


RESOURCE_EDITS: dict[str, Callable[[Graph, Operator, list[PlannedResource]], Iterator[Mutant]]] = {
    "delete": _deletions, "delete_component": _component_deletions, "rewire": _rewirings,
    "unprotect": _unprotections, "drop_secret_output": _secret_outputs_dropped,
}


def generate(resources: list[PlannedResource], context: Context,
             operators: tuple[Operator, ...] = OPERATORS, only: str | None = None) -> list[Mutant]:
    """Every mutant of ``resources`` (of resources of type ``only``, a glob, when given), in a stable order."""
    graph = Graph(resources)
    mutants: list[Mutant] = []
    for operator in operators:
        if operator.path is None:
            candidates = [r for r in resources if _matches(operator, r)]
            mutants += RESOURCE_EDITS[operator.edit](graph, operator, candidates)
    mutants += _property_mutants(graph, context, operators)
    if only:
        mutants = [m for m in mutants if fnmatch.fnmatchcase(m.type, only)]
    seen: dict[str, Mutant] = {}
    for mutant in mutants:
        if mutant.id in seen:
            raise ValueError(f"two mutants share the id {mutant.id!r} ({seen[mutant.id].edit} / {mutant.edit}); "
                             f"give the operators distinct names")
        seen[mutant.id] = mutant
    return mutants
