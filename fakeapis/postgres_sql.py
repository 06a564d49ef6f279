"""The SQL the Supabase fake's query endpoints execute: a small model of the Postgres a project runs.

`POST /v1/projects/{ref}/database/query` runs statements as ``postgres``; `…/query/read-only` runs a
SELECT as ``supabase_read_only_user``. The fake accepts exactly the statement shapes the provider
is meant to send (pgaudit settings, login roles with their grants and default privileges, the
pg_settings check), executes them against per-project state, one transaction per request, and
refuses anything else, as Postgres would refuse what it does not understand. A role created with
a plain password is refused: the provider must send SCRAM-SHA-256 verifiers only (pgaudit logs
role statements). tests/test_database_roles_postgres.py runs the same statements on a real PostgreSQL.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any, ClassVar

_ROLE = r'"([a-z_][a-z0-9_]*)"'
_PRIVILEGES = r"((?:select|insert|update|delete)(?:, (?:select|insert|update|delete))*)"
_VERIFIER = re.compile(r"^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$")
SYSTEM_ROLES = ("postgres", "authenticator", "anon", "authenticated", "service_role", "supabase_admin")
PREDEFINED_ROLES = ("pg_read_all_data", "pg_write_all_data", "pg_monitor")
"""Postgres's own roles that may be granted (Supabase lets `postgres` grant these)."""


class SqlError(Exception):
    """What Postgres would answer (the endpoint replies 400 with the message)."""


def new_role() -> dict[str, Any]:
    return {"login": True, "bypass_rls": False, "connection_limit": -1, "verifier": None, "statement_timeout": None,
            "connect": False, "usage": [], "tables": {}, "sequences": {}, "default_tables": {},
            "default_sequences": {}, "member_of": []}


def _privs(text: str) -> list[str]:
    return sorted(p.strip() for p in text.split(","))


