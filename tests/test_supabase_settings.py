"""Settings resources against the fake: read → compare → write only the change; fail closed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from fakeapis.server import FakeServer
from fakeapis.supabase import FakeSupabase
from providers.http import ApiError
from providers.supabase.addons import PitrProvider
from providers.supabase.audit import PgAuditProvider
from providers.supabase.base import SupabaseProvider
from providers.supabase.client import is_mutation
from providers.supabase.errors import NotReadyError, PlanRequiredError
from providers.supabase.organization import OrganizationProvider
from providers.supabase.replicas import ReadReplicaProvider
from providers.supabase.settings import (
    AuthConfigProvider,
    BackupsProvider,
    NetworkRestrictionsProvider,
    PoolerProvider,
    PostgresConfigProvider,
    SslEnforcementProvider,
)
from tests.supabase_support import (  # noqa: F401
    FakeClock,
    configured,
    mutations,
    outs,
    sent,
    supabase_api_fixture,
    supabase_server_fixture,
)

Api = tuple[FakeSupabase, FakeServer]


@dataclass(frozen=True)
class Case:
    provider: type[SupabaseProvider]
    desired: dict[str, Any]
    """Inputs besides project_ref; differ from a new project's defaults."""
    changed: dict[str, Any]
    write: str
    """Path suffix and method of the one write a change makes."""
    body: Any
    """The body that write carries for `changed` (only what changed, unless the API replaces)."""
    reads: tuple[str, ...]


CASES = [
    Case(AuthConfigProvider, {"settings": {"jwt_exp": 1800, "password_min_length": 12}},
         {"settings": {"jwt_exp": 900, "password_min_length": 12}},
         "PATCH /config/auth", {"jwt_exp": 900}, ("GET /config/auth",)),
    Case(PostgresConfigProvider, {"settings": {"statement_timeout": "60s"}},
         {"settings": {"statement_timeout": "30s"}},
         "PUT /config/database/postgres",  # the PUT replaces the whole set: the merged set, no restart needed
         {"statement_timeout": "30s", "max_connections": 90, "restart_database": False},
         ("GET /config/database/postgres",)),
    Case(PoolerProvider, {"settings": {"pool_mode": "session"}}, {"settings": {"pool_mode": "transaction"}},
         "PATCH /config/database/pooler", {"pool_mode": "transaction"}, ("GET /config/database/pooler",)),
    Case(NetworkRestrictionsProvider, {"allowed_cidrs": ["203.0.113.0/28"]},
         {"allowed_cidrs": ["203.0.113.0/28", "2001:db8::/48"]},
         "POST /network-restrictions/apply",  # the whole list, split by family
         {"dbAllowedCidrs": ["203.0.113.0/28"], "dbAllowedCidrsV6": ["2001:db8::/48"]},
         ("GET /network-restrictions",)),
    Case(SslEnforcementProvider, {"enforced": True}, {"enforced": False},
         "PUT /ssl-enforcement", {"requestedConfig": {"database": False}}, ("GET /ssl-enforcement",)),
    Case(BackupsProvider, {"schedule_for": "21:30:00"}, {"schedule_for": "22:00:00"},
         "PATCH /database/backups/schedule", {"schedule_for": "22:00:00"},
         ("GET /database/backups", "GET /database/backups/schedule")),
    Case(PgAuditProvider, {"roles": {"postgres": ["ddl", "write"]}}, {"roles": {"postgres": ["ddl", "role", "write"]}},
         "POST /database/query", {"query": "create extension if not exists pgaudit;\n"
                                           "alter role \"postgres\" set pgaudit.log to 'ddl, role, write';"},
         ("POST /database/query/read-only",)),
]
IDS = [c.provider.kind for c in CASES]


