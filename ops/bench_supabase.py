"""`python -m ops.bench_supabase`: what the Supabase provider costs in Management API requests.

Creates, refreshes and re-applies the production stack's database against the local fake
Management API (fakeapis/supabase.py, which validates every request against the published spec),
driving each resource through its *serialized* provider as the engine does (the `__provider` the
program registered, in registration order). Prints: the requests of a first create per resource,
the reads of a refresh (one per managed setting), the requests of a no-op update (none), and, with
Supabase's usual waits simulated on a fake clock, the busiest endpoint's busiest minute against
the 120/min limit.

A developer tool: it needs the test requirements (openapi-core) and the spec in `schemas/supabase/`.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

DYNAMIC = "pulumi-python:dynamic/supabase:"


@dataclass
class Clock:
    now: float = 0.0
    stamps: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Step:
    kind: str
    requests: int
    reads: int
    writes: int


def _plain(value: Any) -> Any:
    """The engine's view of planned inputs: secrets unwrapped; the offline stand-ins for generated
    passwords given the generator's alphabet (letters and digits)."""
    from .resources import is_secret

    if is_secret(value):
        return _plain(value["value"])
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "__provider"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str) and value.startswith("offline-random-"):
        return "benchPassword" + "".join(c for c in value.title() if c.isalnum())
    return value


def label(resource: Any) -> str:
    """The kind, and for kinds a stack declares several of, which one (e.g. ``Role api``)."""
    kind = resource.type.removeprefix(DYNAMIC)
    return f"{kind} {resource.name.rsplit('-', 2)[-2]}" if kind == "Role" else kind


def _busiest_minute(stamps: list[float]) -> int:
    return max((sum(1 for u in stamps if t - 60 < u <= t) for t in stamps), default=0)


@dataclass
class Figures:
    first_create: list[Step]
    refresh: list[Step]
    noop_requests: int
    noop_mutations: int
    simulated_seconds: float
    busiest: tuple[str, int]
    """(endpoint, requests in its busiest 60 s)."""


def planned_resources() -> list[Any]:
    """The production database's resources as the program plans them (under mocks), in order."""
    from .offline import run_program

    return [r for r in run_program("production").resources if r.type.startswith(DYNAMIC)]


def run(planned: list[Any], realistic: bool) -> Figures:
    from pulumi.dynamic import Config, ConfigureRequest

    from config import PROJECT
    from fakeapis.supabase import TOKEN, FakeSupabase
    from providers.dynamic.provider import DynamicProvider
    from providers.supabase.client import Runtime, is_mutation
    from providers.supabase.ratelimit import RateLimiter

    from .dynamic_apply import load_provider

    fake = FakeSupabase()
    if realistic:  # polls at 5 s: project up in 2 min, SSL applied in 30 s, replica ready in 10 min
        fake.coming_up_polls, fake.ssl_apply_polls, fake.replica_init_polls = 24, 6, 120
    clock = Clock()
    fake.clock = clock.time  # the fake counts its 120/min window in the same simulated time

    class Recording(RateLimiter):
        def acquire(self, key: str, reserve: int = 0) -> None:
            super().acquire(key, reserve)
            clock.stamps[key].append(clock.now)

    limiter = Recording(clock=clock.time, sleep=clock.sleep)
    created: dict[str, tuple[Any, str, dict[str, Any], dict[str, Any]]] = {}
    first, refresh = [], []
    with fake.serve() as server:
        import os

        os.environ["SUPABASE_API_URL"] = server.url

        def measure(kind: str, action: Any) -> tuple[Any, Step]:
            before = len(fake.requests)
            result = action()
            new = fake.requests[before:]
            writes = sum(1 for r in new if is_mutation(r.method, r.path))
            return result, Step(kind, len(new), len(new) - writes, writes)

        ref = ""
        for resource in planned:
            provider = cast(DynamicProvider, load_provider(resource))  # the registered `__provider`, as the host does
            provider.configure(ConfigureRequest(Config({f"{PROJECT}:supabaseAccessToken": TOKEN}, PROJECT)))
            provider.options = {"runtime": Runtime(sleep=clock.sleep, clock=clock.time, limiter=limiter)}
            inputs = _plain(resource.inputs)
            if "project_ref" in inputs:
                inputs["project_ref"] = ref
            kind = label(resource)
            result, step = measure(kind, lambda p=provider, i=inputs: p.create(p.check({}, i).inputs))
            first.append(step)
            ref = result.id if kind == "Project" else ref
            created[kind] = (provider, result.id, inputs, dict(result.outs or {}))
        elapsed = clock.now
        for kind, (provider, id_, _, outs) in created.items():
            _, step = measure(kind, lambda p=provider, i=id_, o=outs: p.read(i, o))
            refresh.append(step)
        before = len(fake.requests)
        for provider, id_, inputs, outs in created.values():
            if not provider.diff(id_, outs, inputs).changes:
                continue
            provider.update(id_, outs, inputs)
        noop = fake.requests[before:]
        noop_writes = sum(1 for r in noop if is_mutation(r.method, r.path))
    if fake.violations:
        raise SystemExit(f"the fake refused requests: {fake.violations}")
    busiest = max(((key, _busiest_minute(stamps)) for key, stamps in clock.stamps.items()), key=lambda kv: kv[1])
    return Figures(first, refresh, len(noop), noop_writes, elapsed, busiest)


