"""Every request the Supabase client can send matches the published OpenAPI document.

The client lists its operations (`OPERATIONS`); each is driven through the spec-validating fake
and must arrive, be valid (method, path, parameters, body schema, no undeclared property) and
be answered. The vocabulary the provider validates against is compared with the spec's enums.
"""

from __future__ import annotations

from typing import Any

import pytest

from config.vocabulary import thresholds
from fakeapis.server import FakeServer
from fakeapis.supabase import TOKEN, FakeSupabase
from fakeapis.supabase_spec import request_problems, spec_document, template_of
from providers.supabase import vocabulary
from providers.supabase.audit import apply_sql, read_sql
from providers.supabase.client import OPERATIONS, SupabaseClient
from providers.supabase.organization import ENTITLEMENTS
from tests.supabase_support import instant_runtime, supabase_api_fixture, supabase_server_fixture  # noqa: F401

SCHEMAS = spec_document()["components"]["schemas"]


def test_every_operation_is_in_the_spec_with_its_method() -> None:
    paths = spec_document()["paths"]
    for method, template in OPERATIONS:
        assert method.lower() in paths.get(template, {}), f"{method} {template} is not in the spec"


def test_every_client_operation_is_sent_and_valid(supabase_api: tuple[FakeSupabase, FakeServer]) -> None:
    fake, server = supabase_api
    project = fake.add_project("spec-walk", size="small")
    ref = project.ref
    client = SupabaseClient(TOKEN, server.url, instant_runtime())
    client.get_organization("lightspeedpay")
    client.get_entitlements("lightspeedpay")
    client.list_members("lightspeedpay")
    client.list_org_projects("lightspeedpay", search="spec-walk")
    created = client.create_project({
        "name": "spec-created", "organization_slug": "lightspeedpay", "db_pass": "test-db-password-not-real",
        "region_selection": {"type": "specific", "code": "ap-south-1"}, "desired_instance_size": "small"})
    client.get_project(ref)
    client.rename_project(ref, "spec-walk-renamed")
    client.set_database_password(ref, "test-db-password-not-real-2")
    client.api_keys(ref)
    client.list_addons(ref)
    client.apply_addon(ref, "pitr", "pitr_7")
    client.remove_addon(ref, "pitr_7")
    client.get_network_restrictions(ref)
    client.apply_network_restrictions(ref, ["203.0.113.0/28"], ["2001:db8::/48"])
    client.get_ssl_enforcement(ref)
    client.put_ssl_enforcement(ref, True)
    client.setup_read_replica(ref, "ap-south-1")
    replica = project.replicas[0]["identifier"]
    client.remove_read_replica(ref, replica)
    client.list_backups(ref)
    client.get_backup_schedule(ref)
    client.set_backup_schedule(ref, "21:30:00")
    client.get_auth_config(ref)
    client.update_auth_config(ref, {"jwt_exp": 3600, "password_required_characters":
                                    vocabulary.PASSWORD_CHARACTERS["lower_upper_letters_digits_symbols"]})
    client.get_postgres_config(ref)
    client.update_postgres_config(ref, {"statement_timeout": "60s", "track_commit_timestamp": True}, restart=False)
    client.get_pooler(ref)
    client.update_pooler(ref, {"pool_mode": "transaction", "default_pool_size": 20})
    client.run_query(ref, apply_sql({"postgres": "ddl,write"}))
    client.run_read_only_query(ref, read_sql(["postgres"]))
    client.advisors(ref, "performance")
    client.advisors(ref, "security")
    client.delete_project(created["ref"])

    exercised = {(r.method, template_of(r.path.split("?")[0])) for r in fake.requests}
    assert exercised == set(OPERATIONS)
    assert fake.violations == []
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in fake.requests)


@pytest.mark.parametrize(("method", "path", "body", "why"), [
    ("PATCH", "/v1/projects/abcdefghijklmnopqrst/billing/addons", {"addon_type": "pitr", "addon_variant": "pitr_9"},
     "variant outside the enum"),
    ("POST", "/v1/projects", {"name": "x", "organization_slug": "lightspeedpay"}, "db_pass missing"),
    ("POST", "/v1/projects/abcdefghijklmnopqrst/read-replicas/setup", {"region": "ap-south-1"},
     "the docs' field name, not the spec's"),
    ("PATCH", "/v1/projects/abcdefghijklmnopqrst/config/auth", {"jwt_expiry": 3600}, "misspelled setting"),
    ("PATCH", "/v1/projects/short/config/auth", {"jwt_exp": 3600}, "malformed ref"),
    ("PATCH", "/v1/projects/abcdefghijklmnopqrst/config/auth", {"jwt_exp": 10_000_000}, "above the maximum"),
])
def test_the_validator_refuses_what_the_spec_refuses(method: str, path: str, body: Any, why: str) -> None:
    assert request_problems(method, path, {}, body), why


def _enum(schema: dict[str, Any]) -> list[Any]:
    return [v for variant in schema.get("oneOf", [schema]) for v in variant.get("enum", [])]


def test_vocabulary_matches_the_spec() -> None:
    create = SCHEMAS["V1CreateProjectBody"]["properties"]
    specific = create["region_selection"]["oneOf"][0]["properties"]["code"]["enum"]
    assert set(vocabulary.REGIONS) == set(specific)
    assert set(vocabulary.INSTANCE_SIZES) <= set(create["desired_instance_size"]["enum"])
    variants = _enum(SCHEMAS["ApplyProjectAddonBody"]["properties"]["addon_variant"])
    assert {f"ci_{s}" for s in vocabulary.INSTANCE_SIZES if s != "nano"} <= set(variants)
    assert {f"pitr_{d}" for d in thresholds.PITR_RETENTION_DAYS} <= set(variants)
    auth = SCHEMAS["UpdateAuthConfigBody"]["properties"]
    assert set(vocabulary.AUTH_RULES) <= set(auth)
    assert set(vocabulary.PASSWORD_CHARACTERS.values()) == set(auth["password_required_characters"]["enum"])
    assert set(vocabulary.POSTGRES_RULES) <= set(SCHEMAS["UpdatePostgresConfigBody"]["properties"])
    # The merged PUT body may carry every override the API knows, and nothing else.
    assert set(vocabulary.POSTGRES_KEYS) == set(SCHEMAS["UpdatePostgresConfigBody"]["properties"]) - {
        "restart_database"}
    assert set(vocabulary.POSTGRES_KEYS) >= vocabulary.POSTGRES_RESTART_KEYS
    for key in ("statement_timeout", "wal_sender_timeout", "checkpoint_timeout"):
        assert SCHEMAS["UpdatePostgresConfigBody"]["properties"][key]["pattern"] == vocabulary.DURATION, key
    assert set(vocabulary.POOLER_RULES) <= set(SCHEMAS["UpdateSupavisorConfigBody"]["properties"])
    keys = SCHEMAS["V1ListEntitlementsResponse"]["properties"]["entitlements"]["items"]["properties"]
    assert set(ENTITLEMENTS) <= set(keys["feature"]["properties"]["key"]["enum"])
    for key, rule in vocabulary.AUTH_RULES.items():
        spec = auth[key]
        if rule.kind == "int" and "maximum" in spec:
            assert rule.maximum is not None and rule.maximum <= spec["maximum"], key
            assert rule.minimum is not None and rule.minimum >= spec.get("minimum", rule.minimum), key
