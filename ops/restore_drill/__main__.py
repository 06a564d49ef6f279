"""`python -m ops.restore_drill`: restore the latest (or a named) backup into a throwaway Postgres,
verify it, time it, and write the evidence record. Exit 0 passed, 1 failed or slower than the RTO
(evidence written all the same), 2 bad usage or settings (nothing drilled).

    python -m ops.restore_drill --stack production --bucket lightspeedpay-production-backups \\
        --identity-file /run/secrets/backup-drill.agekey --evidence out/drill.json --upload-evidence

Environment: AWS_REGION (or --region), BACKUP_S3_ENDPOINT_URL, BACKUP_AGE_IDENTITY (the identity
itself, e.g. from `esc run` or the task's secrets), DRILL_TARGET_DSN (restore into this throwaway
server instead of a temporary cluster; it holds a password, so never a flag), DRILL_HEARTBEAT_URL
and DRILL_FAILURE_URL (secrets: a missed weekly drill pages). Details: docs/backups.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from services.backup import store
from services.backup.crypto import CryptoError, parse_identities
from services.backup.heartbeat import ping
from services.backup.job import log_event, utc_now
from services.backup.pg import PostgresError, find_program
from services.backup.settings import INDIAN_REGIONS
from services.backup.verification import DEFAULT_FILE, VerificationError, load_verification

from ..cli import EXIT_OK, EXIT_VIOLATIONS, fail
from .drill import DrillOptions, run_drill
from .targets import StackTargets, stack_targets

EVIDENCE_RETENTION_DAYS = 400
"""Evidence outlives the backups it names: a year of weekly drills for the auditors, plus a margin."""


class UsageError(Exception):
    pass


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ops.restore_drill", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stack", default="production",
                   help="stack whose database.recovery.rtoMinutes and database.postgresMajorVersion apply")
    p.add_argument("--bucket", help="backup bucket (default: env BACKUP_BUCKET)")
    p.add_argument("--prefix", help="key prefix of the backups (default: env BACKUP_PREFIX, else postgres/)")
    p.add_argument("--region", help="the bucket's region (default: env AWS_REGION)")
    p.add_argument("--key", help="a backup object key (…dump.age); default: the newest manifest under --prefix")
    p.add_argument("--version-id", help="the object version --key must be (checked against its manifest)")
    p.add_argument("--identity-file", type=Path, help="age identity file; default: env BACKUP_AGE_IDENTITY")
    p.add_argument("--rto", type=float, metavar="MINUTES", help="RTO in minutes (default: the stack's rtoMinutes)")
    p.add_argument("--postgres-major", type=int, help="major version to restore into (default: the stack's)")
    p.add_argument("--pg-bindir", type=Path, help="directory of initdb, pg_ctl, postgres and pg_restore")
    p.add_argument("--jobs", type=int, default=2, help="pg_restore --jobs (default 2)")
    p.add_argument("--verification", type=Path, default=DEFAULT_FILE, help="critical tables and expectations")
    p.add_argument("--evidence", type=Path,
                   help="where to write the evidence JSON (default out/restore-drill-<time>.json)")
    p.add_argument("--upload-evidence", action="store_true",
                   help="also store the record, locked, as <bucket>/drills/<time>.json and drills/latest.json")
    p.add_argument("--work-dir", type=Path, help="where the dump is decrypted (needs room for it twice)")
    return p


def options_from(args: argparse.Namespace, env: Mapping[str, str]) -> DrillOptions:
    bucket, region = args.bucket or env.get("BACKUP_BUCKET"), args.region or env.get("AWS_REGION")
    prefix = args.prefix or env.get("BACKUP_PREFIX") or "postgres/"
    if not bucket:
        raise UsageError("--bucket (or BACKUP_BUCKET) is required")
    if region not in INDIAN_REGIONS:
        raise UsageError(f"--region (or AWS_REGION) must be one of {', '.join(INDIAN_REGIONS)}; got {region!r}")
    if args.version_id and not args.key:
        raise UsageError("--version-id needs --key")
    if args.rto is not None and args.rto <= 0:
        raise UsageError(f"--rto must be a positive number of minutes; got {args.rto:g}")
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.identity_file is not None:
        try:
            text, source = args.identity_file.read_text(encoding="utf-8"), str(args.identity_file)
        except OSError as error:
            raise UsageError(f"--identity-file: cannot read {args.identity_file} ({error.strerror})") from None
    elif env.get("BACKUP_AGE_IDENTITY"):
        text, source = env["BACKUP_AGE_IDENTITY"], "BACKUP_AGE_IDENTITY"
    else:
        raise UsageError("no decryption identity: pass --identity-file or set BACKUP_AGE_IDENTITY")
    try:
        identities = parse_identities(text, source)
        verification = load_verification(args.verification)
    except (CryptoError, VerificationError) as error:
        raise UsageError(str(error)) from None
    targets = StackTargets(rto_minutes=args.rto, postgres_major=args.postgres_major)
    if args.rto is None or args.postgres_major is None:
        stack = stack_targets(args.stack)
        targets = StackTargets(args.rto if args.rto is not None else stack.rto_minutes,
                               args.postgres_major if args.postgres_major is not None else stack.postgres_major)
    assert targets.rto_minutes is not None and targets.postgres_major is not None
    try:  # fail before touching the bucket when the throwaway server cannot be made
        for name in ("pg_restore",) + (() if env.get("DRILL_TARGET_DSN") else ("initdb", "pg_ctl", "postgres")):
            find_program(name, major=None if args.pg_bindir else targets.postgres_major, bindir=args.pg_bindir)
    except PostgresError as error:
        raise UsageError(f"{error} (production's major version is database.postgresMajorVersion; "
                         f"--postgres-major overrides it for a local test)") from None
    return DrillOptions(
        bucket=bucket, prefix=prefix, region=region, endpoint_url=env.get("BACKUP_S3_ENDPOINT_URL"),
        identities=identities, rto_minutes=targets.rto_minutes, postgres_major=targets.postgres_major,
        verification=verification, key=args.key, version_id=args.version_id,
        target_dsn=env.get("DRILL_TARGET_DSN") or None, pg_bindir=args.pg_bindir, jobs=args.jobs,
        stack=args.stack, work_dir=args.work_dir)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    args = parser().parse_args(argv)
    try:
        options = options_from(args, env)
    except (UsageError, ValueError) as error:
        return fail(str(error))
    record = run_drill(options)
    path = args.evidence or Path("out") / f"restore-drill-{record['started_at'].replace(':', '')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(record, indent=2, sort_keys=True).encode() + b"\n"
    path.write_bytes(data)
    print(f"evidence: {path}", file=sys.stderr)
    problems = []
    if args.upload_evidence:
        problems += _upload(options, path, data, record)
    passed = record["result"] == "passed" and not problems
    summary = (f"restore drill passed in {record['timing']['total_seconds']:.1f}s (RTO {options.rto_minutes:g} min)"
               if passed else "restore drill FAILED: " + "; ".join(
                   ([f"{record['failure']['stage']}: {record['failure']['message']}"] if record["failure"] else [])
                   + problems))
    print(summary, file=sys.stderr)
    url = env.get("DRILL_HEARTBEAT_URL") if passed else env.get("DRILL_FAILURE_URL")
    if url:
        problem = ping(url, summary)
        if problem:
            log_event({"event": "drill-ping-failed", "error": problem})
    return EXIT_OK if passed else EXIT_VIOLATIONS


def _upload(options: DrillOptions, path: Path, data: bytes, record: dict[str, object]) -> list[str]:
    s3 = store.client(options.region, options.endpoint_url)
    retain = utc_now() + dt.timedelta(days=EVIDENCE_RETENTION_DAYS)
    digest = hashlib.sha256(data).hexdigest()
    stamp = str(record["started_at"]).replace(":", "")
    try:
        for key in (f"drills/{stamp}-{record['drill_id']}.json", "drills/latest.json"):
            store.put_locked(s3, options.bucket, key, path, digest, retain, "application/json")
    except store.StoreError as error:
        return [f"the evidence could not be stored: {error}"]
    return []


if __name__ == "__main__":
    sys.exit(main())
