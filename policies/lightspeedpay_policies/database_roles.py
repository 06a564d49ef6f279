"""Who connects to Postgres, and with what: each runtime its own least-privilege role, never `postgres`.

Two policies. `database-role-least-privilege` judges each `pulumi-python:dynamic/supabase:Role` on its
own properties: never one of Supabase's own names, only the table privileges an application role may
hold, and the backup role's powers (row-level-security bypass, `pg_read_all_data`) only on a role that
only reads. `database-runtime-roles` judges who the runtimes connect as, and refuses the roles' absence:
a runtime's ``DATABASE_URL`` must be computed from a Role (the engine's property dependencies say which
resources a value was computed from; the URL itself is a secret, unknown in a preview and ciphertext
in an export). A URL with no role behind it was built from the project's own password — `postgres` — or
typed into config, and a deleted Role leaves exactly that. The runtime's role must not bypass row-level
security or read everything (the backup role's powers, which no runtime uses), the API and the workers
must not share one, and pgaudit must log it.

Runtimes: the Vercel API's production ``DATABASE_URL`` and the Railway workers' sealed ``DATABASE_URL``.
Previews connect to a non-production database from config and are not runtimes of this stack's database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from lightspeedpay_vocabulary.facts import DatabaseFacts, JobsFacts
from lightspeedpay_vocabulary.thresholds import DATABASE_ROLE_MEMBERSHIPS, DATABASE_ROLE_PRIVILEGES, SUPABASE_OWN_ROLES

from .graph import drawn_from, of_type, prop, published, sources
from .meta import Guard, Report, pci, resource_policy, stack_policy, strings
from .props import as_list, is_redacted, known, plain

ROLE = "pulumi-python:dynamic/supabase:Role"
PGAUDIT = "pulumi-python:dynamic/supabase:PgAudit"
POOLER = "pulumi-python:dynamic/supabase:Pooler"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
RAILWAY_VARIABLES = "pulumi-python:dynamic/railway:Variables"
READ_ONLY = ("select",)

OWN_ROLES = strings("supabaseRoles", SUPABASE_OWN_ROLES, min_items=1)
PRIVILEGES = strings("allowedPrivileges", DATABASE_ROLE_PRIVILEGES, min_items=1)
MEMBERSHIPS = strings("allowedMemberships", DATABASE_ROLE_MEMBERSHIPS)


def _value(props: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """A property as plain data, ``default`` while a preview does not know it."""
    return plain(known(props, key, default)[1])


def _powers(props: Mapping[str, Any]) -> list[str]:
    """What lets a role see past its own grants: the backup role's, never a runtime's."""
    return [*(["bypasses row-level security"] if _value(props, "bypass_rls") is True else []),
            *(f"is a member of {member}" for member in as_list(_value(props, "member_of", [])))]


# -- each role ---------------------------------------------------------------------------------

def _least_privilege(args: ResourceValidationArgs, report: Report) -> None:
    name = _value(args.props, "name")
    if isinstance(name, str) and name in OWN_ROLES.of(args):
        report(f"Role {name!r} is one of Supabase's own roles; an application gets a role of its own.")
    privileges = sorted(map(str, as_list(_value(args.props, "privileges", []))))
    allowed = PRIVILEGES.of(args)
    if extra := [p for p in privileges if p not in allowed]:
        report(f"Role {name!r} is granted {extra} on its tables; an application role holds at most {list(allowed)}.")
    memberships = MEMBERSHIPS.of(args)
    if foreign := sorted(str(m) for m in as_list(_value(args.props, "member_of", [])) if m not in memberships):
        report(f"Role {name!r} is a member of {foreign}; an application role may only be granted {list(memberships)} "
               f"(and only to read).")
    if "password" not in (args.opts.additional_secret_outputs or []):
        report(f"Role {name!r}: 'password' is not marked secret (additional_secret_outputs); state would hold it in "
               f"plain text.")
    powers = _powers(args.props)
    if powers and privileges != list(READ_ONLY):
        report(f"Role {name!r} {' and '.join(powers)} but holds {privileges}: those powers are for a backup role, "
               f"which only reads.")


# -- who the runtimes connect as ----------------------------------------------------------------

def _runtimes(args: StackValidationArgs, report: Report) -> list[tuple[str, PolicyResource, str]]:
    """(label, resource, property) for every DATABASE_URL a running service receives."""
    found = []
    for variable in of_type(args, ENV_VAR):
        if prop(variable, "key") == "DATABASE_URL" and "production" in as_list(plain(prop(variable, "targets", []))):
            found.append(("the API", variable, "value"))
    workers = {facts.worker_service for _, facts in published(args, JobsFacts, report)}
    for variables in of_type(args, RAILWAY_VARIABLES):
        sealed = prop(variables, "sealedVariables", {})
        # Keys only (the values are secrets, unknown in a preview); in an export the sealed map is one
        # ciphertext, and the worker's variables are known from the jobs facts instead.
        if (isinstance(sealed, Mapping) and any(key == "DATABASE_URL" for key in sealed)) or (
                is_redacted(sealed) and workers & sources(variables, "serviceId")):
            found.append(("the workers", variables, "sealedVariables"))
    return found


def _audited(args: StackValidationArgs, role: PolicyResource) -> bool:
    name = prop(role, "name")
    projects = sources(role, "project_ref")
    for audit in of_type(args, PGAUDIT):
        if projects and not projects & sources(audit, "project_ref"):
            continue
        roles = prop(audit, "roles", {})
        if isinstance(roles, Mapping) and any(key == name for key in roles):
            return True
    return False


def _consumers(args: StackValidationArgs) -> dict[str, list[tuple[PolicyResource, str]]]:
    """URN → every (resource, property) computed from it: one pass over the stack's dependencies."""
    found: dict[str, list[tuple[PolicyResource, str]]] = {}
    for resource in args.resources:
        for prop_name, dependencies in resource.property_dependencies.items():
            for dependency in dependencies:
                found.setdefault(dependency.urn, []).append((resource, prop_name))
    return found