def _suffixes(requests: list[str], ref: str) -> list[str]:
    return [r.replace(f"/v1/projects/{ref}", "") for r in requests]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_settings_lifecycle(supabase_api: Api, case: Case) -> None:
    fake, _ = supabase_api
    ref = fake.add_project("settings").ref
    provider = configured(case.provider)
    props = {"project_ref": ref, **case.desired}

    created = provider.create(props)
    assert _suffixes(sent(fake.requests), ref)[:len(case.reads)] == list(case.reads)
    assert len(mutations(fake.requests)) == 1, "a new project's defaults differ: one write"

    since = len(fake.requests)
    again = configured(case.provider).create(props)  # adopting a compliant project writes nothing
    assert mutations(fake.requests, since) == [] and outs(again) == outs(created)

    since = len(fake.requests)
    read = provider.read(created.id, outs(created))
    assert _suffixes(sent(fake.requests, since), ref) == list(case.reads)  # one GET per managed setting
    assert outs(read) == outs(created)
    assert provider.diff(created.id, outs(read), props).changes is False

    since = len(fake.requests)
    provider.update(created.id, outs(read), props)
    assert sent(fake.requests, since) == []  # a no-op update sends nothing at all

    since = len(fake.requests)
    news = {"project_ref": ref, **case.changed}
    assert provider.diff(created.id, outs(read), news).changes is True
    updated = provider.update(created.id, outs(read), news)
    writes = mutations(fake.requests, since)
    assert _suffixes(writes, ref) == [case.write]
    if case.provider is PostgresConfigProvider:  # read, merge, then PUT
        assert _suffixes(sent(fake.requests, since), ref)[0] == "GET /config/database/postgres"
    assert [r.body for r in fake.requests[since:] if is_mutation(r.method, r.path)] == [case.body]
    assert provider.read(created.id, updated.outs or {}).outs == updated.outs  # the write took

    since = len(fake.requests)
    provider.delete(created.id, updated.outs or {})
    assert sent(fake.requests, since) == []  # removing a declaration never loosens the database

    del fake.projects[ref]
    gone = provider.read(created.id, updated.outs or {})
    assert gone.id is None and outs(gone) == {}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_settings_diff_replaces_on_another_project(case: Case) -> None:
    provider = case.provider()
    olds = {"project_ref": "abcdefghijklmnopqrst", **case.desired}
    diff = provider.diff("x", olds, {"project_ref": "bcdefghijklmnopqrstu", **case.desired})
    assert diff.changes is True and diff.replaces == ["project_ref"]


def test_drift_made_in_the_dashboard_shows_on_refresh(supabase_api: Api) -> None:
    fake, _ = supabase_api
    project = fake.add_project("drift")
    provider = configured(AuthConfigProvider)
    props = {"project_ref": project.ref, "settings": {"jwt_exp": 1800}}
    created = provider.create(props)
    project.auth["jwt_exp"] = 86_400  # someone lengthened tokens by hand
    read = provider.read(created.id, outs(created))
    assert outs(read) is not None and outs(read)["settings"] == {"jwt_exp": 86_400}
    assert provider.diff(created.id, outs(read), props).changes is True
    since = len(fake.requests)
    provider.update(created.id, outs(read), props)
    assert fake.requests[since].body == {"jwt_exp": 1800} and project.auth["jwt_exp"] == 1800


@pytest.mark.parametrize(("provider", "props", "prop"), [
    (AuthConfigProvider, {"settings": {"jwt_expiry": 3600}}, "settings.jwt_expiry"),
    (AuthConfigProvider, {"settings": {"jwt_exp": 10}}, "settings.jwt_exp"),
    (AuthConfigProvider, {"settings": {"password_required_characters": "abc"}},
     "settings.password_required_characters"),
    (AuthConfigProvider, {"settings": {}}, "settings"),
    (PostgresConfigProvider, {"settings": {"statement_timeout": "a minute"}}, "settings.statement_timeout"),
    (PoolerProvider, {"settings": {"pool_mode": "statement"}}, "settings.pool_mode"),
    (NetworkRestrictionsProvider, {"allowed_cidrs": []}, "allowed_cidrs"),
    (NetworkRestrictionsProvider, {"allowed_cidrs": ["203.0.113.1/24"]}, "allowed_cidrs"),
    (SslEnforcementProvider, {"enforced": "yes"}, "enforced"),
    (BackupsProvider, {"schedule_for": "25:00:00"}, "schedule_for"),
    (PgAuditProvider, {"roles": {'postgres"; drop table x; --': ["ddl"]}}, 'roles.postgres"; drop table x; --'),
    (PgAuditProvider, {"roles": {"postgres": ["everything"]}}, "roles.postgres"),
    (PitrProvider, {"retention_days": 30}, "retention_days"),
    (ReadReplicaProvider, {"organization_slug": "lightspeedpay", "region": "moon-1"}, "region"),
])
def test_check_refuses_bad_values_naming_the_property(provider: type[SupabaseProvider], props: dict[str, Any],
                                                      prop: str) -> None:
    failures = provider().check({}, {"project_ref": "abcdefghijklmnopqrst", **props}).failures
    assert prop in [f.property for f in failures], [(f.property, f.reason) for f in failures]


