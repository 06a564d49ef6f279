"""Who the runtimes connect to Postgres as: their own least-privilege roles, never `postgres`.

Proven through the resource graph, never by reading the secret URL (it is a secret, unknown in a
preview and redacted in exports): a runtime's ``DATABASE_URL`` must be computed from a
`pulumi-python:dynamic/supabase:Role` (the engine's property dependencies say which resources a
value was computed from). A URL with no role behind it was built from the project's own
password — `postgres` — or typed into config. The role must log in without superuser powers or
row-level-security bypass (those are for the backup role, which no runtime uses), the API and the
workers must not share one, and pgaudit must log every role a runtime uses.

Runtimes: the Vercel API's production ``DATABASE_URL`` and the Railway workers' sealed
``DATABASE_URL``. Previews connect to a non-production database from config and are not runtimes
of this stack's database.
"""

from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from lightspeedpay_vocabulary.thresholds import SUPABASE_OWN_ROLES

from .graph import of_type, prop
from .meta import Report, pci, stack_policy
from .props import as_list, plain

ROLE = "pulumi-python:dynamic/supabase:Role"
PGAUDIT = "pulumi-python:dynamic/supabase:PgAudit"
ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
RAILWAY_VARIABLES = "pulumi-python:dynamic/railway:Variables"


def _runtimes(args: StackValidationArgs) -> list[tuple[str, PolicyResource, str]]:
    """(label, resource, property) for every DATABASE_URL a running service receives."""
    found = []
    for variable in of_type(args, ENV_VAR):
        if prop(variable, "key") == "DATABASE_URL" and "production" in as_list(plain(prop(variable, "targets", []))):
            found.append(("the API", variable, "value"))
    for variables in of_type(args, RAILWAY_VARIABLES):
        sealed = prop(variables, "sealedVariables", {})
        # Keys only: the values are secrets, unknown in a preview (reading one would stop the policy).
        if isinstance(sealed, Mapping) and any(key == "DATABASE_URL" for key in sealed):
            found.append(("the workers", variables, "sealedVariables"))
    return found


def _roles_behind(resource: PolicyResource, prop_name: str) -> list[PolicyResource]:
    return [d for d in resource.property_dependencies.get(prop_name, []) if d.resource_type == ROLE]


def _audited(args: StackValidationArgs, role: PolicyResource) -> bool:
    name = prop(role, "name")
    projects = {p.urn for p in role.property_dependencies.get("project_ref", [])}
    for audit in of_type(args, PGAUDIT):
        if projects and not projects & {p.urn for p in audit.property_dependencies.get("project_ref", [])}:
            continue
        roles = prop(audit, "roles", {})
        if isinstance(roles, Mapping) and any(key == name for key in roles):
            return True
    return False


def _runtime_roles(args: StackValidationArgs, report: Report) -> None:
    used: dict[str, list[str]] = {}
    for label, resource, prop_name in _runtimes(args):
        roles = _roles_behind(resource, prop_name)
        if not roles:
            report(f"DATABASE_URL of {label} is not built from a managed database role, so it connects as postgres "
                   f"(the project's password) or as a role nobody declared.", resource.urn)
            continue
        for role in roles:
            name = prop(role, "name")
            used.setdefault(role.urn, []).append(label)
            if not isinstance(name, str):
                continue  # not known yet in a preview
            if name in SUPABASE_OWN_ROLES:
                report(f"DATABASE_URL of {label} connects as {name!r}, one of Supabase's own roles.", resource.urn)
            if prop(role, "bypass_rls") is True:
                report(f"DATABASE_URL of {label} connects as {name!r}, which bypasses row-level security (a backup "
                       f"role's power).", resource.urn)
            if not _audited(args, role):
                report(f"DATABASE_URL of {label} connects as {name!r}, which pgaudit does not log.", resource.urn)
    for urn, labels in used.items():
        if len(set(labels)) > 1:
            report(f"{' and '.join(sorted(set(labels)))} connect as the same role: each needs its own, with "
                   f"only its own grants.", urn)


POLICIES = [
    stack_policy(
        "database-runtime-roles",
        "Each runtime must connect to Postgres as its own least-privilege role, never as postgres, and be audited.",
        validate=_runtime_roles, severity=Severity.CRITICAL,
        framework=pci("7.2.2", "Access is assigned to users, including privileged users, based on job "
                               "classification and function, and the least privileges necessary."),
        remediation="Build each runtime's DATABASE_URL from the database component's per-role URLs "
                    "(api_database_url, worker_database_url; lightspeedpay:database.roles), never from the "
                    "project's password, and keep pgaudit on for those roles.",
        tags=["database", "access-control"]),
]
