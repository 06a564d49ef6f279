"""What the runtimes are given: the guide's environment variables, one database, one log store.

The deployment guide lists the production environment of the site, the API and the workers. The
config loader refuses a stack file that types one wrong; these policies refuse the same wrong value
(or a missing variable) in state, where a careless edit of the program or of the state lands.

Secret values are never read: which database or secret a variable carries is proven from what the
state keeps in the open, the property dependencies of its value (``value`` of a Vercel variable,
``sealedVariables`` of Railway's) on the stack's own resources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from lightspeedpay_vocabulary.facts import ROLES, JobsFacts
from lightspeedpay_vocabulary.thresholds import GUIDE_RUNTIME, GUIDE_SECRETS

from .checklist import tagged
from .graph import drawn_from, of_type, project_role, prop, published, roles, sources, stack_facts
from .meta import Report, integer, mapping, pci, rbi_localisation, stack_policy
from .props import as_list, is_redacted, known, known_items, plain
from .vercel import ENV_VAR, PROJECT

RAILWAY = "pulumi-python:dynamic/railway:"
RAILWAY_VARIABLES = f"{RAILWAY}Variables"
RAILWAY_REDIS = f"{RAILWAY}Redis"
DATABASE_KINDS = ("pulumi-python:dynamic/supabase:",)
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"

_VALUES_SCHEMA = {"additionalProperties": {"type": "string"}}
API_VALUES = mapping("api", GUIDE_RUNTIME["api"], _VALUES_SCHEMA)
WORKER_VALUES = mapping("workers", GUIDE_RUNTIME["workers"], _VALUES_SCHEMA)
MIN_SECRET_LENGTH = integer("minGeneratedSecretLength", 32, minimum=16)


def variable_tag(app: str, key: str) -> str:
    """The checklist topic of one guide variable (``workers.JOB_CONCURRENCY``)."""
    return f"{app}.{key}"


def _say(report: Report, app: str, key: str, text: str, urn: str | None = None) -> None:
    report(tagged("variable", variable_tag(app, key), text), urn)


def _production_variables(args: StackValidationArgs) -> dict[str, dict[str, list[PolicyResource]]]:
    """Role → key → the Vercel variables of that role's projects that target production."""
    found: dict[str, dict[str, list[PolicyResource]]] = {role: {} for role in ROLES}
    project_roles = roles(args)
    for variable in of_type(args, ENV_VAR):
        role = project_role(project_roles, variable)
        if role in found and "production" in as_list(prop(variable, "targets", [])):
            found[role].setdefault(str(prop(variable, "key", "")), []).append(variable)
    return found


def _from(resource: PolicyResource, prop_name: str, kinds: Iterable[str]) -> bool:
    prefixes = tuple(kinds)
    return any(d.resource_type.startswith(prefixes) for d in resource.property_dependencies.get(prop_name, []))


def _expect_value(report: Report, app: str, key: str, variable: PolicyResource, wanted: str) -> None:
    ok, value = known(variable.props, "value")
    if not ok:
        return
    value = plain(value)
    if isinstance(value, Mapping) or is_redacted(value):
        report.not_verified(tagged("variable", variable_tag(app, key), f"{key} of the {app}: its value is secret "
                                   f"here, so it cannot be compared with {wanted!r}"), variable.urn)
    elif str(value) != wanted:
        _say(report, app, key, f"{key} of the {app} is {value!r}; the guide requires {wanted!r}.", variable.urn)


def _site(args: StackValidationArgs, report: Report, variables: Mapping[str, list[PolicyResource]]) -> None:
    facts = stack_facts(args, report)
    if facts is None:
        return
    domains = plain(facts.domains) or {}
    wanted = {"NEXT_PUBLIC_API_URL": f"https://{domains.get('api')}",
              "NEXT_PUBLIC_CHECKOUT_URL": f"https://{domains.get('checkout')}",
              "NEXT_PUBLIC_ENV": str(facts.environment)}
    for key, value in wanted.items():
        if not variables.get(key):
            _say(report, "site", key, f"The site sets no {key} for production (guide: {key}={value}).")
        for variable in variables.get(key, []):
            _expect_value(report, "site", key, variable, value)


def _api(args: StackValidationArgs, report: Report, variables: Mapping[str, list[PolicyResource]]) -> None:
    for key, value in API_VALUES.of(args).items():
        if not variables.get(key):
            _say(report, "api", key, f"The API sets no {key} for production (guide: {key}={value}).")
        for variable in variables.get(key, []):
            _expect_value(report, "api", key, variable, str(value))
    minimum = MIN_SECRET_LENGTH.of(args)
    for key in GUIDE_SECRETS["api"]:
        if not variables.get(key):
            _say(report, "api", key, f"The API sets no {key} for production.")
        for variable in variables.get(key, []):
            if key == "JWT_SECRET":
                generators = [d for d in variable.property_dependencies.get("value", [])
                              if d.resource_type == RANDOM_PASSWORD]
                if not generators:
                    _say(report, "api", key, "JWT_SECRET is not generated by the stack (random.RandomPassword): a "
                                             "typed secret is neither strong nor rotated with the state.", variable.urn)
                for generator in generators:
                    length = prop(generator, "length")
                    if isinstance(length, int | float) and length < minimum:
                        _say(report, "api", key, f"JWT_SECRET is generated {int(length)} characters long; at least "
                                                 f"{minimum}.", variable.urn)
            elif not _from(variable, "value", DATABASE_KINDS):
                _say(report, "api", key, f"{key} does not come from the stack's database (no dependency on a "
                                         f"Supabase resource), so nothing ties it to the project in India.",
                     variable.urn)


