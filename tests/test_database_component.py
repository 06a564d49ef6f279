"""The database component in both stacks' plans: its children, its secrets, what it feeds, and the
disaster-recovery checks on its config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from components.database import auth_settings, pooled_url, replica_slots
from config.database import DatabaseConfig
from ops import plan as plan_cli
from ops.offline import fake_supabase_ref
from ops.resources import is_secret
from providers.supabase.vocabulary import PASSWORD_CHARACTERS
from tests.harness import REPO, plan

DYNAMIC = "pulumi-python:dynamic/supabase:"
COMPONENT = "lightspeedpay:database:Database"


def database_section(stack: str) -> dict[str, Any]:
    document = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())
    return dict(document["config"]["lightspeedpay:database"])


def kinds(stack: str) -> list[str]:
    return sorted(r.type.removeprefix(DYNAMIC) for r in plan(stack).resources if r.type.startswith(DYNAMIC))


def test_production_declares_every_setting_and_staging_a_smaller_set() -> None:
    roles = ["Role", "Role", "Role"]  # the API's, the workers', the backups'
    assert kinds("production") == ["AuthConfig", "Backups", "NetworkRestrictions", "Organization", "PgAudit", "Pitr",
                                   "Pooler", "PostgresConfig", "Project", "ReadReplica", *roles, "SslEnforcement"]
    assert kinds("staging") == ["AuthConfig", "Backups", "NetworkRestrictions", "Organization", "PgAudit",
                                "Pooler", "PostgresConfig", "Project", *roles, "SslEnforcement"]


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_children_sit_under_the_component_and_the_password_is_generated(stack: str) -> None:
    resources = plan(stack).resources
    component = next(r for r in resources if r.type == COMPONENT)
    children = [r for r in resources if r.parent == component.urn]
    assert {r.type for r in children} >= {DYNAMIC + "Project", "random:index/randomPassword:RandomPassword"}
    assert all(r.parent == component.urn for r in resources if r.type.startswith(DYNAMIC))
    password = next(r for r in children if r.type == "random:index/randomPassword:RandomPassword"
                    and r.name.endswith("-db-password"))
    assert password.inputs["length"] == 40 and password.inputs["special"] is False
    assert password.provider.startswith(f"urn:pulumi:{stack}::lightspeedpay::pulumi:providers:random::")
    project = next(r for r in children if r.type == DYNAMIC + "Project")
    assert is_secret(project.inputs["db_pass"])
    assert project.inputs["region"] == "ap-south-1"
    assert project.protect is (stack == "production")
    assert set(project.additional_secret_outputs) == {"db_pass", "anon_key", "service_role_key"}
    auth = next(r for r in children if r.type == DYNAMIC + "AuthConfig")
    assert auth.property_dependencies["project_ref"] == [project.urn]


def test_replicas_and_pgaudit_wait_for_ssl_enforcement() -> None:
    resources = plan("production").resources
    ssl = next(r for r in resources if r.type == DYNAMIC + "SslEnforcement")
    for kind in ("ReadReplica", "PgAudit", "Pooler", "PostgresConfig", "Role"):
        resource = next(r for r in resources if r.type == DYNAMIC + kind)
        assert ssl.urn in resource.dependencies, kind


def test_the_api_receives_its_own_roles_pooled_url_and_keys_as_secrets() -> None:
    resources = plan("production").resources
    ref = fake_supabase_ref("lightspeedpay-database-project")
    env = {(r.inputs["key"], tuple(r.inputs["targets"])): r for r in resources
           if r.type == "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
           and r.name.startswith("lightspeedpay-api-")}
    url = env[("DATABASE_URL", ("production",))]
    assert url.inputs["sensitive"] is True and is_secret(url.inputs["value"])
    assert url.inputs["value"]["value"] == (  # the API's role through Supavisor, never postgres
        f"postgresql://lightspeedpay_api.{ref}:offline-random-lightspeedpay-database-api-role-password"
        f"@aws-0-ap-south-1.pooler.supabase.com:6543/postgres?sslmode=require")
    role = next(r for r in resources if r.type == DYNAMIC + "Role" and r.inputs["name"] == "lightspeedpay_api")
    assert role.urn in url.property_dependencies["value"]
    for key in ("SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY"):
        assert is_secret(env[(key, ("production",))].inputs["value"]), key
    assert env[("SUPABASE_URL", ("production",))].inputs["value"]["value"] == f"https://{ref}.supabase.co"
    # Previews never get the production database.
    assert env[("DATABASE_URL", ("preview",))].inputs["value"] != url.inputs["value"]


def test_stack_outputs_name_the_project_without_secrets() -> None:
    outputs = plan("production").outputs
    ref = fake_supabase_ref("lightspeedpay-database-project")
    assert outputs["supabaseProjectRef"] == ref and outputs["supabaseUrl"] == f"https://{ref}.supabase.co"
    assert not any(is_secret(v) for v in outputs.values())


def test_auth_settings_use_the_apis_names_and_values() -> None:
    cfg = DatabaseConfig.model_validate(database_section("production"))
    assert auth_settings(cfg.auth) == {
        "jwt_exp": 3600, "refresh_token_rotation_enabled": True, "security_refresh_token_reuse_interval": 10,
        "mfa_totp_enroll_enabled": True, "mfa_totp_verify_enabled": True, "mfa_max_enrolled_factors": 10,
        "password_min_length": 12,
        "password_required_characters": PASSWORD_CHARACTERS["lower_upper_letters_digits_symbols"]}


def test_pooled_url_encodes_and_requires_tls() -> None:
    assert pooled_url("postgres.abc", "p@ss/w:rd", "h.example", 6543, "postgres") == \
        "postgresql://postgres.abc:p%40ss%2Fw%3Ard@h.example:6543/postgres?sslmode=require"


def test_replica_slots_number_replicas_per_region() -> None:
    assert replica_slots(["ap-south-1", "ap-south-1", "ap-southeast-1"]) == [
        ("ap-south-1", 1), ("ap-south-1", 2), ("ap-southeast-1", 1)]


@pytest.mark.parametrize(("edit", "message"), [
    ({"recovery": {"rpoMinutes": 1, "rtoMinutes": 60}},
     "rpoMinutes = 1 cannot be met: PITR (pitrDays 7) loses at most about 2 minutes; allowed: rpoMinutes >= 2"),
    ({"pitrDays": 0},
     "rpoMinutes = 5 cannot be met: daily backups alone lose up to 1440 minutes; set pitrDays to 7, 14 or "
     "28 for about 2; allowed: rpoMinutes >= 1440"),
    ({"pitrDays": 0, "dailyBackups": False}, "no backups are declared (dailyBackups is false and pitrDays is 0)"),
    ({"instanceSize": "micro", "pitrDays": 0, "recovery": {"rpoMinutes": 1440, "rtoMinutes": 60}},
     "read replicas need at least the 'small' compute size (instanceSize is 'micro')"),
    ({"region": "us-east-1x"}, "is not a Supabase region; allowed: us-east-1, "),
    ({"backupScheduleUtc": "3am"}, "String should match pattern"),
    ({"postgres": {"statementTimeout": "a minute"}}, "must match ^(-?[0-9]+(?:\\.[0-9]+)?)(us|ms|s|min|h|d)?$"),
    ({"roles": {"api": {"name": "postgres", "privileges": ["select"], "connectionLimit": 5}}},
     "'postgres' is one of Supabase's own roles"),
    ({"roles": {"backup": {"name": "lightspeedpay_backup", "privileges": ["select", "delete"],
                           "connectionLimit": 2}}}, "backup.privileges must be ['select']"),
    ({"roles": {"worker": {"name": "lightspeedpay_worker", "privileges": ["truncate"], "connectionLimit": 5}}},
     "'truncate' is not a table privilege; allowed: select, insert, update, delete"),
    ({"audit": {"pgaudit": True, "pgauditLogClasses": ["ddl"], "roles": ['postgres"; --']}},
     "String should match pattern"),
])
def test_database_config_is_refused_with_the_key_value_and_what_is_allowed(edit: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        DatabaseConfig.model_validate({**database_section("production"), **edit})
    assert message in str(caught.value)


def test_an_unmeetable_rpo_stops_the_plan_before_any_resource(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    document = yaml.safe_load((REPO / "Pulumi.staging.yaml").read_text())
    document["config"]["lightspeedpay:database"]["recovery"]["rpoMinutes"] = 60
    edited = tmp_path / "Pulumi.staging.yaml"
    edited.write_text(yaml.safe_dump(document))
    assert plan_cli.main(["--stack", "staging", "--config-file", str(edited)]) == 2
    err = capsys.readouterr().err
    assert ("lightspeedpay:database.recovery = {'rpoMinutes': 60, 'rtoMinutes': 240}: rpoMinutes = 60 cannot be "
            "met: daily backups alone lose up to 1440 minutes") in err
