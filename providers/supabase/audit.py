"""pgaudit through the SQL endpoint, idempotently.

Supabase allows pgaudit settings at role level only (no ALTER SYSTEM / ALTER DATABASE), and the
Management API has no setting for it, so the provider runs SQL: `create extension if not exists`
and `alter role … set pgaudit.log`, both idempotent. The live state is read with one SELECT
through the read-only query endpoint (as `supabase_read_only_user`), so a refresh changes nothing.
Role names and log classes are validated against strict patterns before they reach SQL.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure

from .base import check_ref, is_unknown
from .client import SupabaseClient
from .settings import SettingsProvider
from .vocabulary import PGAUDIT_CLASSES, ROLE_PATTERN

SETTING_PREFIX = "pgaudit.log="


def canonical(classes: Any) -> str | None:
    """Log classes as one comparable string ('ddl,role,write'); None when unset."""
    if classes is None:
        return None
    if isinstance(classes, str):
        classes = classes.split(",")
    names = sorted({str(c).strip().lower() for c in classes if str(c).strip()})
    return ",".join(names) or None


def read_sql(roles: list[str]) -> str:
    names = ", ".join(f"'{role}'" for role in roles)
    return (
        "select r.rolname as role, "
        f"(select substr(s, {len(SETTING_PREFIX) + 1}) from unnest(r.rolconfig) as s "
        f"where s like '{SETTING_PREFIX}%') as log, "
        "exists (select 1 from pg_extension where extname = 'pgaudit') as installed "
        f"from pg_roles r where r.rolname in ({names}) order by r.rolname;")


def apply_sql(changes: dict[str, str]) -> str:
    lines = ["create extension if not exists pgaudit;"]
    for role, classes in sorted(changes.items()):
        lines.append(f"alter role \"{role}\" set pgaudit.log to '{classes.replace(',', ', ')}';")
    return "\n".join(lines)


class PgAuditProvider(SettingsProvider):
    kind = "PgAudit"
    surface = "pgaudit"

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        failures = check_ref(props)
        roles = props.get("roles")
        if is_unknown(roles):
            return failures
        if not isinstance(roles, dict) or not roles:
            return [*failures, CheckFailure("roles", "must map at least one role to its pgaudit.log classes")]
        for role, classes in roles.items():
            if not ROLE_PATTERN.match(str(role)):
                failures.append(CheckFailure(f"roles.{role}", "is not a plain Postgres role name ([a-z_][a-z0-9_]*)"))
            if is_unknown(classes):
                continue
            if not isinstance(classes, list) or not classes:
                failures.append(CheckFailure(f"roles.{role}", "must list at least one log class"))
                continue
            unknown = [c for c in classes if c not in PGAUDIT_CLASSES]
            if unknown:
                failures.append(CheckFailure(
                    f"roles.{role}", f"{unknown} are not pgaudit.log classes; allowed: {list(PGAUDIT_CLASSES)}"))
        return failures

    def wanted(self, props: dict[str, Any]) -> dict[str, Any]:
        roles = props.get("roles") or {}
        return {role: classes if is_unknown(classes) else canonical(classes) for role, classes in roles.items()}

    def managed(self, props: dict[str, Any]) -> dict[str, Any]:
        return {"project_ref": props.get("project_ref"),
                **{f"roles.{k}": v for k, v in self.wanted(props).items()}}

    def fetch(self, client: SupabaseClient, ref: str, props: dict[str, Any]) -> dict[str, Any]:
        roles = sorted(self.wanted(props))
        rows = client.run_read_only_query(ref, read_sql(roles)) if roles else []
        installed = any(bool(row.get("installed")) for row in rows)
        live: dict[str, Any] = {role: None for role in roles}
        for row in rows:
            live[str(row.get("role"))] = canonical(row.get("log")) if installed else None
        live["extension_installed"] = installed
        return live

    def apply(self, client: SupabaseClient, ref: str, changes: dict[str, Any],
              wanted: dict[str, Any]) -> dict[str, Any] | None:
        client.run_query(ref, apply_sql(changes))
        return {**changes, "extension_installed": True}

    def outputs(self, props: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
        roles = {role: (str(live[role]).split(",") if live.get(role) else None) for role in self.wanted(props)}
        return {**props, "roles": roles, "extension_installed": live.get("extension_installed")}

    def _live_from(self, outs: dict[str, Any]) -> dict[str, Any]:
        return {"extension_installed": outs.get("extension_installed")}
