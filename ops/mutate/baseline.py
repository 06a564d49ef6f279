"""The equivalents allowlist and the baseline file, both in the repository where reviewers see them.

- `policies/mutation-equivalents.yaml`: per stack, mutant ids (or globs) that change nothing that
  matters, each with the reason. Only surviving or flagged mutants can be equivalent (never a crash);
  an entry that matches none of them is an error, so the list cannot rot silently.
- `policies/mutation-baseline.json`: per stack, the score and the mutants not killed when it was last
  written (`--write-baseline`), with the equivalents in force then. `--check-baseline` fails when the
  score drops or a mutant not in the baseline survives.
"""

from __future__ import annotations

import fnmatch
import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from config.stackfile import REPO_ROOT

from .evaluate import EQUIVALENT, FLAGGED, KILLED, SURVIVED
from .report import NOT_KILLED, Report, Result

EQUIVALENTS = REPO_ROOT / "policies" / "mutation-equivalents.yaml"
BASELINE = REPO_ROOT / "policies" / "mutation-baseline.json"
EQUIVALABLE = (SURVIVED, FLAGGED)


class MutationInputError(Exception):
    """A file the mutation run needs is unusable; nothing is reported."""


def parse_equivalents(text: str, source: str, stack: str) -> dict[str, str]:
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise MutationInputError(f"{source}: not valid YAML ({exc})") from None
    if not isinstance(document, dict):
        raise MutationInputError(f"{source}: must map stack names to {{mutant id or glob: reason}}")
    entries = document.get(stack) or {}
    if not isinstance(entries, dict):
        raise MutationInputError(f"{source}: '{stack}' must map mutant ids (or globs) to the reason they are "
                                 f"equivalent")
    for pattern, reason in entries.items():
        if not isinstance(pattern, str) or not isinstance(reason, str) or not reason.strip():
            raise MutationInputError(f"{source}: {stack} › {pattern!r} needs a reason (a non-empty string): why "
                                     f"the edit changes nothing that matters")
    return dict(entries)


def load_equivalents(path: Path, stack: str) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return parse_equivalents(text, str(path), stack)


def equivalents_at(ref: str, path: Path, stack: str) -> dict[str, str]:
    """The equivalents file as it is at git ``ref`` (the pull request's base), {} where it did not exist."""
    relative = path.resolve().relative_to(REPO_ROOT).as_posix()
    shown = subprocess.run(["git", "show", f"{ref}:{relative}"], cwd=REPO_ROOT, capture_output=True, text=True,
                           check=False)
    if shown.returncode != 0:
        if "does not exist" in shown.stderr or "exists on disk, but not in" in shown.stderr:
            return {}
        raise MutationInputError(f"--base-ref {ref}: cannot read {relative} ({shown.stderr.strip()})")
    return parse_equivalents(shown.stdout, f"{ref}:{relative}", stack)


def apply_equivalents(results: list[Result], entries: dict[str, str]) -> list[str]:
    """Mark listed surviving/flagged mutants equivalent; return the entries that match none (stale)."""
    used: set[str] = set()
    matched_killed: dict[str, list[str]] = {}
    for result in results:
        for pattern, reason in entries.items():
            if pattern != result.mutant.id and not fnmatch.fnmatchcase(result.mutant.id, pattern):
                continue
            if result.outcome.status in EQUIVALABLE:
                result.reason = result.reason or reason
                used.add(pattern)
            else:
                matched_killed.setdefault(pattern, []).append(f"{result.mutant.id} ({result.outcome.status})")
    stale = []
    for pattern in entries:
        if pattern in used:
            continue
        if pattern in matched_killed:
            stale.append(f"{pattern!r} matches only mutants the pack now kills or crashes on "
                         f"({', '.join(matched_killed[pattern][:3])}): remove the entry")
        else:
            stale.append(f"{pattern!r} matches no mutant any more: remove or update the entry")
    return stale


def changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The equivalents entries added, removed or re-argued between two versions of the list."""
    lines = [f"added: `{p}`: {after[p]}" for p in sorted(after.keys() - before.keys())]
    lines += [f"removed: `{p}` (was: {before[p]})" for p in sorted(before.keys() - after.keys())]
    lines += [f"reason changed: `{p}`: {after[p]}" for p in sorted(before.keys() & after.keys())
              if before[p] != after[p]]
    return lines


def read_baseline(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except json.JSONDecodeError as exc:
        raise MutationInputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise MutationInputError(f"{path}: must map stack names to baselines")
    return document


def entry(report: Report, equivalents: dict[str, str]) -> dict[str, Any]:
    return {
        "score": round(report.killed / report.considered, 4) if report.considered else None,
        "killed": report.killed,
        "considered": report.considered,
        "mutants": len(report.results),
        "notKilled": {r.mutant.id: r.status for r in sorted(report.results, key=lambda r: r.mutant.id)
                      if r.status in NOT_KILLED},
        "equivalents": dict(sorted(equivalents.items())),
    }


def write_baseline(path: Path, report: Report, equivalents: dict[str, str]) -> None:
    document = read_baseline(path)
    document[report.stack] = entry(report, equivalents)
    path.write_text(json.dumps(dict(sorted(document.items())), indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")


def check(report: Report, baseline: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(failures, notes) of this run against the stack's baseline."""
    stack = report.stack
    recorded = baseline.get(stack)
    if not isinstance(recorded, dict):
        return [f"no baseline for stack '{stack}': run `python -m ops.mutate --stack {stack} --write-baseline` "
                f"and commit {BASELINE.relative_to(REPO_ROOT)}"], []
    failures, notes = [], []
    killed, considered = int(recorded.get("killed", 0)), int(recorded.get("considered", 0))
    if considered and report.killed * considered < killed * report.considered:
        failures.append(f"the score dropped from {killed}/{considered} ({100 * killed / considered:.1f}%) to "
                        f"{report.killed}/{report.considered} ({100 * report.killed / max(report.considered, 1):.1f}%)")
    before = recorded.get("notKilled") or {}
    now = {r.mutant.id: r for r in report.results}
    for result in report.results:
        if result.status in NOT_KILLED and result.mutant.id not in before:
            failures.append(f"new {result.status} mutant `{result.mutant.id}`: {result.mutant.path or 'the resource'}"
                            f" {result.mutant.edit}; read by {', '.join(result.readers) or 'no policy'}")
    closed = sorted(mutant for mutant in before if mutant not in now or now[mutant].status in (KILLED, EQUIVALENT))
    if closed:
        notes.append(f"{len(closed)} mutant(s) of the baseline no longer survive ({', '.join(closed[:5])}"
                     f"{', …' if len(closed) > 5 else ''}): record the gain with --write-baseline")
    return failures, notes
