"""`python -m ops.plan --stack NAME`: the credential-free preview and compliance report.

Runs the real program under Pulumi's mocks with the stack's config, evaluates the policy pack
through pulumi_policy's analyzer with that stack's policy config, and prints the plan.
Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 bad config or usage,
3 the program itself crashed (a bug, not bad input). Apply blockers (example values `pulumi up`
refuses) are listed but leave the exit code alone: the plan itself is sound.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from .cli import (
    EXIT_OK,
    EXIT_VIOLATIONS,
    Progress,
    crashed,
    default_policy_config,
    fail,
    freeze_loaded_objects,
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ops.plan", description=__doc__.splitlines()[0])
    p.add_argument("--stack", required=True, help="stack name (reads Pulumi.<stack>.yaml)")
    p.add_argument("--config-file", type=Path, help="use this stack file instead, as `pulumi preview --config-file`")
    p.add_argument("--policy-config", type=Path,
                   help="policy pack config (default: policies/config/<stack>.json)")
    p.add_argument("--preview", action="store_true",
                   help="plan as a first `pulumi preview` sees it: ids and computed outputs unknown")
    p.add_argument("--json", action="store_true", help="print a JSON document instead of text")
    p.add_argument("--sarif", type=Path, metavar="FILE", help="also write the violations as SARIF 2.1.0 "
                   "(GitHub code scanning)")
    p.add_argument("--export", type=Path, metavar="FILE", help="write the plan as a `pulumi stack export` document")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    progress = Progress()
    with progress.step("loading Pulumi and the provider SDKs"):
        from config import PROJECT, ConfigError
        from config.placeholders import apply_blockers
        from config.stackfile import read_stack_file, stack_file_path

        from .analysis import PolicyRun
        from .export import write_plan_export
        from .offline import run_program
        from .policy_config import PolicyConfigError
        from .report import render_json, render_text
        from .sarif import write_sarif

        # What the program imports (the provider SDKs), loaded here so the progress line is true and
        # the loaded objects can be frozen out of garbage collection before the program runs.
        importlib.import_module("components.stack")
    freeze_loaded_objects()
    try:
        with progress.step("configuring the policy pack"):
            # First: a bad policy config is refused at once, not after the program has run.
            pack = PolicyRun(args.stack, PROJECT, default_policy_config(args.stack, args.policy_config))
        with progress.step(f"running the program for stack '{args.stack}' under mocks"):
            run = run_program(args.stack, args.config_file, preview=args.preview)
        with progress.step("evaluating the policy pack"):
            violations = pack.analyze(run.resources)
        # What `pulumi up` of this stack file would refuse (the program's own check, on the file's values).
        stack_file = read_stack_file(args.config_file or stack_file_path(args.stack), args.stack)
        blockers = apply_blockers(stack_file.project_values())
    except (ConfigError, PolicyConfigError) as exc:
        return fail(str(exc))
    except Exception as exc:  # a bug in the program or a component, not bad input
        return crashed("the program failed under mocks", exc)
    if args.export:
        write_plan_export(args.export, run, args.config_file)
    if args.sarif:
        write_sarif(args.sarif, args.stack, pack, violations, run.resources, args.config_file)
    progress.done()
    if args.json:
        print(render_json(args.stack, run.resources, violations, blockers))
    else:
        print(render_text(args.stack, run.resources, violations, blockers=blockers))
        if run.placeholders:
            print(f"({len(run.placeholders)} secret(s) replaced by offline placeholders.)")
        if run.environments:
            print(f"(ESC environment(s) {', '.join(run.environments)} not opened offline: their values are "
                  f"unknown here.)")
    return EXIT_VIOLATIONS if any(v.mandatory for v in violations) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
