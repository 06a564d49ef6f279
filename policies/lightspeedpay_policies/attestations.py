"""Human sign-offs of the checklist: required, well formed and current (AnalyzeStack).

The program publishes the stack file's `lightspeedpay:attestations` in the root stack's facts
(`facts.StackFacts.attestations`). The engine hands AnalyzeStack every resource's final outputs, the
root `pulumi:pulumi:Stack` included, so the records reach this policy in `pulumi preview`, in `pulumi
up`, in `pulumi policy analyze --file <export>` and offline alike, and they stay in state for audits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from lightspeedpay_vocabulary.thresholds import ATTESTATION_WARN_DAYS

from .checklist import ATTESTATIONS, AttestationSpec, tagged
from .graph import stack_facts
from .meta import Report, Setting, integer, pci, stack_policy
from .props import plain

FIELDS = ("by", "date", "reference", "validUntil")
_IDS = sorted(ATTESTATIONS)
REQUIRED = Setting("required", tuple(_IDS), {"type": "array", "items": {"type": "string", "enum": _IDS},
                                             "uniqueItems": True})
AS_OF = Setting[str | None]("asOf", None, {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"})
WARN_DAYS = integer("warnDays", ATTESTATION_WARN_DAYS, minimum=1)


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def as_of(args: StackValidationArgs) -> dt.date:
    """The day to judge expiry by: the policy config's ``asOf`` (an audit of a past release), else today."""
    value = AS_OF.of(args)
    return dt.date.fromisoformat(str(value)) if value else today()


def _date(record: Mapping[str, Any], key: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(record.get(key)))
    except ValueError:
        return None


def problems(spec: AttestationSpec, record: Any, on: dt.date) -> list[str]:
    """What is wrong with one sign-off on day ``on`` (empty when it counts)."""
    key = f"lightspeedpay:attestations.{spec.id}"
    if record is None:
        return [f"missing: {spec.what} Add {key} with by, date, reference and validUntil."]
    if not isinstance(record, Mapping):
        return [f"{key} must be a mapping with {', '.join(FIELDS)}."]
    absent = [f for f in FIELDS if not str(record.get(f) or "").strip()]
    if absent:
        return [f"{key} lacks {', '.join(absent)}."]
    signed, until = _date(record, "date"), _date(record, "validUntil")
    if signed is None or until is None:
        return [f"{key}: date and validUntil must be dates written YYYY-MM-DD."]
    found = []
    if signed > on:
        found.append(f"{key} is dated {signed}, after {on}; sign-offs cannot be made in advance.")
    if until < on:
        found.append(f"{key} expired on {until} (signed by {record.get('by')} on {signed}); renew it.")
    if (until - signed).days > spec.max_days:
        found.append(f"{key} counts for {(until - signed).days} days; at most {spec.max_days} are allowed "
                     f"({spec.basis})")
    return found


def _records(args: StackValidationArgs, report: Report) -> dict[str, Any] | None:
    facts = stack_facts(args, report)
    if facts is None:
        return None
    records = plain(facts.attestations)
    if records is None:
        return {}
    if not isinstance(records, dict):
        report("The stack's facts must map attestation ids to records (attestations).")
        return None
    return records


def _day(args: StackValidationArgs, report: Report) -> dt.date | None:
    try:
        return as_of(args)
    except ValueError:
        report(f"The policy config's asOf ({AS_OF.of(args)!r}) is not a calendar date.")
        return None


def _required(args: StackValidationArgs, report: Report) -> None:
    records = _records(args, report)
    on = _day(args, report)
    if records is None or on is None:
        return
    for unknown in sorted(set(records) - set(ATTESTATIONS)):
        report(tagged("attestation", unknown, f"lightspeedpay:attestations.{unknown} is not an attestation the "
                      f"checklist knows; known: {', '.join(sorted(ATTESTATIONS))}."))
    # Required sign-offs must be there; any sign-off that is there must be sound, required or not.
    checked = set(REQUIRED.of(args)) | (set(records) & set(ATTESTATIONS))
    for attestation_id in sorted(checked):
        for text in problems(ATTESTATIONS[attestation_id], records.get(attestation_id), on):
            report(tagged("attestation", attestation_id, text))


def _expiring(args: StackValidationArgs, report: Report) -> None:
    records = _records(args, report)
    on, window = _day(args, report), WARN_DAYS.of(args)
    if not records or on is None:
        return
    for attestation_id, record in sorted(records.items()):
        until = _date(record, "validUntil") if isinstance(record, Mapping) else None
        if until is not None and 0 <= (until - on).days < window:
            report(tagged("attestation", attestation_id,
                          f"lightspeedpay:attestations.{attestation_id} expires on {until}, in "
                          f"{(until - on).days} day(s); renew it before then."))


_PCI_651 = pci("6.5.1", "Changes to all system components in the production environment are made according to "
                        "established procedures.")

POLICIES = [
    stack_policy(
        "checklist-attestations",
        "Every human step of the deployment checklist must have a current sign-off (who, when, evidence, expiry).",
        validate=_required, severity=Severity.HIGH, framework=_PCI_651,
        config=[REQUIRED, AS_OF],
        remediation="Do the step, then record it in the stack file under lightspeedpay:attestations.<id> with "
                    "by (an email), date, reference (ticket or report) and validUntil (YYYY-MM-DD, within the "
                    "item's window). docs/policy-pack.md lists every id and its window.",
        tags=["checklist", "attestation"]),
    stack_policy(
        "checklist-attestations-expiring",
        "Sign-offs that are about to expire should be renewed before they lapse and block deployments.",
        validate=_expiring, severity=Severity.LOW, framework=_PCI_651,
        config=[WARN_DAYS, AS_OF],
        remediation="Repeat the step and replace the record in lightspeedpay:attestations.<id> with the new "
                    "date, reference and validUntil.",
        tags=["checklist", "attestation"]),
]
