"""`python -m ops.bench` (`./dev bench`): the performance figures the issues ask for, printed.

1. The offline plan against its floor: wall time and peak memory of `python -m ops.plan --stack
   production` in a fresh interpreter, against merely importing the SDKs it uses, each several times
   (interleaved, so load on the machine hits both alike); medians and their ratio.
   Targets: at most 1.3x the floor, at most 500 MB.
2. `ops.check` over synthetic exports of 2,500 / 5,000 / 10,000 resources: resources evaluated per
   second, and whether the cost per resource stays flat (linear growth).
3. Side by side on the same 10,000 resources: the bare analyzer servicer with 40 trivial policies (the
   engine's own per-policy cost), with trivial policies shaped like the pack (as many resource and stack
   policies), and the pack itself, in several interleaved rounds (the order alternating, so drifting load
   hits both alike). Target: the pack's own checks add at most 10% over the bare servicer with the same
   number of policies, as the median of the rounds' CPU-time ratios; their spread is printed too.

Then every `ops.bench_<area>` module that exists (Railway, Supabase, …) runs and prints its figures.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.util
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.stackfile import REPO_ROOT

SDKS = ("pulumi", "pulumi_policy", "pulumiverse_vercel", "pulumi_cloudflare", "pulumi_github", "pulumi_random",
        "pulumi_checkly", "pulumiverse_sentry", "pulumi_pagerduty", "pulumiverse_grafana", "components.aws_sdk")
"""What the plan imports (the floor grows with every SDK: ops.bench_observability prints absolute figures;
components.aws_sdk: the ten pulumi_aws submodules it uses, which the package loads lazily)."""
AWS_SDK = "components.aws_sdk"
FLOOR_TOUCH = ("pulumiverse_grafana.alerting.RuleGroup, pulumiverse_grafana.cloud.Stack, "
               "pulumiverse_grafana.connections.MetricsEndpointScrapeJob, pulumiverse_grafana.oss.Dashboard")
"""Grafana's subpackages load lazily, on first attribute: the floor touches the four the plan uses."""
OTHER_BENCHES = ("ops.bench_railway", "ops.bench_supabase", "ops.bench_observability", "ops.bench_tests")
PLAN_RATIO_TARGET = 1.3
PLAN_MEMORY_TARGET_MB = 500
PACK_OVERHEAD_TARGET = 0.10
PLAN_HISTORY: tuple[tuple[str, float, float], ...] = (
    # (change, offline-plan CPU s before, after): medians of 5 fresh runs each, before and after interleaved on
    # the same machine (the ratio to the floor hides an SDK's cost, since the floor grows with it).
    ("error tracking (Sentry: pulumiverse-sentry, 28 resources, 4 policies) over f70d473", 3.57, 3.84),
)
"""The absolute plan time before and after each change that added an SDK or many resources."""
REFERENCE_ROUNDS = 2
"""Rounds of the reference figures (export sizes, the 40-policy servicer); the overhead takes every round."""


