"""How every policy of the pack is built: metadata, settings, guards, and "not verified".

A policy is built through `resource_policy` / `stack_policy`, which refuse a policy without a
kebab-case name, a full-sentence description, a severity and remediation steps, so the pack
cannot grow an undocumented rule. The same helpers give every policy three things:

- `Setting`: each threshold a policy reads from its config is declared once, with its default
  (from `thresholds.py`), which becomes the config schema's default; policies read it with
  ``SETTING.of(args)``, never with a literal fallback;
- `Guard` (resource policies): which stack policy refuses the absence of the resource the policy
  guards, because a check of a setting's value says nothing once its resource is deleted;
- ``report.not_verified(what)``: a value the pack cannot see (ciphertext in an exported state,
  a fact the program could not derive offline) is reported, never passed. After the policy has
  run, the items are raised as `NotVerifiedError`, a kind of the SDK's own `UnknownValueError`, which
  the analyzer turns into an *advisory* diagnostic whatever the policy's enforcement level: shown,
  and never failing a run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast

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
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from lightspeedpay_vocabulary.thresholds import NOT_VERIFIED


class Report(Protocol):
    """How a policy reports: a violation (``report(message, urn)``) or a value it cannot judge."""

    def __call__(self, message: str, urn: str | None = None, /) -> None: ...

    def not_verified(self, what: str, urn: str | None = None, /) -> None: ...


ResourceCheck = Callable[[ResourceValidationArgs, Report], None]
StackCheck = Callable[[StackValidationArgs, Report], None]



class NotVerifiedError(UnknownValueError):
    """Values a policy could not see; the analyzer reports them as an advisory diagnostic."""

    def __init__(self, items: Sequence[tuple[str, str | None]]) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, [])
        lines = [f"- {what}" + (f" (at {urn})" if urn else "") for what, urn in items]
        self.message = "\n".join([NOT_VERIFIED, *lines])


class _Findings:
    """The Report a policy receives: violations go straight to the analyzer, not-verified items wait."""

    __slots__ = ("_report", "unseen")

    def __init__(self, report: Callable[..., None]) -> None:
        self._report = report
        self.unseen: list[tuple[str, str | None]] = []

    def __call__(self, message: str, urn: str | None = None, /) -> None:
        self._report(message, urn)

    def not_verified(self, what: str, urn: str | None = None, /) -> None:
        self.unseen.append((what, urn))


def _judged(check: Callable[[Any, Report], object],
            judges: frozenset[str] = frozenset()) -> Callable[[Any, Callable[..., None]], None]:
    """``check`` with a Report that can say "not verified"; a resource policy runs only on the types it judges."""
    def validate(args: Any, report: Callable[..., None]) -> None:
        if judges and args.resource_type not in judges:
            return
        findings = _Findings(report)
        check(args, findings)
        if findings.unseen:
            raise NotVerifiedError(findings.unseen)
    return validate


T = TypeVar("T")


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One threshold of one policy: its config key, JSON schema and default, declared once."""

    key: str
    default: T
    schema: dict[str, Any] = field(default_factory=dict)

    def of(self, args: ResourceValidationArgs | StackValidationArgs) -> T:
        """The configured value (the engine fills in the schema default; a bare servicer may not)."""
        value = args.get_config().get(self.key)
        if value is None:
            return self.default
        kind = self.schema.get("type")
        if kind == "integer":
            return cast(T, int(value))
        if kind == "number":
            return cast(T, float(value))
        if kind == "array":
            return cast(T, tuple(value))
        return cast(T, value)

    def fragment(self) -> dict[str, Any]:
        if self.default is None:
            return dict(self.schema)
        default: Any = list(self.default) if isinstance(self.default, tuple) else self.default
        return {**self.schema, "default": default}


def integer(key: str, default: int, minimum: int | None = None, maximum: int | None = None) -> Setting[int]:
    bounds = {k: v for k, v in (("minimum", minimum), ("maximum", maximum)) if v is not None}
    return Setting(key, default, {"type": "integer", **bounds})


def number(key: str, default: float, minimum: float | None = None, maximum: float | None = None) -> Setting[float]:
    bounds = {k: v for k, v in (("minimum", minimum), ("maximum", maximum)) if v is not None}
    return Setting(key, default, {"type": "number", **bounds})


def text(key: str, default: str, enum: Sequence[str] = ()) -> Setting[str]:
    return Setting(key, default, {"type": "string", **({"enum": list(enum)} if enum else {})})


def strings(key: str, default: Sequence[str], min_items: int = 0, enum: Sequence[str] = ()) -> Setting[tuple[str, ...]]:
    items: dict[str, Any] = {"type": "string", **({"enum": list(enum)} if enum else {})}
    schema: dict[str, Any] = {"type": "array", "items": items, **({"minItems": min_items} if min_items else {})}
    return Setting(key, tuple(default), schema)


def flag(key: str, default: bool) -> Setting[bool]:
    return Setting(key, default, {"type": "boolean"})


def mapping(key: str, default: dict[str, Any], schema: dict[str, Any]) -> Setting[dict[str, Any]]:
    return Setting(key, default, {"type": "object", **schema})


@dataclass(frozen=True)
class Guard:
    """What a resource policy guards, and who refuses that resource's absence.

    Exactly one of ``refused_by`` (the stack policy that fails when the resource is missing) and
    ``harmless`` (why a missing resource cannot weaken what the policy protects) is given.
    """

    carrier: str
    """The resource(s) the policy judges, e.g. "the zone's 'ssl' setting"."""
    refused_by: str = ""
    harmless: str = ""

    def __post_init__(self) -> None:
        if bool(self.refused_by) == bool(self.harmless):
            raise ValueError(f"guard of {self.carrier!r}: give exactly one of refused_by and harmless")


class GuardedPolicy(ResourceValidationPolicy):
    """A resource policy that says which resource types it judges and who refuses their absence."""

    guard: Guard
    judges: tuple[str, ...]

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


def _schema(settings: Sequence[Setting[Any]]) -> PolicyConfigSchema | None:
    properties = {setting.key: setting.fragment() for setting in settings}
    return PolicyConfigSchema(properties=properties) if properties else None


def resource_policy(name: str, description: str, *, judges: Sequence[str], validate: ResourceCheck, guard: Guard,
                    severity: Severity, remediation: str,
                    framework: PolicyComplianceFramework | None = None,
                    config: Sequence[Setting[Any]] = (),
                    tags: Sequence[str] = (),
                    enforcement_level: EnforcementLevel | None = None) -> GuardedPolicy:
    _check_metadata(name, description, remediation)
    policy = GuardedPolicy(
        name=name, description=description, validate=cast(ResourceValidation, _judged(validate, frozenset(judges))),
        severity=severity, remediation_steps=remediation, framework=framework, config_schema=_schema(config),
        tags=list(tags), enforcement_level=enforcement_level)
    policy.guard, policy.judges = guard, tuple(judges)
    return policy


def stack_policy(name: str, description: str, *, validate: StackCheck, severity: Severity,
                 remediation: str, framework: PolicyComplianceFramework | None = None,
                 config: Sequence[Setting[Any]] = (), tags: Sequence[str] = (),
                 enforcement_level: EnforcementLevel | None = None) -> StackValidationPolicy:
    _check_metadata(name, description, remediation)
    return StackValidationPolicy(
        name=name, description=description, validate=cast(StackValidation, _judged(validate)), severity=severity,
        remediation_steps=remediation, framework=framework, config_schema=_schema(config),
        tags=list(tags), enforcement_level=enforcement_level)
