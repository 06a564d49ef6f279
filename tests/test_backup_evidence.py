"""The evidence validator's rules, one by one (a real drill's record passes: test_restore_drill.py)."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from lightspeedpay_policies.backup_evidence import (
    SCHEMA,
    evidence_digest,
    sha256_to_checksum,
    validate_evidence,
)

NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
SHA = hashlib.sha256(b"an encrypted dump").hexdigest()


def record() -> dict[str, Any]:
    body: dict[str, Any] = {
        "schema": SCHEMA, "drill_id": "0123456789abcdef", "stack": "production",
        "started_at": "2026-12-06T02:00:00Z", "finished_at": "2026-12-06T02:41:00Z",
        "result": "passed", "failure": None,
        "object": {"bucket": "lsp-prod-backups", "key": "postgres/20261206T000000Z-aa.dump.age",
                   "version_id": "Xb9v.3HL4kqtJlcpXroDTDmJ", "sha256": SHA, "checksum_sha256": sha256_to_checksum(SHA),
                   "size": 1234, "lock_mode": "COMPLIANCE", "retain_until": "2027-01-10T00:00:00Z",
                   "last_modified": "2026-12-06T00:01:00Z"},
        "manifest": {"key": "postgres/20261206T000000Z-aa.manifest.json", "version_id": "m1", "sha256": SHA},
        "dump": {"sha256": SHA, "size": 999, "taken_at": "2026-12-06T00:00:00Z", "server_version": "17.2"},
        "postgres": {"version": "17.2", "major": 17, "required_major": 17, "target": "temporary-cluster"},
        "rto_minutes": 60.0,
        "timing": {"total_seconds": 2400.0},
        "verification": {"schema_version": {"expected": "20261201", "actual": "20261201"}, "problems": [],
                         "tables": [{"name": "public.payments", "expected_rows": 5, "rows": 5,
                                     "expected_checksum": "77", "checksum": "77", "problem": None}]},
        "tool": {"name": "ops.restore_drill", "host": "drill-task"},
    }
    body["digest"] = evidence_digest(body)
    return body


def facts(of: dict[str, Any]) -> dict[str, Any]:
    return {key: of["object"][key] for key in ("bucket", "key", "version_id", "checksum_sha256", "size", "lock_mode",
                                               "retain_until")}


def check(changed: dict[str, Any], bucket: dict[str, Any] | None = None, **kwargs: Any) -> list[str]:
    options: dict[str, Any] = {"expected_bucket": "lsp-prod-backups", "rto_minutes": 60, "postgres_major": 17,
                               "now": NOW, **kwargs}
    return validate_evidence(changed, bucket_object=facts(record()) if bucket is None else bucket, **options)


def redigest(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """A careful forger's edit: the change, then a fresh digest."""
    changed = copy.deepcopy(record())
    edit(changed)
    changed["digest"] = evidence_digest(changed)
    return changed


def test_a_consistent_recent_passing_record_linked_to_the_object_passes() -> None:
    assert check(record()) == []


def test_an_edit_without_a_new_digest_is_caught() -> None:
    changed = record()
    changed["timing"]["total_seconds"] = 60.0
    assert check(changed) == ["the digest does not match the record: it was edited after the drill wrote it"]


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda r: r.update(result="failed", failure={"stage": "restore", "message": "pg_restore failed"}),
     "the drill did not pass (result 'failed', failed at restore: pg_restore failed)"),
    (lambda r: r.update(finished_at="2026-11-20T02:41:00Z", started_at="2026-11-20T02:00:00Z"),
     "the last drill finished 17 days ago"),
    (lambda r: r.update(finished_at="2026-12-08T02:41:00Z"), "is in the future"),
    (lambda r: r["timing"].update(total_seconds=4000.0), "more than the 60-minute RTO"),
    (lambda r: r["timing"].update(total_seconds=3000.0), "longer than the drill itself lasted"),
    (lambda r: r["postgres"].update(major=15), "restored into PostgreSQL 15, but production runs 17"),
    (lambda r: r["object"].update(lock_mode="GOVERNANCE"), "was not under COMPLIANCE object lock"),
    (lambda r: r["object"].update(retain_until="2026-12-01T00:00:00Z"), "must be a lock date after the drill"),
    (lambda r: r["object"].update(sha256="0" * 64), "is not the checksum of the bytes the drill downloaded"),
    (lambda r: r["object"].update(version_id="null"), "object.version_id is missing"),
    (lambda r: r["verification"]["tables"][0].update(rows=4), "does not match what the backup recorded"),
    (lambda r: r["verification"].update(tables=[]), "the drill checked no critical table"),
    (lambda r: r["verification"]["schema_version"].update(actual="20261101"), "schema version '20261101'"),
])
def test_each_rule_refuses_its_case(edit: Callable[[dict[str, Any]], None], expected: str) -> None:
    problems = check(redigest(edit))
    assert any(expected in p for p in problems), problems


def test_a_record_that_the_bucket_does_not_confirm_is_refused() -> None:
    assert check(record(), bucket={}) != []
    assert validate_evidence(record(), bucket_object=None, expected_bucket="lsp-prod-backups", rto_minutes=60,
                             postgres_major=17, now=NOW) == [
        "the bucket reports no such object version: the record cannot be linked to a real backup"]
    other = {**facts(record()), "checksum_sha256": sha256_to_checksum("1" * 64)}
    assert any("object.checksum_sha256" in p and "the bucket reports" in p for p in check(record(), bucket=other))
    assert any("not the stack's backup bucket" in p for p in check(record(), expected_bucket="someone-elses"))


def test_not_a_record_at_all() -> None:
    assert check({"schema": "something/v9"}) == ["the evidence's schema is 'something/v9', expected "
                                                 "'lightspeedpay.restore-drill-evidence/v1'"]
    assert validate_evidence([], bucket_object=None, expected_bucket="b", rto_minutes=1, postgres_major=17,
                             now=NOW) == ["the evidence is not a JSON object"]
