"""`python -m ops.bench_tests`: the test command's own figure, printed (issue 9: at most 60 s wall, goal 45 s).

Runs `./dev test -q` several times from warm venvs (a first, uncounted run installs what is missing, fills the mypy
cache and compiles the bytecode) and prints, for each run, the wall time, the CPU time of every process it started
(user+sys, as the kernel accounts a waited-for process tree) and the load average before it; then the median wall
time against the target. The target is for 2 otherwise idle cores: a load average well above 0 before a run means
the machine was busy and its figure is not the one the target speaks of.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from config.stackfile import REPO_ROOT

TARGET_WALL_S = 60.0
GOAL_WALL_S = 45.0


@dataclass(frozen=True)
class TestRun:
    wall: float
    cpu: float
    exit_code: int
    load_before: float


def run_test_command(extra: Sequence[str] = ()) -> TestRun:
    """One `./dev test -q` (its output discarded): wall, CPU of its whole process tree, exit code."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(["./dev", "test", "-q", *extra], cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    return TestRun(time.perf_counter() - started, usage.ru_utime + usage.ru_stime,
                   os.waitstatus_to_exitcode(status), load)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.bench_tests", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="counted runs of the test command")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    print(f"The test command (./dev test -q), warm: {args.runs} run(s) after one uncounted warm-up")
    warm_up = run_test_command()
    if warm_up.exit_code != 0:
        print(f"  the warm-up run failed (exit {warm_up.exit_code}): fix the tests first", file=sys.stderr)
        return 1
    runs = []
    for index in range(args.runs):
        run = run_test_command()
        runs.append(run)
        print(f"  run {index + 1}: wall {run.wall:5.1f} s   cpu {run.cpu:6.1f} s   "
              f"(exit {run.exit_code}; load average before it {run.load_before:.1f})", flush=True)
    wall = statistics.median(r.wall for r in runs)
    verdict = "meets the goal" if wall <= GOAL_WALL_S else "meets the target" if wall <= TARGET_WALL_S else "OVER"
    print(f"  median wall {wall:.1f} s (target <= {TARGET_WALL_S:.0f} s, goal {GOAL_WALL_S:.0f} s): {verdict}; "
          f"median cpu {statistics.median(r.cpu for r in runs):.1f} s on {os.cpu_count()} cores")
    return 0 if all(r.exit_code == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
