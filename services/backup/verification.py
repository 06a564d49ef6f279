"""What a backup must cover and what a restore must show, and the one way both sides measure it.

`verification.toml` (beside this file) declares the schemas pg_dump takes, the roles a restore
needs, the migration table that gives the schema version, and the critical tables with the rows
each must at least hold. The backup job measures each critical table **in the snapshot it dumps**
(row count and an order-independent checksum of every row's text) and records it in the manifest;
the drill measures the restored copy with the same query and session settings and compares.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

DEFAULT_FILE = Path(__file__).with_name("verification.toml")
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

SESSION_SETTINGS = {
    # A row's text, and so its checksum, depends on these: pin them on both sides.
    "TimeZone": "UTC",
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "extra_float_digits": "1",
    "bytea_output": "hex",
    # The production role has a 60 s statement timeout; a full-table checksum and a snapshot held
    # open while pg_dump runs must not be cut short.
    "statement_timeout": "0",
    "idle_in_transaction_session_timeout": "0",
}


class VerificationError(Exception):
    """The verification file is missing or wrong; the message names the key."""


@dataclass(frozen=True)
class TableExpectation:
    schema: str
    table: str
    min_rows: int

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"


@dataclass(frozen=True)
class Verification:
    schemas: tuple[str, ...]
    roles: tuple[str, ...]
    version_schema: str
    version_table: str
    version_column: str
    tables: tuple[TableExpectation, ...]

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables)


@dataclass(frozen=True)
class TableStats:
    rows: int
    checksum: str

    def as_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "checksum": self.checksum}


@dataclass(frozen=True)
class Measurement:
    schema_version: str | None
    tables: dict[str, TableStats | None]
    """Per critical table; None when the table does not exist."""

    def as_json(self) -> dict[str, Any]:
        return {"schema_version": self.schema_version,
                "tables": {name: stats.as_json() if stats else None for name, stats in self.tables.items()}}


def load_verification(path: Path) -> Verification:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VerificationError(f"{path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise VerificationError(f"{path} is not valid TOML: {error}") from None
    problems: list[str] = []
    schemas = _names(document, "dump.schemas", problems, required=True)
    roles = _names(document, "restore.roles", problems, required=False)
    version = document.get("schema_version") or {}
    version_name = _qualified(str(version.get("table", "")), "schema_version.table", problems)
    version_column = str(version.get("column", ""))
    if not _NAME.match(version_column):
        problems.append(f"schema_version.column must be a column name; got {version_column!r}")
    tables: list[TableExpectation] = []
    for index, entry in enumerate(document.get("tables") or []):
        where = f"tables[{index}]"
        name = _qualified(str(entry.get("name", "")), f"{where}.name", problems)
        min_rows = entry.get("min_rows", 0)
        if not isinstance(min_rows, int) or isinstance(min_rows, bool) or min_rows < 0:
            problems.append(f"{where}.min_rows must be a whole number >= 0; got {min_rows!r}")
            min_rows = 0
        if name:
            tables.append(TableExpectation(name[0], name[1], min_rows))
    if not tables:
        problems.append("tables must list at least one critical table ([[tables]] name = \"schema.table\")")
    seen = [t.name for t in tables]
    problems += [f"tables: {n} is listed twice" for n in sorted({n for n in seen if seen.count(n) > 1})]
    for where, schema in [(f"tables: {t.name}", t.schema) for t in tables] + [
            ("schema_version.table", version_name[0] if version_name else "")]:
        if schema and schemas and schema not in schemas:
            problems.append(f"{where} is in schema {schema!r}, which dump.schemas ({', '.join(schemas)}) does not "
                            f"take: the backup would not contain it")
    if problems or not version_name:
        raise VerificationError(f"{path}: " + "; ".join(problems))
    return Verification(schemas, roles, version_name[0], version_name[1], version_column, tuple(tables))


def _names(document: dict[str, Any], dotted: str, problems: list[str], required: bool) -> tuple[str, ...]:
    section, key = dotted.split(".")
    value = (document.get(section) or {}).get(key)
    if value is None and not required:
        return ()
    if not isinstance(value, list) or (required and not value) or not all(
            isinstance(v, str) and _NAME.match(v) for v in value):
        problems.append(f"{dotted} must be a list of lower-case identifiers; got {value!r}")
        return ()
    return tuple(value)


def _qualified(name: str, where: str, problems: list[str]) -> tuple[str, str] | None:
    schema, _, table = name.partition(".")
    if not (_NAME.match(schema) and _NAME.match(table)):
        problems.append(f"{where} must be 'schema.table' in lower case; got {name!r}")
        return None
    return schema, table


def prepare_session(conn: psycopg.Connection[Any]) -> None:
    for name, value in SESSION_SETTINGS.items():
        conn.execute("SELECT set_config(%s, %s, false)", (name, value))


def measure(conn: psycopg.Connection[Any], verification: Verification,
            also: tuple[str, ...] = ()) -> Measurement:
    """Schema version and row count and checksum of each critical table (and of ``also``, as
    ``schema.table`` names), in ``conn``'s current snapshot."""
    tables: dict[str, TableStats | None] = {}
    for name in dict.fromkeys([*verification.table_names, *also]):
        schema, _, table = name.partition(".")
        tables[name] = table_stats(conn, schema, table)
    version: str | None = None
    if _exists(conn, verification.version_schema, verification.version_table):
        row = conn.execute(sql.SQL("SELECT max({})::text FROM {}.{}").format(
            sql.Identifier(verification.version_column), sql.Identifier(verification.version_schema),
            sql.Identifier(verification.version_table))).fetchone()
        version = row[0] if row else None
    return Measurement(version, tables)


def table_stats(conn: psycopg.Connection[Any], schema: str, table: str) -> TableStats | None:
    if not _exists(conn, schema, table):
        return None
    # Sum of the first 64 bits of each row's md5: independent of row order and of physical layout,
    # streams over any table size, changes when any value of any row changes.
    row = conn.execute(sql.SQL(
        "SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint), 0)::text "
        "FROM {}.{} AS t").format(sql.Identifier(schema), sql.Identifier(table))).fetchone()
    assert row is not None
    return TableStats(int(row[0]), str(row[1]))


def _exists(conn: psycopg.Connection[Any], schema: str, table: str) -> bool:
    row = conn.execute("SELECT to_regclass(format('%%I.%%I', %s::text, %s::text)) IS NOT NULL",
                       (schema, table)).fetchone()
    return bool(row and row[0])
