"""`python -m ops.bench_railway`: what the Railway provider costs in API requests (printed, not timed).

Plans the production stack offline, then drives its Railway resources through their serialized
providers against the local fake Railway API (fakeapis/railway.py, which validates every
request against Railway's schema): first create of the worker fleet, a refresh, a no-op
diff/update, one autoscaler poll, and a destroy. Needs the dev requirements (graphql-core).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from typing import Any

from .cli import EXIT_OK, fail


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ops.bench_railway", description=__doc__.splitlines()[0])
    p.add_argument("--stack", default="production", help="stack whose plan is applied (default: production)")
    return p


def _counts(fake: Any, start: int) -> tuple[int, int]:
    calls = fake.calls[start:]
    return len(calls), sum(1 for _, mutation in calls if mutation)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        from pulumi.dynamic import Config, ConfigureRequest, ResourceProvider

        from config import PROJECT
        from fakeapis.railway import TEST_TOKEN, RailwayFake
        from fakeapis.server import FakeServer
        from providers.railway.base import RailwayProvider
        from providers.railway.client import RailwayClient
        from services.autoscaler.decide import ScalingPolicy
        from services.autoscaler.fleet import RailwayFleet
        from services.autoscaler.runner import Autoscaler

        from .dynamic_apply import PlanApplier
        from .offline import run_program
        from .provider_baseline import RAILWAY, RAILWAY_NEW_KINDS, RAILWAY_NEW_VARIABLES, before_after
    except ImportError as exc:  # graphql-core and the fakes are dev-only
        return fail(f"the benchmark needs the dev requirements (./dev test sets them up): {exc}")

    run = run_program(args.stack)
    fake = RailwayFake()
    with FakeServer(fake.handler) as server:
        os.environ["RAILWAY_API_URL"] = f"{server.url}/graphql/v2"

        def configure(provider: ResourceProvider) -> None:
            provider.configure(ConfigureRequest(Config({f"{PROJECT}:railwayApiToken": TEST_TOKEN}, PROJECT)))

        passwords = {r.outputs["result"]["value"]: "benchRedisPassword0123456789abcd" for r in run.resources
                     if r.type == "random:index/randomPassword:RandomPassword" and "jobs" in r.name}
        applier = PlanApplier(configure, type_prefix="pulumi-python:dynamic/railway:", replacements=passwords)
        per_resource: list[tuple[str, int, int]] = []
        marks = [0]

        def record(applied: Any) -> None:
            count, mutations = _counts(fake, marks[-1])
            per_resource.append((applied.resource.name, count, mutations))
            marks.append(len(fake.calls))

        applied = applier.create_all(run.resources, on_create=record)
        create_total, create_mutations = _counts(fake, 0)
        new = {item.resource.name for item in applied if item.resource.type in RAILWAY_NEW_KINDS}
        added: dict[str, tuple[int, int]] = {"first create": (
            sum(c for name, c, _ in per_resource if name in new), sum(m for name, _, m in per_resource if name in new))}

        def each(action: Any, items: Any) -> tuple[int, int]:
            """Run ``action`` per resource; the calls of the kinds new since the base are counted apart too."""
            start, extra = len(fake.calls), [0, 0]
            for item in items:
                mark = len(fake.calls)
                action(item)
                if item.resource.name in new:
                    extra = [a + b for a, b in zip(extra, _counts(fake, mark), strict=True)]
                elif operation == "destroy":  # one variableDelete per variable, the new ones included
                    names = {*(item.outputs.get("variables") or {}), *(item.outputs.get("sealedVariables") or {})}
                    extra = [n + len(names & set(RAILWAY_NEW_VARIABLES)) for n in extra]
            added[operation] = (extra[0], extra[1])
            return _counts(fake, start)
        lines = [f"Railway provider cost, stack '{args.stack}' against the schema-validating fake API",
                 "", f"First create of the worker fleet: {create_total} requests "
                     f"({create_mutations} mutations, {create_total - create_mutations} queries) "
                     f"for {len(applied)} resources"]
        lines += [f"  {name:<48} {count:>2} requests ({mutations} mutations)"
                  for name, count, mutations in per_resource]

        def refresh(item: Any) -> None:
            item.outputs = dict(item.provider.read(item.id, item.outputs).outs or {})

        operation = "refresh"
        reads, read_mutations = each(refresh, applied)
        lines += ["", f"Refresh (read every resource): {reads} requests for {len(applied)} resources "
                      f"({read_mutations} mutations)"]

        mark = len(fake.calls)
        changed = [item.resource.name for item in applied
                   if item.provider.diff(item.id, item.outputs, applier.inputs_of(item.resource)).changes]
        diff_requests, _ = _counts(fake, mark)
        mark = len(fake.calls)
        operation = "no-op update"
        update_requests, update_mutations = each(
            lambda item: item.provider.update(item.id, item.outputs, applier.inputs_of(item.resource)), applied)
        update_ops = Counter(name for name, _ in fake.calls[mark:])
        lines += [f"No-op diff after refresh: {diff_requests} requests, resources with changes: {changed or 'none'}",
                  f"No-op update (forced on every resource): {update_requests} requests, {update_mutations} "
                  f"mutations ({dict(update_ops)})"]

        worker = next(item for item in applied if item.resource.name.endswith("worker-instance"))
        token = next(item for item in applied if item.resource.name.endswith("autoscaler-token"))
        bounds = worker.outputs["replicaBounds"]
        client = RailwayClient(token=token.outputs["token"], token_kind="project")
        scaler = Autoscaler(ScalingPolicy(int(bounds["min"]), int(bounds["max"]), 50, 60, 300),
                            queue=_Depth(400), fleet=RailwayFleet(client, worker.outputs["environmentId"],
                                                                  worker.outputs["serviceId"]),
                            clock=lambda: 1000.0, log=lambda _: None)
        mark = len(fake.calls)
        decision = scaler.tick()
        tick_requests, tick_mutations = _counts(fake, mark)
        mark = len(fake.calls)
        scaler.tick()
        hold_requests, hold_mutations = _counts(fake, mark)
        lines += ["", f"Autoscaler poll that scales ({decision.current} -> {decision.replicas} for 400 waiting jobs): "
                      f"{tick_requests} requests ({tick_mutations} mutation); a poll that holds: {hold_requests} "
                      f"requests ({hold_mutations} mutations)"]

        operation = "destroy"
        railway = [item for item in reversed(applied) if isinstance(item.provider, RailwayProvider)]
        destroy_requests, destroy_mutations = each(lambda item: item.provider.delete(item.id, item.outputs), railway)
        lines += [f"Destroy: {destroy_requests} requests ({destroy_mutations} mutations)", "",
                  f"Schema violations seen by the fake: {len(fake.violations)}", ""]
        totals = {"first create": (create_total, create_mutations), "refresh": (reads, read_mutations),
                  "no-op update": (update_requests, update_mutations), "destroy": (destroy_requests, destroy_mutations)}
        base = {op: (n - added[op][0], m - added[op][1]) for op, (n, m) in totals.items()}
        notes = {op: f"+ {n} ({m}) " + ("for HEARTBEAT_URL (a deploy trigger's delete sends nothing)"
                                        if op == "destroy" else "for the deploy triggers")
                 for op, (n, m) in added.items() if n}
        lines += before_after("Railway (the resources the base commit had)", RAILWAY, base, notes)
        print("\n".join(lines))
        if fake.violations:
            print("\n".join(fake.violations), file=sys.stderr)
            return 1
    return EXIT_OK


class _Depth:
    def __init__(self, depth: int) -> None:
        self.value = depth

    def depth(self) -> int:
        return self.value


if __name__ == "__main__":
    sys.exit(main())
