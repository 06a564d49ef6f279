"""`database-runtime-roles` and `database-role-least-privilege` through the real analyzer.

Who the runtimes connect to Postgres as is proven from the resource graph (property dependencies), never
from the secret URL; what each role may do is read from the Role itself. The planned stacks pass both
(the backup role's powers included); each careless edit below is refused.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ops.resources import PlannedResource
from tests.harness import analyze, find, of_policy, resources

POLICY = "database-runtime-roles"
ROLE_POLICY = "database-role-least-privilege"
ROLE = "pulumi-python:dynamic/supabase:Role"
PGAUDIT = "pulumi-python:dynamic/supabase:PgAudit"
ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
VARIABLES = "pulumi-python:dynamic/railway:Variables"


def _api_url(items: list[PlannedResource]) -> PlannedResource:
    return next(r for r in items if r.type == ENV_VAR and r.inputs["key"] == "DATABASE_URL"
                and r.inputs["targets"] == ["production"])


def _role(items: list[PlannedResource], purpose: str) -> PlannedResource:
    return find(items, ROLE, f"-{purpose}-role")


def _messages(stack: str, items: list[PlannedResource], policy: str = POLICY) -> list[str]:
    return [v.message for v in of_policy(analyze(stack, items, only=policy), policy)]


@pytest.mark.parametrize("stack", ["production", "staging"])
@pytest.mark.parametrize("policy", [POLICY, ROLE_POLICY])
def test_the_planned_stacks_connect_as_their_own_audited_least_privilege_roles(stack: str, policy: str) -> None:
    assert _messages(stack, resources(stack), policy) == []


def _edit_role(purpose: str, **changes: object) -> Callable[[list[PlannedResource]], None]:
    def apply(items: list[PlannedResource]) -> None:
        role = _role(items, purpose)
        for props in (role.inputs, role.outputs):
            props.update(changes)
    return apply


def _as_postgres(items: list[PlannedResource]) -> None:
    # The URL built from the project's password and the pooler's `postgres.<ref>` user: no role behind it.
    url = _api_url(items)
    url.property_dependencies["value"] = [u for u in url.property_dependencies["value"] if ROLE not in u]


def _shared_role(items: list[PlannedResource]) -> None:
    worker = find(items, VARIABLES, "worker-variables")
    api_role, worker_role = _role(items, "api").urn, _role(items, "worker").urn
    worker.property_dependencies["sealedVariables"] = [
        api_role if u == worker_role else u for u in worker.property_dependencies["sealedVariables"]]


def _unaudited(items: list[PlannedResource]) -> None:
    audit = find(items, PGAUDIT)
    for props in (audit.inputs, audit.outputs):
        props["roles"].pop("lightspeedpay_worker")


@pytest.mark.parametrize(("edit", "expected"), [
    (_as_postgres, "DATABASE_URL of the API is not built from a managed database role, so it connects as postgres"),
    (_shared_role, "the API and the workers connect as the same role"),
    (_unaudited, "DATABASE_URL of the workers connects as 'lightspeedpay_worker', which pgaudit does not log"),
    (_edit_role("api", bypass_rls=True),
     "DATABASE_URL of the API connects as 'lightspeedpay_api', which bypasses row-level security"),
    (_edit_role("worker", member_of=["pg_read_all_data"]),
     "DATABASE_URL of the workers connects as 'lightspeedpay_worker', which is a member of pg_read_all_data"),
], ids=["as-postgres", "shared-role", "unaudited", "bypasses-rls", "reads-everything"])
def test_a_careless_edit_of_who_connects_is_refused(edit: Callable[[list[PlannedResource]], None],
                                                    expected: str) -> None:
    items = resources("production")
    edit(items)
    messages = _messages("production", items)
    assert any(expected in m for m in messages), messages
    assert all(m.startswith("Each runtime must connect to Postgres as its own least-privilege role") for m in messages)


def _no_pooler(items: list[PlannedResource]) -> None:
    url = _api_url(items)
    url.property_dependencies["value"] = [u for u in url.property_dependencies["value"] if "Pooler" not in u]


def _password_not_secret(items: list[PlannedResource]) -> None:
    _role(items, "backup").additional_secret_outputs.remove("password")


def test_a_runtime_url_outside_the_pooler_is_refused() -> None:
    items = resources("production")
    _no_pooler(items)
    assert [m.splitlines()[-1] for m in _messages("production", items)] == [
        "DATABASE_URL of the API does not go through the project's pooler (Supavisor)."]


@pytest.mark.parametrize(("edit", "expected"), [
    (_password_not_secret, "Role 'lightspeedpay_backup': 'password' is not marked secret"),
    (_edit_role("worker", name="postgres"), "Role 'postgres' is one of Supabase's own roles"),
    (_edit_role("api", privileges=["select", "truncate"]),
     "Role 'lightspeedpay_api' is granted ['truncate'] on its tables"),
    (_edit_role("backup", privileges=["select", "delete"]),
     "Role 'lightspeedpay_backup' bypasses row-level security and is a member of pg_read_all_data but holds "
     "['delete', 'select']"),
    (_edit_role("backup", member_of=["pg_write_all_data"]), "Role 'lightspeedpay_backup' is a member of "
                                                            "['pg_write_all_data']"),
], ids=["password-not-secret", "named-postgres", "truncate", "backup-writes", "writes-everything"])
def test_a_careless_edit_of_a_role_is_refused(edit: Callable[[list[PlannedResource]], None], expected: str) -> None:
    items = resources("production")
    edit(items)
    messages = _messages("production", items, ROLE_POLICY)
    assert any(expected in m for m in messages), messages
