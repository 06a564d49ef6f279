"""The cost figures `python -m ops.bench_supabase` prints hold as invariants (counts, not timings)."""

from __future__ import annotations

from ops.bench_supabase import DYNAMIC, run
from tests.harness import plan


def test_cost_of_the_production_database() -> None:
    figures = run([r for r in plan("production").resources if r.type.startswith(DYNAMIC)], realistic=False)
    reads = {s.kind: s.requests for s in figures.refresh}
    # One read per managed setting: Project reads project, size and keys; Organization plan, entitlements
    # and members; PostgresConfig asks Postgres too while track_commit_timestamp waits for a restart
    # (production allows none); every other kind one surface (production declares no backup schedule).
    assert reads == {"Organization": 3, "Project": 3, "SslEnforcement": 1, "NetworkRestrictions": 1,
                     "AuthConfig": 1, "PostgresConfig": 2, "Pooler": 1, "Pitr": 1, "Backups": 1,
                     "ReadReplica": 1, "Role api": 1, "Role worker": 1, "Role backup": 1, "PgAudit": 1}
    assert all(s.writes == 0 for s in figures.refresh)
    assert (figures.noop_requests, figures.noop_mutations) == (0, 0)
    creates = {s.kind: s.requests for s in figures.first_create}
    # The kinds of the first release cost what they did (25 requests); each role costs a look and a create.
    assert sum(n for kind, n in creates.items() if not kind.startswith("Role")) == 25
    assert [n for kind, n in creates.items() if kind.startswith("Role")] == [2, 2, 2]
    assert sum(s.writes for s in figures.first_create) == 11  # one write per setting that differed, per role
    # Against the figures before the shared base: the same kinds cost no more, a no-op writes nothing.
    from ops.bench_supabase import compared
    from ops.provider_baseline import SUPABASE

    table = "\n".join(compared(figures))
    old_kinds = [s for s in figures.first_create if not s.kind.startswith("Role")]
    was_requests, was_writes = SUPABASE["first create"]
    assert sum(s.requests for s in old_kinds) <= was_requests and sum(s.writes for s in old_kinds) <= was_writes
    assert "first create" in table and "refresh, roles (new)" in table
    endpoint, busiest = figures.busiest
    assert busiest <= 120, endpoint
