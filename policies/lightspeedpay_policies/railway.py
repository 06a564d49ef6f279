"""Background jobs on Railway: availability, recovery, plan limits, secrets, logs, localisation.

The resources are the dynamic provider's (`pulumi-python:dynamic/railway:<Kind>`, see
providers/railway). Which service is the worker and which the autoscaler is published by the jobs
component (`facts.JobsFacts`); the worker's own instance and variables carry the guarded values.
Railway has no region in India, so two policies speak to data localisation:
`railway-outside-india` always reports where the fleet runs (a truthful, visible finding, not a
failure), and `railway-no-payment-data-at-rest` enforces what makes running there acceptable:
no payment data persisted on Railway beyond the job queue's bounded retention.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from lightspeedpay_vocabulary.facts import JobsFacts
from lightspeedpay_vocabulary.thresholds import (
    AUTOSCALER_BOUND_VARIABLES,
    CERT_IN_LOG_RETENTION_DAYS,
    GUIDE_WORKER_REPLICAS,
    LOG_STORE_REGIONS,
    MAX_JOB_RETENTION_SECONDS,
    RAILWAY_DECLARED_PLAN_TIER,
    RAILWAY_HEALTHCHECK_MAX_TIMEOUT_SECONDS,
    RAILWAY_LIVE_PLAN_TIER,
    RAILWAY_MAX_TOTAL_REPLICAS,
    RAILWAY_REPLICA_CAP,
    RAILWAY_REVIEWED_REGIONS,
)

from .graph import drawn_from, of_type, published, sources
from .meta import (
    Guard,
    Report,
    cert_in,
    integer,
    pci,
    rbi_cyber_resilience,
    rbi_localisation,
    resource_policy,
    stack_policy,
    strings,
)
from .props import is_redacted, plain
from .vercel import SECRET_NAME

PREFIX = "pulumi-python:dynamic/railway:"
PROJECT = f"{PREFIX}Project"
SERVICE = f"{PREFIX}Service"
INSTANCE = f"{PREFIX}ServiceInstance"
VARIABLES = f"{PREFIX}Variables"
REDIS = f"{PREFIX}Redis"
TOKEN = f"{PREFIX}ProjectToken"

SECRET_OUTPUTS = {VARIABLES: "sealedVariables", REDIS: "password", TOKEN: "token"}
_REFERENCE = re.compile(r"^\$\{\{[A-Za-z0-9_.-]+\}\}$")
_CREDENTIAL_VALUE = re.compile(r"(://[^/\s:@]+:[^/\s@]+@|-----BEGIN|\bBearer\s+\S)", re.IGNORECASE)
_DATABASE_IMAGE = re.compile(r"(^|/)(postgres|postgis|mysql|mariadb|mongo|cockroach|clickhouse|timescale|"
                             r"elasticsearch|opensearch|cassandra|minio)([:@]|$)", re.IGNORECASE)
_UNKNOWN = object()
NO_FLEET = "nothing says which Railway service runs the jobs, so no guarantee of the worker fleet can be checked."

MIN_REPLICAS = integer("minReplicas", GUIDE_WORKER_REPLICAS[0], minimum=0)
MIN_MAX_REPLICAS = integer("maxReplicas", GUIDE_WORKER_REPLICAS[1], minimum=1)
MAX_HEALTHCHECK_TIMEOUT = integer("maxTimeoutSeconds", RAILWAY_HEALTHCHECK_MAX_TIMEOUT_SECONDS, minimum=1)
LOG_RETENTION = integer("minRetentionDays", CERT_IN_LOG_RETENTION_DAYS, minimum=1)
STORE_REGIONS = strings("allowedStoreRegions", LOG_STORE_REGIONS)
INDIA_REGIONS = strings("indiaRegions", ())
ALLOWED_REGIONS = strings("allowedRegions", RAILWAY_REVIEWED_REGIONS, min_items=1)
MAX_JOB_RETENTION = integer("maxJobRetentionSeconds", MAX_JOB_RETENTION_SECONDS, minimum=60)


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


def _bounds(props: Mapping[str, Any]) -> tuple[int, int] | None:
    bounds = _get(props, "replicaBounds")
    if isinstance(bounds, Mapping) and all(isinstance(bounds.get(k), int | float) for k in ("min", "max")):
        return int(bounds["min"]), int(bounds["max"])
    return None


def _fewest(props: Mapping[str, Any]) -> int | None:
    """Fewest replicas a fleet can run with: its lower bound when autoscaled, else its fixed total."""
    if _get(props, "replicaBounds") is _UNKNOWN:
        return None
    bounds = _bounds(props)
    return bounds[0] if bounds else sum(_regions(props).values())


def _most(props: Mapping[str, Any]) -> int:
    bounds = _bounds(props)
    return bounds[1] if bounds else sum(_regions(props).values())


# --------------------------------------------------------------------------------- per resource
def _health_check(args: ResourceValidationArgs, report: Report) -> None:
    path = _get(args.props, "healthcheckPath")
    timeout = _get(args.props, "healthcheckTimeout")
    limit = MAX_HEALTHCHECK_TIMEOUT.of(args)
    if path is _UNKNOWN:
        return
    if not isinstance(path, str) or not path.startswith("/"):
        report(f"Service instance '{args.name}' has no health check path: Railway would send traffic and "
               f"retire the old deployment before the new one is known to work.")
    if isinstance(timeout, int | float) and timeout > limit:
        report(f"healthcheckTimeout is {int(timeout)}s; at most {limit}s, so a broken deploy fails fast.")


def _restart_policy(args: ResourceValidationArgs, report: Report) -> None:
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
    india = set(INDIA_REGIONS.of(args))
    abroad = [r for r in regions if r not in india]
    if abroad:
        report(f"Runs in {abroad}, outside India: Railway has no India region. Accepted only because no payment "
               f"data is stored on Railway beyond the job queue's retention (railway-no-payment-data-at-rest); "
               f"see docs/railway.md, data localisation.")


def _region_allowed(args: ResourceValidationArgs, report: Report) -> None:
    allowed = list(ALLOWED_REGIONS.of(args))
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
def _of_service(args: StackValidationArgs, type_: str, service_urn: str) -> list[PolicyResource]:
    """The resources of ``type_`` whose serviceId was computed from the Service ``service_urn``."""
    return [r for r in of_type(args, type_) if service_urn in sources(r, "serviceId")]


def _plan_cap(args: StackValidationArgs, report: Report) -> None:
    for project in of_type(args, PROJECT):
        plan, live = _get(project.props, "plan"), _get(project.props, "workspacePlan")
        if isinstance(plan, str) and isinstance(live, str) and RAILWAY_LIVE_PLAN_TIER.get(
                live, 0) < RAILWAY_DECLARED_PLAN_TIER.get(plan, 2):
            report(f"The Railway workspace is on {live} but the stack declares '{plan}'; its replica cap "
                   f"({RAILWAY_REPLICA_CAP.get(plan)}) does not apply.", project.urn)
    fleets = published(args, JobsFacts, report)
    caps = [RAILWAY_REPLICA_CAP.get(facts.plan, RAILWAY_MAX_TOTAL_REPLICAS) for _, facts in fleets]
    cap = min(caps) if caps else RAILWAY_MAX_TOTAL_REPLICAS
    for component, facts in fleets:
        if facts.replica_cap > RAILWAY_REPLICA_CAP.get(facts.plan, RAILWAY_MAX_TOTAL_REPLICAS):
            report(f"The fleet assumes a cap of {facts.replica_cap} replicas; the '{facts.plan}' plan allows "
                   f"{RAILWAY_REPLICA_CAP.get(facts.plan)}.", component.urn)
    for instance in of_type(args, INSTANCE):
        most = _most(instance.props)
        if most > cap:
            report(f"Service instance '{instance.name}' may run {most} replicas; the workspace plan allows "
                   f"{cap} per service.", instance.urn)


def _workers(args: StackValidationArgs, report: Report) -> list[tuple[PolicyResource, JobsFacts, list[PolicyResource]]]:
    """Each fleet's component and facts with its worker's instances (reported when there is none)."""
    found = []
    for component, facts in published(args, JobsFacts, report, required=NO_FLEET):
        instances = _of_service(args, INSTANCE, facts.worker_service)
        if not instances:
            report("The job fleet's worker has no service instance: nothing runs the jobs, and no replica "
                   "bound, health check or restart policy guards them.", component.urn)
        found.append((component, facts, instances))
    return found


def _min_replicas(args: StackValidationArgs, report: Report) -> None:
    minimum = MIN_REPLICAS.of(args)
    for _, _, instances in _workers(args, report):
        for instance in instances:
            fewest = _fewest(instance.props)
            if fewest is not None and fewest < minimum:
                report(f"The worker fleet can run with {fewest} replica(s); at least {minimum} must always run so "
                       f"one crash or deploy never stops job processing.", instance.urn)


def _autoscaler_coherent(args: StackValidationArgs, report: Report) -> None:
    minimum_max = MIN_MAX_REPLICAS.of(args)
    for component, facts, instances in _workers(args, report):
        bounds = [(instance, _bounds(instance.props)) for instance in instances]
        for instance, bound in bounds:
            if bound is None and _get(instance.props, "replicaBounds") is not _UNKNOWN:
                report("The worker runs a fixed replica count: nothing scales it with the queue (guide: "
                       "auto-scaling).", instance.urn)
            elif bound is not None and bound[1] < minimum_max:
                report(f"The worker fleet can scale to {bound[1]} replicas at most; it must reach {minimum_max}.",
                       instance.urn)
        scaled = [bound for _, bound in bounds if bound is not None and bound[0] < bound[1]]
        autoscalers = [r for r in of_type(args, SERVICE) if r.urn == facts.autoscaler_service]
        running = _of_service(args, INSTANCE, facts.autoscaler_service)
        settings = _of_service(args, VARIABLES, facts.autoscaler_service)
        if scaled and not (autoscalers and running and settings):
            missing = [what for what, present in (("service", autoscalers), ("instance", running),
                                                  ("variables", settings)) if not present]
            report(f"The worker's replica bounds say it scales between {scaled[0][0]} and {scaled[0][1]}, but the "
                   f"autoscaler's {', '.join(missing)} are gone: the fleet would stay at whatever it last ran.",
                   component.urn)
            continue
        values = {name: value for v in settings for name, value in _entries(v.props, "variables")}
        if settings and not any(facts.worker_service in sources(v, "variables") for v in settings):
            report("The autoscaler's WORKER_SERVICE_ID is not the worker's service: it would scale something else.",
                   settings[0].urn)
        if settings and not any(of_type(v.property_dependencies.get("sealedVariables", []), TOKEN) for v in settings):
            report("The autoscaler has no project token of its own (sealed AUTOSCALER_RAILWAY_TOKEN).",
                   settings[0].urn)
        if settings and not any(drawn_from(v, "sealedVariables", queue, "password") for v in settings
                                for queue in of_type(args, REDIS)):
            report("The autoscaler's REDIS_URL is not computed from the stack's Redis and its password: it would "
                   "watch another queue, or none.", settings[0].urn)
        for bound in {bound for _, bound in bounds if bound is not None}:
            for name, expected in zip(AUTOSCALER_BOUND_VARIABLES, bound, strict=True):
                seen = values.get(name)
                if seen is _UNKNOWN:
                    continue
                if seen is None or str(seen) != str(expected):
                    report(f"The autoscaler's {name} is {seen!r} but the worker's replica bounds say {expected}: "
                           f"the two would fight over the fleet's size.", settings[0].urn if settings else None)


def _logs_shipped(args: StackValidationArgs, report: Report) -> None:
    minimum, regions = LOG_RETENTION.of(args), list(STORE_REGIONS.of(args))
    for component, facts, _ in _workers(args, report):
        shipping = plain(facts.log_shipping) or {}
        if not shipping.get("ingest"):
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
        variables = _of_service(args, VARIABLES, facts.worker_service)
        plain_names: dict[str, Any] = {}
        sealed: set[str] = set()
        opaque = False
        for resource in variables:
            plain_names.update(dict(_entries(resource.props, "variables")))
            sealed.update(name for name, _ in _entries(resource.props, "sealedVariables"))
            # Exported state holds the sealed map as one ciphertext: its names cannot be read there.
            opaque = opaque or is_redacted(_get(resource.props, "sealedVariables"))
        urn = variables[0].urn if variables else component.urn
        endpoint = plain_names.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        exporter = plain_names.get("OTEL_LOGS_EXPORTER")
        if endpoint is not _UNKNOWN and (not isinstance(endpoint, str) or not endpoint.startswith("https://")):
            report("The worker has no https OTEL_EXPORTER_OTLP_ENDPOINT: its logs would stay on Railway only.", urn)
        if exporter is not _UNKNOWN and (not isinstance(exporter, str) or "otlp" not in exporter.split(",")):
            report("OTEL_LOGS_EXPORTER must include 'otlp' so the worker exports its logs.", urn)
        if opaque:
            report.not_verified("the worker's sealed OTEL_EXPORTER_OTLP_HEADERS (the log store's ingest token): "
                                "the sealed variables are one ciphertext here", urn)
        elif "OTEL_EXPORTER_OTLP_HEADERS" not in sealed:
            report("The worker has no sealed OTEL_EXPORTER_OTLP_HEADERS (the log store's ingest token).", urn)


def _no_payment_data_at_rest(args: StackValidationArgs, report: Report) -> None:
    limit = MAX_JOB_RETENTION.of(args)
    for redis in of_type(args, REDIS):
        backups = _get(redis.props, "backupSchedules", [])
        if isinstance(backups, list) and backups:
            report(f"The queue's volume is backed up ({backups}): queued payment jobs would be kept abroad in "
                   f"backups beyond their retention.", redis.urn)
    for service in of_type(args, SERVICE):
        image = _get(service.props, "sourceImage")
        if isinstance(image, str) and _DATABASE_IMAGE.search(image):
            report(f"Service '{service.name}' runs the database image {image!r} on Railway, outside India; "
                   f"payment data belongs in the Supabase project in ap-south-1.", service.urn)
    for component, facts, _ in _workers(args, report):
        variables = _of_service(args, VARIABLES, facts.worker_service)
        values = {name: value for v in variables for name, value in _entries(v.props, "variables")}
        retention = values.get("JOB_RETENTION_SECONDS")
        if retention is _UNKNOWN:
            continue
        try:
            seconds = float(retention) if retention is not None else math.inf
        except (TypeError, ValueError):
            seconds = math.inf
        if seconds > limit:
            report(f"JOB_RETENTION_SECONDS is {retention!r}: finished jobs (payment references) must leave the "
                   f"queue abroad within {limit} s.", variables[0].urn if variables else component.urn)


_RBI = rbi_localisation()
_RESILIENCE = rbi_cyber_resilience(
    "Regulated entities shall ensure the availability and resilience of payment systems, with recovery "
    "from failures within defined objectives.")
_FLEET = Guard("the worker's and the autoscaler's instances", refused_by="autoscaler-coherence")
_EACH = Guard("each Railway resource holding variables or secrets", harmless="a resource that is not declared "
              "holds no credential; runtime-environment and autoscaler-coherence require the fleet's own")

POLICIES = [
    stack_policy(
        "railway-min-replicas",
        "The job worker fleet must never run with fewer replicas than the stack's minimum.",
        validate=_min_replicas, severity=Severity.HIGH, framework=_RESILIENCE, config=[MIN_REPLICAS],
        remediation="Raise lightspeedpay:jobs.minReplicas (components/jobs.py sets the worker's replica bounds from "
                    "it); production keeps at least 2.",
        tags=["railway", "availability"]),
    stack_policy(
        "autoscaler-coherence",
        "The worker fleet must scale between its bounds, with an autoscaler that holds the same bounds.",
        validate=_autoscaler_coherent, severity=Severity.HIGH, framework=_RESILIENCE, config=[MIN_MAX_REPLICAS],
        remediation="Declare the fleet through components.jobs.BackgroundJobs, which gives the worker its replica "
                    "bounds and the autoscaler the same MIN_REPLICAS/MAX_REPLICAS, the worker's service id and its "
                    "own token; keep lightspeedpay:jobs.maxReplicas at the guide's 10 in production.",
        tags=["railway", "availability", "autoscaling"]),
    resource_policy(
        "railway-health-check",
        "Every Railway service instance must declare a health check path and a bounded timeout.",
        judges=[INSTANCE], guard=_FLEET, validate=_health_check, severity=Severity.MEDIUM, framework=_RESILIENCE,
        config=[MAX_HEALTHCHECK_TIMEOUT],
        remediation="Set lightspeedpay:jobs.healthcheckPath (e.g. /health) and healthcheckTimeoutSeconds; the "
                    "worker must answer 200 there once it can take jobs.",
        tags=["railway", "availability"]),
    resource_policy(
        "railway-restart-policy",
        "Railway services must restart on failure, never run with the NEVER restart policy.",
        judges=[INSTANCE, REDIS], guard=_FLEET, validate=_restart_policy, severity=Severity.HIGH, framework=_RESILIENCE,
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
        judges=list(SECRET_OUTPUTS), guard=_EACH, validate=_secrets_not_plain, severity=Severity.CRITICAL,
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
        config=[LOG_RETENTION, STORE_REGIONS],
        remediation="Declare components.log_store.LogStore (in the stack's AWS region in India) and pass it to "
                    "the job fleet; "
                    "components/jobs.py gives the worker the OTEL_* variables and the sealed ingest token.",
        tags=["railway", "logging"]),
    resource_policy(
        "railway-outside-india",
        "Every Railway workload is reported with the region it runs in, because Railway has no India region.",
        judges=[INSTANCE, REDIS],
        guard=_FLEET, validate=_outside_india, severity=Severity.HIGH, framework=_RBI, config=[INDIA_REGIONS],
        remediation="No change needed while railway-no-payment-data-at-rest holds; move the workers to an India "
                    "region as soon as Railway offers one (add it to indiaRegions and allowedRegions).",
        tags=["railway", "data-localisation"]),
    resource_policy(
        "railway-region-allowed",
        "Railway workloads may run only in the reviewed regions nearest to India.",
        judges=[INSTANCE, REDIS],
        guard=_FLEET, validate=_region_allowed, severity=Severity.HIGH, framework=_RBI, config=[ALLOWED_REGIONS],
        remediation="Set lightspeedpay:jobs.region to asia-southeast1-eqsg3a (Singapore); another region needs a "
                    "data-localisation review and a policy config change.",
        tags=["railway", "data-localisation"]),
    stack_policy(
        "railway-no-payment-data-at-rest",
        "Railway must hold no payment data at rest beyond the job queue's bounded retention.",
        validate=_no_payment_data_at_rest, severity=Severity.CRITICAL, framework=_RBI, config=[MAX_JOB_RETENTION],
        remediation="Keep Redis volume backups off, run no database on Railway, and keep "
                    "lightspeedpay:jobs.jobRetentionSeconds <= 86400 (the worker removes finished jobs by then).",
        tags=["railway", "data-localisation"]),
]
