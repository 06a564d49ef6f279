"""The Project resource's lifecycle against the spec-validating fake, including a retried create."""

from __future__ import annotations

import pytest
from pulumi.dynamic import CheckResult
from pulumi.output import Unknown

from fakeapis.server import FakeServer, Reply
from fakeapis.supabase import FakeSupabase
from providers.supabase.errors import ConflictError, NotReadyError
from providers.supabase.project import ProjectProvider
from tests.supabase_support import (  # noqa: F401
    PASSWORD,
    FakeClock,
    configured,
    mutations,
    outs,
    project_props,
    sent,
    supabase_api_fixture,
    supabase_server_fixture,
)

Api = tuple[FakeSupabase, FakeServer]


def test_create_sends_lookup_create_wait_keys(supabase_api: Api) -> None:
    fake, _ = supabase_api
    fake.coming_up_polls = 2
    clock = FakeClock()
    provider = configured(ProjectProvider, clock)
    result = provider.create(project_props())
    ref = result.id
    assert sent(fake.requests) == [
        "GET /v1/organizations/lightspeedpay/projects?limit=100&offset=0&search=lightspeedpay-test",
        "POST /v1/projects",
        *[f"GET /v1/projects/{ref}"] * 3,
        f"GET /v1/projects/{ref}/api-keys?reveal=true",
    ]
    assert clock.sleeps == [5.0, 5.0]  # two polls while the project was coming up
    body = fake.requests[1].body
    assert body["region_selection"] == {"type": "specific", "code": "ap-south-1"}
    assert body["desired_instance_size"] == "small" and body["db_pass"] == PASSWORD
    project = fake.projects[ref]
    assert (project.region, project.size, project.db_pass) == ("ap-south-1", "small", PASSWORD)
    assert outs(result)["supabase_url"] == f"https://{ref}.supabase.co"
    assert outs(result)["anon_key"] == f"test-anon-key-{ref}"
    assert outs(result)["service_role_key"] == f"test-service_role-key-{ref}"
    assert outs(result)["status"] == "ACTIVE_HEALTHY" and outs(result)["instance_size"] == "small"


def test_read_costs_one_request_per_setting_and_sees_drift(supabase_api: Api) -> None:
    fake, _ = supabase_api
    provider = configured(ProjectProvider)
    created = provider.create(project_props())
    since = len(fake.requests)
    fake.projects[created.id].name = "renamed-in-the-dashboard"
    read = provider.read(created.id, outs(created))
    assert sent(fake.requests, since) == [
        f"GET /v1/projects/{created.id}",  # name, region, status, host
        f"GET /v1/projects/{created.id}/billing/addons",  # compute size
        f"GET /v1/projects/{created.id}/api-keys?reveal=true",  # keys
    ]
    assert outs(read) is not None and outs(read)["project_name"] == "renamed-in-the-dashboard"
    assert outs(read)["db_pass"] == PASSWORD  # cannot be read back: kept from state
    diff = provider.diff(created.id, outs(read), project_props())
    assert diff.changes is True and diff.replaces == []


def test_update_with_nothing_changed_sends_nothing(supabase_api: Api) -> None:
    fake, _ = supabase_api
    provider = configured(ProjectProvider)
    created = provider.create(project_props())
    since = len(fake.requests)
    assert provider.diff(created.id, outs(created), project_props()).changes is False
    provider.update(created.id, outs(created), project_props())
    assert sent(fake.requests, since) == []


def test_update_changes_only_what_changed(supabase_api: Api) -> None:
    fake, _ = supabase_api
    provider = configured(ProjectProvider)
    created = provider.create(project_props())
    ref, since = created.id, len(fake.requests)
    news = project_props(project_name="lightspeedpay-renamed", instance_size="medium",
                         db_pass="test-db-password-not-real-rotated")
    updated = outs(provider.update(ref, outs(created), news))
    assert mutations(fake.requests, since) == [
        f"PATCH /v1/projects/{ref}", f"PATCH /v1/projects/{ref}/database/password",
        f"PATCH /v1/projects/{ref}/billing/addons"]
    assert fake.requests[-2].body == {"addon_type": "compute_instance", "addon_variant": "ci_medium"}
    project = fake.projects[ref]
    assert (project.name, project.size, project.db_pass) == (
        "lightspeedpay-renamed", "medium", "test-db-password-not-real-rotated")
    assert updated["instance_size"] == "medium" and "__provider" not in updated


