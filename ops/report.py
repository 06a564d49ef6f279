"""Render a plan or a check: readable text for people, a stable JSON document for machines."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from config.errors import ConfigIssue

from .analysis import Violation
from .resources import STACK_TYPE, PlannedResource, map_secrets, redact, tidy_numbers

_MAX_SETTING = 70


def _short(value: Any) -> str:
    text = json.dumps(tidy_numbers(value), separators=(",", ":"), sort_keys=True) \
        if not isinstance(value, str) else value
    return text if len(text) <= _MAX_SETTING else text[: _MAX_SETTING - 1] + "…"


def _settings(resource: PlannedResource) -> str:
    """Top-level inputs, secrets shown as [secret] at any depth."""
    shown = map_secrets(resource.inputs, lambda _: "[secret]")
    return "  ".join(f"{key}={_short(value)}" for key, value in shown.items() if not key.startswith("__"))


def _provider_label(resource: PlannedResource) -> str:
    if resource.provider:
        return resource.provider_urn.rsplit("::", 1)[-1]
    return resource.type.split(":", 1)[0]


def render_text(stack: str, resources: Sequence[PlannedResource], violations: Sequence[Violation],
                title: str = "Offline plan", blockers: Sequence[ConfigIssue] = ()) -> str:
    by_urn = {r.urn: r for r in resources}
    children: dict[str, list[PlannedResource]] = defaultdict(list)
    for resource in resources:
        if resource.type != STACK_TYPE:
            parent = resource.parent if resource.parent in by_urn else ""
            if by_urn.get(parent) is not None and by_urn[parent].type == STACK_TYPE:
                parent = ""
            children[parent].append(resource)

    custom = [r for r in resources if r.custom and not r.is_provider]
    lines = [f"{title} of stack '{stack}': {len(custom)} resources, "
             f"{sum(1 for r in resources if not r.custom and r.type != STACK_TYPE)} components, "
             f"{sum(1 for r in resources if r.is_provider)} providers", ""]

    def walk(parent: str, depth: int) -> None:
        ordered = sorted(children.get(parent, []), key=lambda r: (not r.is_provider, not r.custom, r.type, r.name))
        for resource in ordered:
            indent = "  " * depth
            if resource.custom:
                label = "" if resource.is_provider else f"  [{_provider_label(resource)}]"
                lines.append(f"{indent}+ {resource.type}  {resource.name}{label}")
                settings = _settings(resource)
                if settings:
                    lines.append(f"{indent}    {settings}")
            else:
                lines.append(f"{indent}{resource.type}  {resource.name}")
            walk(resource.urn, depth + 1)

    walk("", 0)
    lines.append("")
    unseen = [v for v in violations if v.not_verified]
    found = [v for v in violations if not v.not_verified]
    mandatory = [v for v in found if v.mandatory]
    if found:
        lines.append(f"Policy violations ({len(found)}):")
        for violation in sorted(found, key=lambda v: (not v.mandatory, v.policy, v.urn)):
            severity = f" [{violation.severity}]" if violation.severity else ""
            lines.append(f"  {violation.enforcement.upper():<9} {violation.policy}{severity}  {_target(violation)}")
            for text in violation.message.splitlines():
                lines.append(f"      {text}")
        lines.append("")
    if unseen:
        lines.append(f"Not verified ({len(unseen)}): values the pack cannot see here (advisory; under the Pulumi "
                     f"CLI the pack reads them and judges):")
        for violation in sorted(unseen, key=lambda v: (v.policy, v.urn)):
            lines.append(f"  NOT VERIFIED {violation.policy}  {_target(violation)}")
            lines.append(f"      {violation.message}")
        lines.append("")
    if blockers:
        lines.append(f"Apply blockers ({len(blockers)}): `pulumi up` refuses this stack file until these example "
                     f"values are replaced; previews still run.")
        lines += [f"  {issue.render()}" for issue in blockers]
        lines.append("")
    verdict = "FAILED" if mandatory else "OK"
    lines.append(f"{verdict}: {len(mandatory)} mandatory, {len(found) - len(mandatory)} other "
                 f"policy finding(s), {len(unseen)} not verified.")
    return "\n".join(lines)


def _target(violation: Violation) -> str:
    return violation.urn.rsplit("::", 1)[-1] if violation.urn else "(stack)"


def render_json(stack: str, resources: Sequence[PlannedResource], violations: Sequence[Violation],
                blockers: Sequence[ConfigIssue] | None = None) -> str:
    document: dict[str, Any] = {
        "stack": stack,
        "resources": [
            {"urn": r.urn, "type": r.type, "name": r.name, "custom": r.custom,
             "parent": r.parent or None, "inputs": tidy_numbers(redact(r.inputs))}
            for r in resources
        ],
        "violations": [
            {"policy": v.policy, "enforcement": v.enforcement, "urn": v.urn or None, "message": v.message}
            for v in violations if not v.not_verified
        ],
        "notVerified": [
            {"policy": v.policy, "urn": v.urn or None, "what": v.message} for v in violations if v.not_verified
        ],
    }
    if blockers is not None:  # a plan knows them; a check of deployed state has no stack file to judge
        document["applyBlockers"] = [
            {"key": issue.key, "value": issue.value if issue.has_value else "[secret]", "message": issue.message}
            for issue in blockers]
    return json.dumps(document, indent=2)
