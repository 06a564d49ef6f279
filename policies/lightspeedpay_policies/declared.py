"""Checklist items that hold only if the stack declares a resource (AnalyzeStack).

Resource policies never fire for a resource nobody declared: "the custom domain is configured" is
only checkable by noticing that its `ProjectDomain` is missing. This policy walks the checklist's
``declared`` entries once per stack (one pass over the resources, then set look-ups).
"""

from __future__ import annotations

from collections import defaultdict

from pulumi_policy import Severity, StackValidationArgs

from .checklist import CHECKLIST, Declared, tagged
from .graph import stack_facts
from .meta import Report, pci, stack_policy
from .props import plain


def _declared(args: StackValidationArgs, report: Report) -> None:
    types: set[str] = set()
    domains: dict[str, set[str]] = defaultdict(set)
    for resource in args.resources:
        types.add(resource.resource_type)
        if resource.resource_type.endswith(":ProjectDomain"):
            domains[resource.resource_type].add(str(resource.props.get("domain")))
    facts = stack_facts(args, report)
    hosts = plain(facts.domains) if facts is not None else {}

    def missing(requirement: Declared) -> str | None:
        if requirement.host_role is None:
            return None if requirement.type in types else f"{requirement.what} ({requirement.type}) is not declared."
        host = hosts.get(requirement.host_role) if isinstance(hosts, dict) else None
        if not isinstance(host, str) or not host:
            return (f"the stack publishes no '{requirement.host_role}' hostname (facts domains), so "
                    f"{requirement.what} cannot be checked.")
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
        remediation="Declare the missing resource through its component (components/stack.py); the stack's facts "
                    "name the public hostnames (lightspeedpay:domains).",
        tags=["checklist", "coverage"]),
]