def test_delete_then_read_reports_the_project_gone(supabase_api: Api) -> None:
    fake, _ = supabase_api
    provider = configured(ProjectProvider)
    created = provider.create(project_props())
    provider.delete(created.id, outs(created))
    assert created.id not in fake.projects
    gone = provider.read(created.id, outs(created))
    assert gone.id is None and outs(gone) == {}
    provider.delete(created.id, outs(created))  # already gone: no error


def test_an_existing_project_is_adopted_not_duplicated(supabase_api: Api) -> None:
    fake, _ = supabase_api
    existing = fake.add_project("lightspeedpay-test", size="micro")
    provider = configured(ProjectProvider)
    result = provider.create(project_props())
    assert result.id == existing.ref and len(fake.projects) == 1
    assert "POST /v1/projects" not in sent(fake.requests)
    # Not created by us: the declared size is applied; the password, which nobody can read back, is left
    # as it is (something may use it) and reported as not written.
    assert mutations(fake.requests) == [f"PATCH /v1/projects/{existing.ref}/billing/addons"]
    assert existing.db_pass == "seeded-password-not-real" and existing.size == "small"
    assert outs(result)["unwritten"] == ["db_pass"]
    # When the stack says so, the adoption sets it too.
    again = fake.add_project("lightspeedpay-other", size="small")
    configured(ProjectProvider).create(project_props(project_name="lightspeedpay-other", reset_secrets_on_adopt=True))
    assert again.db_pass == PASSWORD


def test_a_same_named_project_in_another_region_is_refused(supabase_api: Api) -> None:
    fake, _ = supabase_api
    fake.add_project("lightspeedpay-test", region="us-east-1")
    with pytest.raises(ConflictError, match="it is in region 'us-east-1', the declaration says 'ap-south-1'"):
        configured(ProjectProvider).create(project_props())
    assert mutations(fake.requests) == []


def test_a_create_whose_reply_was_lost_adopts_the_project_it_made(supabase_api: Api) -> None:
    fake, _ = supabase_api
    fake.lose_replies[("POST", "/v1/projects")] = 1  # the project is created, the reply never arrives
    fake.stall_seconds = 0.6
    clock = FakeClock()
    provider = configured(ProjectProvider, clock, timeout=0.2)
    result = provider.create(project_props())
    requests = sent(fake.requests)
    lookup = "GET /v1/organizations/lightspeedpay/projects?limit=100&offset=0&search=lightspeedpay-test"
    assert requests[:3] == [lookup, "POST /v1/projects", lookup]  # timed out → looked up → found
    assert requests.count("POST /v1/projects") == 1 and clock.sleeps[:1] == [0.5]
    assert list(fake.projects) == [result.id]  # one project, not two
    assert "PATCH" not in " ".join(mutations(fake.requests))  # our own create: password already right


def test_a_create_that_failed_with_5xx_is_retried_once_nothing_was_made(supabase_api: Api) -> None:
    fake, server = supabase_api
    provider = configured(ProjectProvider)
    lookup = Reply(200, {"projects": [], "pagination": {"count": 0, "limit": 100, "offset": 0}})
    server.failures.extend([lookup, Reply(503, {"message": "upstream unavailable"})])
    result = provider.create(project_props())
    posts = [r for r in server.requests if r.method == "POST"]
    assert len(posts) == 2 and list(fake.projects) == [result.id]


def test_a_rate_limited_create_waits_as_told_before_looking_and_retrying(supabase_api: Api) -> None:
    fake, server = supabase_api
    clock = FakeClock()
    provider = configured(ProjectProvider, clock)
    lookup = Reply(200, {"projects": [], "pagination": {"count": 0, "limit": 100, "offset": 0}})
    server.failures.extend([lookup, Reply(429, {"message": "Rate limit exceeded"}, {"Retry-After": "7"})])
    result = provider.create(project_props())
    assert clock.sleeps[0] == 7.0 and list(fake.projects) == [result.id]