def _worker_variables(args: StackValidationArgs, report: Report) -> list[tuple[JobsFacts, list[PolicyResource]]]:
    """Each job fleet's facts with the Variables resources of its worker service."""
    fleets = []
    for _, facts in published(args, JobsFacts, report, required="the workers' environment cannot be found."):
        variables = [v for v in of_type(args, RAILWAY_VARIABLES) if facts.worker_service in sources(v, "serviceId")]
        fleets.append((facts, variables))
    return fleets


def _redis_url(report: Report, variables: list[PolicyResource], plain_values: Mapping[str, Any],
               redis: list[PolicyResource]) -> None:
    """REDIS_URL carries the Redis password: sealed, and computed from the stack's own Redis and that
    Redis's own password (the dependencies say so even where the sealed map is one ciphertext)."""
    if "REDIS_URL" in plain_values:
        _say(report, "workers", "REDIS_URL", "REDIS_URL of the workers is in their plain variables; it carries the "
                                             "Redis password: seal it (sealedVariables), computed from the stack's "
                                             "own Redis.")
    if not any(drawn_from(resource, "sealedVariables", queue, "password") for resource in variables for queue in redis):
        names = sorted(str(prop(queue, "name", queue.name)) for queue in redis)
        _say(report, "workers", "REDIS_URL", f"The workers' sealed variables are not computed from the stack's own "
                                             f"Redis ({names}) and its password: they have no REDIS_URL of its queue.")
        return
    sealed: set[str] = set()
    for resource in variables:
        names = prop(resource, "sealedVariables", {})
        if is_redacted(names):
            return  # one ciphertext in an export: the dependency above is what can be proven
        sealed.update(names if isinstance(names, Mapping) else ())
    if "REDIS_URL" not in sealed:
        _say(report, "workers", "REDIS_URL", "The workers have no sealed REDIS_URL.")


def _workers(args: StackValidationArgs, report: Report) -> None:
    wanted = WORKER_VALUES.of(args)
    redis = of_type(args, RAILWAY_REDIS)
    for _, variables in _worker_variables(args, report):
        plain_values: dict[str, Any] = {}
        for resource in variables:
            plain_values.update(known_items(prop(resource, "variables", {})))
        for key, value in wanted.items():
            seen = plain_values.get(key)
            if seen is None:
                _say(report, "workers", key, f"The workers set no {key} (guide: {key}={value}).")
            elif str(seen) != str(value):
                _say(report, "workers", key, f"{key} of the workers is {seen!r}; the guide requires {value!r}.")
        _redis_url(report, variables, plain_values, redis)
        if not any(_from(resource, "sealedVariables", DATABASE_KINDS) for resource in variables):
            _say(report, "workers", "DATABASE_URL", "The workers' sealed variables take nothing from the stack's "
                                                    "database: they have no DATABASE_URL of their own project.")


def _runtime_environment(args: StackValidationArgs, report: Report) -> None:
    project_roles = roles(args)
    for project in of_type(args, PROJECT):
        if project.urn not in project_roles:
            report(f"Vercel project {prop(project, 'name', project.name)!r} belongs to no LightSpeedPay app "
                   f"(its component publishes no role), so no guide requirement can be checked on it.", project.urn)
    for role in ROLES:
        if role not in project_roles.values():
            report(f"The stack declares no Vercel project for the {role} (components.web_app.VercelWebApp with "
                   f"role {role!r}).")
    variables = _production_variables(args)
    _site(args, report, variables["site"])
    _api(args, report, variables["api"])
    _workers(args, report)


def _same_database(args: StackValidationArgs, report: Report) -> None:
    def databases(resource: PolicyResource, prop_name: str) -> set[str]:
        # A source that belongs to a project (a pooler, a role) stands for that project: the API and the
        # workers connect as different roles of one database.
        return {p.urn for d in resource.property_dependencies.get(prop_name, [])
                if d.resource_type.startswith(DATABASE_KINDS)
                for p in (d.property_dependencies.get("project_ref") or [d])}

    api = [(v.urn, databases(v, "value")) for v in _production_variables(args)["api"].get("DATABASE_URL", [])]
    # The sealed map is one ciphertext in an exported state; its dependencies say where it came from.
    workers = [(v.urn, databases(v, "sealedVariables")) for _, variables in _worker_variables(args, report)
               for v in variables if databases(v, "sealedVariables")]
    if not api or not workers:
        return  # runtime-environment refuses a DATABASE_URL that is missing or not from the database
    api_databases = [found for _, found in api if found]
    for urn, found in workers:
        if found and api_databases and found not in api_databases:
            report("The workers' DATABASE_URL comes from a different database than the API's: jobs would read and "
                   "write data the API never sees.", urn)


POLICIES = [
    stack_policy(
        "runtime-environment",
        "The site, the API and the workers must run with the environment the deployment guide gives them.",
        validate=_runtime_environment, severity=Severity.HIGH,
        framework=pci("6.5.1", "Changes to production are made according to established procedures."),
        config=[API_VALUES, WORKER_VALUES, MIN_SECRET_LENGTH],
        remediation="Build the apps with components.web_app.VercelWebApp (components/app_env.py lists their "
                    "variables) and the workers with components.jobs.BackgroundJobs; keep lightspeedpay:frontend, "
                    "api and jobs at the guide's values (JOB_CONCURRENCY=5, LOG_LEVEL=info, NODE_ENV=production).",
        tags=["vercel", "railway", "environment"]),
    stack_policy(
        "api-and-workers-share-database",
        "The payments API and the background workers must use the stack's one database.",
        validate=_same_database, severity=Severity.HIGH, framework=rbi_localisation(),
        remediation="Pass the database component's per-role URLs to the API (components/app_env.py) and the "
                    "workers (components/jobs.py), never a URL typed into config.",
        tags=["database", "wiring"]),
]