def test_check_refuses_a_malformed_project_ref() -> None:
    failures = AuthConfigProvider().check(
        {}, {"project_ref": "../../v1/organizations", "settings": {"jwt_exp": 60}}).failures
    assert [f.property for f in failures] == ["project_ref"]


# -- specific behaviours --------------------------------------------------------------------

def test_ssl_enforcement_is_polled_until_applied(supabase_api: Api) -> None:
    fake, _ = supabase_api
    fake.ssl_apply_polls = 3
    ref = fake.add_project("ssl").ref
    clock = FakeClock()
    result = configured(SslEnforcementProvider, clock).create({"project_ref": ref, "enforced": True})
    assert _suffixes(sent(fake.requests), ref) == ["GET /ssl-enforcement", "PUT /ssl-enforcement",
                                                   *["GET /ssl-enforcement"] * 4]
    assert clock.sleeps == [5.0] * 3
    assert outs(result) == {"project_ref": ref, "enforced": True, "applied": True}


def test_ssl_enforcement_that_never_applies_is_an_error(supabase_api: Api) -> None:
    fake, _ = supabase_api
    fake.ssl_apply_polls = 10_000
    ref = fake.add_project("ssl-stuck").ref
    provider = configured(SslEnforcementProvider)
    assert provider.options is not None
    provider.options["runtime"].ssl_apply_timeout = 30
    with pytest.raises(NotReadyError, match=r"SSL enforcement of project .* not ready after 30s"):
        provider.create({"project_ref": ref, "enforced": True})


def test_network_restrictions_refused_by_the_plan(supabase_api: Api) -> None:
    fake, _ = supabase_api
    fake.network_entitlement = "disallowed"
    ref = fake.add_project("no-restrictions").ref
    with pytest.raises(PlanRequiredError, match="not available on this plan"):
        configured(NetworkRestrictionsProvider).create({"project_ref": ref, "allowed_cidrs": ["203.0.113.0/28"]})


def test_backup_schedule_needs_the_plan_feature(supabase_api: Api) -> None:
    fake, _ = supabase_api
    fake.orgs["lightspeedpay"].entitlements["backup.schedule"] = ("boolean", False, {"enabled": False})
    ref = fake.add_project("no-schedule").ref
    with pytest.raises(PlanRequiredError, match=r"HTTP 402.*plan does not include this feature"):
        configured(BackupsProvider).create({"project_ref": ref, "schedule_for": "21:30:00"})


def test_backups_without_a_schedule_read_once_and_old_recovery_declarations_change_nothing(supabase_api: Api) -> None:
    fake, _ = supabase_api
    fake.add_project("pitr-on", size="small").addons["pitr"] = "pitr_7"
    ref = next(iter(fake.projects))
    provider = configured(BackupsProvider)
    props = {"project_ref": ref}
    created = provider.create(props)
    assert _suffixes(sent(fake.requests), ref) == ["GET /database/backups"]
    assert outs(created)["pitr_enabled"] is True and outs(created)["latest_backup_at"] == "2026-05-31T04:00:00Z"
    # State written before the objectives moved to the database component's facts still holds them:
    # they are no longer compared, so that state diffs clean against today's declaration (no update).
    earlier = {**outs(created), "rpo_minutes": 5, "rto_minutes": 60, "restore_drill_minutes": 45}
    assert provider.diff(created.id, earlier, props).changes is False
    assert provider.diff(created.id, earlier, {**props, "schedule_for": "21:30:00"}).changes is True


def test_pitr_lifecycle(supabase_api: Api) -> None:
    fake, _ = supabase_api
    project = fake.add_project("pitr", size="small")
    provider = configured(PitrProvider)
    created = provider.create({"project_ref": project.ref, "retention_days": 7})
    assert project.addons["pitr"] == "pitr_7" and outs(created)["worst_case_rpo_minutes"] == 2
    since = len(fake.requests)
    assert provider.read(created.id, outs(created)).outs == outs(created)
    assert len(fake.requests) - since == 1
    since = len(fake.requests)
    provider.update(created.id, outs(created), {"project_ref": project.ref, "retention_days": 7})
    assert sent(fake.requests, since) == []
    updated = provider.update(created.id, outs(created), {"project_ref": project.ref, "retention_days": 14}).outs
    assert project.addons["pitr"] == "pitr_14" and updated is not None and updated["variant"] == "pitr_14"
    provider.delete(created.id, updated)
    assert "pitr" not in project.addons
    assert mutations(fake.requests)[-1] == f"DELETE /v1/projects/{project.ref}/billing/addons/pitr_14"
    assert provider.read(created.id, updated).id is None  # removed: the resource is gone