def test_a_project_that_fails_to_start_is_an_error(supabase_api: Api) -> None:
    fake, _ = supabase_api
    fake.add_project("lightspeedpay-test", status="INIT_FAILED")
    with pytest.raises(NotReadyError, match="status INIT_FAILED"):
        configured(ProjectProvider).create(project_props())


def test_waiting_for_a_project_is_bounded(supabase_api: Api) -> None:
    fake, _ = supabase_api
    fake.coming_up_polls = 10_000
    clock = FakeClock()
    provider = configured(ProjectProvider, clock)
    assert provider.options is not None
    provider.options["runtime"].project_ready_timeout = 60
    with pytest.raises(NotReadyError, match="not ready after 60s"):
        provider.create(project_props())
    assert sum(clock.sleeps) <= 65


def test_check_names_the_property_and_never_echoes_the_password() -> None:
    provider = ProjectProvider()
    result: CheckResult = provider.check({}, project_props(region="mars-1", instance_size="huge", db_pass="short-pw",
                                                           organization_slug="bad slug"))
    reasons = {f.property: f.reason for f in result.failures}
    assert set(reasons) == {"region", "instance_size", "db_pass", "organization_slug"}
    assert "ap-south-1" in reasons["region"] and "short-pw" not in str(reasons)
    missing = provider.check({}, {"region": "ap-south-1"}).failures
    assert {f.property for f in missing} == {"organization_slug", "project_name", "instance_size", "db_pass"}


def test_check_accepts_unknowns_and_normalises_numbers() -> None:
    result = ProjectProvider().check({}, project_props(db_pass=Unknown(), extra=3.0))
    assert result.failures == [] and result.inputs["extra"] == 3


def test_diff_compares_managed_fields_only_and_replaces_on_region() -> None:
    provider = ProjectProvider()
    outs = {**project_props(), "ref": "abcdefghijklmnopqrst", "status": "ACTIVE_HEALTHY", "__provider": "x"}
    assert provider.diff("r", outs, project_props()).changes is False
    moved = provider.diff("r", outs, project_props(region="ap-southeast-1"))
    assert moved.changes is True and moved.replaces == ["region"] and moved.delete_before_replace is True
    unknown = provider.diff("r", outs, project_props(project_name=Unknown()))
    assert unknown.changes is True and unknown.replaces == []


def test_a_project_on_another_postgres_major_is_not_adopted(supabase_api: Api) -> None:
    fake, _ = supabase_api
    existing = fake.add_project("lightspeedpay-test")
    existing.postgres_version = "15.8.1.100"
    with pytest.raises(ConflictError, match=r"it runs Postgres 15, the declaration says 17 \(the Management API "
                                            r"cannot choose or change"):
        configured(ProjectProvider).create(project_props(postgres_major_version=17))
    assert mutations(fake.requests) == []


def test_a_major_version_the_stack_does_not_expect_is_reported_and_never_changed_by_a_deploy(
        supabase_api: Api) -> None:
    fake, _ = supabase_api
    provider = configured(ProjectProvider)
    created = provider.create(project_props(postgres_major_version=16))  # Supabase creates its default: 17
    assert outs(created)["postgres_major_version"] == 17 and outs(created)["postgres_version"] == "17.4.1.054"
    diff = provider.diff(created.id, outs(created), project_props(postgres_major_version=16))
    assert diff.changes is True and diff.replaces == []  # shown in the preview…
    since = len(fake.requests)
    refused = r"runs Postgres 17, but lightspeedpay:database\.postgresMajorVersion is 16"
    with pytest.raises(ConflictError, match=refused):
        provider.update(created.id, outs(created), project_props(postgres_major_version=16))
    assert mutations(fake.requests, since) == []  # …and refused, nothing sent
    assert provider.diff(created.id, outs(created), project_props(postgres_major_version=17)).changes is False
