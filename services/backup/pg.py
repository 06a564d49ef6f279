"""PostgreSQL client programs and connection strings, without ever showing a password.

The DSN's password travels to pg_dump and pg_restore in ``PGPASSWORD`` (their environment), never
on a command line (which `ps` shows to every user of the host) and never in a message.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

DEBIAN_ROOT = Path("/usr/lib/postgresql")
"""Debian and Ubuntu install each major version's programs in /usr/lib/postgresql/<major>/bin."""
_VERSION = re.compile(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?")


class PostgresError(Exception):
    """A PostgreSQL program is missing or failed. Never holds a password."""


@dataclass(frozen=True)
class Program:
    path: Path
    version: str
    major: int


def find_program(name: str, major: int | None = None, bindir: Path | None = None) -> Program:
    """``name`` from ``bindir``, else Debian's directory of ``major`` (or the newest installed), else PATH."""
    candidates: list[Path] = []
    if bindir is not None:
        candidates.append(bindir / name)
    elif major is not None:
        candidates.append(DEBIAN_ROOT / str(major) / "bin" / name)
    else:
        installed = sorted((p for p in DEBIAN_ROOT.glob("*/bin") if p.parent.name.isdigit()),
                           key=lambda p: int(p.parent.name), reverse=True)
        candidates += [p / name for p in installed]
        found = shutil.which(name)
        if found:
            candidates.append(Path(found))
    for path in candidates:
        if path.is_file():
            program = describe(path)
            if major is not None and program.major != major:
                raise PostgresError(f"{path} is PostgreSQL {program.version}, not {major}")
            return program
    where = bindir or (DEBIAN_ROOT / str(major) / "bin" if major is not None else "PATH or /usr/lib/postgresql")
    wanted = f"PostgreSQL {major}'s {name}" if major is not None else name
    raise PostgresError(f"{wanted} not found in {where}; install it (Debian: apt-get install "
                        f"postgresql{'-' + str(major) if major is not None else ''}) or name its directory")


def describe(path: Path) -> Program:
    result = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False)
    match = _VERSION.search(result.stdout)
    if result.returncode != 0 or not match:
        raise PostgresError(f"{path} --version did not report a PostgreSQL version")
    return Program(path, f"{match[1]}.{match[2] or 0}", int(match[1]))


def split_password(dsn: str) -> tuple[str, str | None]:
    """(connection string without the password, the password or None)."""
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        # libpq's message quotes the string, password included: say only that it is malformed.
        raise PostgresError("the database connection string is malformed (value not shown)") from None
    password = params.pop("password", None)
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None}), (
        str(password) if password is not None else None)


def redact(text: str, secret: str | None) -> str:
    """``text`` with ``secret`` masked (belt and braces: the programs are not expected to print it)."""
    return text.replace(secret, "********") if secret else text


def error_lines(stderr: str, secret: str | None = None, limit: int = 3) -> str:
    """The first error lines of a client program's stderr, without rows of data.

    PostgreSQL's CONTEXT and DETAIL lines can quote a row (``COPY payments, line 3: "…"``, ``Key
    (id)=(42)``): payment data has no place in a log or an evidence record, so only the program's own
    error lines are kept, each cut to 300 characters.
    """
    kept = [line.strip()[:300] for line in redact(stderr, secret).splitlines()
            if ("error:" in line or line.startswith(("FATAL", "ERROR"))) and "CONTEXT" not in line]
    return " | ".join(kept[:limit]) or "no error message"
