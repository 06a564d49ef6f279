"""Least-privilege Postgres roles the applications connect as (`pulumi-python:dynamic/supabase:Role`).

The Management API has no role endpoint; roles are SQL, sent through ``POST /v1/projects/{ref}/
database/query`` (run as ``postgres``, which may create roles) and read back through the
read-only endpoint (one SELECT of ``pg_roles`` and ``pg_default_acl``). Every statement is built
here from validated names, never from free text.

- **Passwords never travel in the clear.** The SQL carries a SCRAM-SHA-256 verifier computed here
  (RFC 5802/7677, the format Postgres stores: ``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:
  <ServerKey>``); Postgres stores a pre-hashed verifier as it is. pgaudit logs role statements and
  does not redact every statement that carries a password, so a plain ``PASSWORD '…'`` would end
  up in the logs; a verifier does not reveal the password.
- **Only the grants a role needs:** ``CONNECT`` on the database, ``USAGE`` on its schemas, the
  declared table privileges on the tables there (and on the tables ``postgres`` creates later,
  through default privileges), sequences as far as those privileges need them; never superuser,
  ``CREATEDB``, ``CREATEROLE`` or replication; ``BYPASSRLS`` and membership of ``pg_read_all_data``
  only when declared (the backup role: pg_dump reads every schema it dumps, whoever created the
  table, and refuses a table whose row-level security would hide rows from it).
- **Adoption.** A role of the declared name that already exists is adopted; its password is
  unknowable and stays as it is unless ``reset_secrets_on_adopt`` (the database component sets it:
  the URL it delivers carries the password Pulumi generated).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from config.vocabulary import thresholds
from providers.dynamic.checks import Checker
from providers.dynamic.ids import IdFormat
from providers.dynamic.resource import SECRET, Args, DynamicResource, Out
from providers.dynamic.values import is_unknown

from .base import SupabaseProvider, check_ref
from .client import SupabaseClient
from .vocabulary import POSTGRES_RULES, ROLE_PATTERN

SCRAM_ITERATIONS = 4096
"""Postgres's own default (scram_iterations)."""
DATABASE = "postgres"
OWNER = "postgres"
"""The role that creates the application's tables (migrations): default privileges follow its objects."""
_VERIFIER = re.compile(r"^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$")


def scram_verifier(password: str, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS) -> str:
    """The SCRAM-SHA-256 verifier Postgres stores for ``password`` (ASCII passwords need no SASLprep)."""
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = base64.b64encode
    return f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}${b64(stored_key).decode()}:{b64(server_key).decode()}"


def verifier_matches(verifier: str, password: str) -> bool:
    """Whether a client holding ``password`` passes SCRAM against ``verifier`` (what the server checks)."""
    match = _VERIFIER.match(verifier)
    if match is None:
        return False
    expected = scram_verifier(password, base64.b64decode(match.group(2)), int(match.group(1)))
    return hmac.compare_digest(expected, verifier)


def _q(name: str) -> str:
    """A validated identifier, quoted."""
    if not ROLE_PATTERN.match(name):
        raise ValueError(f"{name!r} is not a plain Postgres identifier")
    return f'"{name}"'


def _table_privileges(privileges: list[str]) -> str:
    return ", ".join(p for p in thresholds.DATABASE_ROLE_PRIVILEGES if p in privileges)


def _sequence_privileges(privileges: list[str]) -> str:
    # Reading a sequence needs SELECT; inserting rows with serial keys needs USAGE (nextval).
    return "usage, select" if set(privileges) - {"select"} else "select"


def attributes_sql(role: str, p: Mapping[str, Any]) -> str:
    rls = "bypassrls" if p.get("bypass_rls") else "nobypassrls"
    return f"alter role {_q(role)} with {rls} connection limit {int(p['connection_limit'])};"


def grants_sql(role: str, schemas: list[str], privileges: list[str]) -> list[str]:
    tables, sequences = _table_privileges(privileges), _sequence_privileges(privileges)
    lines = [f"grant connect on database {DATABASE} to {_q(role)};"]
    for schema in schemas:
        lines += [
            f"grant usage on schema {_q(schema)} to {_q(role)};",
            f"grant {tables} on all tables in schema {_q(schema)} to {_q(role)};",
            f"grant {sequences} on all sequences in schema {_q(schema)} to {_q(role)};",
            f"alter default privileges for role {OWNER} in schema {_q(schema)} grant {tables} on tables to {_q(role)};",
            f"alter default privileges for role {OWNER} in schema {_q(schema)} grant {sequences} on sequences "
            f"to {_q(role)};",
        ]
    return lines


def membership_sql(role: str, wanted: list[str], had: list[str]) -> list[str]:
    """Grant the predefined roles ``role`` should be a member of, revoke those it should no longer be."""
    return ([f"revoke {_q(member)} from {_q(role)};" for member in sorted(set(had) - set(wanted))]
            + [f"grant {_q(member)} to {_q(role)};" for member in sorted(set(wanted) - set(had))])