def _fresh(argv: Sequence[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one fresh interpreter running ``argv``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, *argv], cwd=REPO_ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}: {err.decode()[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def plan_figures(runs: int) -> dict[str, float]:
    floor_argv = ["-c", "import " + ", ".join(SDKS) + "; " + FLOOR_TOUCH]
    no_aws_argv = ["-c", "import " + ", ".join(s for s in SDKS if s != AWS_SDK) + "; " + FLOOR_TOUCH]
    plan_argv = ["-m", "ops.plan", "--stack", "production"]
    floors, no_aws, plans = [], [], []
    _fresh(floor_argv)  # warm the file cache once, for both
    for _ in range(runs):
        floors.append(_fresh(floor_argv))
        no_aws.append(_fresh(no_aws_argv))
        plans.append(_fresh(plan_argv))

    def median(samples: list[tuple[float, float, float]], index: int) -> float:
        return statistics.median(sample[index] for sample in samples)

    figures = {"floor_s": median(floors, 0), "plan_s": median(plans, 0), "floor_cpu": median(floors, 1),
               "plan_cpu": median(plans, 1), "floor_mb": median(floors, 2), "plan_mb": median(plans, 2)}
    figures["ratio"] = figures["plan_s"] / figures["floor_s"]
    figures["cpu_ratio"] = figures["plan_cpu"] / figures["floor_cpu"]
    ok = figures["ratio"] <= PLAN_RATIO_TARGET and figures["plan_mb"] <= PLAN_MEMORY_TARGET_MB
    print(f"Offline plan (production) vs importing {', '.join(SDKS)}; {runs} fresh runs each, medians")
    for label, samples, key in (("import floor", floors, "floor"), ("offline plan", plans, "plan")):
        print(f"  {label}   wall {figures[key + '_s']:5.2f} s   cpu {figures[key + '_cpu']:5.2f} s   peak "
              f"{figures[key + '_mb']:4.0f} MB   (wall runs: {', '.join(f'{s[0]:.2f}' for s in samples)})")
    print(f"  ratio          wall {figures['ratio']:5.2f} x   cpu {figures['cpu_ratio']:5.2f} x   "
          f"(targets: <= {PLAN_RATIO_TARGET}x, <= {PLAN_MEMORY_TARGET_MB} MB)  {_verdict(ok)}")
    aws_cpu = figures["floor_cpu"] - median(no_aws, 1)
    figures["aws_import_cpu"] = aws_cpu
    print(f"  of which pulumi_aws (its ten submodules, {AWS_SDK}): cpu {aws_cpu:5.2f} s on every plan and preview; "
          f"the plan without it would take about {figures['plan_cpu'] - aws_cpu:5.2f} s cpu")
    best_ratio = min(t for t, _, _ in plans) / min(t for t, _, _ in floors)
    figures["best_ratio"] = best_ratio
    print(f"  fastest runs   wall {best_ratio:5.2f} x   (the least disturbed runs of each)")
    print(f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; cpu is the child's user+sys, which "
          f"other work on the machine disturbs less than wall time)")
    print("  absolute plan time (cpu), recorded before and after each change:")
    for change, before, after in PLAN_HISTORY:
        print(f"    {before:5.2f} s -> {after:5.2f} s  ({after - before:+.2f} s)  {change}")
    return figures


def _verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def _trivial_servicer(resource_policies: int, stack_policies: int) -> Any:
    """A servicer with do-nothing policies: what the SDK costs per policy, with no policy logic at all."""
    from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    def nothing(_args: Any, _report: Any) -> None:
        return None

    policies: list[Any] = [ResourceValidationPolicy(f"trivial-{i}", "Does nothing.", nothing)
                           for i in range(resource_policies)]
    policies += [StackValidationPolicy(f"trivial-stack-{i}", "Does nothing.", nothing) for i in range(stack_policies)]
    return _PolicyAnalyzerServicer("trivial", "0.0.1", policies, EnforcementLevel.MANDATORY)


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float
    """This process's CPU seconds: what the work costs, whatever else runs on the machine."""


def _timed(fn: Callable[[], Any]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu)


def _best(fn: Callable[[], Any], rounds: int) -> Timing:
    return min((_timed(fn) for _ in range(rounds)), key=lambda t: t.cpu)


def check_figures(sizes: Sequence[int], rounds: int) -> dict[str, float]:
    from pulumi_policy import StackValidationPolicy

    from config import PROJECT

    from . import check as check_cli
    from .analysis import PolicyRun, import_pack, in_process, policy_config_path
    from .export import read_export
    from .offline import run_program
    from .synthetic import write_synthetic_export

    run = run_program("production")
    figures: dict[str, float] = {}
    reference_rounds = min(rounds, REFERENCE_ROUNDS)
    print(f"\nops.check over synthetic exports grown from the production plan ({len(run.resources)} resources); "
          f"best of {reference_rounds}")
    with tempfile.TemporaryDirectory() as tmp:
        paths = {size: Path(tmp) / f"export-{size}.json" for size in sizes}
        for size, path in paths.items():
            write_synthetic_export(path, run, size)

        def check(export: Path) -> None:
            with contextlib.redirect_stdout(io.StringIO()):
                check_cli.main(["--stack", "production", str(export)])

        best: dict[int, Timing] = {}
        for _ in range(reference_rounds):  # sizes interleaved within each round, so load drifts hit them alike
            for size, path in paths.items():
                timing = _timed(functools.partial(check, path))
                if size not in best or timing.cpu < best[size].cpu:
                    best[size] = timing
        per_resource = []
        for size in sizes:
            timing = best[size]
            per_resource.append(timing.cpu / size)
            figures[f"check_{size}_per_s"] = size / timing.cpu
            print(f"  {size:>6} resources  cpu {timing.cpu:6.2f} s  {size / timing.cpu:6.0f} resources/s  "
                  f"{timing.cpu / size * 1e3:5.2f} ms/resource   (wall {timing.wall:6.2f} s)")
        growth = max(per_resource) / min(per_resource)
        figures["growth"] = growth
        print(f"  cost per resource varies {growth:.2f}x across sizes (linear growth: about 1.0x)  "
              f"{_verdict(growth <= 1.25)}")
        resources = read_export(paths[max(sizes)])
        biggest = max(sizes)

    pack_policies = import_pack().POLICIES
    stack_count = sum(isinstance(p, StackValidationPolicy) for p in pack_policies)
    resource_count = len(pack_policies) - stack_count

    def bare(resource_policies: int, stack_policies: int) -> PolicyRun:
        return PolicyRun("production", PROJECT, None,
                         analyzer=in_process(_trivial_servicer(resource_policies, stack_policies)))

    def evaluate(policy_run: PolicyRun) -> Timing:
        return _timed(lambda: policy_run.analyze(resources))

    print(f"\nSide by side on the same {biggest} resources (analysis only; {rounds} interleaved rounds, CPU time)")
    bare40 = _best(lambda: bare(40, 0).analyze(resources), reference_rounds)
    shaped_run = bare(resource_count, stack_count)
    pack_run = PolicyRun("production", PROJECT, policy_config_path("production"))
    shaped_runs: list[Timing] = []
    pack_runs: list[Timing] = []
    for round_no in range(rounds):  # interleaved, the order alternating, so machine load hits both alike
        pair = [(shaped_runs, shaped_run), (pack_runs, pack_run)]
        for samples, policy_run in pair if round_no % 2 == 0 else reversed(pair):
            samples.append(evaluate(policy_run))
    ratios = sorted(ours.cpu / shaped.cpu - 1 for shaped, ours in zip(shaped_runs, pack_runs, strict=True))
    overhead = statistics.median(ratios)
    shaped = Timing(statistics.median(t.wall for t in shaped_runs), statistics.median(t.cpu for t in shaped_runs))
    ours = Timing(statistics.median(t.wall for t in pack_runs), statistics.median(t.cpu for t in pack_runs))
    figures.update(bare40_per_s=biggest / bare40.cpu, bare_per_s=biggest / shaped.cpu,
                   pack_per_s=biggest / ours.cpu, overhead=overhead, overhead_min=ratios[0], overhead_max=ratios[-1])
    for label, timing in ((f"bare servicer, 40 trivial resource policies (best of {reference_rounds})", bare40),
                          (f"bare servicer, {resource_count} resource + {stack_count} stack trivial (median)", shaped),
                          (f"the pack: {resource_count} resource + {stack_count} stack policies (median)", ours)):
        print(f"  {label:<62} cpu {timing.cpu:6.2f} s  {biggest / timing.cpu:6.0f} resources/s   "
              f"(wall {timing.wall:6.2f} s)")
    print(f"  per round, the pack over the bare servicer: {', '.join(f'{r:+.1%}' for r in ratios)}")
    print(f"  the pack's own checks add {overhead:+.1%} over the bare servicer (median of {rounds} rounds; spread "
          f"{ratios[0]:+.1%} to {ratios[-1]:+.1%}; target <= {PACK_OVERHEAD_TARGET:.0%})  "
          f"{_verdict(overhead <= PACK_OVERHEAD_TARGET)}")
    return figures


def other_benches() -> int:
    status = 0
    for name in OTHER_BENCHES:
        if importlib.util.find_spec(name) is None:
            continue
        print(f"\n== python -m {name}", flush=True)
        status |= subprocess.run([sys.executable, "-m", name], cwd=REPO_ROOT, check=False).returncode
    return status


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ops.bench", description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=7, help="fresh-interpreter runs of the plan and the floor")
    p.add_argument("--sizes", default="2500,5000,10000", help="synthetic export sizes for ops.check")
    p.add_argument("--rounds", type=int, default=5,
                   help="in-process rounds: the best per export size, the median of the pack's overhead")
    p.add_argument("--only", choices=("plan", "check", "others"), help="run one part only")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.only in (None, "plan"):
        plan_figures(args.runs)
    if args.only in (None, "check"):
        check_figures(sizes, args.rounds)
    if args.only in (None, "others"):
        return other_benches()
    return 0


if __name__ == "__main__":
    sys.exit(main())