def _table(title: str, steps: list[Step]) -> list[str]:
    lines = [f"{title:<24}{'requests':>9}{'reads':>7}{'writes':>8}"]
    lines += [f"  {s.kind:<22}{s.requests:>9}{s.reads:>7}{s.writes:>8}" for s in steps]
    total = Counter({"requests": sum(s.requests for s in steps), "reads": sum(s.reads for s in steps),
                     "writes": sum(s.writes for s in steps)})
    lines.append(f"  {'total':<22}{total['requests']:>9}{total['reads']:>7}{total['writes']:>8}")
    return lines


def compared(figures: Figures) -> list[str]:
    """Before/after; the roles (new with this stack's least-privilege database) counted apart."""
    from .provider_baseline import SUPABASE, before_after

    def total(steps: list[Step], roles: bool) -> tuple[int, int]:
        chosen = [s for s in steps if s.kind.startswith("Role ") == roles]
        return sum(s.requests for s in chosen), sum(s.writes for s in chosen)

    now = {"first create": total(figures.first_create, False), "refresh": total(figures.refresh, False),
           "no-op update": (figures.noop_requests, figures.noop_mutations),
           "first create, roles (new)": total(figures.first_create, True),
           "refresh, roles (new)": total(figures.refresh, True)}
    pending = next((s.reads - 1 for s in figures.refresh if s.kind == "PostgresConfig"), 0)
    notes = {"refresh": f"({pending} of them: pg_settings, while a start-only parameter waits for a restart)"} \
        if pending else None
    return before_after("Supabase", SUPABASE, now, notes)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m ops.bench_supabase", description=__doc__.splitlines()[0]).parse_args(argv)
    try:
        planned = planned_resources()
        instant, waits = run(planned, realistic=False), run(planned, realistic=True)
    except ImportError as exc:
        print(f"error: the benchmark needs the test requirements ({exc}); run it with venv/bin/python after "
              f"./dev test", file=sys.stderr)
        return 2
    lines = ["Supabase provider cost: the production database against the spec-validating fake API", ""]
    lines += [*_table("First create", instant.first_create), ""]
    lines += _table("Refresh (read)", instant.refresh)
    lines += ["  (one GET per managed setting: Project = project + compute size + API keys; Organization =",
              "   plan + entitlements + members; Backups = status, + schedule when one is declared;",
              "   PostgresConfig = its overrides, + pg_settings while a start-only parameter waits for a restart;",
              "   others one)",
              ""]
    lines.append(f"No-op update (diff, then update where changed): {instant.noop_requests} requests, "
                 f"{instant.noop_mutations} mutations")
    lines.append("")
    total = sum(s.requests for s in waits.first_create)
    lines.append(f"With Supabase's waits simulated (project 2 min, SSL 30 s, replica 10 min): first create "
                 f"{total} requests over {waits.simulated_seconds / 60:.1f} simulated minutes")
    for label, (key, count) in (("instant", instant.busiest), ("with waits", waits.busiest)):
        lines.append(f"  busiest endpoint ({label}): {count} requests in its busiest minute on {key} (limit 120)")
    lines += ["", *compared(instant)]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
