"""The dynamic providers' cost before the shared base (commit fe23fde), for the benches' before/after.

Measured with `python -m ops.bench_railway` and `python -m ops.bench_supabase` at fe23fde, same stack
(production), same fakes. Each figure is (requests, mutations).
"""

from __future__ import annotations

from config.vocabulary import oncall

BASE_COMMIT = "fe23fde"

RAILWAY = {
    "first create": (26, 16),
    "refresh": (10, 0),
    "no-op update": (2, 0),  # the two ServiceInstances read the live replica map; nothing written
    "destroy": (31, 31),
}
RAILWAY_NEW_KINDS = ("pulumi-python:dynamic/railway:DeploymentTrigger",)
"""Kinds the production fleet gained after the base commit: the comparison above is for the resources the
base commit had, so a new kind's own cost is printed beside it, not hidden in it."""
RAILWAY_NEW_VARIABLES = ("HEARTBEAT_URL", "SENTRY_DSN", "SENTRY_ENVIRONMENT", "SENTRY_TRACES_SAMPLE_RATE",
                         *oncall.METRICS_PUSH_VARIABLES)
"""Variables the fleet's services gained after the base commit (the heartbeat ping URL, the worker's Sentry
settings, the autoscaler's metrics export): a destroy deletes each with one request of its own, printed beside
the comparison as well."""
SUPABASE = {
    "first create": (25, 8),
    "refresh": (15, 0),
    "no-op update": (0, 0),
}


def before_after(vendor: str, before: dict[str, tuple[int, int]], now: dict[str, tuple[int, int]],
                 notes: dict[str, str] | None = None) -> list[str]:
    """A printed table: each operation's requests (mutations) at the base commit and now."""
    lines = [f"{vendor}: before ({BASE_COMMIT}) and now, requests (mutations)"]
    for operation, (requests, mutations) in now.items():
        was = before.get(operation)
        then = f"{was[0]} ({was[1]})" if was else "-"
        note = f"  {notes[operation]}" if notes and operation in notes else ""
        lines.append(f"  {operation:<28}{then:>10}  ->{requests:>4} ({mutations}){note}")
    return lines
