"""One backup run: snapshot, measure, dump, encrypt, upload locked, write the manifest."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from . import store
from .crypto import FORMAT, encrypt_stream
from .manifest import DUMP_SUFFIX, SCHEMA, Manifest, manifest_key
from .pg import PostgresError, error_lines, find_program, redact, split_password
from .settings import BackupSettings
from .verification import Measurement, measure, prepare_session

Log = Callable[[dict[str, Any]], None]


def log_event(record: dict[str, Any]) -> None:
    print(json.dumps(record, sort_keys=True), flush=True)  # stdout: the task's log, shipped by the platform


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class BackupError(Exception):
    """The run failed at ``stage``; the message names what and never holds a secret."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(f"{stage}: {message}")
        self.stage = stage


@dataclass(frozen=True)
class BackupResult:
    manifest: Manifest
    missing_tables: tuple[str, ...]


@dataclass(frozen=True)
class _Dump:
    server_version: str
    server_version_num: int
    pg_dump_version: str
    measurement: Measurement
    plain_sha256: str
    plain_size: int
    encrypted_sha256: str
    encrypted_size: int
    seconds: float


def run_backup(settings: BackupSettings, clock: Callable[[], dt.datetime] = utc_now, log: Log = log_event,
               s3: Any = None) -> BackupResult:
    started = clock()
    key = f"{settings.prefix}{started.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}{DUMP_SUFFIX}"
    log({"event": "backup-started", "bucket": settings.bucket, "key": key})
    s3 = s3 if s3 is not None else store.client(settings.region, settings.endpoint_url)
    with tempfile.TemporaryDirectory(prefix="lsp-backup-", dir=settings.work_dir) as work:
        encrypted_path = Path(work) / "dump.age"
        try:
            dump = _dump(settings, encrypted_path)
        except PostgresError as error:
            raise BackupError("dump", str(error)) from None
        except psycopg.Error as error:  # e.g. the role may not read a table: the message names the table
            raise BackupError("dump", " ".join(str(error).split())[:300]) from None
        log({"event": "dump-encrypted", "plain_bytes": dump.plain_size, "encrypted_bytes": dump.encrypted_size,
             "seconds": round(dump.seconds, 3), "server_version": dump.server_version})
        if dump.encrypted_size > store.WARN_SIZE:
            log({"event": "dump-near-upload-limit", "encrypted_bytes": dump.encrypted_size,
                 "limit_bytes": store.SINGLE_PUT_LIMIT})
        retain_until = (clock() + dt.timedelta(days=settings.retention_days)).replace(microsecond=0)
        upload_started = time.perf_counter()
        try:
            version, checksum = store.put_locked(s3, settings.bucket, key, encrypted_path, dump.encrypted_sha256,
                                                 retain_until, "application/octet-stream")
        except store.StoreError as error:
            raise BackupError("upload", str(error)) from None
        upload_seconds = time.perf_counter() - upload_started
        finished = clock()
        document = {
            "schema": SCHEMA, "bucket": settings.bucket, "key": key, "version_id": version,
            "encryption": {"format": FORMAT, "recipients": list(settings.recipients)},
            "encrypted": {"sha256": dump.encrypted_sha256, "size": dump.encrypted_size, "checksum_sha256": checksum},
            "plain": {"sha256": dump.plain_sha256, "size": dump.plain_size, "format": "pg_dump-custom"},
            "lock": {"mode": store.LOCK_MODE, "retain_until": store.iso(retain_until)},
            "database": {"server_version": dump.server_version, "server_version_num": dump.server_version_num,
                         "pg_dump_version": dump.pg_dump_version, "schemas": list(settings.verification.schemas),
                         **dump.measurement.as_json()},
            "started_at": store.iso(started), "finished_at": store.iso(finished),
            "timing": {"dump_seconds": round(dump.seconds, 3), "upload_seconds": round(upload_seconds, 3),
                       "total_seconds": round((finished - started).total_seconds(), 3)},
        }
        manifest = Manifest(document)
        manifest_path = Path(work) / "manifest.json"
        manifest_path.write_bytes(manifest.to_bytes())
        try:
            manifest_version, _ = store.put_locked(
                s3, settings.bucket, manifest_key(key), manifest_path,
                hashlib.sha256(manifest_path.read_bytes()).hexdigest(), retain_until, "application/json")
        except store.StoreError as error:
            raise BackupError("upload", f"the dump is stored but its manifest is not: {error}") from None
    missing = tuple(name for name, stats in dump.measurement.tables.items() if stats is None)
    log({"event": "backup-stored", "key": key, "version_id": version, "manifest_version_id": manifest_version,
         "encrypted_bytes": dump.encrypted_size, "retain_until": store.iso(retain_until),
         "seconds": round((finished - started).total_seconds(), 3), "missing_tables": list(missing)})
    return BackupResult(manifest, missing)


def _dump(settings: BackupSettings, encrypted_path: Path) -> _Dump:
    """Measure and dump one snapshot: the manifest's figures and the dump describe the same data."""
    conninfo, password = split_password(settings.database_url)
    pg_dump = find_program("pg_dump", bindir=settings.pg_bindir)
    try:
        conn = psycopg.connect(settings.database_url, connect_timeout=30, application_name="lightspeedpay-backup")
    except psycopg.Error as error:
        # libpq's message names the host, port and user, never the password; mask it all the same.
        raise BackupError("connect", redact(" ".join(str(error).split()), password)[:300]) from None
    with conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        prepare_session(conn)
        row = conn.execute("SELECT current_setting('server_version'), current_setting('server_version_num')::int, "
                           "pg_export_snapshot()").fetchone()
        assert row is not None
        server_version, server_version_num, snapshot = str(row[0]).split()[0], int(row[1]), str(row[2])
        if pg_dump.major < server_version_num // 10000:
            raise BackupError("dump", f"{pg_dump.path} is PostgreSQL {pg_dump.version}; the server runs "
                                      f"{server_version}: pg_dump must be at least the server's major version")
        measurement = measure(conn, settings.verification)
        started = time.perf_counter()
        env = {**os.environ, "PGAPPNAME": "lightspeedpay-backup"}
        if password is not None:
            env["PGPASSWORD"] = password
        with tempfile.TemporaryFile() as stderr, encrypted_path.open("wb") as sink:
            args = [str(pg_dump.path), "--format=custom", f"--snapshot={snapshot}", "--no-password",
                    *[f"--schema={schema}" for schema in settings.verification.schemas], f"--dbname={conninfo}"]
            with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr, env=env) as process:
                assert process.stdout is not None
                try:
                    plain, encrypted = encrypt_stream(process.stdout, sink, settings.recipients)
                except BaseException:
                    process.kill()
                    raise
            if process.returncode != 0:
                stderr.seek(0)
                raise BackupError("dump", f"pg_dump exited with {process.returncode}: "
                                          f"{error_lines(stderr.read().decode(errors='replace'), password)}")
        conn.rollback()  # read-only: nothing to commit; ends the snapshot
    return _Dump(server_version, server_version_num, pg_dump.version, measurement, plain.sha256.hexdigest(),
                 plain.size, encrypted.sha256.hexdigest(), encrypted.size, time.perf_counter() - started)
