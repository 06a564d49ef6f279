"""Checklist items that hold only if the stack declares a resource (AnalyzeStack).

Resource policies never fire for a resource nobody declared: "the custom domain is configured" is
only checkable by noticing that its `ProjectDomain` is missing. This policy walks the checklist's
``declared`` entries once per stack (one pass over the resources, then set look-ups).
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlsplit

from pulumi_policy import Severity, StackValidationArgs

from .attestations import stack_outputs
from .checklist import CHECKLIST, Declared, tagged
from .meta import Report, pci, stack_policy


def _host(url: object) -> str | None:
    return urlsplit(url).hostname if isinstance(url, str) and url.startswith("https://") else None


def _declared(args: StackValidationArgs, report: Report) -> None:
    types: set[str] = set()
    domains: dict[str, set[str]] = defaultdict(set)
    for resource in args.resources:
        types.add(resource.resource_type)
        if resource.resource_type.endswith(":ProjectDomain"):
            domains[resource.resource_type].add(str(resource.props.get("domain")))
    outputs = stack_outputs(args.resources)

    def missing(requirement: Declared) -> str | None:
        if requirement.host_output is None:
            return None if requirement.type in types else f"{requirement.what} ({requirement.type}) is not declared."
        host = _host(outputs.get(requirement.host_output))
        if host is None:
            return (f"the stack exports no https URL '{requirement.host_output}', so {requirement.what} cannot be "
                    f"checked.")
        if host not in domains.get(requirement.type, set()):
            return f"{requirement.what} for {host} ({requirement.type}) is not declared."
        return None

    for item in CHECKLIST:
        for requirement in item.declared:
            text = missing(requirement)
            if text:
                report(tagged("item", item.id, f"“{item.text}”: {text}"))


POLICIES = [
    stack_policy(
        "checklist-resources-declared",
        "Every resource a deployment checklist item relies on must be declared in the stack.",
        validate=_declared, severity=Severity.HIGH,
        framework=pci("6.5.1", "Changes to all system components in the production environment are made "
                               "according to established procedures."),
        remediation="Declare the missing resource through its component (components/stack.py) and keep the "
                    "stack outputs siteUrl, checkoutUrl and apiUrl pointing at the public hostnames.",
        tags=["checklist", "coverage"]),
]
