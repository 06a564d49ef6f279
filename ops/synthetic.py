"""A synthetic `pulumi stack export` of any size, grown from a real offline plan (for benchmarks).

The production plan's resources are copied under new names, component trees and provider references
kept, until the document holds the requested number of resources. The mix of types is production's,
so the policies do the work they do on a real stack of that size.
"""

from __future__ import annotations

import copy
from pathlib import Path

from .dynamic_apply import substitute
from .export import write_export
from .offline import ProgramRun
from .resources import STACK_TYPE, PlannedResource


def _renamed(resource: PlannedResource, copy_no: int, urns: dict[str, str]) -> PlannedResource:
    clone = copy.deepcopy(resource)
    clone.outputs = substitute(clone.outputs, urns)  # published facts name services by URN
    clone.name = f"{resource.name}-copy{copy_no}"
    clone.urn = urns[resource.urn]
    clone.parent = urns.get(resource.parent, resource.parent)
    clone.dependencies = [urns.get(d, d) for d in resource.dependencies]
    clone.property_dependencies = {k: [urns.get(u, u) for u in v] for k, v in resource.property_dependencies.items()}
    if clone.id:
        clone.id = f"{resource.id}-copy{copy_no}"
    provider_urn, _, provider_id = resource.provider.rpartition("::")
    if provider_urn in urns:  # a provider configured from a resource is copied with it
        clone.provider = f"{urns[provider_urn]}::{provider_id}-copy{copy_no}"
    return clone


def shared(run: ProgramRun) -> list[PlannedResource]:
    """What every copy shares: the stack, and each provider not configured from another resource's outputs
    (one that is, like the Grafana stack's own provider, belongs to its copy)."""
    return [r for r in run.resources
            if r.type == STACK_TYPE or (r.is_provider and not any(r.property_dependencies.values()))]


def grow(run: ProgramRun, size: int) -> list[PlannedResource]:
    """``size`` resources: the stack and providers once, then copies of everything else."""
    once = shared(run)
    template = [r for r in run.resources if r not in once]
    resources = list(once)
    copy_no = 0
    while len(resources) < size:
        copy_no += 1
        urns = {r.urn: f"{r.urn}-copy{copy_no}" for r in template}
        for resource in template:
            if len(resources) == size:
                break
            resources.append(_renamed(resource, copy_no, urns))
    return resources


def write_synthetic_export(path: Path, run: ProgramRun, size: int) -> list[PlannedResource]:
    resources = grow(run, size)
    write_export(path, resources, run.outputs)
    return resources
