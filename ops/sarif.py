"""Policy violations as SARIF 2.1.0, for GitHub code scanning (`--sarif FILE` on ops.plan and ops.check).

Each result points at the file and line that declares the offending resource: the SDK records the
caller of the resource's constructor (`RegisterResourceRequest.sourcePosition`, kept repo-relative in
`PlannedResource.source_file`). When that is not the project's own code (provider resources, the
root stack) the nearest ancestor that has a position is used; a finding about stack configuration
(a message naming `lightspeedpay:<key>`) points at that key in the stack file; anything else at the
top of the stack file. Rules carry the pack's metadata (description, remediation, framework).

Only a mandatory finding may fail a code-scanning gate. GitHub fails the check on an alert whose level
is `error` or whose rule carries a high or critical `security-severity` (the defaults of its merge
protection), so mandatory policies are `error` with the pack's severity as `security-severity`, and
advisory (and remediate: the pack fixes those itself) are `warning` with no `security-severity` — the
pack's severity stays in the rule's and the result's `severity` property.

A value the pack could not see (a not-verified finding) never fails a gate either, whatever its policy's
level. GitHub takes a security alert's severity from its *rule*, not from the result's level, so such a
result is a `note` of a companion rule `<policy>/not-verified` (level `note`, no `security-severity`),
declared only for the policies that have one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from pulumi.runtime import proto

from config.stackfile import REPO_ROOT

from .analysis import _SEVERITY_NAMES, Violation, pack_version
from .resources import PlannedResource

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {"mandatory": "error", "remediate": "warning", "advisory": "warning", "disabled": "none"}
_SECURITY_SEVERITY = {proto.POLICY_SEVERITY_CRITICAL: "9.5", proto.POLICY_SEVERITY_HIGH: "8.0",
                      proto.POLICY_SEVERITY_MEDIUM: "5.5", proto.POLICY_SEVERITY_LOW: "3.0"}
_CONFIG_KEY = re.compile(r"lightspeedpay:([A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*)")


def _key_line(lines: Sequence[str], dotted: str) -> int:
    """1-based line of ``lightspeedpay:<dotted>`` in a stack file (deepest part found), 0 if absent."""
    parts = dotted.split(".")
    parts[0] = f"lightspeedpay:{parts[0]}"
    found, start, indent = 0, 0, -1
    for part in parts:
        pattern = re.compile(rf"^{re.escape(part)}\s*:")
        for index in range(start, len(lines)):
            text = lines[index]
            stripped = text.lstrip()
            depth = len(text) - len(stripped)
            if index > start and stripped and not stripped.startswith("#") and depth <= indent:
                return found  # left the block of the previous part
            if depth > indent and pattern.match(stripped):
                found, start, indent = index + 1, index, depth
                break
        else:
            return found
    return found


class _Locator:
    def __init__(self, resources: Sequence[PlannedResource], stack_file: Path, root: Path) -> None:
        self.by_urn = {r.urn: r for r in resources}
        self.root = root.resolve()
        stack_file = stack_file.resolve()
        self.stack_file = stack_file if stack_file.exists() else root / "Pulumi.yaml"
        self.lines = self.stack_file.read_text(encoding="utf-8").splitlines() if self.stack_file.exists() else []

    def __call__(self, violation: Violation) -> tuple[str, int]:
        resource = self.by_urn.get(violation.urn)
        seen: set[str] = set()
        while resource is not None and resource.urn not in seen:
            seen.add(resource.urn)
            if resource.source_file and (self.root / resource.source_file).exists():
                return resource.source_file, max(resource.source_line, 1)
            resource = self.by_urn.get(resource.parent)
        stack_file = self.stack_file.relative_to(self.root).as_posix() \
            if self.stack_file.is_relative_to(self.root) else self.stack_file.name
        match = _CONFIG_KEY.search(violation.message)
        line = _key_line(self.lines, match.group(1)) if match else 0
        return stack_file, max(line, 1)


def _type_and_name(urn: str) -> tuple[str, str]:
    """``urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>`` → (type, name); ("", "") for none."""
    parts = urn.split("::")
    return (parts[2].rsplit("$", 1)[-1], parts[3]) if len(parts) == 4 else ("", "")


def _rule(policy: Any, level: str) -> dict[str, Any]:
    framework = policy.framework
    cited = (f"{framework.name} {framework.version} {framework.reference}: {framework.specification}"
             if framework.name else "")
    help_text = policy.remediation_steps + (f"\n\nReference: {cited}" if cited else "")
    properties: dict[str, Any] = {"tags": sorted({*policy.tags, "security", "pulumi-policy"}),
                                  "severity": _SEVERITY_NAMES.get(policy.severity, "")}
    if level == "error" and policy.severity in _SECURITY_SEVERITY:
        properties["security-severity"] = _SECURITY_SEVERITY[policy.severity]
    if cited:
        properties["framework"] = json_format.MessageToDict(framework)
    return {
        "id": policy.name,
        "name": "".join(part.capitalize() for part in policy.name.split("-")),
        "shortDescription": {"text": policy.description},
        "fullDescription": {"text": policy.description},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": level},
        "properties": properties,
    }


NOT_VERIFIED_RULE = "{policy}/not-verified"
"""The companion rule of a policy's not-verified findings."""


