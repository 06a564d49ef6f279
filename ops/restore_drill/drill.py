"""One restore drill, stage by stage, always ending in an evidence record.

locate (the manifest) → download (the exact version it names, hashed on the way) → checksum
(against the manifest and the bucket's own checksum, before anything is restored) → decrypt →
postgres (a throwaway server of production's major version) → restore (pg_restore into a new
database) → verify (schema version, row counts and checksums against the manifest) → rto.
The first stage that fails ends the drill; the record says which and why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from pyrage import x25519

from ops.analysis import POLICY_DIR
from services.backup import store
from services.backup.crypto import CryptoError, decrypt_stream
from services.backup.job import Log, log_event, utc_now
from services.backup.manifest import MANIFEST_SUFFIX, Manifest, ManifestError, manifest_key, parse
from services.backup.pg import PostgresError, Program, error_lines, find_program, split_password
from services.backup.verification import Verification, measure, prepare_session

from .cluster import TemporaryCluster

if str(POLICY_DIR) not in sys.path:  # the pack's modules import as the CLI imports them (policies/ on the path)
    sys.path.insert(0, str(POLICY_DIR))
from lightspeedpay_policies import backup_evidence

_PUBLIC_SCHEMA = re.compile(r"; \d+ \d+ SCHEMA - public ")


class DrillError(Exception):
    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage


@dataclass(frozen=True)
class DrillOptions:
    bucket: str
    region: str
    identities: list[x25519.Identity] = field(repr=False)
    rto_minutes: float
    postgres_major: int
    verification: Verification
    prefix: str = "postgres/"
    endpoint_url: str | None = None
    key: str | None = None
    version_id: str | None = None
    target_dsn: str | None = field(default=None, repr=False)
    """A throwaway server to restore into (a new database is created and dropped); None: a temporary cluster."""
    pg_bindir: Path | None = None
    jobs: int = 2
    stack: str | None = None
    work_dir: Path | None = None


def run_drill(options: DrillOptions, s3: Any = None, clock: Callable[[], dt.datetime] = utc_now,
              log: Log = log_event) -> dict[str, Any]:
    """Run the drill and return its evidence record (passed or failed; never raises for a failed drill)."""
    record = _new_record(options, clock())
    timing: dict[str, float] = record["timing"]
    started = time.perf_counter()
    stage = "locate"

    @contextmanager
    def step(name: str) -> Iterator[None]:
        nonlocal stage
        stage, began = name, time.perf_counter()
        try:
            yield
        finally:
            timing[f"{name}_seconds"] = round(time.perf_counter() - began, 3)

    s3 = s3 if s3 is not None else store.client(options.region, options.endpoint_url)
    try:
        with tempfile.TemporaryDirectory(prefix="lsp-drill-", dir=options.work_dir) as work:
            with step("locate"):
                manifest = _locate(s3, options, record)
                facts = store.head(s3, manifest.bucket, manifest.key, manifest.version_id)
                record["object"].update(facts.as_json())
            encrypted, plain = Path(work) / "dump.age", Path(work) / "dump"
            with step("download"):
                record["object"]["sha256"], _ = store.download(s3, manifest.bucket, manifest.key,
                                                              manifest.version_id, encrypted)
            with step("checksum"):
                _check_object(manifest, record["object"])
            with step("decrypt"):
                _decrypt(encrypted, plain, options.identities, manifest, record)
                encrypted.unlink()
            with ExitStack() as server:
                with step("postgres"):
                    server_dsn, pg_restore = server.enter_context(_server(options, manifest, record))
                database = f"restore_drill_{secrets.token_hex(4)}"
                server.callback(_drop, server_dsn, database, log)
                with step("restore"):
                    target = _restore(server_dsn, database, plain, pg_restore, options)
                with step("verify"):
                    _verify(target, manifest, options.verification, record)
                timing["total_seconds"] = round(time.perf_counter() - started, 3)  # teardown is not recovery
        stage = "rto"
        if timing["total_seconds"] > options.rto_minutes * 60:
            raise DrillError("rto", f"the drill took {timing['total_seconds']:.1f}s, more than the "
                                    f"{options.rto_minutes:g}-minute RTO")
    except DrillError as failure:
        record["failure"] = {"stage": failure.stage, "message": str(failure)}
    except (store.StoreError, PostgresError, CryptoError, ManifestError) as error:
        record["failure"] = {"stage": stage, "message": str(error)}
    except psycopg.Error as error:
        record["failure"] = {"stage": stage, "message": " ".join(str(error).split())[:300]}
    except Exception as error:  # a bug or an unforeseen failure: still a failed drill, with its evidence
        record["failure"] = {"stage": stage, "message": f"unexpected {type(error).__name__}: {error}"[:300]}
    timing.setdefault("total_seconds", round(time.perf_counter() - started, 3))
    record["result"] = "failed" if record["failure"] else "passed"
    record["finished_at"] = store.iso(clock())
    record["digest"] = backup_evidence.evidence_digest(record)
    log({"event": "restore-drill", "result": record["result"], "failure": record["failure"],
         "key": record["object"]["key"], "version_id": record["object"]["version_id"],
         "total_seconds": timing["total_seconds"], "rto_minutes": options.rto_minutes})
    return record


def _new_record(options: DrillOptions, now: dt.datetime) -> dict[str, Any]:
    return {
        "schema": backup_evidence.SCHEMA, "drill_id": secrets.token_hex(8), "stack": options.stack,
        "started_at": store.iso(now), "finished_at": None, "result": None, "failure": None,
        "object": {"bucket": options.bucket, "key": options.key, "version_id": options.version_id, "sha256": None,
                   "checksum_sha256": None, "size": None, "lock_mode": None, "retain_until": None,
                   "last_modified": None},
        "manifest": {"key": None, "version_id": None, "sha256": None},
        "dump": {"sha256": None, "size": None, "taken_at": None, "server_version": None},
        "postgres": {"version": None, "major": None, "required_major": options.postgres_major, "target": None},
        "rto_minutes": options.rto_minutes, "timing": {},
        "verification": {"schema_version": {"expected": None, "actual": None}, "tables": [], "problems": []},
        "tool": {"name": "ops.restore_drill", "host": socket.gethostname()},
    }


def _locate(s3: Any, options: DrillOptions, record: dict[str, Any]) -> Manifest:
    if options.key:
        key = manifest_key(options.key)
    else:
        found = store.latest_key(s3, options.bucket, options.prefix, MANIFEST_SUFFIX)
        if found is None:
            raise DrillError("locate", f"no backup manifest under s3://{options.bucket}/{options.prefix}")
        key = found
    data, version = store.read_small(s3, options.bucket, key)
    record["manifest"].update(key=key, version_id=version, sha256=hashlib.sha256(data).hexdigest())
    manifest = parse(data, f"s3://{options.bucket}/{key}")
    if manifest.bucket != options.bucket or manifest_key(manifest.key) != key:
        raise DrillError("locate", f"manifest {key} describes s3://{manifest.bucket}/{manifest.key}, not the "
                                   f"object beside it")
    if options.version_id and manifest.version_id != options.version_id:
        raise DrillError("locate", f"the manifest of {manifest.key} describes version {manifest.version_id}, not "
                                   f"{options.version_id}")
    record["object"].update(key=manifest.key, version_id=manifest.version_id)
    database = manifest.database
    record["dump"].update(taken_at=manifest.document.get("started_at"), server_version=database.get("server_version"))
    return manifest


def _check_object(manifest: Manifest, obj: dict[str, Any]) -> None:
    """Refuse to restore bytes that are not the ones the backup job stored."""
    if obj["sha256"] != manifest.encrypted_sha256:
        raise DrillError("checksum", f"the downloaded object's sha256 is {obj['sha256']}, the manifest recorded "
                                     f"{manifest.encrypted_sha256}: the object is corrupted; nothing was restored")
    if obj["checksum_sha256"] != manifest.checksum_sha256 or obj["size"] != manifest.encrypted_size:
        raise DrillError("checksum", f"the bucket reports checksum {obj['checksum_sha256']} and size "
                                     f"{obj['size']}, the manifest recorded {manifest.checksum_sha256} and "
                                     f"{manifest.encrypted_size}")
    if obj["lock_mode"] != store.LOCK_MODE:
        raise DrillError("checksum", f"the object is not under {store.LOCK_MODE} object lock "
                                     f"(lock mode {obj['lock_mode']!r}): a credential could delete it")


def _decrypt(encrypted: Path, plain: Path, identities: list[x25519.Identity], manifest: Manifest,
             record: dict[str, Any]) -> None:
    with encrypted.open("rb") as source, plain.open("wb") as sink:
        result = decrypt_stream(source, sink, identities)
    record["dump"].update(sha256=result.sha256.hexdigest(), size=result.size)
    if record["dump"]["sha256"] != manifest.plain_sha256:
        raise DrillError("decrypt", f"the decrypted dump's sha256 is {record['dump']['sha256']}, the manifest "
                                    f"recorded {manifest.plain_sha256}")


@contextmanager
def _server(options: DrillOptions, manifest: Manifest, record: dict[str, Any]) -> Iterator[tuple[str, Program]]:
    """(maintenance DSN, pg_restore) of a throwaway server of the required major version."""
    pg_restore = find_program("pg_restore", major=None if options.pg_bindir else options.postgres_major,
                              bindir=options.pg_bindir)
    dumped_major = int(manifest.database.get("server_version_num") or 0) // 10000
    if dumped_major and dumped_major != options.postgres_major:
        raise DrillError("postgres", f"the backup was taken from PostgreSQL {dumped_major}, but the drill restores "
                                     f"into {options.postgres_major} (database.postgresMajorVersion): fix the "
                                     f"stack config or the drill's --postgres-major")
    if options.target_dsn is None:
        with TemporaryCluster(major=None if options.pg_bindir else options.postgres_major,
                              bindir=options.pg_bindir) as cluster:
            _describe_server(cluster.dsn(), "temporary-cluster", options, record)
            yield cluster.dsn(), pg_restore
    else:
        _describe_server(options.target_dsn, "server", options, record)
        yield options.target_dsn, pg_restore


def _describe_server(dsn: str, target: str, options: DrillOptions, record: dict[str, Any]) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT current_setting('server_version'), "
                           "current_setting('server_version_num')::int").fetchone()
    assert row is not None
    version, major = str(row[0]).split()[0], int(row[1]) // 10000
    record["postgres"].update(version=version, major=major, target=target)
    if major != options.postgres_major:
        raise DrillError("postgres", f"the throwaway server runs PostgreSQL {version}; production's major version "
                                     f"is {options.postgres_major}")


def _restore(server_dsn: str, database: str, dump: Path, pg_restore: Program, options: DrillOptions) -> str:
    listing = subprocess.run([str(pg_restore.path), "--list", str(dump)], capture_output=True, text=True, check=False)
    if listing.returncode != 0:
        raise DrillError("restore", f"the dump is not a readable pg_dump archive: {error_lines(listing.stderr)}")
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(database)))
        existing = {str(r[0]) for r in conn.execute("SELECT rolname FROM pg_roles").fetchall()}
        for role in options.verification.roles:
            if role not in existing:
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
    conninfo, password = split_password(server_dsn)
    target = psycopg.conninfo.make_conninfo(server_dsn, dbname=database)
    target_conninfo = psycopg.conninfo.make_conninfo(conninfo, dbname=database)
    if _PUBLIC_SCHEMA.search(listing.stdout):
        # The archive creates schema public itself; a new database already has one (empty).
        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public")
    result = subprocess.run(
        [str(pg_restore.path), "--exit-on-error", "--no-owner", "--no-privileges", f"--jobs={options.jobs}",
         f"--dbname={target_conninfo}", str(dump)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PGPASSWORD": password} if password else None)
    if result.returncode != 0:
        raise DrillError("restore", f"pg_restore failed (exit {result.returncode}): "
                                    f"{error_lines(result.stderr, password)}")
    return target


def _verify(target_dsn: str, manifest: Manifest, verification: Verification, record: dict[str, Any]) -> None:
    recorded: dict[str, Any] = manifest.database.get("tables") or {}
    minimum = {t.name: t.min_rows for t in verification.tables}
    tables, problems = [], []
    with psycopg.connect(target_dsn) as conn:
        prepare_session(conn)
        measured = measure(conn, verification, also=tuple(recorded))
    names = list(measured.tables)
    for name in names:
        expected, actual = recorded.get(name), measured.tables[name]
        problem = None
        if actual is None:
            problem = f"{name} is missing after the restore"
        elif name not in recorded:
            problem = f"{name}: the backup recorded no figures for it (declared critical after the backup was taken)"
        elif expected is None:
            problem = f"{name} was missing from the database when the backup was taken"
        elif actual.rows != expected["rows"]:
            problem = f"{name}: {actual.rows} rows after the restore, {expected['rows']} at backup time"
        elif actual.checksum != expected["checksum"]:
            problem = f"{name}: the rows' checksum differs from the one recorded at backup time"
        elif actual.rows < minimum.get(name, 0):
            problem = f"{name}: {actual.rows} rows, fewer than the {minimum[name]} verification.toml expects"
        tables.append({"name": name, "expected_rows": expected["rows"] if expected else None,
                       "rows": actual.rows if actual else None,
                       "expected_checksum": expected["checksum"] if expected else None,
                       "checksum": actual.checksum if actual else None, "problem": problem})
        if problem:
            problems.append(problem)
    expected_version, actual_version = manifest.database.get("schema_version"), measured.schema_version
    if actual_version is None or actual_version != expected_version:
        problems.append(f"schema version {actual_version!r} after the restore, {expected_version!r} at backup time")
    record["verification"] = {"schema_version": {"expected": expected_version, "actual": actual_version},
                              "tables": tables, "problems": problems}
    if problems:
        raise DrillError("verify", "; ".join(problems))


def _drop(server_dsn: str, database: str, log: Log) -> None:
    """Remove the drill's database; a failure here must not hide the drill's own result."""
    try:
        with psycopg.connect(server_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
    except psycopg.Error as error:
        log({"event": "restore-drill-cleanup-failed", "database": database, "error": " ".join(str(error).split())})

