"""Background jobs on Railway: availability, recovery, plan limits, secrets, logs, localisation.

The resources are the dynamic provider's (`pulumi-python:dynamic/railway:<Kind>`, see
providers/railway). Railway has no region in India, so two policies speak to data localisation:
`railway-outside-india` always reports where the fleet runs (a truthful, visible finding, not a
failure), and `railway-no-payment-data-at-rest` enforces what makes running there acceptable:
no payment data persisted on Railway beyond the job queue's bounded retention.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from .meta import Report, cert_in, pci, rbi_cyber_resilience, rbi_localisation, resource_policy, stack_policy
from .props import is_redacted, plain
from .vercel import SECRET_NAME

PREFIX = "pulumi-python:dynamic/railway:"
PROJECT = f"{PREFIX}Project"
SERVICE = f"{PREFIX}Service"
INSTANCE = f"{PREFIX}ServiceInstance"
VARIABLES = f"{PREFIX}Variables"
REDIS = f"{PREFIX}Redis"
TOKEN = f"{PREFIX}ProjectToken"
JOBS = "lightspeedpay:jobs:BackgroundJobs"

PLAN_CAPS = {"hobby": 6, "pro": 42, "enterprise": 50}
"""Railway's per-service replica caps (pricing docs); kept here so the pack stands on its own."""
MAX_TOTAL_REPLICAS = 50
_LIVE_PLAN_TIER = {"FREE": 0, "HOBBY": 1, "PRO": 2}
_DECLARED_TIER = {"hobby": 1, "pro": 2, "enterprise": 2}
SECRET_OUTPUTS = {VARIABLES: "sealedVariables", REDIS: "password", TOKEN: "token"}
_REFERENCE = re.compile(r"^\$\{\{[A-Za-z0-9_.-]+\}\}$")
_CREDENTIAL_VALUE = re.compile(r"(://[^/\s:@]+:[^/\s@]+@|-----BEGIN|\bBearer\s+\S)", re.IGNORECASE)
_DATABASE_IMAGE = re.compile(r"(^|/)(postgres|postgis|mysql|mariadb|mongo|cockroach|clickhouse|timescale|"
                             r"elasticsearch|opensearch|cassandra|minio)([:@]|$)", re.IGNORECASE)
_UNKNOWN = object()


