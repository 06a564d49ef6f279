"""The applications' Postgres roles: SCRAM verifiers only, only the declared grants, adoption without reset.

The lifecycle shared by every kind is in tests/test_provider_contract.py; this is what is particular
to roles. The fake executes the statements (fakeapis/postgres_sql.py) and refuses a plain password;
tests/test_database_roles_postgres.py runs the same statements on a real PostgreSQL (sign-in over
SCRAM, the grants, pg_dump as the backup role).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest

from fakeapis.server import FakeServer
from fakeapis.supabase import FakeSupabase
from providers.dynamic.errors import ApiError
from providers.supabase.roles import RoleProvider, create_sql, scram_verifier, verifier_matches
from tests.supabase_support import (  # noqa: F401
    configured,
    mutations,
    outs,
    supabase_api_fixture,
    supabase_server_fixture,
)

Api = tuple[FakeSupabase, FakeServer]
PASSWORD = "testRolePasswordNotReal0123"


def role_props(ref: str, **changes: Any) -> dict[str, Any]:
    return {"project_ref": ref, "name": "lightspeedpay_worker", "password": PASSWORD,
            "privileges": ["select", "insert", "update", "delete"], "schemas": ["public"], "connection_limit": 20,
            "statement_timeout": "60s", **changes}


def test_the_verifier_is_rfc_7677s() -> None:
    """RFC 7677 §3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations."""
    verifier = scram_verifier("pencil", base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096)
    stored, server = (base64.b64decode(k) for k in verifier.rsplit("$", 1)[1].split(":"))
    auth = (b"n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            b"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")
    proof = base64.b64decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
    client_key = bytes(a ^ b for a, b in zip(proof, hmac.new(stored, auth, hashlib.sha256).digest(), strict=True))
    assert hashlib.sha256(client_key).digest() == stored  # the RFC's client proof verifies against it
    assert base64.b64encode(hmac.new(server, auth, hashlib.sha256).digest()) == \
        b"6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="  # and the server signs as the RFC says
    assert verifier.startswith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$")
    assert verifier_matches(verifier, "pencil") and not verifier_matches(verifier, "pencil2")


def test_no_statement_carries_the_password(supabase_api: Api) -> None:
    fake, _ = supabase_api
    project = fake.add_project("roles")
    provider = configured(RoleProvider)
    created = provider.create(role_props(project.ref))
    provider.update(created.id, outs(created), role_props(project.ref, password="testRolePasswordRotated0123"))
    sent = [str(r.body) for r in fake.requests if r.method == "POST"]
    assert sent and not any(PASSWORD in body or "testRolePasswordRotated0123" in body for body in sent)
    role = project.login_roles["lightspeedpay_worker"]
    assert verifier_matches(role["verifier"], "testRolePasswordRotated0123")  # a client with it signs in
    assert not verifier_matches(role["verifier"], PASSWORD)


def test_the_fake_refuses_a_plain_password_as_postgres_logging_would_leak_it(supabase_api: Api) -> None:
    fake, _ = supabase_api
    project = fake.add_project("plain")
    client = configured(RoleProvider).client()
    with pytest.raises(ApiError, match="must be sent as a SCRAM-SHA-256 verifier"):
        client.run_query(project.ref, f"create role \"x_app\" with login nosuperuser nocreatedb nocreaterole "
                                      f"noreplication nobypassrls connection limit 5 password '{PASSWORD}';")
    assert project.login_roles == {}


def test_only_the_declared_grants(supabase_api: Api) -> None:
    fake, _ = supabase_api
    project = fake.add_project("grants")
    worker = configured(RoleProvider).create(role_props(project.ref))
    backup = configured(RoleProvider).create(role_props(
        project.ref, name="lightspeedpay_backup", privileges=["select"], connection_limit=2, statement_timeout=None,
        bypass_rls=True, member_of=["pg_read_all_data"]))
    roles = project.login_roles
    assert roles["lightspeedpay_worker"] | {"verifier": "-"} == {
        "login": True, "bypass_rls": False, "connection_limit": 20, "verifier": "-", "statement_timeout": "60s",
        "connect": True, "usage": ["public"], "tables": {"public": ["delete", "insert", "select", "update"]},
        "sequences": {"public": ["select", "usage"]},
        "default_tables": {"public": ["delete", "insert", "select", "update"]},
        "default_sequences": {"public": ["select", "usage"]}, "member_of": []}
    assert roles["lightspeedpay_backup"]["tables"] == {"public": ["select"]}  # it reads, and only reads
    assert roles["lightspeedpay_backup"]["sequences"] == {"public": ["select"]}
    assert roles["lightspeedpay_backup"]["bypass_rls"] and roles["lightspeedpay_backup"]["statement_timeout"] is None
    assert roles["lightspeedpay_backup"]["member_of"] == ["pg_read_all_data"]  # every schema pg_dump reads
    assert outs(backup)["member_of"] == ["pg_read_all_data"]
    # A refresh reads the membership back from pg_auth_members: nothing to change.
    read = configured(RoleProvider).read(backup.id, outs(backup))
    assert outs(read)["member_of"] == ["pg_read_all_data"]
    assert configured(RoleProvider).diff(backup.id, outs(read), {**role_props(
        project.ref, name="lightspeedpay_backup", privileges=["select"], connection_limit=2, statement_timeout=None,
        bypass_rls=True, member_of=["pg_read_all_data"])}).changes is False
    assert outs(worker)["pooler_user"] == f"lightspeedpay_worker.{project.ref}"
    assert outs(backup)["name"] == "lightspeedpay_backup"

    fewer = role_props(project.ref, privileges=["select", "insert"], statement_timeout=None)
    provider = configured(RoleProvider)
    since = len(fake.requests)
    provider.update(worker.id, outs(worker), fewer)
    statements = fake.requests[since].body["query"].splitlines()
    assert statements[0].startswith('alter default privileges for role postgres in schema "public" revoke all')
    assert roles["lightspeedpay_worker"]["tables"] == {"public": ["insert", "select"]}
    assert roles["lightspeedpay_worker"]["statement_timeout"] is None


def test_an_existing_role_keeps_its_password_unless_the_stack_says_so(supabase_api: Api) -> None:
    fake, _ = supabase_api
    project = fake.add_project("adopt")
    configured(RoleProvider).client().run_query(project.ref, create_sql("lightspeedpay_worker", role_props(
        project.ref, password="setByHandOutsidePulumi0123", connection_limit=5)))
    kept = configured(RoleProvider).create(role_props(project.ref))
    role = project.login_roles["lightspeedpay_worker"]
    assert verifier_matches(role["verifier"], "setByHandOutsidePulumi0123") and role["connection_limit"] == 20
    assert outs(kept)["unwritten"] == ["password"]
    configured(RoleProvider).create(role_props(project.ref, reset_secrets_on_adopt=True))
    assert verifier_matches(project.login_roles["lightspeedpay_worker"]["verifier"], PASSWORD)


def test_a_role_is_dropped_only_after_its_grants_are_revoked(supabase_api: Api) -> None:
    fake, _ = supabase_api
    project = fake.add_project("drop")
    provider = configured(RoleProvider)
    created = provider.create(role_props(project.ref))
    client = provider.client()
    with pytest.raises(ApiError, match="cannot be dropped because some objects depend on it"):
        client.run_query(project.ref, 'drop role "lightspeedpay_worker";')  # as Postgres refuses it
    provider.delete(created.id, outs(created))
    assert project.login_roles == {}
    since = len(fake.requests)
    provider.delete(created.id, outs(created))  # already gone: one look, nothing sent
    assert mutations(fake.requests, since) == []


@pytest.mark.parametrize(("changes", "prop"), [
    ({"name": "postgres"}, "name"), ({"name": "service_role"}, "name"), ({"name": 'x"; drop table y; --'}, "name"),
    ({"password": "short"}, "password"), ({"password": "has-dashes-and-is-long-enough"}, "password"),
    ({"privileges": ["truncate"]}, "privileges"), ({"schemas": ["public; drop"]}, "schemas"),
    ({"member_of": ["pg_write_all_data"]}, "member_of"), ({"member_of": ["postgres"]}, "member_of"),
    ({"statement_timeout": "a minute"}, "statement_timeout"), ({"connection_limit": 0}, "connection_limit"),
])
def test_check_refuses_what_an_application_role_must_not_be(changes: dict[str, Any], prop: str) -> None:
    failures = RoleProvider().check({}, role_props("abcdefghijklmnopqrst", **changes)).failures
    assert [f.property for f in failures] == [prop]
    assert "has-dashes" not in str([f.reason for f in failures])
