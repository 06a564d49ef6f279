"""The Role provider's SQL on a real PostgreSQL: the roles sign in over SCRAM and can do their work, no more.

The provider talks to Supabase's two SQL endpoints (`POST /v1/projects/{ref}/database/query`, run as
`postgres`, and `…/query/read-only`); here a client answers both from the test session's real cluster
(tests/postgres.py), so what runs is exactly the SQL the provider sends, on create, refresh, update and
delete. The roles are the stacks' own (config's `RolesConfig` defaults: what the database component
declares). Stand-ins, plainly:

- `postgres` is the cluster's superuser. On Supabase it is not a superuser, but it owns the application's
  tables, may create roles, grant `pg_read_all_data` and give BYPASSRLS, which is all this SQL needs;
  the test shows the SQL is valid and its grants effective, not Supabase's own grants to `postgres`.
- `supabase_admin` is a plain role here, owning a schema `postgres` did not create (on Supabase it owns
  auth, storage, …): what `pg_read_all_data` is for.
- Debian's PostgreSQL has no pgaudit; the Role provider sends no pgaudit statement (PgAudit does).
- Supavisor is not here: the clients connect to the server directly. The URLs' pooler modes are checked
  on the planned stack (session mode for the backup URL, transaction mode for the runtimes).
"""

from __future__ import annotations

import subprocess
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row
from pulumi.dynamic import Config, ConfigureRequest

from config.database import RoleConfig, RolesConfig
from fakeapis.supabase import TOKEN
from ops.dynamic_apply import unwrap
from ops.restore_drill.cluster import TemporaryCluster
from providers.supabase.client import SupabaseClient
from providers.supabase.roles import RoleProvider, verifier_matches
from services.backup.pg import find_program
from tests.harness import plan

pytestmark = pytest.mark.xdist_group("postgres")  # the session's one cluster: keep these on its worker

REF = "abcdefghijklmnopqrst"
ROLES = RolesConfig()
PASSWORDS = {purpose: f"{purpose}RolePasswordNotReal0123456789" for purpose in ("api", "worker", "backup")}
SEED = """
CREATE TABLE public.payments (id bigserial PRIMARY KEY, amount_paise bigint NOT NULL, status text NOT NULL);
INSERT INTO public.payments (amount_paise, status) SELECT g * 100, 'captured' FROM generate_series(1, 5) g;
CREATE TABLE public.merchant_secrets (merchant_id bigint PRIMARY KEY, note text);
INSERT INTO public.merchant_secrets VALUES (1, 'visible only through a policy');
ALTER TABLE public.merchant_secrets ENABLE ROW LEVEL SECURITY;
CREATE ROLE supabase_admin NOLOGIN;
CREATE SCHEMA supabase_migrations AUTHORIZATION supabase_admin;
"""
MIGRATIONS = """
SET ROLE supabase_admin;
CREATE TABLE supabase_migrations.schema_migrations (version text PRIMARY KEY);
INSERT INTO supabase_migrations.schema_migrations VALUES ('20261101090000');
RESET ROLE;
"""
"""Run after the roles exist: a schema and table neither `postgres` created nor any grant named."""


class PostgresEndpoints(SupabaseClient):
    """The Management API's SQL endpoints, answered by a real PostgreSQL (everything else is not used)."""

    def __init__(self, dsn: str) -> None:
        super().__init__("test-token-not-real")
        self.dsn = dsn
        self.statements: list[str] = []

    def run_query(self, ref: str, sql: str, once: bool = False) -> Any:
        self.statements.append(sql)
        with psycopg.connect(self.dsn) as conn:  # one transaction per request, as the endpoint runs it
            conn.execute(sql.encode())
        return []

    def run_read_only_query(self, ref: str, sql: str) -> list[dict[str, Any]]:
        with psycopg.connect(self.dsn, row_factory=dict_row) as conn:
            conn.read_only = True
            return conn.execute(sql.encode()).fetchall()


class RealRoleProvider(RoleProvider):
    endpoints: PostgresEndpoints

    def make_client(self, token: str, options: dict[str, Any]) -> SupabaseClient:
        return self.endpoints


def _props(purpose: str, role: RoleConfig) -> dict[str, Any]:
    """What components/database.py declares for this role (RoleArgs under their wire names)."""
    return {"project_ref": REF, "name": role.name, "password": PASSWORDS[purpose], "privileges": list(role.privileges),
            "schemas": list(role.schemas), "connection_limit": role.connection_limit,
            "statement_timeout": role.statement_timeout, "bypass_rls": role.bypass_rls,
            "member_of": list(role.member_of)}


