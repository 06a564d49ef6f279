"""Restore-drill evidence: the record's schema, its digest and the validator the pack will call.

`python -m ops.restore_drill` writes one record per drill (docs/backups.md). A policy must be able
to tell a record that a real drill made from one a person typed, so the record names the exact
object it restored — bucket, key, **version id**, the **checksum the bucket reports** for that
version and the sha256 the drill computed while downloading it — and `validate_evidence` compares
those with what the bucket itself says about that version today (``bucket_object``: read by the
stack at preview time, never copied from the record). Typing a record that passes would mean
knowing the version id and checksum of a locked object in the production bucket *and* its
sha256, which only a download gives. The digest ties every field together, so a record edited
after the fact (a duration shortened, a failure turned into a pass) no longer matches it.

Standard library only: the policy pack's virtualenv installs nothing else. Not registered as a
policy yet; the backup policies (issue 14, item 5) will call `validate_evidence`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

SCHEMA = "lightspeedpay.restore-drill-evidence/v1"
RESULTS = ("passed", "failed")
STAGES = ("settings", "locate", "download", "checksum", "decrypt", "postgres", "restore", "verify", "rto")
"""Where a drill can fail, in the order it runs."""
LOCK_MODE = "COMPLIANCE"
DEFAULT_MAX_AGE_DAYS = 8.0
"""The drill runs weekly: a record older than a week and a day means a drill was missed."""
CLOCK_SKEW = dt.timedelta(minutes=5)

BUCKET_FACTS = ("bucket", "key", "version_id", "checksum_sha256", "size", "lock_mode", "retain_until")
"""What the bucket reports for one object version (HeadObject with checksum mode on, or pulumi-aws
`aws.s3.get_object(bucket, key, version_id, checksum_mode="ENABLED")`), as the record's ``object``
section spells it. `validate_evidence` compares each with the record."""

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def canonical_json(value: Any) -> bytes:
    """The one serialisation the digest covers: sorted keys, no spaces, ASCII, no NaN."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


