"""pgaudit through the SQL endpoint, idempotently.

Supabase allows pgaudit settings at role level only (no ALTER SYSTEM / ALTER DATABASE), and the
Management API has no setting for it, so the provider runs SQL: `create extension if not exists`
and `alter role … set pgaudit.log`, both idempotent. The live state is read with one SELECT
through the read-only query endpoint (as `supabase_read_only_user`), so a refresh changes nothing.
Role names and log classes are validated against strict patterns before they reach SQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from providers.dynamic.checks import Checker
from providers.dynamic.ids import IdFormat
from providers.dynamic.resource import Args, DynamicResource, Out
from providers.dynamic.values import is_unknown

from .base import SettingsProvider, check_ref
from .client import SupabaseClient
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


def read_sql(roles: list[str] | None) -> str:
    """One SELECT: each role's pgaudit.log and whether the extension is installed. Without names
    (a read by id alone), every role that has a pgaudit.log setting."""
    where = (f"r.rolname in ({', '.join(f'{chr(39)}{role}{chr(39)}' for role in roles)})" if roles is not None
             else f"exists (select 1 from unnest(r.rolconfig) as c where c like '{SETTING_PREFIX}%')")
    return (
        "select r.rolname as role, "
        f"(select substr(s, {len(SETTING_PREFIX) + 1}) from unnest(r.rolconfig) as s "
        f"where s like '{SETTING_PREFIX}%') as log, "
        "exists (select 1 from pg_extension where extname = 'pgaudit') as installed "
        f"from pg_roles r where {where} order by r.rolname;")


def apply_sql(changes: dict[str, str]) -> str:
    lines = ["create extension if not exists pgaudit;"]
    for role, classes in sorted(changes.items()):
        lines.append(f"alter role \"{role}\" set pgaudit.log to '{classes.replace(',', ', ')}';")
    return "\n".join(lines)


class PgAuditProvider(SettingsProvider):
    kind = "PgAudit"
    surface = "pgaudit"
    id_format = IdFormat("{project_ref}/pgaudit")
    managed = ("roles",)

    def validate(self, c: Checker) -> None:
        check_ref(c)
        roles = c.news.get("roles")
        if is_unknown(roles):
            return
        if not isinstance(roles, Mapping) or not roles:
            c.fail("roles", "must map at least one role to its pgaudit.log classes")
            return
        for role, classes in roles.items():
            if not ROLE_PATTERN.match(str(role)):
                c.fail(f"roles.{role}", "is not a plain Postgres role name ([a-z_][a-z0-9_]*)")
            if is_unknown(classes):
                continue
            if not isinstance(classes, list) or not classes:
                c.fail(f"roles.{role}", "must list at least one log class")
                continue
            unknown = [x for x in classes if x not in PGAUDIT_CLASSES]
            if unknown:
                c.fail(f"roles.{role}", f"{unknown} are not pgaudit.log classes; allowed: {list(PGAUDIT_CLASSES)}")

    def view(self, props: dict[str, Any]) -> dict[str, Any]:
        roles = props.get("roles") or {}
        if is_unknown(roles) and not isinstance(roles, Mapping):
            return {"project_ref": props.get("project_ref"), "roles": roles}
        return {"project_ref": props.get("project_ref"),
                **{f"roles.{role}": classes if is_unknown(classes) else canonical(classes)
                   for role, classes in roles.items()}}

    def fetch(self, api: SupabaseClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        wanted = ref.get("roles")
        names = sorted(wanted) if isinstance(wanted, Mapping) else None
        rows = api.run_read_only_query(ref["project_ref"], read_sql(names)) if names != [] else []
        installed = any(bool(row.get("installed")) for row in rows)
        logged = {str(row.get("role")): canonical(row.get("log")) if installed else None for row in rows}
        roles = {role: logged.get(role) for role in (names if names is not None else sorted(logged))}
        return {"project_ref": ref["project_ref"], "roles": _lists(roles), "extension_installed": installed}

    def write(self, api: SupabaseClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        wanted = {k.split(".", 1)[1]: v for k, v in changes.items() if k.startswith("roles.") and v is not None}
        if wanted:
            api.run_query(ref["project_ref"], apply_sql(wanted))
        roles = {role: canonical(classes) for role, classes in (p.get("roles") or {}).items()}
        return {"roles": _lists(roles), "extension_installed": True}


def _lists(roles: Mapping[str, str | None]) -> dict[str, list[str] | None]:
    return {role: (str(classes).split(",") if classes else None) for role, classes in roles.items()}


@dataclass(frozen=True)
class PgAuditArgs(Args):
    project_ref: pulumi.Input[str]
    roles: Mapping[str, Sequence[str]]
    """Role → pgaudit.log classes (Supabase sets pgaudit per role only: no ALTER SYSTEM)."""


class PgAudit(DynamicResource, module="supabase", name="PgAudit"):
    provider_class = PgAuditProvider
    args_class = PgAuditArgs
    roles = Out[dict[str, list[str]]]("roles")
    extension_installed = Out[bool]("extension_installed")