def revokes_sql(role: str, schemas: list[str]) -> list[str]:
    lines: list[str] = []
    for schema in schemas:
        lines += [
            f"alter default privileges for role {OWNER} in schema {_q(schema)} revoke all on tables from {_q(role)};",
            f"alter default privileges for role {OWNER} in schema {_q(schema)} revoke all on sequences "
            f"from {_q(role)};",
            f"revoke all on all tables in schema {_q(schema)} from {_q(role)};",
            f"revoke all on all sequences in schema {_q(schema)} from {_q(role)};",
            f"revoke usage on schema {_q(schema)} from {_q(role)};",
        ]
    return lines


def timeout_sql(role: str, timeout: str | None) -> str:
    if timeout is None:
        return f"alter role {_q(role)} reset statement_timeout;"
    if POSTGRES_RULES["statement_timeout"].problem(timeout):
        raise ValueError(f"{timeout!r} is not a Postgres duration")
    return f"alter role {_q(role)} set statement_timeout to '{timeout}';"


def create_sql(role: str, p: Mapping[str, Any]) -> str:
    rls = "bypassrls" if p.get("bypass_rls") else "nobypassrls"
    lines = [f"create role {_q(role)} with login nosuperuser nocreatedb nocreaterole noreplication {rls} "
             f"connection limit {int(p['connection_limit'])} password '{scram_verifier(p['password'])}';",
             *grants_sql(role, list(p["schemas"]), list(p["privileges"])),
             *membership_sql(role, list(p.get("member_of") or []), []),
             timeout_sql(role, p.get("statement_timeout"))]
    return "\n".join(lines)


def read_sql(role: str) -> str:
    """One SELECT: the role's attributes, timeout and, per schema, the table privileges it gets on
    what ``postgres`` creates there (its default privileges: what every new table will grant)."""
    return (
        "select r.rolname as name, r.rolcanlogin as login, r.rolsuper as superuser, r.rolbypassrls as bypass_rls, "
        "r.rolconnlimit as connection_limit, "
        "(select array_agg(g.rolname order by g.rolname) from pg_auth_members as m join pg_roles as g "
        "on g.oid = m.roleid where m.member = r.oid) as member_of, "
        "(select substr(c, 19) from unnest(r.rolconfig) as c where c like 'statement_timeout=%') as statement_timeout, "
        "(select json_object_agg(n.nspname, (select array_agg(lower(a.privilege_type) order by a.privilege_type) "
        "from aclexplode(d.defaclacl) as a where a.grantee = r.oid)) from pg_default_acl as d "
        "join pg_namespace as n on n.oid = d.defaclnamespace where d.defaclobjtype = 'r' "
        f"and d.defaclrole = '{OWNER}'::regrole "
        "and exists (select 1 from aclexplode(d.defaclacl) as a where a.grantee = r.oid)) as grants "
        f"from pg_roles as r where r.rolname = '{role}';")


