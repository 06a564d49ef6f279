"""`python -m ops.bench_observability`: what issue 13's on-call and metrics SDKs cost, in absolute figures.

`ops.bench` compares the plan with importing the SDKs it uses; a new SDK grows both, so the ratio hides it.
This prints absolute figures instead:

1. the import of each SDK the on-call and metrics components load, as they load it (fresh interpreter, after
   `import pulumi`, CPU seconds, median of the runs);
2. the offline plan of production now (fresh interpreter, median of the runs), beside the same figure measured on
   main before this work (recorded below, with how it was measured);
3. the test command (`./dev test`'s checks) before and after: recorded figures, or measured now with `--test`.

The machine is shared: compare CPU seconds (user+sys); wall time is printed for completeness.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

from config.stackfile import REPO_ROOT

IMPORTS = {
    "pulumi_pagerduty (its __init__ loads all ~90 modules; submodules cannot be imported alone)":
        "import pulumi_pagerduty.service",
    "pulumiverse_grafana: cloud, connections, oss, alerting (the four used; each loads on first attribute)":
        "from pulumiverse_grafana.alerting import RuleGroup\nfrom pulumiverse_grafana.cloud import Stack\n"
        "from pulumiverse_grafana.connections import MetricsEndpointScrapeJob\n"
        "from pulumiverse_grafana.oss import Dashboard",
}
BEFORE_COMMIT = "f70d473 (main)"
BEFORE = {"plan_cpu": 3.59, "plan_wall": 7.38, "test_cpu": 71.1, "test_wall": 142.5}
"""Measured on main before this work (2026-12-01, the machine shared by four engineers, load average 7-10 on 2
cores): the plan as the median of 3 fresh `python -m ops.plan --stack production` runs, interleaved with the
same runs of this branch (which took 4.16 s CPU, 8.60 s wall); the test command as `./dev test`'s checks (ruff,
actionlint, zizmor, mypy beside pytest -n 2) with warm venvs and mypy cache, user+sys of all processes."""
AFTER_TEST = {"test_cpu": 84.5, "test_wall": 157.4}
"""The same test-command measurement on this branch before it merged main again (same day, same load)."""


def _child(argv: Sequence[str]) -> tuple[float, float, str]:
    """(wall, CPU user+sys, stdout) of a fresh interpreter running ``argv``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, *argv], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    out = process.stdout.read().decode()
    process.stdout.close()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)} failed")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime, out


def import_costs(runs: int) -> dict[str, float]:
    print(f"Import cost of the on-call and metrics SDKs, after `import pulumi` (CPU s, median of {runs} fresh runs)")
    costs = {}
    for label, statement in IMPORTS.items():
        probe = f"import time, pulumi\nstarted = time.process_time()\n{statement}\nprint(time.process_time() - started)"
        samples = [float(_child(["-c", probe])[2]) for _ in range(runs)]
        costs[label] = statistics.median(samples)
        print(f"  {costs[label]:5.2f} s  {label}")
    print(f"  {sum(costs.values()):5.2f} s  in all, added to every plan and preview")
    return costs


def plan_time(runs: int) -> tuple[float, float]:
    samples = [_child(["-m", "ops.plan", "--stack", "production"]) for _ in range(runs)]
    wall = statistics.median(s[0] for s in samples)
    cpu = statistics.median(s[1] for s in samples)
    print(f"\nOffline plan of production, absolute (median of {runs} fresh runs)")
    row = "  {:<34} cpu {:5.2f} s   wall {:5.2f} s"
    print(row.format(f"before ({BEFORE_COMMIT}, recorded)", BEFORE["plan_cpu"], BEFORE["plan_wall"]))
    print(row.format("now", cpu, wall) + f"   ({cpu - BEFORE['plan_cpu']:+.2f} s cpu)")
    return wall, cpu


def test_time(measure: bool) -> None:
    print("\nThe test command (./dev test's checks, warm venvs; target <= 60 s wall on 2 idle cores)")
    row = "  {:<34} cpu {:6.1f} s   wall {:6.1f} s"
    print(row.format(f"before ({BEFORE_COMMIT}, recorded)", BEFORE["test_cpu"], BEFORE["test_wall"]))
    print(row.format("after (this branch, recorded)", AFTER_TEST["test_cpu"], AFTER_TEST["test_wall"]))
    if not measure:
        print("  (python -m ops.bench_observability --test measures it now)")
        return
    from .bench_tests import run_test_command

    run = run_test_command()
    print(row.format("now", run.cpu, run.wall) + f"   (exit {run.exit_code}; load average {run.load_before:.1f})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.bench_observability", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh-interpreter runs per figure")
    parser.add_argument("--test", action="store_true", help="also run the test command now and time it")
    args = parser.parse_args(argv)
    import_costs(args.runs)
    plan_time(args.runs)
    test_time(args.test)
    return 0


if __name__ == "__main__":
    sys.exit(main())
