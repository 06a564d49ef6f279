"""The log store and what reaches it: retention and residency of every log group, and the logs that do not
reach it (Vercel's audit log without Enterprise, the Railway services that cannot ship their own logs).

The log store is declared (components/log_store.py): retention is the log group's own setting, read from the
resource, against the vocabulary's one threshold. What cannot be shipped is reported on every plan, never
silently skipped (advisory, like Railway's region).
"""

from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from lightspeedpay_vocabulary.facts import JobsFacts, LogStoreFacts
from lightspeedpay_vocabulary.thresholds import LOG_RETENTION_DAYS, LOG_STORE_REGIONS

from . import aws
from .graph import of_type, prop, published, sources
from .meta import Report, cert_in, integer, stack_policy, strings
from .props import known

AUDIT_LOG_DRAIN = "vercel:index/auditLogDrain:AuditLogDrain"
RAILWAY = "pulumi-python:dynamic/railway:"
SHIPPING_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"

MIN_RETENTION = integer("minRetentionDays", LOG_RETENTION_DAYS, minimum=1)
STORE_REGIONS = strings("allowedRegions", LOG_STORE_REGIONS, min_items=1)


def _retention(args: StackValidationArgs, report: Report) -> None:
    minimum, regions = MIN_RETENTION.of(args), STORE_REGIONS.of(args)
    stores = published(args, LogStoreFacts, report, required="no log store keeps the platform's logs "
                                                            "(components.log_store.LogStore).")
    groups = {g.urn: g for g in of_type(args, aws.LOG_GROUP)}
    by_urn = {r.urn: r for r in args.resources}
    for component, facts in stores:
        if str(facts.log_group) not in groups:
            report("The log store's log group is not declared: nothing keeps the shipped logs.", component.urn)
        _ingest(args, by_urn, facts, component, report)
    for group in groups.values():
        ok, days = known(group.props, "retentionInDays")
        if ok and days and days < minimum:
            report(f"Log group {prop(group, 'name', group.name)!r} keeps logs {days:g} days; at least {minimum} are "
                   f"required (CERT-In 180 days, PCI DSS 10.5.1 twelve months).", group.urn)
        where = aws.region_of(group)
        if where != "(unknown)" and where not in regions:
            report(f"Log group {prop(group, 'name', group.name)!r} is in {where!r}; logs are kept in India "
                   f"({list(regions)}).", group.urn)
        ok, key = known(group.props, "kmsKeyId")
        if ok and not key and not group.property_dependencies.get("kmsKeyId"):
            report(f"Log group {prop(group, 'name', group.name)!r} is not encrypted with the stack's KMS key.",
                   group.urn)


PASSWORD = "random:index/randomPassword:RandomPassword"
LOG_DRAIN = "vercel:index/logDrain:LogDrain"
INVOKE_ACTIONS = ("lambda:InvokeFunctionUrl", "lambda:InvokeFunction")


def _ingest(args: StackValidationArgs, by_urn: Mapping[str, PolicyResource], facts: LogStoreFacts,
            component: PolicyResource, report: Report) -> None:
    """What ships reaches the log group: the URL serves a function that writes there, which anyone may invoke
    through the URL and which checks the very secrets the drain signs with and the workers present."""
    url = by_urn.get(str(facts.ingest))
    functions = aws.depends(url, "functionName", aws.FUNCTION) if url is not None else []
    if url is None or not functions:
        report("The log store's ingest URL, or the function behind it, is not declared: nothing reaches the store.",
               component.urn)
        return
    for function in functions:
        if str(facts.log_group) not in {g.urn for g in aws.depends(function, "loggingConfig", aws.LOG_GROUP)}:
            report("The ingest function writes somewhere else than the log store's log group.", function.urn)
        role = next(iter(aws.depends(function, "role", aws.ROLE)), None)
        if role is None or not any(str(facts.log_group) in {g.urn for g in aws.depends(p, "policy", aws.LOG_GROUP)}
                                   for p in aws.companions(args.resources, aws.ROLE_POLICY, role, "role")):
            report("The ingest function's role may not write to the log group.", function.urn)
        granted = {str(prop(p, "action")) for p in aws.companions(args.resources, aws.PERMISSION, function, "function")}
        missing = sorted(set(INVOKE_ACTIONS) - granted)
        if missing:
            report(f"The ingest URL cannot be called ({missing} not granted): Vercel's drain and the workers fail.",
                   function.urn)
        checked = {p.urn for p in aws.depends(function, "environment", PASSWORD)}
        # The drains that deliver to this URL (another store's drains answer to its own function).
        for drain in (d for d in of_type(args, LOG_DRAIN) if url.urn in {u.urn for u in aws.depends(
                d, "endpoint", aws.FUNCTION_URL)}):
            if not {p.urn for p in aws.depends(drain, "secret", PASSWORD)} & checked:
                report("The Vercel drain signs with a secret the ingest does not check: every delivery is refused.",
                       drain.urn)
        if published(args, JobsFacts, report) and not any(
                {p.urn for p in aws.depends(v, "sealedVariables", PASSWORD)} & checked
                for v in of_type(args, f"{RAILWAY}Variables")):
            report("The workers present a token the ingest does not check: their logs are refused.", function.urn)


