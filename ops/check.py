"""`python -m ops.check --stack NAME FILE`: the policy pack over a `pulumi stack export` document.

An audit of deployed (or planned) state without running the program: FILE comes from
`pulumi stack export` or `python -m ops.plan --export`. Same report and exit codes as ops.plan.
Secrets in an export are ciphertext: what a policy cannot see there is reported "not verified"
(advisory, in the text, JSON and SARIF reports), never passed, and never changes the exit code; an
export made with `--show-secrets` holds plaintext, which the pack judges.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cli import EXIT_OK, EXIT_VIOLATIONS, Progress, default_policy_config, fail, freeze_loaded_objects


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ops.check", description=__doc__.splitlines()[0])
    p.add_argument("--stack", required=True, help="stack whose policy config applies")
    p.add_argument("file", type=Path, help="a `pulumi stack export` document (deployment version 3)")
    p.add_argument("--policy-config", type=Path,
                   help="policy pack config (default: policies/config/<stack>.json)")
    p.add_argument("--json", action="store_true", help="print a JSON document instead of text")
    p.add_argument("--sarif", type=Path, metavar="FILE", help="also write the violations as SARIF 2.1.0 "
                   "(GitHub code scanning)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    progress = Progress()
    with progress.step("loading the policy pack"):
        from config import PROJECT

        from .analysis import PolicyRun
        from .export import ExportError, read_export
        from .policy_config import PolicyConfigError
        from .report import render_json, render_text
        from .sarif import write_sarif
    freeze_loaded_objects()
    try:
        resources = read_export(args.file)
        with progress.step(f"evaluating {len(resources)} resources"):
            pack = PolicyRun(args.stack, PROJECT, default_policy_config(args.stack, args.policy_config))
            violations = pack.analyze(resources)
    except (ExportError, PolicyConfigError) as exc:
        return fail(str(exc))
    if args.sarif:
        write_sarif(args.sarif, args.stack, pack, violations, resources)
    progress.done()
    if args.json:
        print(render_json(args.stack, resources, violations))
    else:
        print(render_text(args.stack, resources, violations, title="Compliance check"))
    return EXIT_VIOLATIONS if any(v.mandatory for v in violations) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
