"""The mutation report: the score overall, per component, per resource type and per operator, and
every mutant the pack does not kill with the property, the edit and the policies that read it.

Rendered as text (terminal), Markdown (the pull-request job summary) or JSON (machines).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .evaluate import CRASHED, EQUIVALENT, FLAGGED, KILLED, SURVIVED, Outcome
from .generate import Mutant

NOT_KILLED = (SURVIVED, FLAGGED, CRASHED)


@dataclass
class Result:
    mutant: Mutant
    outcome: Outcome
    readers: list[str]
    """Policies seen reading the mutated property in the baseline run."""
    reason: str = ""
    """Why the mutant is equivalent (from the equivalents file)."""

    @property
    def status(self) -> str:
        return EQUIVALENT if self.reason else self.outcome.status


@dataclass
class Timing:
    plan_wall: float = 0.0
    baseline_cpu: float = 0.0
    mutants_wall: float = 0.0
    mutants_cpu: float = 0.0
    total_wall: float = 0.0
    total_cpu: float = 0.0

    def per_second(self, count: int) -> float:
        return count / self.mutants_wall if self.mutants_wall > 0 else 0.0


@dataclass
class Report:
    stack: str
    pinned: dt.datetime
    results: list[Result]
    timing: Timing
    source: str
    """Where the resources came from: the offline plan or an export file."""
    stale: list[str] = field(default_factory=list)
    """Equivalents entries that no longer match a surviving mutant (an error)."""
    equivalents_changes: list[str] = field(default_factory=list)
    check: list[str] = field(default_factory=list)
    """Baseline-check failures (empty when it passed or was not asked for)."""
    notes: list[str] = field(default_factory=list)
    checked: bool = False

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def killed(self) -> int:
        return self.count(KILLED)

    @property
    def considered(self) -> int:
        return len(self.results) - self.count(EQUIVALENT)


def percent(killed: int, considered: int) -> str:
    return f"{100 * killed / considered:.1f}%" if considered else "n/a"


def score_line(report: Report) -> str:
    return (f"{percent(report.killed, report.considered)} ({report.killed} of {report.considered} "
            f"non-equivalent mutants killed)")


def groups(results: Iterable[Result], key: Callable[[Result], str]) -> list[tuple[str, int, int]]:
    """(group, killed, non-equivalent) per group, weakest first."""
    table: dict[str, list[int]] = {}
    for result in results:
        row = table.setdefault(key(result), [0, 0])
        row[0] += result.status == KILLED
        row[1] += result.status != EQUIVALENT
    rows = [(name, killed, considered) for name, (killed, considered) in table.items()]
    return sorted(rows, key=lambda r: (r[1] / r[2] if r[2] else 1.0, r[0]))


BREAKDOWNS: tuple[tuple[str, Callable[[Result], str]], ...] = (
    ("component", lambda r: r.mutant.component),
    ("resource type", lambda r: r.mutant.type),
    ("operator", lambda r: r.mutant.operator),
)


def _timing_line(report: Report) -> str:
    t, n = report.timing, len(report.results)
    return (f"{n} mutants in {t.mutants_wall:.1f} s wall, {t.mutants_cpu:.1f} s CPU "
            f"({t.per_second(n):.1f} mutants/s); whole run {t.total_wall:.1f} s wall, {t.total_cpu:.1f} s CPU "
            f"(offline plan {t.plan_wall:.1f} s, baseline {t.baseline_cpu:.2f} s CPU)")


def _property(result: Result) -> str:
    return result.mutant.path or "(the resource)"


def _new(result: Result) -> str:
    return ", ".join(sorted({f"{v.policy} ({v.enforcement})" for v in result.outcome.new}))


def render_text(report: Report) -> str:
    lines = [f"Mutation testing of the policy pack on stack '{report.stack}' ({report.source}; clock pinned at "
             f"{report.pinned.isoformat()})", "",
             f"Score: {score_line(report)}",
             f"{len(report.results)} mutants: {report.killed} killed, {report.count(FLAGGED)} flagged (advisory "
             f"only), {report.count(SURVIVED)} survived, {report.count(CRASHED)} crashed, "
             f"{report.count(EQUIVALENT)} equivalent", ""]
    for title, key in BREAKDOWNS:
        lines.append(f"By {title}:")
        width = max((len(name) for name, _, _ in groups(report.results, key)), default=10)
        for name, killed, considered in groups(report.results, key):
            lines.append(f"  {name:<{width}}  {killed:>4} / {considered:<4} {percent(killed, considered):>6}")
        lines.append("")
    not_killed = [r for r in report.results if r.status in NOT_KILLED]
    if not_killed:
        lines.append(f"Not killed ({len(not_killed)}): property, edit, policies that read it in the baseline")
        for result in sorted(not_killed, key=lambda r: (r.status, r.mutant.id)):
            lines.append(f"  {result.status.upper():<8} {result.mutant.id}")
            lines.append(f"      {_property(result)}: {result.mutant.edit}; read by: "
                         f"{', '.join(result.readers) or 'no policy'}")
            if result.outcome.new:
                lines.append(f"      new advisory findings: {_new(result)}")
            if result.outcome.error:
                lines.append(f"      error: {result.outcome.error}")
        lines.append("")
    equivalent = report.count(EQUIVALENT)
    if equivalent:
        lines.append(f"Equivalent ({equivalent}): listed with their reasons in the equivalents file.")
    for title, items in (("Equivalents file changes", report.equivalents_changes),
                         ("Stale equivalents entries (an error)", report.stale),
                         ("Baseline check failed", report.check), ("Baseline notes", report.notes)):
        if items:
            lines += [f"{title}:", *(f"  {item}" for item in items)]
    if report.checked and not report.check:
        lines.append("Baseline check passed.")
    lines += ["", _timing_line(report)]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    verdict = ""
    if report.checked:
        verdict = " ❌ baseline check failed" if report.check or report.stale else " ✅ baseline check passed"
    lines = [f"## Policy pack mutation score: {report.stack}{verdict}", "",
             f"**{score_line(report)}** · {len(report.results)} mutants: {report.killed} killed, "
             f"{report.count(FLAGGED)} flagged, {report.count(SURVIVED)} survived, {report.count(CRASHED)} crashed, "
             f"{report.count(EQUIVALENT)} equivalent · {report.timing.per_second(len(report.results)):.1f} mutants/s",
             ""]
    for title, items in (("Baseline check failed", report.check), ("Stale equivalents entries", report.stale),
                         ("Equivalents file changes", report.equivalents_changes), ("Notes", report.notes)):
        if items:
            lines += [f"### {title}", "", *(f"- {_cell(item)}" for item in items), ""]
    not_killed = sorted((r for r in report.results if r.status in NOT_KILLED), key=lambda r: (r.status, r.mutant.id))
    lines += [f"<details><summary>Not killed ({len(not_killed)})</summary>", "",
              "| status | mutant | property | edit | read in the baseline by |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {r.status} | `{_cell(r.mutant.id)}` | `{_cell(_property(r))}` | {_cell(r.mutant.edit)} | "
              f"{_cell(', '.join(r.readers) or 'no policy')} |" for r in not_killed]
    lines += ["", "</details>", ""]
    for title, key in BREAKDOWNS:
        lines += [f"<details><summary>By {title}</summary>", "", f"| {title} | killed | of | score |",
                  "| --- | ---: | ---: | ---: |"]
        lines += [f"| {_cell(name)} | {killed} | {considered} | {percent(killed, considered)} |"
                  for name, killed, considered in groups(report.results, key)]
        lines += ["", "</details>", ""]
    lines.append(f"<sub>{_timing_line(report)}; clock pinned at {report.pinned.isoformat()}</sub>")
    return "\n".join(lines)


def render_json(report: Report) -> str:
    document = {
        "stack": report.stack,
        "source": report.source,
        "pinnedClock": report.pinned.isoformat(),
        "score": {"killed": report.killed, "considered": report.considered,
                  "ratio": round(report.killed / report.considered, 4) if report.considered else None},
        "counts": {s: report.count(s) for s in (KILLED, FLAGGED, SURVIVED, CRASHED, EQUIVALENT)},
        "breakdown": {title: [{"group": n, "killed": k, "considered": c} for n, k, c in groups(report.results, key)]
                      for title, key in BREAKDOWNS},
        "mutants": [{
            "id": r.mutant.id, "operator": r.mutant.operator, "category": r.mutant.category,
            "resource": r.mutant.urn, "type": r.mutant.type, "component": r.mutant.component,
            "property": r.mutant.path, "edit": r.mutant.edit, "status": r.status, "readers": r.readers,
            "new": [{"policy": v.policy, "enforcement": v.enforcement, "urn": v.urn or None, "message": v.message}
                    for v in r.outcome.new],
            **({"reason": r.reason} if r.reason else {}), **({"error": r.outcome.error} if r.outcome.error else {}),
        } for r in report.results],
        "staleEquivalents": report.stale,
        "equivalentsChanges": report.equivalents_changes,
        "baselineCheck": {"checked": report.checked, "failures": report.check, "notes": report.notes},
        "timing": {"mutantsPerSecond": round(report.timing.per_second(len(report.results)), 2),
                   "mutantsWallSeconds": round(report.timing.mutants_wall, 2),
                   "mutantsCpuSeconds": round(report.timing.mutants_cpu, 2),
                   "totalWallSeconds": round(report.timing.total_wall, 2),
                   "totalCpuSeconds": round(report.timing.total_cpu, 2),
                   "planWallSeconds": round(report.timing.plan_wall, 2)},
    }
    return json.dumps(document, indent=2)