class Database:
    """Per-project state: login roles by name, pgaudit settings by role, and pgaudit itself."""

    def __init__(self, project: Any) -> None:
        self.project = project

    @property
    def roles(self) -> dict[str, dict[str, Any]]:
        roles: dict[str, dict[str, Any]] = self.project.login_roles
        return roles

    def role(self, name: str) -> dict[str, Any]:
        if name not in self.roles:
            raise SqlError(f'role "{name}" does not exist')
        return self.roles[name]

    def exists(self, name: str) -> bool:
        return name in self.roles or name in self.project.role_settings or name in SYSTEM_ROLES

    # -- statements --------------------------------------------------------------------------

    def execute(self, sql: str) -> None:
        """All statements or none (one transaction per request)."""
        saved = copy.deepcopy((self.project.login_roles, self.project.role_settings, self.project.pgaudit_installed))
        try:
            for line in sql.splitlines():
                self._statement(line)
        except SqlError:
            self.project.login_roles, self.project.role_settings, self.project.pgaudit_installed = saved
            raise

    def _statement(self, line: str) -> None:
        for pattern, action in self._STATEMENTS:
            match = pattern.match(line)
            if match:
                action(self, *match.groups())
                return
        if re.match(r"^(create|alter) role .* password '", line):
            raise SqlError("a role's password must be sent as a SCRAM-SHA-256 verifier: pgaudit logs role "
                           "statements, and a plain password would be in the logs")
        raise SqlError(f"fake: unexpected SQL {line!r}")

    def _extension(self) -> None:
        self.project.pgaudit_installed = True

    def _pgaudit(self, name: str, classes: str) -> None:
        if not self.exists(name):
            raise SqlError(f'role "{name}" does not exist')
        self.project.role_settings[name] = classes

    def _create(self, name: str, rls: str | None, limit: str, verifier: str) -> None:
        if self.exists(name):
            raise SqlError(f'role "{name}" already exists')
        self._check_verifier(verifier)
        self.roles[name] = {**new_role(), "bypass_rls": rls is None, "connection_limit": int(limit),
                            "verifier": verifier}

    def _password(self, name: str, verifier: str) -> None:
        self._check_verifier(verifier)
        self.role(name)["verifier"] = verifier

    @staticmethod
    def _check_verifier(verifier: str) -> None:
        if not _VERIFIER.match(verifier):
            raise SqlError("a role's password must be sent as a SCRAM-SHA-256 verifier: pgaudit logs role statements")

    def _attributes(self, name: str, rls: str | None, limit: str) -> None:
        self.role(name).update({"bypass_rls": rls is None, "connection_limit": int(limit)})

    def _timeout(self, name: str, value: str | None) -> None:
        self.role(name)["statement_timeout"] = value

    def _connect(self, name: str, grant: bool) -> None:
        self.role(name)["connect"] = grant

    def _usage(self, name: str, schema: str, grant: bool) -> None:
        usage = set(self.role(name)["usage"])
        self.role(name)["usage"] = sorted(usage | {schema} if grant else usage - {schema})

    def _grant(self, kind: str, privileges: str, schema: str, name: str) -> None:
        self.role(name)[kind][schema] = _privs(privileges)

    def _membership(self, member: str, name: str, grant: bool) -> None:
        if member not in PREDEFINED_ROLES:
            raise SqlError(f'role "{member}" does not exist')
        had = set(self.role(name)["member_of"])
        self.role(name)["member_of"] = sorted(had | {member} if grant else had - {member})

    def _revoke(self, kind: str, schema: str, name: str) -> None:
        self.role(name)[kind].pop(schema, None)

    def _drop(self, name: str) -> None:
        role = self.role(name)
        if role["connect"] or role["usage"] or any(role[k] for k in ("tables", "sequences", "default_tables",
                                                                      "default_sequences")):
            raise SqlError(f'role "{name}" cannot be dropped because some objects depend on it')
        del self.roles[name]
        self.project.role_settings.pop(name, None)

    _S = _ROLE
    _STATEMENTS: ClassVar[list[tuple[re.Pattern[str], Callable[..., None]]]] = [
        (re.compile(r"^create extension if not exists pgaudit;$"), _extension),
        (re.compile(rf"^alter role {_ROLE} set pgaudit\.log to '([a-z_, ]+)';$"), _pgaudit),
        (re.compile(rf"^create role {_ROLE} with login nosuperuser nocreatedb nocreaterole noreplication "
                    r"(no)?bypassrls connection limit (\d+) password '([^']*)';$"), _create),
        (re.compile(rf"^alter role {_ROLE} with password '([^']*)';$"), _password),
        (re.compile(rf"^alter role {_ROLE} with (no)?bypassrls connection limit (\d+);$"), _attributes),
        (re.compile(rf"^alter role {_ROLE} set statement_timeout to '(-?[0-9]+(?:\.[0-9]+)?(?:us|ms|s|min|h|d)?)';$"),
         _timeout),
        (re.compile(rf"^alter role {_ROLE} reset statement_timeout;$"), lambda db, name: db._timeout(name, None)),
        (re.compile(rf"^grant connect on database postgres to {_ROLE};$"), lambda db, n: db._connect(n, True)),
        (re.compile(rf"^revoke connect on database postgres from {_ROLE};$"), lambda db, n: db._connect(n, False)),
        (re.compile(rf"^grant usage on schema {_S} to {_ROLE};$"), lambda db, s, n: db._usage(n, s, True)),
        (re.compile(rf"^revoke usage on schema {_S} from {_ROLE};$"), lambda db, s, n: db._usage(n, s, False)),
        (re.compile(rf"^grant {_PRIVILEGES} on all tables in schema {_S} to {_ROLE};$"),
         lambda db, p, s, n: db._grant("tables", p, s, n)),
        (re.compile(rf"^grant (usage, select|select) on all sequences in schema {_S} to {_ROLE};$"),
         lambda db, p, s, n: db._grant("sequences", p, s, n)),
        (re.compile(rf"^revoke all on all tables in schema {_S} from {_ROLE};$"),
         lambda db, s, n: db._revoke("tables", s, n)),
        (re.compile(rf"^revoke all on all sequences in schema {_S} from {_ROLE};$"),
         lambda db, s, n: db._revoke("sequences", s, n)),
        (re.compile(rf"^alter default privileges for role postgres in schema {_S} grant {_PRIVILEGES} on tables "
                    rf"to {_ROLE};$"), lambda db, s, p, n: db._grant("default_tables", p, s, n)),
        (re.compile(rf"^alter default privileges for role postgres in schema {_S} grant (usage, select|select) on "
                    rf"sequences to {_ROLE};$"), lambda db, s, p, n: db._grant("default_sequences", p, s, n)),
        (re.compile(rf"^alter default privileges for role postgres in schema {_S} revoke all on tables from "
                    rf"{_ROLE};$"), lambda db, s, n: db._revoke("default_tables", s, n)),
        (re.compile(rf"^alter default privileges for role postgres in schema {_S} revoke all on sequences from "
                    rf"{_ROLE};$"), lambda db, s, n: db._revoke("default_sequences", s, n)),
        (re.compile(rf"^grant {_ROLE} to {_ROLE};$"), lambda db, m, n: db._membership(m, n, True)),
        (re.compile(rf"^revoke {_ROLE} from {_ROLE};$"), lambda db, m, n: db._membership(m, n, False)),
        (re.compile(rf"^drop role {_ROLE};$"), _drop),
    ]

    # -- read-only queries -------------------------------------------------------------------

    _PGAUDIT = re.compile(r"^select r\.rolname as role, .* from pg_roles r where (r\.rolname in \((.*)\)|exists "
                          r"\(select 1 from unnest\(r\.rolconfig\) as c where c like 'pgaudit\.log=%'\)) "
                          r"order by r\.rolname;$")
    _PG_SETTINGS = re.compile(r"^select name, pending_restart from pg_settings where name in "
                              r"\(((?:'[a-z_]+'(?:, )?)+)\) order by name;$")
    _ROLE_READ = re.compile(r"^select r\.rolname as name, r\.rolcanlogin as login, .*aclexplode\(d\.defaclacl\).* "
                            r"from pg_roles as r where r\.rolname = '([a-z_][a-z0-9_]*)';$")

    def query(self, sql: str) -> list[dict[str, Any]]:
        if match := self._PG_SETTINGS.match(sql):
            names = sorted(re.findall(r"'([a-z_]+)'", match.group(1)))
            return [{"name": n, "pending_restart": n in self.project.pending_restart} for n in names]
        if match := self._PGAUDIT.match(sql):
            if match.group(2) is not None:
                names = [n for n in re.findall(r"'([a-z_][a-z0-9_]*)'", match.group(2)) if self.exists(n)]
            else:
                names = [n for n, log in self.project.role_settings.items() if log]
            return [{"role": n, "log": self.project.role_settings.get(n), "installed": self.project.pgaudit_installed}
                    for n in sorted(names)]
        if match := self._ROLE_READ.match(sql):
            role = self.roles.get(match.group(1))
            if role is None:
                return []
            return [{"name": match.group(1), "login": role["login"], "superuser": False,
                     "bypass_rls": role["bypass_rls"], "connection_limit": role["connection_limit"],
                     "statement_timeout": role["statement_timeout"], "member_of": role["member_of"] or None,
                     "grants": {s: privs for s, privs in sorted(role["default_tables"].items())} or None}]
        raise SqlError("fake: the read-only endpoint answers the pgaudit, pg_settings and role SELECTs only")