def _passwords(args: StackValidationArgs, report: Report) -> None:
    """Each role's password is generated for it alone: a generator shared with another secret (the JWT
    secret, another role) would hand one credential's holders the other."""
    consumers = _consumers(args)
    for role in of_type(args, ROLE):
        generators = [d for d in role.property_dependencies.get("password", []) if d.resource_type == RANDOM_PASSWORD]
        if not generators:
            report(f"The password of role {prop(role, 'name')!r} is not generated by the stack "
                   f"(random.RandomPassword): a typed password is neither strong nor rotated with the state.", role.urn)
        for generator in generators:
            others = sorted({user.name for user, prop_name in consumers.get(generator.urn, [])
                             if user is not role and role.urn not in sources(user, prop_name)})
            if others:
                report(f"The password of role {prop(role, 'name')!r} comes from a generator that also feeds "
                       f"{others}: a database password must be its own.", role.urn)


def _runtime_roles(args: StackValidationArgs, report: Report) -> None:
    roles = {role.urn: role for role in of_type(args, ROLE)}
    for component, facts in published(args, DatabaseFacts, report):
        for purpose, urn in sorted((plain(facts.roles) or {}).items()):
            if urn not in roles:
                report(f"The database's {purpose} role is gone from the stack; whoever connected as it has no role.",
                       component.urn)
    _passwords(args, report)
    used: dict[str, set[str]] = {}
    for label, resource, prop_name in _runtimes(args, report):
        behind = [d for d in resource.property_dependencies.get(prop_name, []) if d.resource_type == ROLE]
        if not behind:
            report(f"DATABASE_URL of {label} is not built from a managed database role, so it connects as postgres "
                   f"(the project's password) or as a role nobody declared.", resource.urn)
            continue
        if not any(d.resource_type == POOLER for d in resource.property_dependencies.get(prop_name, [])):
            report(f"DATABASE_URL of {label} does not go through the project's pooler (Supavisor).", resource.urn)
        for role in behind:
            used.setdefault(role.urn, set()).add(label)
            name = prop(role, "name")
            if not drawn_from(resource, prop_name, role, "password"):
                report(f"DATABASE_URL of {label} is not built with the password of its role {name!r}.", resource.urn)
            if not isinstance(name, str):
                continue  # not known yet in a preview
            for power in _powers(role.props):
                report(f"DATABASE_URL of {label} connects as {name!r}, which {power} (a backup role's power).",
                       resource.urn)
            if not _audited(args, role):
                report(f"DATABASE_URL of {label} connects as {name!r}, which pgaudit does not log.", resource.urn)
    for urn, labels in used.items():
        if len(labels) > 1:
            report(f"{' and '.join(sorted(labels))} connect as the same role: each needs its own, with only its own "
                   f"grants.", urn)


_LEAST_PRIVILEGE = pci("7.2.2", "Access is assigned to users, including privileged users, based on job classification "
                                "and function, and the least privileges necessary.")
_ROLES = Guard("the roles the runtimes connect as", refused_by="database-runtime-roles")

POLICIES = [
    resource_policy(
        "database-role-least-privilege",
        "Every application database role must be its own, with only the table privileges an application needs.",
        judges=[ROLE], guard=_ROLES, validate=_least_privilege, severity=Severity.HIGH, framework=_LEAST_PRIVILEGE,
        config=[OWN_ROLES, PRIVILEGES, MEMBERSHIPS],
        remediation="Declare the roles in lightspeedpay:database.roles (components/database.py): names of your own, "
                    "privileges among select, insert, update and delete, and bypassRls or memberOf "
                    "[pg_read_all_data] only on the backup role, whose privileges are [select].",
        tags=["database", "access-control"]),
    stack_policy(
        "database-runtime-roles",
        "Each runtime must connect to Postgres as its own least-privilege role, never as postgres, and be audited.",
        validate=_runtime_roles, severity=Severity.CRITICAL, framework=_LEAST_PRIVILEGE,
        remediation="Build each runtime's DATABASE_URL from the database component's per-role URLs "
                    "(api_database_url, worker_database_url; lightspeedpay:database.roles), never from the "
                    "project's password, and keep pgaudit on for those roles.",
        tags=["database", "access-control"]),
]