def test_pitr_on_too_small_a_compute_is_refused_with_the_apis_reason(supabase_api: Api) -> None:
    fake, _ = supabase_api
    ref = fake.add_project("tiny", size="micro").ref
    with pytest.raises(ApiError, match="HTTP 400: PITR requires at least the Small compute add-on"):
        configured(PitrProvider).create({"project_ref": ref, "retention_days": 7})


def _replica(ref: str, slot: int = 1) -> dict[str, Any]:
    return {"project_ref": ref, "organization_slug": "lightspeedpay", "region": "ap-south-1", "slot": slot}


def test_read_replica_lifecycle(supabase_api: Api) -> None:
    fake, _ = supabase_api
    fake.replica_init_polls = 2
    project = fake.add_project("replicated", size="small")
    clock = FakeClock()
    provider = configured(ReadReplicaProvider, clock)
    created = provider.create(_replica(project.ref))
    assert outs(created)["status"] == "ACTIVE_HEALTHY" and created.id.startswith(f"{project.ref}-rr-ap-south-1-")
    assert fake.requests[1].body == {"read_replica_region": "ap-south-1"} and len(clock.sleeps) == 2
    second = provider.create(_replica(project.ref, slot=2))
    assert second.id != created.id and len(project.replicas) == 2
    since = len(fake.requests)
    again = provider.create(_replica(project.ref, slot=1))  # slot 1 exists: adopted
    assert again.id == created.id and mutations(fake.requests, since) == []
    assert provider.diff(created.id, outs(created), _replica(project.ref, slot=3)).changes is False
    since = len(fake.requests)
    assert provider.read(created.id, outs(created)).outs == outs(created) and len(fake.requests) - since == 1
    provider.delete(created.id, outs(created))
    assert [r["identifier"] for r in project.replicas] == [second.id]
    assert provider.read(created.id, outs(created)).id is None


def test_read_replica_setup_whose_reply_was_lost_is_adopted(supabase_api: Api) -> None:
    fake, _ = supabase_api
    project = fake.add_project("replica-lost", size="small")
    fake.lose_replies[("POST", f"/v1/projects/{project.ref}/read-replicas/setup")] = 1
    fake.stall_seconds = 0.6
    created = configured(ReadReplicaProvider, timeout=0.2).create(_replica(project.ref))
    assert len(project.replicas) == 1 and created.id == project.replicas[0]["identifier"]
    assert mutations(fake.requests).count(f"POST /v1/projects/{project.ref}/read-replicas/setup") == 1


def test_a_replica_that_fails_to_initialise_is_an_error(supabase_api: Api) -> None:
    fake, _ = supabase_api
    fake.replica_fails = True
    project = fake.add_project("replica-fails", size="small")
    with pytest.raises(NotReadyError, match="INIT_READ_REPLICA_FAILED"):
        configured(ReadReplicaProvider).create(_replica(project.ref))


def test_pgaudit_drift_is_seen_and_corrected(supabase_api: Api) -> None:
    fake, _ = supabase_api
    project = fake.add_project("audited")
    provider = configured(PgAuditProvider)
    props = {"project_ref": project.ref, "roles": {"postgres": ["ddl", "write"], "authenticator": ["write"]}}
    created = provider.create(props)
    assert project.pgaudit_installed and project.role_settings["postgres"] == "ddl, write"
    assert outs(created)["extension_installed"] is True
    project.role_settings["postgres"] = "ddl"  # someone narrowed the audit by hand
    read = provider.read(created.id, outs(created)).outs
    assert read is not None and read["roles"]["postgres"] == ["ddl"]
    assert provider.diff(created.id, read, props).changes is True
    since = len(fake.requests)
    provider.update(created.id, read, props)
    assert fake.requests[since].body == {"query": "create extension if not exists pgaudit;\n"
                                                  "alter role \"postgres\" set pgaudit.log to 'ddl, write';"}


