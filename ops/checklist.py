"""`python -m ops.checklist --stack NAME [--markdown|--json]`: the deployment guide, requirement by requirement.

Every requirement of the guide (policies/lightspeedpay_policies/checklist.py) gets a status computed
from a real offline plan and analyzer run, and what stands behind it:

- passes: every policy that guards it is in the pack and found nothing;
- fails: a guarding policy reported a violation (mandatory or advisory);
- attested: a human sign-off the pack accepted, with real evidence, good until its date;
- placeholder sign-off: the sign-off record is well formed, but its reference is still one of the
  repository's example values (the shared placeholder vocabulary says so): not attested, never shown
  as "attested until";
- not yet covered: nothing in the code does it yet (with the reason), a policy it maps to is not in
  the pack yet or is disabled for this stack, or a value it rests on cannot be verified here;
- not infrastructure: user documentation and the content of external announcements (with the reason);
- not required: its sign-off is not required for this stack (its policy config says so; never in
  production).

An item takes the first of these an enforcer is in, in the order fails, not yet covered, placeholder
sign-off, attested, not infrastructure, passes (not required only when every enforcer is).

Exit codes as ops.plan: 0 no mandatory violation, 1 mandatory violations, 2 bad config or usage.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .cli import EXIT_OK, EXIT_VIOLATIONS, Progress, default_policy_config, fail, freeze_loaded_objects

if TYPE_CHECKING:  # the heavy SDK imports wait until main() has shown progress
    from .analysis import PolicyRun, Violation

PASSES, FAILS, ATTESTED, PLACEHOLDER, NOT_COVERED, NOT_INFRASTRUCTURE, NOT_REQUIRED = (
    "passes", "fails", "attested", "placeholder sign-off", "not yet covered", "not infrastructure", "not required")
STATES = (PASSES, FAILS, ATTESTED, PLACEHOLDER, NOT_COVERED, NOT_INFRASTRUCTURE, NOT_REQUIRED)
"""Every status an item or an enforcer can have (the report's tally lists them in this order)."""
_MARK = {PASSES: "✅", FAILS: "❌", ATTESTED: "📝", PLACEHOLDER: "🚧", NOT_COVERED: "⏳", NOT_INFRASTRUCTURE: "📄",
         NOT_REQUIRED: "➖"}
_TALLY = {PASSES: "pass", FAILS: "fail", ATTESTED: "attested", PLACEHOLDER: "placeholder sign-offs",
          NOT_COVERED: "not yet covered", NOT_INFRASTRUCTURE: "not infrastructure", NOT_REQUIRED: "not required"}
_PRECEDENCE = (FAILS, NOT_COVERED, PLACEHOLDER, ATTESTED, NOT_INFRASTRUCTURE, PASSES, NOT_REQUIRED)
"""An item takes the first state any of its enforcers is in; all "not required" makes it not required."""


@dataclass
class Enforcer:
    """One thing that stands behind an item, and what it found."""

    label: str
    state: str
    """One of STATES."""
    until: str = ""
    findings: list[str] = field(default_factory=list)
    mandatory: bool = False


@dataclass
class ItemStatus:
    id: str
    section: str
    text: str
    enforcers: list[Enforcer]
    note: str = ""

    @property
    def status(self) -> str:
        states = {e.state for e in self.enforcers}
        if states == {NOT_REQUIRED}:
            return NOT_REQUIRED
        return next(state for state in _PRECEDENCE if state in states or state == PASSES)

    @property
    def until(self) -> str:
        dates = sorted(e.until for e in self.enforcers if e.state == ATTESTED and e.until)
        return dates[0] if dates else ""

    @property
    def label(self) -> str:
        if self.status == ATTESTED:
            return f"attested until {self.until}"
        if self.status == FAILS and not any(e.mandatory for e in self.enforcers):
            return "fails (advisory)"
        return self.status


def _stack_facts(outputs: Mapping[str, Any]) -> Mapping[str, Any]:
    """The root stack's published facts (facts.StackFacts, as a mapping), or {} without them."""
    from config.vocabulary import facts

    published = outputs.get(facts.FACTS_KEY)
    return published if isinstance(published, Mapping) else {}


def evaluate(checklist: ModuleType, pack: PolicyRun, violations: Sequence[Violation],
             stack_outputs: Mapping[str, Any]) -> list[ItemStatus]:
    """Statuses for every item of ``checklist`` (the pack's checklist module) from one analyzer run."""
    levels = {name: value.enforcement_level for name, value in pack.config.items()}
    active = {name for name, level in levels.items() if level != "disabled"}
    by_policy: dict[str, list[Violation]] = defaultdict(list)
    by_tag: dict[tuple[str, str], list[Violation]] = defaultdict(list)
    for violation in violations:
        by_policy[violation.policy].append(violation)
        for tag in checklist.tags_in(violation.message):
            by_tag[tag].append(violation)
    attestation_config = pack.config.get("checklist-attestations")
    required = set((attestation_config.properties or {}).get("required", checklist.ATTESTATIONS)
                   if attestation_config is not None else ())
    records = _stack_facts(stack_outputs).get("attestations") or {}

    def policy(name: str, found: Sequence[Violation], label: str) -> Enforcer:
        if name not in levels:
            return Enforcer(f"{label} (not in the pack yet)", NOT_COVERED)
        if name not in active:
            return Enforcer(f"{label} (disabled for this stack)", NOT_COVERED)
        failed = [v for v in found if not v.not_verified]
        unseen = [v for v in found if v.not_verified]
        if failed:
            return Enforcer(label, FAILS, findings=[_last_line(v.message) for v in failed],
                            mandatory=any(v.mandatory for v in failed))
        if unseen:
            return Enforcer(f"{label} (not verified here)", NOT_COVERED, findings=[v.message for v in unseen])
        return Enforcer(label, PASSES)

    statuses = []
    for item in checklist.CHECKLIST:
        enforcers = []
        for name in item.policies:
            found = by_policy.get(name, [])
            if item.variable and name == checklist.RUNTIME:
                found = [v for v in by_tag.get(("variable", item.variable), []) if v.policy == name]
            enforcers.append(policy(name, found, f"policy {name}"))
        for requirement in item.declared:
            found = [v for v in by_tag.get(("item", item.id), [])
                     if v.policy == "checklist-resources-declared" and requirement.what in v.message]
            enforcers.append(policy("checklist-resources-declared", found,
                                    f"declares {requirement.what} ({requirement.type})"))
        if item.attestation:
            enforcers.append(_attestation(item.attestation, policy, by_tag, required, records))
        if item.not_covered:
            enforcers.append(Enforcer(f"not yet covered: {item.not_covered}", NOT_COVERED))
        if item.not_infrastructure:
            enforcers.append(Enforcer(f"not infrastructure: {item.not_infrastructure}", NOT_INFRASTRUCTURE))
        statuses.append(ItemStatus(item.id, item.section, item.text, enforcers, item.note))
    return statuses


def _attestation(key: str, policy: Callable[[str, Sequence[Violation], str], Enforcer],
                 by_tag: Mapping[tuple[str, str], list[Violation]], required: set[str],
                 records: Mapping[str, Any]) -> Enforcer:
    from config.vocabulary import placeholders

    found = [v for v in by_tag.get(("attestation", key), []) if v.policy == "checklist-attestations"]
    record = records.get(key)
    shown = (f"attestation {key}: {record.get('by')}, {record.get('date')}, {record.get('reference')}"
             if isinstance(record, Mapping) else f"attestation {key}")
    enforcer: Enforcer = policy("checklist-attestations", found, shown)
    if enforcer.state == PASSES:
        reference = record.get("reference") if isinstance(record, Mapping) else None
        kind = placeholders.placeholder_kind(reference)
        if kind is not None:  # well formed, but the evidence is still the repository's example
            enforcer.state = PLACEHOLDER
            enforcer.findings = [f"reference {reference} is {kind}, not evidence: record the real one in "
                                 f"lightspeedpay:attestations.{key}"]
        elif isinstance(record, Mapping):
            enforcer.state, enforcer.until = ATTESTED, str(record.get("validUntil"))
        elif key not in required:
            enforcer.state, enforcer.label = NOT_REQUIRED, f"attestation {key} (not required for this stack)"
    return enforcer


def _last_line(message: str) -> str:
    # The analyzer prefixes every message with the policy's description; the finding is the last line.
    return message.rsplit("\n", 1)[-1]


def summary(statuses: Sequence[ItemStatus]) -> dict[str, int]:
    counts = dict.fromkeys(STATES, 0)
    for status in statuses:
        counts[status.status] += 1
    return counts


def _sections(statuses: Sequence[ItemStatus]) -> dict[str, list[ItemStatus]]:
    grouped: dict[str, list[ItemStatus]] = {}
    for status in statuses:
        grouped.setdefault(status.section, []).append(status)
    return grouped


def _summary_line(statuses: Sequence[ItemStatus]) -> str:
    counts = summary(statuses)
    return f"{len(statuses)} items: " + ", ".join(f"{counts[state]} {_TALLY[state]}" for state in STATES)


def render_text(stack: str, statuses: Sequence[ItemStatus], other: Sequence[Violation]) -> str:
    lines = [f"Deployment checklist of stack '{stack}' (offline plan through the policy pack)", ""]
    for section, items in _sections(statuses).items():
        lines.append(section)
        for status in items:
            lines.append(f"  {status.label.upper():<28} {status.text}")
            for enforcer in status.enforcers:
                lines.append(f"  {'':<28}   {_MARK[enforcer.state]} {enforcer.label}")
                lines += [f"  {'':<28}       {finding}" for finding in enforcer.findings]
            if status.note:
                lines.append(f"  {'':<28}   note: {status.note}")
        lines.append("")
    if other:
        lines.append("Findings tied to no checklist item:")
        lines += [f"  {v.enforcement.upper():<9} {v.policy}  {_last_line(v.message)}" for v in other]
        lines.append("")
    lines.append(_summary_line(statuses) + ".")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(stack: str, statuses: Sequence[ItemStatus], other: Sequence[Violation]) -> str:
    """A pull-request comment or `$GITHUB_STEP_SUMMARY` body."""
    counts = summary(statuses)
    tally = " · ".join(f"{_MARK[state]} {counts[state]} {_TALLY[state]}" for state in STATES)
    lines = [f"### Deployment checklist: `{stack}`", "", f"**{len(statuses)} items**: {tally}", ""]
    for section, items in _sections(statuses).items():
        lines += [f"#### {section}", "", "| | Item | Status | Enforced by |", "|---|---|---|---|"]
        for status in items:
            enforced = "<br>".join(
                _cell(f"{_MARK[e.state]} {e.label}" + "".join(f" — {f}" for f in e.findings)) for e in status.enforcers)
            note = f"<br>_{_cell(status.note)}_" if status.note else ""
            lines.append(f"| {_MARK[status.status]} | {_cell(status.text)} | {status.label} | {enforced}{note} |")
        lines.append("")
    if other:
        lines += ["#### Findings tied to no checklist item", ""]
        lines += [f"- **{v.enforcement}** `{v.policy}`: {_cell(_last_line(v.message))}" for v in other]
        lines.append("")
    return "\n".join(lines)


def render_mapping(checklist: ModuleType) -> str:
    """The static table, item → what enforces it (⏳: policy not in the pack yet), for the docs."""
    lines: list[str] = []
    section = ""
    for item in checklist.CHECKLIST:
        if item.section != section:
            section = item.section
            lines += ["", f"**{section}**", "", "| Item | Enforced by |", "|---|---|"]
        parts = [f"`{name}`" + (" ⏳" if name in checklist.PENDING_POLICIES else "") for name in item.policies]
        parts += [f"declares {requirement.what}" for requirement in item.declared]
        parts += [f"attestation `{item.attestation}`"] if item.attestation else []
        parts += [f"not yet covered: {item.not_covered}"] if item.not_covered else []
        parts += [f"not infrastructure: {item.not_infrastructure}"] if item.not_infrastructure else []
        lines.append(f"| {_cell(item.text)} | {_cell(', '.join(parts))} |")
    return "\n".join(lines).strip() + "\n"


def render_json(stack: str, statuses: Sequence[ItemStatus]) -> str:
    return json.dumps({
        "stack": stack,
        "summary": summary(statuses),
        "items": [{"id": s.id, "section": s.section, "text": s.text, "status": s.status, "until": s.until or None,
                   "enforcedBy": [{"what": e.label, "status": e.state, "findings": e.findings}
                                  for e in s.enforcers]}
                  for s in statuses],
    }, indent=2)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ops.checklist", description=__doc__.splitlines()[0])
    p.add_argument("--stack", help="stack name (reads Pulumi.<stack>.yaml); required unless --mapping")
    p.add_argument("--config-file", type=Path, help="use this stack file instead, as `pulumi preview --config-file`")
    p.add_argument("--policy-config", type=Path, help="policy pack config (default: policies/config/<stack>.json)")
    output = p.add_mutually_exclusive_group()
    output.add_argument("--markdown", action="store_true", help="Markdown for a PR comment or job summary")
    output.add_argument("--json", action="store_true", help="a JSON document")
    output.add_argument("--mapping", action="store_true",
                        help="only the static item → enforcement table (Markdown), without planning")
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.mapping:
        from .analysis import import_pack

        print(render_mapping(import_pack().checklist), end="")
        return EXIT_OK
    if not args.stack:
        p.error("--stack is required")
    progress = Progress()
    with progress.step("loading Pulumi and the provider SDKs"):
        from config import PROJECT, ConfigError

        from .analysis import PolicyRun, import_pack
        from .offline import run_program
        from .policy_config import PolicyConfigError

        importlib.import_module("components.stack")  # the provider SDKs the program imports
    freeze_loaded_objects()
    try:
        with progress.step("configuring the policy pack"):
            # First: a bad policy config is refused at once, not after the program has run.
            pack = PolicyRun(args.stack, PROJECT, default_policy_config(args.stack, args.policy_config))
        with progress.step(f"running the program for stack '{args.stack}' under mocks"):
            run = run_program(args.stack, args.config_file)
        with progress.step("evaluating the policy pack"):
            violations = pack.analyze(run.resources)
    except (ConfigError, PolicyConfigError) as exc:
        return fail(str(exc))
    progress.done()
    checklist = import_pack().checklist
    statuses = evaluate(checklist, pack, violations, run.outputs)
    tied = checklist.mapped_policies()
    # Tagged findings (a placeholder sign-off, say) are shown with their item already.
    other = [v for v in violations if v.policy not in tied and not v.not_verified and not checklist.tags_in(v.message)]
    if args.json:
        print(render_json(args.stack, statuses))
    elif args.markdown:
        print(render_markdown(args.stack, statuses, other))
    else:
        print(render_text(args.stack, statuses, other))
    return EXIT_VIOLATIONS if any(v.mandatory for v in violations) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