def evidence_digest(record: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` over every field of the record except ``digest`` itself."""
    body = {key: value for key, value in record.items() if key != "digest"}
    return "sha256:" + hashlib.sha256(canonical_json(body)).hexdigest()


def sha256_to_checksum(hex_digest: str) -> str:
    """The S3 ``ChecksumSHA256`` (base64 of the raw digest) of an object uploaded in one part."""
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def parse_time(value: Any) -> dt.datetime | None:
    """An RFC 3339 timestamp with a time zone, as UTC; None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(dt.UTC)


def validate_evidence(record: Any, *, bucket_object: Mapping[str, Any] | None, expected_bucket: str,
                      rto_minutes: float, postgres_major: int, now: dt.datetime,
                      max_age_days: float = DEFAULT_MAX_AGE_DAYS) -> list[str]:
    """Every reason the record does not prove a recent, successful drill within the RTO; [] if it does.

    ``bucket_object`` is what the bucket reports for the record's (bucket, key, version id), in the
    keys of `BUCKET_FACTS`, or None when the stack could not read it (then the record cannot be
    linked to an object and fails). ``expected_bucket``, ``rto_minutes`` and ``postgres_major`` come
    from the stack (its backup bucket, ``database.recovery.rtoMinutes``, ``database.postgresMajorVersion``),
    never from the record.
    """
    if not isinstance(record, Mapping):
        return ["the evidence is not a JSON object"]
    if record.get("schema") != SCHEMA:
        return [f"the evidence's schema is {record.get('schema')!r}, expected {SCHEMA!r}"]
    problems: list[str] = []
    if record.get("digest") != evidence_digest(record):
        problems.append("the digest does not match the record: it was edited after the drill wrote it")
    if record.get("result") != "passed" or record.get("failure") is not None:
        failure = _section(record, "failure")
        problems.append(f"the drill did not pass (result {record.get('result')!r}, failed at "
                        f"{failure.get('stage', '?')}: {failure.get('message', 'no message')})")
    problems += _check_times(record, now, max_age_days, rto_minutes)
    problems += _check_object(record, expected_bucket)
    problems += _check_link(record, bucket_object)
    postgres = _section(record, "postgres")
    if postgres.get("major") != postgres_major:
        problems.append(f"the drill restored into PostgreSQL {postgres.get('major')!r}, but production runs "
                        f"{postgres_major}")
    problems += _check_verification(record)
    return problems


def _section(record: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = record.get(name)
    return value if isinstance(value, Mapping) else {}


def _check_times(record: Mapping[str, Any], now: dt.datetime, max_age_days: float, rto_minutes: float) -> list[str]:
    started, finished = parse_time(record.get("started_at")), parse_time(record.get("finished_at"))
    if started is None or finished is None:
        return ["started_at and finished_at must be RFC 3339 timestamps with a time zone"]
    problems = []
    if finished < started:
        problems.append("finished_at is before started_at")
    if finished > now + CLOCK_SKEW:
        problems.append(f"finished_at {record['finished_at']} is in the future")
    elif now - finished > dt.timedelta(days=max_age_days):
        problems.append(f"the last drill finished {(now - finished).days} days ago; drills must be at most "
                        f"{max_age_days:g} days old")
    total = _section(record, "timing").get("total_seconds")
    if not isinstance(total, (int, float)) or isinstance(total, bool) or total < 0:
        return [*problems, "timing.total_seconds must be a non-negative number"]
    if total > (finished - started).total_seconds() + 1:
        problems.append(f"timing.total_seconds ({total:g}) is longer than the drill itself lasted "
                        f"({(finished - started).total_seconds():g}s between started_at and finished_at)")
    if total > rto_minutes * 60:
        problems.append(f"the drill took {total / 60:.1f} minutes, more than the {rto_minutes:g}-minute RTO")
    return problems


def _check_object(record: Mapping[str, Any], expected_bucket: str) -> list[str]:
    obj = _section(record, "object")
    problems = []
    if obj.get("bucket") != expected_bucket:
        problems.append(f"the drill restored from bucket {obj.get('bucket')!r}, not the stack's backup bucket "
                        f"{expected_bucket!r}")
    version = obj.get("version_id")
    if not isinstance(version, str) or not version or version == "null":
        problems.append("object.version_id is missing: the record must name the exact version it restored")
    sha256 = obj.get("sha256")
    if not isinstance(sha256, str) or not _HEX64.match(sha256):
        problems.append("object.sha256 must be the 64-hex sha256 the drill computed while downloading")
    elif obj.get("checksum_sha256") != sha256_to_checksum(sha256):
        problems.append("object.checksum_sha256 (what the bucket reports) is not the checksum of the bytes the "
                        "drill downloaded (object.sha256)")
    if obj.get("lock_mode") != LOCK_MODE:
        problems.append(f"the object was not under {LOCK_MODE} object lock (lock_mode {obj.get('lock_mode')!r})")
    retain, finished = parse_time(obj.get("retain_until")), parse_time(record.get("finished_at"))
    if retain is None or (finished is not None and retain <= finished):
        problems.append("object.retain_until must be a lock date after the drill")
    dump = _section(record, "dump")
    if not isinstance(dump.get("sha256"), str) or not _HEX64.match(dump["sha256"]):
        problems.append("dump.sha256 must be the 64-hex sha256 of the decrypted dump")
    manifest = _section(record, "manifest")
    if not manifest.get("key") or not manifest.get("version_id"):
        problems.append("manifest.key and manifest.version_id must name the manifest the drill checked against")
    return problems


def _check_link(record: Mapping[str, Any], bucket_object: Mapping[str, Any] | None) -> list[str]:
    if bucket_object is None:
        return ["the bucket reports no such object version: the record cannot be linked to a real backup"]
    obj = _section(record, "object")
    problems = []
    for key in BUCKET_FACTS:
        mine, theirs = obj.get(key), bucket_object.get(key)
        if key == "retain_until":
            mine, theirs = parse_time(mine), parse_time(theirs)
        if mine is None or mine != theirs:
            problems.append(f"object.{key} is {obj.get(key)!r} in the record but the bucket reports "
                            f"{bucket_object.get(key)!r}")
    return problems


def _check_verification(record: Mapping[str, Any]) -> list[str]:
    verification = _section(record, "verification")
    tables = verification.get("tables")
    if not isinstance(tables, list) or not tables:
        return ["verification.tables is empty: the drill checked no critical table"]
    problems = [str(p) for p in verification.get("problems") or []]
    for table in tables:
        if not isinstance(table, Mapping):
            problems.append("verification.tables holds a non-object entry")
            continue
        if table.get("rows") != table.get("expected_rows") or table.get("checksum") != table.get("expected_checksum"):
            problems.append(f"table {table.get('name')!r} does not match what the backup recorded")
    version = _section(verification, "schema_version")
    if version.get("actual") != version.get("expected"):
        problems.append(f"schema version {version.get('actual')!r} after restore, {version.get('expected')!r} "
                        f"at backup time")
    return problems