def _outside_the_store(args: StackValidationArgs, report: Report) -> None:
    _audit_log(args, report)
    _railway_logs(args, report)


def _audit_log(args: StackValidationArgs, report: Report) -> None:
    drains = of_type(args, AUDIT_LOG_DRAIN)
    for component, facts in published(args, LogStoreFacts, report):
        if not drains:
            report(f"Vercel's audit log (team members, tokens, project and domain changes) is not drained to the log "
                   f"store: the team's plan is {facts.vercel_plan!r}, and audit-log drains need Enterprise. Until "
                   f"then it stays in Vercel, outside India, for Vercel's retention.", component.urn)
    for drain in drains:
        if not sources(drain, "http") and not sources(drain, "s3"):
            report("Vercel's audit-log drain does not ship to the stack's log store.", drain.urn)


def _railway_logs(args: StackValidationArgs, report: Report) -> None:
    for _, facts in published(args, JobsFacts, report):
        shipping = {r.urn for r in of_type(args, f"{RAILWAY}Variables") if _ships(r)}
        for service in _services(args, facts):
            variables = [r for r in of_type(args, f"{RAILWAY}Variables") if service.urn in sources(r, "serviceId")]
            if not any(v.urn in shipping for v in variables):
                report(f"The logs of Railway service {prop(service, 'name', service.name)!r} are kept only by Railway, "
                       f"in {facts.region} (outside India), for {facts.platform_log_retention_days} days: Railway "
                       f"has no log drain and the service exports none itself.", service.urn)
        for redis in of_type(args, f"{RAILWAY}Redis"):
            report(f"Redis's logs ({prop(redis, 'name', redis.name)!r}) are kept only by Railway, in "
                   f"{facts.region} (outside India), for {facts.platform_log_retention_days} days: Railway has no "
                   f"log drain and the Redis image exports none.", redis.urn)


def _services(args: StackValidationArgs, facts: JobsFacts) -> list[PolicyResource]:
    wanted = {str(facts.worker_service), str(facts.autoscaler_service)}
    return [s for s in of_type(args, f"{RAILWAY}Service") if s.urn in wanted]


def _ships(variables: PolicyResource) -> bool:
    ok, values = known(variables.props, "variables")
    return not ok or (isinstance(values, Mapping) and any(key == SHIPPING_VARIABLE for key in values))


POLICIES = [
    stack_policy(
        "log-retention",
        "Logs must be kept in India for at least the required period (CERT-In 180 days, PCI DSS 12 months).",
        validate=_retention, severity=Severity.HIGH,
        framework=cert_in("Maintain logs for a rolling period of 180 days within Indian jurisdiction."),
        config=[MIN_RETENTION, STORE_REGIONS],
        remediation="Declare components.log_store.LogStore (lightspeedpay:logStore.region in India); every log group "
                    "keeps thresholds.LOG_RETENTION_DAYS or more (the log store's retention is derived from it) and is "
                    "encrypted with the stack's KMS key.",
        tags=["logging", "data-localisation"]),
    stack_policy(
        "logs-outside-the-store",
        "Every log that cannot reach the log store is reported with where it stays and for how long.",
        validate=_outside_the_store, severity=Severity.MEDIUM,
        framework=cert_in("Maintain logs of all ICT systems securely for a rolling period of 180 days within Indian "
                          "jurisdiction."),
        remediation="Vercel's audit log: on Enterprise, set lightspeedpay:logStore.vercelPlan to enterprise and the "
                    "stack declares the audit-log drain. Railway's autoscaler and Redis: no change while their logs "
                    "hold no payment data (queue depth, replica counts, Redis's own events); ship them through the "
                    "log store's OTLP ingest when Railway or the service can. Until then these findings stay.",
        tags=["vercel", "railway", "logging", "data-localisation", "finding"]),
]