DECLARED = {"api": _props("api", ROLES.api), "worker": _props("worker", ROLES.worker),
            "backup": _props("backup", ROLES.backup)}


@pytest.fixture(scope="module")
def provider(postgres_cluster: TemporaryCluster) -> Iterator[RealRoleProvider]:
    """The three roles created through the provider; the role logins checked by SCRAM; all dropped after."""
    admin = postgres_cluster.dsn()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(SEED.encode())
        hba = Path(str(conn.execute("SHOW hba_file").fetchone()[0]))  # type: ignore[index]
        names = ",".join(role["name"] for role in DECLARED.values())
        # Before the cluster's `trust` lines: these roles must prove their password (SCRAM-SHA-256).
        hba.write_text(f"host all {names} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        conn.execute("SELECT pg_reload_conf()")
    provider = RealRoleProvider()
    provider.configure(ConfigureRequest(Config({"lightspeedpay:supabaseAccessToken": TOKEN}, "lightspeedpay")))
    provider.endpoints = PostgresEndpoints(admin)
    created = {purpose: provider.create(props) for purpose, props in DECLARED.items()}
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(MIGRATIONS.encode())
        conn.execute(b"CREATE TABLE public.refunds (id bigserial PRIMARY KEY, payment_id bigint)")  # after the grants
    yield provider
    for purpose, result in created.items():
        provider.delete(result.id, {**(result.outs or {}), **DECLARED[purpose]})
    with psycopg.connect(admin, autocommit=True) as conn:
        left = conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE 'lightspeedpay_%'").fetchall()
        conn.execute(b"DROP SCHEMA supabase_migrations CASCADE; DROP TABLE public.payments, public.merchant_secrets, "
                     b"public.refunds; DROP ROLE supabase_admin")
    assert left == []  # every grant was revoked first, so each DROP ROLE went through


def connect(cluster: TemporaryCluster, purpose: str, password: str | None = None) -> psycopg.Connection[Any]:
    return psycopg.connect(make_conninfo(cluster.dsn(), user=DECLARED[purpose]["name"],
                                         password=password or PASSWORDS[purpose]), autocommit=True)


def refused(conn: psycopg.Connection[Any], statement: str) -> str:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as error:
        conn.execute(statement.encode())
    return str(error.value)


def test_each_role_signs_in_with_its_password_through_scram(postgres_cluster: TemporaryCluster,
                                                            provider: RealRoleProvider) -> None:
    statements = "\n".join(provider.endpoints.statements)
    assert not any(password in statements for password in PASSWORDS.values())  # verifiers only, never a password
    with psycopg.connect(postgres_cluster.dsn()) as admin:
        rows = admin.execute("SELECT rolname, rolpassword FROM pg_authid WHERE rolname LIKE 'lightspeedpay_%'")
        stored: dict[str, str] = dict(rows.fetchall())
    for purpose, props in DECLARED.items():
        assert verifier_matches(stored[props["name"]], PASSWORDS[purpose])  # Postgres kept the verifier as sent
        with connect(postgres_cluster, purpose) as conn:
            assert conn.execute("SELECT current_user").fetchone() == (props["name"],)
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            connect(postgres_cluster, purpose, password="notTheRolePasswordNotReal0123")


def test_a_refresh_reads_back_exactly_what_was_declared(provider: RealRoleProvider) -> None:
    """The read-only SELECT (pg_roles, pg_default_acl, pg_auth_members) on the real catalog: no drift."""
    for props in DECLARED.values():
        id_ = f"{REF}/role/{props['name']}"
        read = provider.read(id_, props)
        assert read.id == id_ and provider.diff(id_, read.outs or {}, props).changes is False, (id_, read.outs)


@pytest.mark.parametrize("purpose", ["api", "worker"])
def test_a_runtime_role_reads_and_writes_its_tables_and_nothing_more(postgres_cluster: TemporaryCluster,
                                                                     provider: RealRoleProvider, purpose: str) -> None:
    with connect(postgres_cluster, purpose) as conn:
        # Its work: rows of the application's tables, new ones too (default privileges), serial keys.
        conn.execute("INSERT INTO public.payments (amount_paise, status) VALUES (700, 'created')")
        conn.execute("UPDATE public.payments SET status = 'captured' WHERE amount_paise = 700")
        assert conn.execute("SELECT count(*) FROM public.payments").fetchone() == (6,)
        conn.execute("DELETE FROM public.payments WHERE amount_paise = 700")
        conn.execute("INSERT INTO public.refunds (payment_id) VALUES (1)")  # a table created after the grants
        conn.execute("DELETE FROM public.refunds")
        seconds = int(str(DECLARED[purpose]["statement_timeout"]).removesuffix("s"))  # config's "30s", "60s"
        assert conn.execute("SELECT setting::int FROM pg_settings WHERE name = 'statement_timeout'").fetchone() == (
            seconds * 1000,)
        # Row-level security applies to it: without a policy for it, an RLS table shows it nothing.
        assert conn.execute("SELECT count(*) FROM public.merchant_secrets").fetchone() == (0,)
        # No more: no DDL, no truncation, no other schema, no roles, no superuser's role.
        refused(conn, "TRUNCATE public.payments")
        refused(conn, "CREATE TABLE public.mine (id int)")
        refused(conn, "DROP TABLE public.refunds")
        refused(conn, "SELECT * FROM supabase_migrations.schema_migrations")
        refused(conn, "CREATE ROLE someone")
        refused(conn, "SET ROLE postgres")
        refused(conn, "ALTER TABLE public.merchant_secrets DISABLE ROW LEVEL SECURITY")


def test_the_backup_role_reads_everything_writes_nothing_and_pg_dump_works(
        postgres_cluster: TemporaryCluster, provider: RealRoleProvider, tmp_path: Path) -> None:
    with connect(postgres_cluster, "backup") as conn:
        assert conn.execute("SELECT count(*) FROM public.merchant_secrets").fetchone() == (1,)  # BYPASSRLS
        assert conn.execute("SELECT version FROM supabase_migrations.schema_migrations").fetchone() == (
            "20261101090000",)  # pg_read_all_data: a schema no grant named, a table postgres did not create
        for statement in ("INSERT INTO public.payments (amount_paise, status) VALUES (1, 'x')",
                          "UPDATE public.payments SET status = 'x'", "DELETE FROM public.refunds",
                          "TRUNCATE public.payments", "CREATE TABLE public.mine (id int)"):
            refused(conn, statement)
    assert _dump(postgres_cluster, tmp_path).returncode == 0
    backup = DECLARED["backup"]
    # Each of the two powers is needed: without either, the dump the backup job takes fails.
    for without, error in (({"member_of": []}, "permission denied for schema supabase_migrations"),
                           ({"bypass_rls": False}, "row-level security")):
        olds = (provider.read(f"{REF}/role/{backup['name']}", backup).outs or {})
        provider.update(f"{REF}/role/{backup['name']}", olds, {**backup, **without})
        failed = _dump(postgres_cluster, tmp_path)
        assert failed.returncode != 0 and error in failed.stderr, failed.stderr
        provider.update(f"{REF}/role/{backup['name']}", {**olds, **without}, backup)
    assert _dump(postgres_cluster, tmp_path).returncode == 0


def _dump(cluster: TemporaryCluster, directory: Path) -> subprocess.CompletedProcess[str]:
    """The backup job's pg_dump (services/backup/job.py): custom format, the schemas of verification.toml."""
    pg_dump = find_program("pg_dump")
    env = {"PGPASSWORD": PASSWORDS["backup"], "PATH": "/usr/bin:/bin"}
    return subprocess.run([str(pg_dump.path), "--format=custom", "--schema=public", "--schema=supabase_migrations",
                           f"--file={directory / 'backup.dump'}", "--host=127.0.0.1", f"--port={cluster.port}",
                           f"--username={DECLARED['backup']['name']}", "--dbname=postgres", "--no-password"],
                          capture_output=True, text=True, env=env, check=False, timeout=60)


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_the_backup_url_is_the_backup_roles_in_session_mode(stack: str) -> None:
    """What the backup job gets as BACKUP_DATABASE_URL (`Database.backup_database_url`, registered as the
    component's secret output `backupDatabaseUrl`): the read-only role through Supavisor's session mode
    (port 5432), since a pg_dump snapshot cannot go through the transaction mode the runtimes use."""
    planned = plan(stack)
    [database] = [r for r in planned.resources if r.type == "lightspeedpay:database:Database"]
    backup = urllib.parse.urlsplit(str(unwrap(database.outputs["backupDatabaseUrl"])))
    [pooler] = [r for r in planned.resources if r.type == "pulumi-python:dynamic/supabase:Pooler"]
    ref = str(unwrap(planned.outputs["supabaseProjectRef"]))
    assert (backup.username, backup.hostname, backup.port) == (f"{ROLES.backup.name}.{ref}",
                                                                pooler.outputs["db_host"], 5432)
    assert backup.query == "sslmode=require" and pooler.outputs["db_port"] != 5432  # the runtimes' port is not it
