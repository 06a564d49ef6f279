"""The cost figures `python -m ops.bench_supabase` prints hold as invariants (counts, not timings)."""

from __future__ import annotations

from ops.bench_supabase import DYNAMIC, run
from tests.harness import plan


def test_cost_of_the_production_database() -> None:
    planned = {r.type.removeprefix(DYNAMIC): r.inputs for r in plan("production").resources
               if r.type.startswith(DYNAMIC)}
    figures = run(planned, realistic=False)
    reads = {s.kind: s.requests for s in figures.refresh}
    # One read per managed setting: Project reads project, size and keys; Organization plan,
    # entitlements and members; every other kind one surface (production declares no backup schedule).
    assert reads == {"Organization": 3, "Project": 3, "SslEnforcement": 1, "NetworkRestrictions": 1,
                     "AuthConfig": 1, "PostgresConfig": 1, "Pooler": 1, "Pitr": 1, "Backups": 1,
                     "ReadReplica": 1, "PgAudit": 1}
    assert all(s.writes == 0 for s in figures.refresh)
    assert (figures.noop_requests, figures.noop_mutations) == (0, 0)
    assert sum(s.writes for s in figures.first_create) == 8  # one write per setting that differed
    endpoint, busiest = figures.busiest
    assert busiest <= 120, endpoint