class RoleProvider(SupabaseProvider):
    kind = "Role"
    id_format = IdFormat("{project_ref}/role/{name}")
    managed = ("password", "privileges", "schemas", "connection_limit", "statement_timeout", "bypass_rls", "member_of")
    write_only = ("password",)
    made_with = ("password",)
    replace_on_change = ("project_ref", "name")
    delete_before_replace = True

    def validate(self, c: Checker) -> None:
        check_ref(c)
        c.text("name", 63, pattern=ROLE_PATTERN.pattern, what="a plain Postgres role name ([a-z_][a-z0-9_]*)")
        if c.known("name") and c.news.get("name") in thresholds.SUPABASE_OWN_ROLES:
            c.fail("name", f"{c.news['name']!r} is one of Supabase's own roles; an application gets its own role")
        c.secret("password", 16, alphanumeric=True, what=" (generated; its SCRAM verifier is what is sent)")
        c.integer("connection_limit", 1, 10_000, required=True)
        c.boolean("bypass_rls")
        c.rule("statement_timeout", POSTGRES_RULES["statement_timeout"])
        members = c.news.get("member_of")
        if not is_unknown(members):
            for member in members or []:
                if member not in thresholds.DATABASE_ROLE_MEMBERSHIPS:
                    c.fail("member_of", f"{member!r} is not allowed; allowed: "
                                        f"{', '.join(thresholds.DATABASE_ROLE_MEMBERSHIPS)}")
        for prop, allowed in (("privileges", thresholds.DATABASE_ROLE_PRIVILEGES), ("schemas", None)):
            values = c.news.get(prop)
            if is_unknown(values):
                continue
            if not isinstance(values, list) or not values:
                c.fail(prop, "must list at least one entry")
                continue
            for value in values:
                if allowed is not None and value not in allowed:
                    c.fail(prop, f"{value!r} is not allowed; allowed: {', '.join(allowed)}")
                elif allowed is None and not ROLE_PATTERN.match(str(value)):
                    c.fail(prop, f"{value!r} is not a plain schema name")

    def view(self, props: dict[str, Any]) -> dict[str, Any]:
        view = super().view(props)
        for key in ("privileges", "schemas"):
            if isinstance(view.get(key), list):
                view[key] = sorted(view[key])
        view["bypass_rls"] = bool(view.get("bypass_rls"))
        if not is_unknown(view.get("member_of")):
            view["member_of"] = sorted(view.get("member_of") or [])
        return view

    def find(self, api: SupabaseClient, p: dict[str, Any]) -> dict[str, Any] | None:
        return self.fetch(api, p)

    def make(self, api: SupabaseClient, p: dict[str, Any]) -> dict[str, Any]:
        api.run_query(p["project_ref"], create_sql(p["name"], p), once=True)
        return {key: p.get(key) for key in ("project_ref", "name", *self.managed)}

    def fetch(self, api: SupabaseClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        rows = api.run_read_only_query(ref["project_ref"], read_sql(_name(ref["name"])))
        if not rows:
            return None
        row = rows[0]
        grants: dict[str, list[str]] = dict(row.get("grants") or {})
        privileges = sorted({p for granted in grants.values() for p in granted or []})
        return {"project_ref": ref["project_ref"], "name": row["name"], "schemas": sorted(grants) or None,
                "privileges": privileges or None, "connection_limit": row.get("connection_limit"),
                "statement_timeout": row.get("statement_timeout"), "bypass_rls": bool(row.get("bypass_rls")),
                "member_of": sorted(row.get("member_of") or []),
                "login": bool(row.get("login")), "superuser": bool(row.get("superuser"))}

    def adoption_problems(self, p: dict[str, Any], live: dict[str, Any]) -> list[str]:
        problems = super().adoption_problems(p, live)
        if live.get("superuser"):
            problems.append(f"role {live.get('name')!r} is a superuser; an application role never is")
        return problems

    def write(self, api: SupabaseClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        role = p["name"]
        lines: list[str] = []
        if "password" in changes:
            lines.append(f"alter role {_q(role)} with password '{scram_verifier(p['password'])}';")
        if {"connection_limit", "bypass_rls"} & set(changes):
            lines.append(attributes_sql(role, p))
        if "member_of" in changes:
            lines += membership_sql(role, list(p.get("member_of") or []), list(current.get("member_of") or []))
        if {"privileges", "schemas"} & set(changes):
            was = sorted(set(current.get("schemas") or []) | set(p["schemas"]))
            lines += [*revokes_sql(role, was), *grants_sql(role, list(p["schemas"]), list(p["privileges"]))]
        if "statement_timeout" in changes:
            lines.append(timeout_sql(role, p.get("statement_timeout")))
        if lines:
            api.run_query(ref["project_ref"], "\n".join(lines))
        return {key: p.get(key) for key in self.managed}

    def remove(self, api: SupabaseClient, ref: dict[str, Any]) -> None:
        if self.fetch(api, ref) is None:
            return  # already gone
        schemas = list(ref.get("schemas") or [])
        api.run_query(ref["project_ref"], "\n".join(
            [*revokes_sql(ref["name"], schemas), f"revoke connect on database {DATABASE} from {_q(ref['name'])};",
             f"drop role {_q(ref['name'])};"]))

    def outputs(self, p: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
        outs = {k: v for k, v in super().outputs(p, live).items() if k not in ("login", "superuser")}
        for key in ("privileges", "schemas"):
            if isinstance(outs.get(key), list):
                outs[key] = sorted(outs[key])
        outs["pooler_user"] = f"{outs['name']}.{outs['project_ref']}"
        return outs


def _name(value: Any) -> str:
    name = str(value)
    if not ROLE_PATTERN.match(name):
        raise ValueError(f"{name!r} is not a plain Postgres role name")
    return name


@dataclass(frozen=True)
class RoleArgs(Args):
    project_ref: pulumi.Input[str]
    name: str
    """The role's name (never one of Supabase's own roles such as postgres)."""
    password: pulumi.Input[str] = field(metadata=SECRET)
    """Generated (pulumi_random), letters and digits; sent only as a SCRAM-SHA-256 verifier."""
    privileges: list[str] = field(default_factory=lambda: ["select"])
    """Table privileges in ``schemas`` (select, insert, update, delete)."""
    schemas: list[str] = field(default_factory=lambda: ["public"])
    connection_limit: int = 20
    statement_timeout: str | None = None
    """A per-role statement timeout (a Postgres duration such as '30s'); None leaves the server's."""
    bypass_rls: bool = False
    """Row-level security does not apply to the role: only a backup role (pg_dump) needs it."""
    member_of: list[str] = field(default_factory=list)
    """Predefined roles granted (``pg_read_all_data``: every schema readable, as pg_dump needs); a backup
    role's only."""


class Role(DynamicResource, module="supabase", name="Role"):
    """A login role of the project's database, with only the grants it is declared to need."""

    provider_class = RoleProvider
    args_class = RoleArgs
    name = Out[str]("name")
    pooler_user = Out[str]("pooler_user")
    """How the role signs in through Supavisor: ``<role>.<project ref>``."""
