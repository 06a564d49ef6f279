"""Policy metadata that every policy in the pack must carry, and the frameworks it cites.

A policy is built through `resource_policy` / `stack_policy`, which refuse a policy without a
kebab-case name, a full-sentence description, a severity and remediation steps, so the pack
cannot grow an undocumented rule.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, cast

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidation,
    StackValidationArgs,
    StackValidationPolicy,
)


class Report(Protocol):
    """How a policy reports a violation (the SDK's alias wrongly makes ``urn`` mandatory)."""

    def __call__(self, message: str, urn: str | None = None, /) -> None: ...


ResourceCheck = Callable[[ResourceValidationArgs, Report], Awaitable[None] | None]
StackCheck = Callable[[StackValidationArgs, Report], Awaitable[None] | None]

_KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def pci(requirement: str, text: str) -> PolicyComplianceFramework:
    return PolicyComplianceFramework(name="PCI DSS", version="4.0.1", reference=requirement,
                                     specification=text)


def rbi_localisation() -> PolicyComplianceFramework:
    return PolicyComplianceFramework(
        name="RBI", version="DPSS.CO.OD.No 2785/06.08.005/2017-18",
        reference="Storage of Payment System Data (6 April 2018)",
        specification="The entire data relating to payment systems is stored in a system only in India.")


def rbi_cyber_resilience(clause: str) -> PolicyComplianceFramework:
    return PolicyComplianceFramework(
        name="RBI", version="RBI/DPSS/2024-25/123",
        reference="Master Directions on Cyber Resilience and Digital Payment Security Controls for non-bank PSOs",
        specification=clause)


def cert_in(clause: str) -> PolicyComplianceFramework:
    return PolicyComplianceFramework(
        name="CERT-In", version="Directions No. 20(3)/2022-CERT-In (28 April 2022)",
        reference="Section 70B(6) IT Act", specification=clause)


def _check_metadata(name: str, description: str, remediation: str) -> None:
    if not _KEBAB.match(name):
        raise ValueError(f"policy name {name!r} must be lower kebab-case")
    if not description[:1].isupper() or not description.endswith("."):
        raise ValueError(f"policy {name!r}: description must be a full sentence")
    if not remediation.strip():
        raise ValueError(f"policy {name!r}: remediation steps are required")


def _schema(properties: dict[str, dict[str, Any]] | None) -> PolicyConfigSchema | None:
    return PolicyConfigSchema(properties=properties) if properties else None


def resource_policy(name: str, description: str, *, validate: ResourceCheck,
                    severity: Severity, remediation: str,
                    framework: PolicyComplianceFramework | None = None,
                    config: dict[str, dict[str, Any]] | None = None,
                    tags: Sequence[str] = (),
                    enforcement_level: EnforcementLevel | None = None) -> ResourceValidationPolicy:
    _check_metadata(name, description, remediation)
    return ResourceValidationPolicy(
        name=name, description=description, validate=cast(ResourceValidation, validate), severity=severity,
        remediation_steps=remediation, framework=framework, config_schema=_schema(config),
        tags=list(tags), enforcement_level=enforcement_level)


def stack_policy(name: str, description: str, *, validate: StackCheck, severity: Severity,
                 remediation: str, framework: PolicyComplianceFramework | None = None,
                 config: dict[str, dict[str, Any]] | None = None, tags: Sequence[str] = (),
                 enforcement_level: EnforcementLevel | None = None) -> StackValidationPolicy:
    _check_metadata(name, description, remediation)
    return StackValidationPolicy(
        name=name, description=description, validate=cast(StackValidation, validate), severity=severity,
        remediation_steps=remediation, framework=framework, config_schema=_schema(config),
        tags=list(tags), enforcement_level=enforcement_level)