def test_the_postgres_put_keeps_every_override_set_elsewhere(supabase_api: Api) -> None:
    fake, _ = supabase_api
    project = fake.add_project("overrides")
    project.postgres = {"max_connections": 90, "work_mem": "8MB"}  # set in the dashboard, or by Supabase support
    provider = configured(PostgresConfigProvider)
    props = {"project_ref": project.ref, "settings": {"statement_timeout": "60s"}}
    created = provider.create(props)
    assert project.postgres == {"max_connections": 90, "work_mem": "8MB", "statement_timeout": "60s"}
    provider.update(created.id, outs(created), {**props, "settings": {"statement_timeout": "30s"}})
    assert project.postgres == {"max_connections": 90, "work_mem": "8MB", "statement_timeout": "30s"}
    # The fake replaces, as Supabase does: a PUT of the managed key alone would have wiped the others.
    client = provider.client()
    client.update_postgres_config(project.ref, {"statement_timeout": "30s"}, restart=False)
    assert project.postgres == {"statement_timeout": "30s"}


def test_a_start_only_parameter_without_an_allowed_restart_is_reported_pending(supabase_api: Api) -> None:
    fake, _ = supabase_api
    project = fake.add_project("pending")
    provider = configured(PostgresConfigProvider)
    props = {"project_ref": project.ref, "settings": {"statement_timeout": "60s", "track_commit_timestamp": True}}
    created = provider.create(props)
    assert fake.requests[-1].body["restart_database"] is False and project.restarts == 0
    assert outs(created)["pending_restart"] == ["track_commit_timestamp"]  # saved, not in effect
    since = len(fake.requests)
    still = outs(provider.read(created.id, outs(created)))
    assert _suffixes(sent(fake.requests, since), project.ref) == [
        "GET /config/database/postgres", "POST /database/query/read-only"]  # Postgres is asked, while it waits
    assert still["pending_restart"] == ["track_commit_timestamp"]
    assert provider.diff(created.id, still, props).changes is False  # waiting is not drift
    # Re-adopting what another run wrote asks Postgres too: never reported applied early.
    again = configured(PostgresConfigProvider).create(props)
    assert outs(again)["pending_restart"] == ["track_commit_timestamp"]
    project.pending_restart.clear()  # Supabase restarted the database (maintenance)
    applied = outs(provider.read(created.id, still))
    assert "pending_restart" not in applied
    since = len(fake.requests)
    provider.read(created.id, applied)
    assert len(fake.requests) - since == 1  # nothing waits: one read


def test_a_restart_the_stack_allows_applies_the_parameter(supabase_api: Api) -> None:
    fake, _ = supabase_api
    fake.restart_polls = 2
    project = fake.add_project("restart")
    clock = FakeClock()
    provider = configured(PostgresConfigProvider, clock)
    props = {"project_ref": project.ref, "settings": {"track_commit_timestamp": True}}
    created = provider.create(props)
    assert "pending_restart" in outs(created) and project.restarts == 0
    allowed = {**props, "restart_allowed": True}
    assert provider.diff(created.id, outs(created), allowed).changes is True
    updated = outs(provider.update(created.id, outs(created), allowed))
    assert project.restarts == 1 and project.pending_restart == set() and "pending_restart" not in updated
    assert project.status == "ACTIVE_HEALTHY" and len(clock.sleeps) == 2  # waited for it to come back
    assert fake.requests[-4].body == {"track_commit_timestamp": True, "statement_timeout": "2min",
                                      "max_connections": 90, "restart_database": True}


def test_organization_report_counts_without_names(supabase_api: Api) -> None:
    fake, _ = supabase_api
    fake.orgs["lightspeedpay"].members.append({"user_id": "u3", "user_name": "admin2", "email": "a2@example.test",
                                               "role_name": "Administrator", "mfa_enabled": False})
    provider = configured(OrganizationProvider)
    created = provider.create({"organization_slug": "lightspeedpay"})
    report = outs(created)
    assert report["plan"] == "pro"
    assert report["members"] == {"total": 3, "without_mfa": 1, "privileged_without_mfa": 1}
    assert report["entitlements"]["high_availability"] is False
    assert report["entitlements"]["pitr_variants"] == ["pitr_7", "pitr_14", "pitr_28"]
    assert report["entitlements"]["backup_retention_days"] == 7
    assert "example.test" not in repr(report) and "admin2" not in repr(report)
    assert all(r.method == "GET" for r in fake.requests)
    assert provider.read("nonexistent-org", {"organization_slug": "nonexistent-org"}).id is None