def _not_verified_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """``rule``'s companion for values the pack could not see: a note, never a security alert."""
    properties = {key: value for key, value in rule["properties"].items() if key != "security-severity"}
    why = ("The pack could not see a value this policy judges (ciphertext in an exported state, or a fact the "
           "program could not derive offline), so it neither passed nor failed it. Under the Pulumi CLI the pack "
           "reads plaintext and judges; to judge an export, check one made with `--show-secrets`.")
    return {
        **rule,
        "id": NOT_VERIFIED_RULE.format(policy=rule["id"]),
        "name": f"{rule['name']}NotVerified",
        "shortDescription": {"text": f"Not verified: {rule['shortDescription']['text']}"},
        "help": {"text": f"{why}\n\n{rule['help']['text']}", "markdown": f"{why}\n\n{rule['help']['markdown']}"},
        "defaultConfiguration": {"level": "note"},
        "properties": {**properties, "tags": sorted({*properties["tags"], "not-verified"})},
    }


def to_sarif(stack: str, pack: Any, violations: Sequence[Violation], resources: Sequence[PlannedResource],
             stack_file: Path | None = None, root: Path = REPO_ROOT) -> dict[str, Any]:
    """A SARIF log of one analyzer run; ``pack`` is the `PolicyRun` that produced ``violations``."""
    levels = {name: value.enforcement_level for name, value in pack.config.items()}
    rules = [_rule(p, _LEVEL.get(levels.get(p.name, "advisory"), "warning")) for p in pack.info.policies]
    unseen = {v.policy for v in violations if v.not_verified}
    rules += [_not_verified_rule(rule) for rule in list(rules) if rule["id"] in unseen]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    locate = _Locator(resources, stack_file or root / f"Pulumi.{stack}.yaml", root)
    by_urn = {r.urn: r for r in resources}
    results = []
    for violation in violations:
        uri, line = locate(violation)
        finding = violation.message.rsplit("\n", 1)[-1]
        if violation.not_verified:
            finding = f"Not verified: {finding}"
        resource = by_urn.get(violation.urn)
        text = f"{finding} ({resource.type} '{resource.name}')" if resource is not None else finding
        # Stable across line moves and stacks: the policy, the resource's type and name, the finding.
        identity = "\0".join((violation.policy, *_type_and_name(violation.urn), finding))
        # A value the pack could not see is a note of the companion rule: shown, never an alert that fails
        # a gate (the exit code ignores it too).
        rule_id = NOT_VERIFIED_RULE.format(policy=violation.policy) if violation.not_verified else violation.policy
        result: dict[str, Any] = {
            "ruleId": rule_id,
            "level": "note" if violation.not_verified else _LEVEL.get(violation.enforcement, "warning"),
            "message": {"text": text},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": line}}}],
            "partialFingerprints": {"lightspeedpayFinding/v1": hashlib.sha256(identity.encode()).hexdigest()},
            "properties": {"enforcement": violation.enforcement, "severity": violation.severity,
                           "notVerified": violation.not_verified},
        }
        if rule_id in index:
            result["ruleIndex"] = index[rule_id]
        if violation.urn:
            result["locations"][0]["logicalLocations"] = [{"fullyQualifiedName": violation.urn, "kind": "resource"}]
        results.append(result)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": f"{pack.pack_name} policy pack", "version": pack_version(),
                                "semanticVersion": pack_version(), "rules": rules}},
            "automationDetails": {"id": f"pulumi-policy/{stack}/"},
            "invocations": [{"executionSuccessful": True}],
            "results": results,
        }],
    }


def write_sarif(path: Path, stack: str, pack: Any, violations: Sequence[Violation],
                resources: Sequence[PlannedResource], stack_file: Path | None = None) -> None:
    document = to_sarif(stack, pack, violations, resources, stack_file)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
