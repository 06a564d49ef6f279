"""The backup job's settings, from its environment, checked before anything runs.

Every problem is reported at once, naming the variable and what is allowed, never its value when
the value is a secret (the DSN, the heartbeat URLs: anyone holding a ping URL can silence the alarm).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .crypto import CryptoError, parse_recipients
from .verification import DEFAULT_FILE, Verification, VerificationError, load_verification

INDIAN_REGIONS = ("ap-south-1", "ap-south-2")
"""AWS Mumbai and Hyderabad: payment data and its copies stay in India (RBI)."""
MAX_RETENTION_DAYS = 3650
_BUCKET = re.compile(r"^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PREFIX = re.compile(r"^([a-z0-9][a-z0-9._-]*/)*$")
REQUIRED = ("BACKUP_DATABASE_URL", "BACKUP_BUCKET", "BACKUP_AGE_RECIPIENTS", "BACKUP_RETENTION_DAYS",
            "BACKUP_HEARTBEAT_URL", "AWS_REGION")


class SettingsError(Exception):
    """One message listing every missing or invalid variable (never a secret's value)."""


@dataclass(frozen=True)
class BackupSettings:
    database_url: str = field(repr=False)
    bucket: str
    prefix: str
    recipients: tuple[str, ...]
    retention_days: int
    heartbeat_url: str = field(repr=False)
    failure_url: str | None = field(repr=False)
    region: str
    endpoint_url: str | None
    verification: Verification
    pg_bindir: Path | None
    work_dir: Path | None


def load_settings(env: Mapping[str, str] | None = None) -> BackupSettings:
    env = os.environ if env is None else env
    problems = [f"{name} is required" for name in REQUIRED if not env.get(name)]

    def optional(name: str) -> str | None:
        return env.get(name) or None

    bucket = env.get("BACKUP_BUCKET", "")
    if bucket and not _BUCKET.match(bucket):
        problems.append(f"BACKUP_BUCKET must be an S3 bucket name (3-63 lower-case letters, digits, '-', '.'); "
                        f"got {bucket!r}")
    prefix = env.get("BACKUP_PREFIX", "postgres/")
    if not _PREFIX.match(prefix) or not prefix:
        problems.append(f"BACKUP_PREFIX must be key segments ending in '/', e.g. 'postgres/production/'; "
                        f"got {prefix!r}")
    recipients: tuple[str, ...] = ()
    if env.get("BACKUP_AGE_RECIPIENTS"):
        try:
            recipients = parse_recipients(env["BACKUP_AGE_RECIPIENTS"])
        except CryptoError as error:
            problems.append(f"BACKUP_AGE_RECIPIENTS: {error}")
    retention = 0
    if env.get("BACKUP_RETENTION_DAYS"):
        raw = env["BACKUP_RETENTION_DAYS"]
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_RETENTION_DAYS:
            problems.append(f"BACKUP_RETENTION_DAYS must be a whole number of days in 1..{MAX_RETENTION_DAYS} "
                            f"(the COMPLIANCE lock on each backup); got {raw!r}")
        else:
            retention = int(raw)
    region = env.get("AWS_REGION", "")
    if region and region not in INDIAN_REGIONS:
        problems.append(f"AWS_REGION must be an Indian region ({', '.join(INDIAN_REGIONS)}); got {region!r}")
    problems += [_url_problem(name, env[name]) for name in ("BACKUP_HEARTBEAT_URL", "BACKUP_FAILURE_URL",
                                                            "BACKUP_S3_ENDPOINT_URL") if env.get(name)]
    if env.get("BACKUP_DATABASE_URL") and not _looks_like_dsn(env["BACKUP_DATABASE_URL"]):
        problems.append("BACKUP_DATABASE_URL must be a libpq connection URI (postgresql://…) or key=value string "
                        "(value not shown: it holds a password)")
    pg_bindir = Path(env["BACKUP_PG_BINDIR"]) if env.get("BACKUP_PG_BINDIR") else None
    if pg_bindir is not None and not (pg_bindir / "pg_dump").is_file():
        problems.append(f"BACKUP_PG_BINDIR has no pg_dump: {pg_bindir}")
    work_dir = Path(env["BACKUP_WORK_DIR"]) if env.get("BACKUP_WORK_DIR") else None
    if work_dir is not None and not work_dir.is_dir():
        problems.append(f"BACKUP_WORK_DIR is not a directory: {work_dir}")
    verification: Verification | None = None
    try:
        verification = load_verification(Path(env.get("BACKUP_VERIFICATION_FILE") or DEFAULT_FILE))
    except VerificationError as error:
        problems.append(f"BACKUP_VERIFICATION_FILE: {error}")
    problems = [p for p in problems if p]
    if problems or verification is None:
        raise SettingsError("invalid backup settings:\n  - " + "\n  - ".join(problems))
    return BackupSettings(
        database_url=env["BACKUP_DATABASE_URL"], bucket=bucket, prefix=prefix, recipients=recipients,
        retention_days=retention, heartbeat_url=env["BACKUP_HEARTBEAT_URL"],
        failure_url=optional("BACKUP_FAILURE_URL"), region=region, endpoint_url=optional("BACKUP_S3_ENDPOINT_URL"),
        verification=verification, pg_bindir=pg_bindir, work_dir=work_dir)


def failure_url_of(env: Mapping[str, str]) -> str | None:
    """The failure URL when it is usable even though other settings are not (to report bad settings)."""
    url = env.get("BACKUP_FAILURE_URL")
    return url if url and not _url_problem("BACKUP_FAILURE_URL", url) else None


def _url_problem(name: str, url: str) -> str:
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme == "https" and parts.hostname:
        return ""
    if parts.scheme == "http" and loopback:
        return ""  # local test servers only
    return f"{name} must be an https:// URL (value not shown)"


def _looks_like_dsn(dsn: str) -> bool:
    return dsn.startswith(("postgresql://", "postgres://")) or "=" in dsn