def _get(props: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """A property, ``default`` when absent, or `_UNKNOWN` while a preview does not know (all of) it yet."""
    try:
        value = props.get(key, default)
        return plain(value) if value is not None else default
    except UnknownValueError:
        return _UNKNOWN


def _entries(props: Mapping[str, Any], key: str) -> list[tuple[str, Any]]:
    """(name, value) of a map property; values not known yet come back as `_UNKNOWN`."""
    try:
        mapping = props.get(key)
    except UnknownValueError:
        return []
    if not isinstance(mapping, Mapping):
        return []
    entries = []
    for name in mapping:
        try:
            entries.append((str(name), plain(mapping[name])))
        except UnknownValueError:
            entries.append((str(name), _UNKNOWN))
    return entries


def _regions(props: Mapping[str, Any]) -> dict[str, int]:
    regions = _get(props, "regions", {})
    if not isinstance(regions, Mapping):
        return {}
    return {str(r): int(n) for r, n in regions.items() if isinstance(n, int | float)}


def _fewest(props: Mapping[str, Any]) -> int | None:
    """Fewest replicas a fleet can run with: its lower bound when autoscaled, else its fixed total."""
    bounds = _get(props, "replicaBounds")
    if isinstance(bounds, Mapping) and isinstance(bounds.get("min"), int | float):
        return int(bounds["min"])
    if bounds is _UNKNOWN:
        return None
    return sum(_regions(props).values())


def _most(props: Mapping[str, Any]) -> int:
    bounds = _get(props, "replicaBounds")
    if isinstance(bounds, Mapping) and isinstance(bounds.get("max"), int | float):
        return int(bounds["max"])
    return sum(_regions(props).values())


def _label(props: Mapping[str, Any], fallback: str) -> str:
    role = _get(props, "role")
    return f"{role if isinstance(role, str) else 'service'} '{fallback}'"


# --------------------------------------------------------------------------------- per resource
def _min_replicas(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != INSTANCE or _get(args.props, "role") != "worker":
        return
    minimum = int(args.get_config().get("minReplicas", 2))
    fewest = _fewest(args.props)
    if fewest is not None and fewest < minimum:
        report(f"The worker fleet can run with {fewest} replica(s); at least {minimum} must always run so one "
               f"crash or deploy never stops job processing.")


def _health_check(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != INSTANCE:
        return
    path = _get(args.props, "healthcheckPath")
    timeout = _get(args.props, "healthcheckTimeout")
    limit = int(args.get_config().get("maxTimeoutSeconds", 300))
    if path is _UNKNOWN:
        return
    if not isinstance(path, str) or not path.startswith("/"):
        report(f"{_label(args.props, args.name)} has no health check path: Railway would send traffic and "
               f"retire the old deployment before the new one is known to work.")
    if isinstance(timeout, int | float) and timeout > limit:
        report(f"healthcheckTimeout is {int(timeout)}s; at most {limit}s, so a broken deploy fails fast.")


def _restart_policy(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type not in (INSTANCE, REDIS):
        return
    policy = _get(args.props, "restartPolicyType")
    retries = _get(args.props, "restartPolicyMaxRetries")
    if policy is _UNKNOWN:
        return
    if policy not in ("ON_FAILURE", "ALWAYS"):
        report(f"restartPolicyType is {policy!r}: a crashed replica would stay down (Railway restarts are the "
               f"only automatic recovery).")
    elif policy == "ON_FAILURE" and isinstance(retries, int | float) and retries < 1:
        report("restartPolicyMaxRetries is 0: ON_FAILURE would never actually restart.")


def _secrets_not_plain(args: ResourceValidationArgs, report: Report) -> None:
    secret_output = SECRET_OUTPUTS.get(args.resource_type)
    if secret_output and secret_output not in (args.opts.additional_secret_outputs or []):
        report(f"'{secret_output}' is not listed in additional_secret_outputs, so it would be stored in plain "
               f"text in the Pulumi state.")
    if args.resource_type != VARIABLES:
        return
    for name, value in _entries(args.props, "variables"):
        if value is _UNKNOWN or not isinstance(value, str):
            continue
        if _REFERENCE.match(value):
            continue  # a Railway reference carries no secret itself
        if SECRET_NAME.search(name) or _CREDENTIAL_VALUE.search(value):
            report(f"{name} carries a credential in the plain 'variables' map; put it in sealedVariables (secret "
                   f"in state, sealed in Railway) or reference it (${{{{service.VAR}}}}).")


def _outside_india(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type == INSTANCE:
        regions = list(_regions(args.props))
    elif args.resource_type == REDIS:
        region = _get(args.props, "region")
        regions = [region] if isinstance(region, str) else []
    else:
        return
    india = set(args.get_config().get("indiaRegions", []))
    abroad = [r for r in regions if r not in india]
    if abroad:
        report(f"Runs in {abroad}, outside India: Railway has no India region. Accepted only because no payment "
               f"data is stored on Railway beyond the job queue's retention (railway-no-payment-data-at-rest); "
               f"see docs/railway.md, data localisation.")


def _region_allowed(args: ResourceValidationArgs, report: Report) -> None:
    allowed = list(args.get_config().get("allowedRegions", ["asia-southeast1-eqsg3a"]))
    if args.resource_type == INSTANCE:
        regions = list(_regions(args.props))
    elif args.resource_type == REDIS:
        region = _get(args.props, "region")
        regions = [region] if isinstance(region, str) else []
    else:
        return
    outside = [r for r in regions if r not in allowed]
    if outside:
        report(f"Runs in {outside}; the reviewed Railway regions are {allowed} (nearest to India and to the "
               f"database in ap-south-1).")


# --------------------------------------------------------------------------------- stack-wide
def _of(resources: Iterable[PolicyResource], type_: str) -> list[PolicyResource]:
    return [r for r in resources if r.resource_type == type_]


def _service_key(resource: PolicyResource) -> str:
    """Which service a Variables/ServiceInstance belongs to: the Service URN it depends on, else the id."""
    deps = resource.property_dependencies.get("serviceId") or []
    if deps:
        return deps[0].urn
    value = _get(resource.props, "serviceId")
    return str(value) if isinstance(value, str) else f"unknown:{resource.urn}"


def _plan_cap(args: StackValidationArgs, report: Report) -> None:
    projects = _of(args.resources, PROJECT)
    caps = []
    for project in projects:
        plan = _get(project.props, "plan")
        if not isinstance(plan, str) or plan not in PLAN_CAPS:
            continue
        caps.append(PLAN_CAPS[plan])
        live = _get(project.props, "workspacePlan")
        if isinstance(live, str) and _LIVE_PLAN_TIER.get(live, 0) < _DECLARED_TIER[plan]:
            report(f"The Railway workspace is on {live} but the stack declares '{plan}'; its replica cap "
                   f"({PLAN_CAPS[plan]}) does not apply.", project.urn)
    cap = min(caps) if caps else MAX_TOTAL_REPLICAS
    for instance in _of(args.resources, INSTANCE):
        most = _most(instance.props)
        if most > cap:
            report(f"{_label(instance.props, instance.name)} may run {most} replicas; the workspace plan allows "
                   f"{cap} per service.", instance.urn)
        declared = _get(instance.props, "replicaCap")
        if isinstance(declared, int | float) and declared > cap:
            report(f"replicaCap {int(declared)} is above the plan's cap of {cap}.", instance.urn)


def _workers(args: StackValidationArgs) -> list[PolicyResource]:
    return [r for r in _of(args.resources, INSTANCE) if _get(r.props, "role") == "worker"]


def _variables_of(args: StackValidationArgs, instance: PolicyResource) -> list[PolicyResource]:
    key = _service_key(instance)
    return [v for v in _of(args.resources, VARIABLES) if _service_key(v) == key]


def _logs_shipped(args: StackValidationArgs, report: Report) -> None:
    config = args.get_config()
    minimum = int(config.get("minRetentionDays", 180))
    regions = list(config.get("allowedStoreRegions", ["ap-south-1"]))
    for component in _of(args.resources, JOBS):
        shipping = _get(component.props, "logShipping", {})
        if not isinstance(shipping, Mapping) or not shipping.get("otlpEndpoint"):
            report("The job fleet declares no log store: Railway keeps logs 7–90 days and has no drains.",
                   component.urn)
            continue
        days = shipping.get("retentionDays")
        if not isinstance(days, int | float) or days < minimum:
            report(f"Worker logs are kept {days} day(s) in the log store; at least {minimum} are required.",
                   component.urn)
        if shipping.get("storeRegion") not in regions:
            report(f"The log store keeps worker logs in {shipping.get('storeRegion')!r}; allowed: {regions}.",
                   component.urn)
    for worker in _workers(args):
        plain_names: dict[str, Any] = {}
        sealed: set[str] = set()
        opaque = False
        for variables in _variables_of(args, worker):
            plain_names.update(dict(_entries(variables.props, "variables")))
            sealed.update(name for name, _ in _entries(variables.props, "sealedVariables"))
            # Exported state holds the sealed map as one ciphertext: its names cannot be checked there.
            opaque = opaque or is_redacted(_get(variables.props, "sealedVariables"))
        endpoint = plain_names.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        exporter = plain_names.get("OTEL_LOGS_EXPORTER")
        if endpoint is not _UNKNOWN and (not isinstance(endpoint, str) or not endpoint.startswith("https://")):
            report("The worker has no https OTEL_EXPORTER_OTLP_ENDPOINT: its logs would stay on Railway only.",
                   worker.urn)
        if exporter is not _UNKNOWN and (not isinstance(exporter, str) or "otlp" not in exporter.split(",")):
            report("OTEL_LOGS_EXPORTER must include 'otlp' so the worker exports its logs.", worker.urn)
        if "OTEL_EXPORTER_OTLP_HEADERS" not in sealed and not opaque:
            report("The worker has no sealed OTEL_EXPORTER_OTLP_HEADERS (the log store's ingest token).", worker.urn)


def _no_payment_data_at_rest(args: StackValidationArgs, report: Report) -> None:
    limit = int(args.get_config().get("maxJobRetentionSeconds", 86_400))
    for redis in _of(args.resources, REDIS):
        backups = _get(redis.props, "backupSchedules", [])
        if isinstance(backups, list) and backups:
            report(f"The queue's volume is backed up ({backups}): queued payment jobs would be kept abroad in "
                   f"backups beyond their retention.", redis.urn)
    for service in _of(args.resources, SERVICE):
        image = _get(service.props, "sourceImage")
        if isinstance(image, str) and _DATABASE_IMAGE.search(image):
            report(f"Service '{service.name}' runs the database image {image!r} on Railway, outside India; "
                   f"payment data belongs in the Supabase project in ap-south-1.", service.urn)
    for worker in _workers(args):
        values = {name: value for v in _variables_of(args, worker) for name, value in _entries(v.props, "variables")}
        retention = values.get("JOB_RETENTION_SECONDS")
        if retention is _UNKNOWN:
            continue
        try:
            seconds = float(retention) if retention is not None else math.inf
        except (TypeError, ValueError):
            seconds = math.inf
        if seconds > limit:
            report(f"JOB_RETENTION_SECONDS is {retention!r}: finished jobs (payment references) must leave the "
                   f"queue abroad within {limit} s.", worker.urn)


_RBI = rbi_localisation()
_RESILIENCE = rbi_cyber_resilience(
    "Regulated entities shall ensure the availability and resilience of payment systems, with recovery "
    "from failures within defined objectives.")
_INSTANCE_ROLES_NOTE = "components/jobs.py sets it from lightspeedpay:jobs"

POLICIES = [
    resource_policy(
        "railway-min-replicas",
        "The job worker fleet must never run with fewer replicas than the stack's minimum.",
        validate=_min_replicas, severity=Severity.HIGH, framework=_RESILIENCE,
        config={"minReplicas": {"type": "integer", "minimum": 0, "default": 2}},
        remediation=f"Raise lightspeedpay:jobs.minReplicas ({_INSTANCE_ROLES_NOTE}); production keeps at least 2.",
        tags=["railway", "availability"]),
    resource_policy(
        "railway-health-check",
        "Every Railway service instance must declare a health check path and a bounded timeout.",
        validate=_health_check, severity=Severity.MEDIUM, framework=_RESILIENCE,
        config={"maxTimeoutSeconds": {"type": "integer", "minimum": 1, "default": 300}},
        remediation="Set lightspeedpay:jobs.healthcheckPath (e.g. /health) and healthcheckTimeoutSeconds; the "
                    "worker must answer 200 there once it can take jobs.",
        tags=["railway", "availability"]),
    resource_policy(
        "railway-restart-policy",
        "Railway services must restart on failure, never run with the NEVER restart policy.",
        validate=_restart_policy, severity=Severity.HIGH, framework=_RESILIENCE,
        remediation="Set lightspeedpay:jobs.restartPolicy to ON_FAILURE (with restartMaxRetries >= 1) or ALWAYS.",
        tags=["railway", "availability"]),
    stack_policy(
        "railway-replicas-within-plan",
        "No Railway service may be allowed more replicas than the workspace plan's per-service cap.",
        validate=_plan_cap, severity=Severity.HIGH, framework=_RESILIENCE,
        remediation="Lower lightspeedpay:jobs.maxReplicas to the plan's cap (Hobby 6, Pro 42, Enterprise 50) or "
                    "upgrade the workspace and lightspeedpay:jobs.plan together.",
        tags=["railway", "capacity"]),
    resource_policy(
        "railway-no-plain-secrets",
        "Railway credentials must be sealed variables or references and secret in the Pulumi state.",
        validate=_secrets_not_plain, severity=Severity.CRITICAL,
        framework=pci("8.6.2", "Credentials are not hard coded or exposed in configuration files."),
        remediation="Pass credentials through VariablesArgs.sealed_variables (components/jobs.py) or as a "
                    "${{service.VAR}} reference; keep additional_secret_outputs on the Railway resources.",
        tags=["railway", "secrets"]),
    stack_policy(
        "railway-logs-shipped",
        "Worker logs must be shipped to the India-resident log store and kept for the required period.",
        validate=_logs_shipped, severity=Severity.HIGH,
        framework=cert_in("Maintain logs of all ICT systems for a rolling period of 180 days within Indian "
                          "jurisdiction."),
        config={"minRetentionDays": {"type": "integer", "minimum": 1, "default": 180},
                "allowedStoreRegions": {"type": "array", "items": {"type": "string"}, "default": ["ap-south-1"]}},
        remediation="Keep lightspeedpay:logStore.otlpEndpoint, retentionDays (>= 180) and region (ap-south-1); "
                    "components/jobs.py gives the worker the OTEL_* variables and the sealed ingest token.",
        tags=["railway", "logging"]),
    resource_policy(
        "railway-outside-india",
        "Every Railway workload is reported with the region it runs in, because Railway has no India region.",
        validate=_outside_india, severity=Severity.HIGH, framework=_RBI,
        config={"indiaRegions": {"type": "array", "items": {"type": "string"}, "default": []}},
        remediation="No change needed while railway-no-payment-data-at-rest holds; move the workers to an India "
                    "region as soon as Railway offers one (add it to indiaRegions and allowedRegions).",
        tags=["railway", "data-localisation"]),
    resource_policy(
        "railway-region-allowed",
        "Railway workloads may run only in the reviewed regions nearest to India.",
        validate=_region_allowed, severity=Severity.HIGH, framework=_RBI,
        config={"allowedRegions": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                                   "default": ["asia-southeast1-eqsg3a"]}},
        remediation="Set lightspeedpay:jobs.region to asia-southeast1-eqsg3a (Singapore); another region needs a "
                    "data-localisation review and a policy config change.",
        tags=["railway", "data-localisation"]),
    stack_policy(
        "railway-no-payment-data-at-rest",
        "Railway must hold no payment data at rest beyond the job queue's bounded retention.",
        validate=_no_payment_data_at_rest, severity=Severity.CRITICAL, framework=_RBI,
        config={"maxJobRetentionSeconds": {"type": "integer", "minimum": 60, "default": 86_400}},
        remediation="Keep Redis volume backups off, run no database on Railway, and keep "
                    "lightspeedpay:jobs.jobRetentionSeconds <= 86400 (the worker removes finished jobs by then).",
        tags=["railway", "data-localisation"]),
]
