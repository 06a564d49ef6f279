"""`python -m ops.mutate --stack NAME`: mutation testing of the policy pack on a stack.

Every operator of `ops/mutate/operators.py` is applied to every resource of the stack's offline plan
(or of ``--export FILE``), one edit at a time, and each mutant is evaluated through the pack exactly
as `ops.check` evaluates an export. Exit codes: 0 done, 1 the baseline check failed or the
equivalents list has stale entries, 2 bad input or usage, 3 the program crashed under mocks (or
the pack on the unmutated stack).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import sys
import tempfile
import time
from pathlib import Path

from ops.cli import EXIT_OK, EXIT_VIOLATIONS, Progress, crashed, default_policy_config, fail, freeze_loaded_objects


def parser() -> argparse.ArgumentParser:
    from .baseline import BASELINE, EQUIVALENTS

    p = argparse.ArgumentParser(prog="python -m ops.mutate", description=__doc__.splitlines()[0])
    p.add_argument("--stack", required=True, help="stack name (its plan, policy config and stack files)")
    p.add_argument("--export", type=Path, metavar="FILE",
                   help="mutate this `pulumi stack export` document instead of the stack's offline plan")
    p.add_argument("--policy-config", type=Path, help="policy pack config (default: policies/config/<stack>.json)")
    p.add_argument("--only", metavar="TYPE", help="only mutants of resources of this type (a glob)")
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print a JSON document instead of text")
    output.add_argument("--markdown", action="store_true", help="print Markdown (a CI job summary)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--check-baseline", action="store_true",
                      help="exit 1 when the score drops below the baseline or a new mutant survives")
    mode.add_argument("--write-baseline", action="store_true", help="record this run as the stack's baseline")
    p.add_argument("--baseline", type=Path, default=BASELINE,
                   help="baseline file (default: policies/mutation-baseline.json)")
    p.add_argument("--equivalents", type=Path, default=EQUIVALENTS,
                   help=f"equivalents allowlist (default: policies/{EQUIVALENTS.name})")
    p.add_argument("--base-ref", metavar="REF",
                   help="git ref to show equivalents changes against (a pull request's base branch)")
    p.add_argument("--now", metavar="ISO", help="pin the clock here (default: when the run starts)")
    p.add_argument("--all-stack-policies", action="store_true",
                   help="run every stack policy for every mutant (slower; the default skips stack policies that "
                        "read nothing the mutant changed)")
    return p


def _pinned(value: str | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--now {value!r} is not an ISO date or time (e.g. 2026-12-01T00:00:00Z)") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    if args.only and (args.check_baseline or args.write_baseline):
        return fail("--only mutates part of the stack; the baseline is about all of it (drop --only)")
    try:
        pinned = _pinned(args.now)
    except ValueError as exc:
        return fail(str(exc))
    progress = Progress()
    with progress.step("loading Pulumi, the provider SDKs and the policy pack"):
        from config import PROJECT, ConfigError
        from ops.analysis import PolicyRun
        from ops.cli import collector_paused
        from ops.export import ExportError, read_export, write_export
        from ops.offline import run_program
        from ops.policy_config import PolicyConfigError

        from . import baseline as files
        from .edits import Context, environment_swap
        from .evaluate import Evaluator, pinned_clock
        from .generate import generate
        from .report import Report, Result, Timing, render_json, render_markdown, render_text

        if args.export is None:
            importlib.import_module("components.stack")
    freeze_loaded_objects()
    timing = Timing()
    try:
        if args.export is None:
            with progress.step(f"planning stack '{args.stack}' offline"), tempfile.TemporaryDirectory() as tmp:
                plan_wall = time.perf_counter()
                run = run_program(args.stack)
                # Through a real export document, as `ops.plan --export` writes and `ops.check` reads it.
                write_export(Path(tmp) / "plan.json", run.resources, run.outputs)
                resources = read_export(Path(tmp) / "plan.json")
                timing.plan_wall = time.perf_counter() - plan_wall
            source = "offline plan"
        else:
            resources = read_export(args.export)
            source = f"export {args.export}"
        equivalents = files.load_equivalents(args.equivalents, args.stack)
        recorded = files.read_baseline(args.baseline)
        before = (files.equivalents_at(args.base_ref, args.equivalents, args.stack) if args.base_ref
                  else (recorded.get(args.stack) or {}).get("equivalents", equivalents))
        context = Context(pinned.date(), environment_swap(args.stack))
        pack = PolicyRun(args.stack, PROJECT, default_policy_config(args.stack, args.policy_config))
    except (ConfigError, PolicyConfigError, ExportError, files.MutationInputError) as exc:
        return fail(str(exc))
    except Exception as exc:  # a bug in the program or a component, not bad input
        return crashed("the program failed under mocks", exc)

    with pinned_clock(pinned):
        with progress.step("evaluating the unmutated baseline"):
            try:
                evaluator = Evaluator(pack, resources, prune=not args.all_stack_policies)
            except Exception as exc:  # ops.check would crash on this stack too: a bug in a policy
                return crashed("the pack failed on the unmutated stack", exc)
            timing.baseline_cpu = evaluator.baseline_cpu
        mutants = generate(resources, context, only=args.only)
        if not mutants:
            return fail(f"no mutants: no resource of type {args.only!r}" if args.only else "no mutants")
        with progress.step(f"evaluating {len(mutants)} mutants"), collector_paused():
            wall, cpu = time.perf_counter(), time.process_time()
            results = [Result(m, evaluator.evaluate(m), evaluator.readers(m.urn, m.subject)) for m in mutants]
            timing.mutants_wall, timing.mutants_cpu = time.perf_counter() - wall, time.process_time() - cpu
        evaluator.close()

    report = Report(args.stack, pinned, results, timing, source)
    report.stale = files.apply_equivalents(results, equivalents) if not args.only else []
    report.equivalents_changes = files.changes(before, equivalents)
    if args.check_baseline:
        report.checked = True
        report.check, report.notes = files.check(report, recorded)
    timing.total_wall, timing.total_cpu = time.perf_counter() - started_wall, time.process_time() - started_cpu
    progress.done()
    print(f"{len(results)} mutants, {timing.per_second(len(results)):.1f} mutants/s "
          f"({timing.mutants_cpu:.1f} s CPU)", file=sys.stderr)
    if args.json:
        print(render_json(report))
    elif args.markdown:
        print(render_markdown(report))
    else:
        print(render_text(report))
    if args.write_baseline:
        if report.stale:
            print("error: not writing the baseline while the equivalents list has stale entries", file=sys.stderr)
            return EXIT_VIOLATIONS
        files.write_baseline(args.baseline, report, equivalents)
        print(f"wrote the '{args.stack}' baseline to {args.baseline}", file=sys.stderr)
    if report.stale or report.check:
        return EXIT_VIOLATIONS
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
