"""A real PostgreSQL for the backup tests: the Debian `postgresql` package, started and stopped here.

One throwaway cluster per test session (the drill's own `TemporaryCluster`: initdb into a temporary
directory, pg_ctl on a free loopback port, socket in that directory, run as an unprivileged user
when the tests run as root). The tests use whatever major version the machine has — Debian
bookworm's is PostgreSQL 15 — and say so in their output; production's major version is
`database.postgresMajorVersion` and the drill restores into that one in India.
Missing PostgreSQL skips these tests on a developer's machine and fails them in CI (``CI`` set),
where `.ci/run` installs it.
"""

from __future__ import annotations

import os

import psycopg
import pytest
from psycopg import sql

from ops.restore_drill.cluster import TemporaryCluster
from services.backup.pg import PostgresError, find_program

SEED_SQL = """
CREATE SCHEMA supabase_migrations;
CREATE TABLE supabase_migrations.schema_migrations (version text PRIMARY KEY, name text);
INSERT INTO supabase_migrations.schema_migrations VALUES ('20261101090000', 'merchants'),
    ('20261115120000', 'payments');
CREATE TABLE public.merchants (id bigint PRIMARY KEY, name text NOT NULL, settings jsonb NOT NULL DEFAULT '{}');
INSERT INTO public.merchants
    SELECT g, 'merchant ' || g, jsonb_build_object('mcc', 5411 + g) FROM generate_series(1, 20) g;
CREATE TABLE public.payments (
    id bigint PRIMARY KEY, merchant_id bigint NOT NULL REFERENCES public.merchants,
    amount_paise bigint NOT NULL, fee numeric(12, 4) NOT NULL, status text NOT NULL,
    created_at timestamptz NOT NULL, signature bytea);
INSERT INTO public.payments
    SELECT g, 1 + g % 20, g * 137, g * 0.0215, (ARRAY['captured', 'failed', 'refunded'])[1 + g % 3],
           timestamptz '2026-11-01 00:00:00+05:30' + g * interval '7 minutes', sha256(g::text::bytea)
    FROM generate_series(1, 300) g;
CREATE TABLE public.refunds (id bigint PRIMARY KEY, payment_id bigint NOT NULL REFERENCES public.payments,
    amount_paise bigint NOT NULL);
INSERT INTO public.refunds SELECT g, g * 3, g * 10 FROM generate_series(1, 40) g;
DO $$ BEGIN CREATE ROLE authenticated NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
ALTER TABLE public.payments ENABLE ROW LEVEL SECURITY;
CREATE POLICY merchants_own_payments ON public.payments FOR SELECT TO authenticated USING (true);
"""

VERIFICATION_TOML = """
[dump]
schemas = ["public", "supabase_migrations"]

[restore]
roles = ["anon", "authenticated", "service_role"]

[schema_version]
table = "supabase_migrations.schema_migrations"
column = "version"

[[tables]]
name = "public.merchants"
min_rows = 1

[[tables]]
name = "public.payments"
min_rows = 1

[[tables]]
name = "public.refunds"
"""


def start_cluster() -> TemporaryCluster:
    """The newest PostgreSQL installed, started; skip (fail in CI) without one."""
    try:
        find_program("initdb")
        cluster = TemporaryCluster().start()
    except PostgresError as error:
        message = f"a real PostgreSQL is needed (Debian: apt-get install postgresql): {error}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return cluster


def create_database(cluster: TemporaryCluster, name: str, seed: str = SEED_SQL) -> str:
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = cluster.dsn(name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(seed.encode())  # a fixed script, no parameters
    return dsn


def drill_databases(cluster: TemporaryCluster) -> list[str]:
    """Databases a drill left behind (it must drop its own)."""
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'restore_drill_%'").fetchall()
    return [str(r[0]) for r in rows]
