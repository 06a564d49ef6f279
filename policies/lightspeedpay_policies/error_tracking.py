"""Error tracking (Sentry): every runtime reports errors, its DSN reaches it, and no payment data leaves.

The projects and keys are pulumiverse-sentry's; the scrubbing settings are the dynamic kind
`pulumi-python:dynamic/sentry:ProjectScrubbing` (providers/sentry). Which project serves which
runtime is published by the error-tracking component (`facts.ErrorTrackingFacts`); the scrubbing
resource, the key and the runtimes' variables carry the guarded values, linked by the engine's
property dependencies (never by ids or secret values). What "covers a class" means is in
`lightspeedpay_vocabulary.scrubbing`. Sentry has no India region: `sentry-outside-india` reports
where events are stored, and `sentry-scrubbing-enforced` is what makes that acceptable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from lightspeedpay_vocabulary.facts import ErrorTrackingFacts, JobsFacts
from lightspeedpay_vocabulary.scrubbing import (
    DSN_VARIABLES,
    ENVIRONMENT_VARIABLES,
    ERROR_SPIKE_AGGREGATE,
    ERROR_TRACKED_RUNTIMES,
    FIRST_SEEN_CONDITION,
    REQUIRED_CLASSES,
    SAMPLE_RATE_VARIABLES,
    SENSITIVE_FIELD_NAMES,
    SLOW_TRANSACTIONS_AGGREGATE,
    covered_classes,
    undefined_rules,
)

from .graph import linked, of_type, project_role, published, roles, sources, stack_facts
from .meta import Guard, Report, pci, rbi_localisation, resource_policy, stack_policy, strings
from .props import as_list, is_redacted, known, plain
from .vercel import ENV_VAR

SCRUBBING = "pulumi-python:dynamic/sentry:ProjectScrubbing"
PROJECT = "sentry:index/sentryProject:SentryProject"
KEY = "sentry:index/sentryKey:SentryKey"
RAILWAY_VARIABLES = "pulumi-python:dynamic/railway:Variables"
ISSUE_ALERT = "sentry:index/sentryIssueAlert:SentryIssueAlert"
METRIC_ALERT = "sentry:index/sentryMetricAlert:SentryMetricAlert"
TEAM = "sentry:index/sentryTeam:SentryTeam"

REQUIRED = strings("requiredClasses", tuple(REQUIRED_CLASSES), min_items=1, enum=tuple(REQUIRED_CLASSES))
SENSITIVE = strings("requiredSensitiveFields", SENSITIVE_FIELD_NAMES)
RUNTIMES = strings("runtimes", ERROR_TRACKED_RUNTIMES, min_items=1)
INDIA_REGIONS = strings("indiaRegions", ())
SWITCHES = {"dataScrubber": "Sentry's data scrubber", "dataScrubberDefaults": "its default sensitive keys",
            "scrubIpAddresses": "IP address scrubbing"}


def _scrubbing(args: ResourceValidationArgs, report: Report) -> None:
    props = args.props
    for key, what in SWITCHES.items():
        seen, value = known(props, key)
        if seen and value is not True:
            report(f"{what} is switched off ({key}={value!r}): events would reach Sentry with payment data in them.")
    seen, config = known(props, "relayPiiConfig")
    if seen:
        config = plain(config)
        missing = undefined_rules(config)
        if missing:
            report(f"relayPiiConfig applies rules that are not defined: {missing}; Sentry accepts them and scrubs "
                   f"nothing with them.")
        uncovered = [c for c in REQUIRED.of(args) if c not in covered_classes(config)]
        if uncovered:
            report(f"No relayPiiConfig rule scrubs {uncovered} in free text ($string): Sentry's defaults do not "
                   f"touch exception messages, so these would leave in error reports.")
    seen, fields = known(props, "sensitiveFields")
    if seen:
        absent = [f for f in SENSITIVE.of(args) if f not in as_list(plain(fields))]
        if absent:
            report(f"sensitiveFields lacks {absent}: values under these keys would be kept in events.")


def _outside_india(args: ResourceValidationArgs, report: Report) -> None:
    seen, region = known(args.props, "region")
    if seen and region not in INDIA_REGIONS.of(args):
        report(f"Sentry stores this project's events in region '{region}' (US or EU), outside India: Sentry has no "
               f"India region. Accepted only because sentry-scrubbing-enforced keeps payment data out of events; "
               f"see docs/error-tracking.md, data residency.")


def _dsn_reached(args: StackValidationArgs, runtime: str, key: PolicyResource,
                 project_roles: dict[str, str], worker_services: list[str]) -> bool:
    variable = DSN_VARIABLES[runtime]
    if runtime == "workers":
        for resource in of_type(args, RAILWAY_VARIABLES):
            if not (set(worker_services) & sources(resource, "serviceId")):
                continue
            # Names only: values are unknown in a preview and ciphertext in an export. Where even the names
            # cannot be read (an exported secret map), the engine's dependency on the key is the evidence.
            try:
                sealed = resource.props.get("sealedVariables")
                names = [str(name) for name in sealed] if isinstance(sealed, Mapping) else None
            except UnknownValueError:
                names = None
            if key.urn in sources(resource, "sealedVariables") and (names is None or variable in names):
                return True
        return False
    for resource in of_type(args, ENV_VAR):
        if (resource.props.get("key") == variable and project_role(project_roles, resource) == runtime
                and "production" in as_list(resource.props.get("targets"))
                and key.urn in sources(resource, "value")):
            return True
    return False


def _every_runtime(args: StackValidationArgs, report: Report) -> None:
    found = published(args, ErrorTrackingFacts, report,
                      required="no runtime reports its errors, and nothing shows that error reports are scrubbed.")
    if not found:
        return
    project_roles = roles(args)
    workers = [str(f.worker_service) for _, f in published(args, JobsFacts, report)]
    by_urn = {r.urn: r for r in args.resources}
    scrubbers = of_type(args, SCRUBBING)
    for component, facts in found:
        for runtime in RUNTIMES.of(args):
            urns = facts.runtimes.get(runtime) or {}
            project, key = by_urn.get(str(urns.get("project"))), by_urn.get(str(urns.get("key")))
            if project is None or project.resource_type != PROJECT:
                report(f"The {runtime} runtime has no Sentry project: its errors are reported nowhere.", component.urn)
                continue
            if not any(getattr(linked(s, "project", PROJECT), "urn", None) == project.urn for s in scrubbers):
                report(f"The {runtime} runtime's Sentry project has no {SCRUBBING} attached: Sentry's defaults leave "
                       f"card numbers and VPAs in exception messages.", project.urn)
            if key is None or key.resource_type != KEY:
                report(f"The {runtime} runtime's Sentry project has no DSN key declared.", project.urn)
            elif getattr(linked(key, "project", PROJECT), "urn", None) != project.urn:
                report(f"The {runtime} runtime's DSN key belongs to another Sentry project: its events would land "
                       f"where its scrubbing and alerts are not.", key.urn)
            elif not _dsn_reached(args, runtime, key, project_roles, workers):
                report(f"The {runtime} runtime is not given its DSN ({DSN_VARIABLES[runtime]} from its Sentry key), so "
                       f"its SDK reports nothing.", key.urn)


def _of_project(args: StackValidationArgs, type_: str, project: PolicyResource) -> list[PolicyResource]:
    return [r for r in of_type(args, type_) if getattr(linked(r, "project", PROJECT), "urn", None) == project.urn]


def _routed(alert: PolicyResource) -> bool:
    """Whether every trigger of a metric alert (there is at least one) notifies someone."""
    triggers = as_list(alert.props.get("triggers"))
    return bool(triggers) and all(as_list(trigger.get("actions")) for trigger in triggers)


def _sample_rate(value: Any) -> bool:
    try:
        return 0 < float(value) <= 1
    except (TypeError, ValueError):
        return False


def _runtime_setting(args: StackValidationArgs, runtime: str, variable: str, good: Callable[[Any], bool],
                     project_roles: dict[str, str], worker_services: list[str]) -> bool | None:
    """Whether the runtime's ``variable`` holds a good value; None when its value cannot be read here
    (Vercel keeps every variable's value secret, so an exported state holds ciphertext)."""
    if runtime == "workers":
        return any(set(worker_services) & sources(r, "serviceId") and known(r.props, "variables")[0]
                   and good((plain(known(r.props, "variables")[1]) or {}).get(variable))
                   for r in of_type(args, RAILWAY_VARIABLES))
    values = [known(r.props, "value")[1] for r in of_type(args, ENV_VAR)
              if r.props.get("key") == variable and project_role(project_roles, r) == runtime]
    if any(good(v) for v in values):
        return True
    return None if any(is_redacted(v) for v in values) else False


def _alerts_routed(args: StackValidationArgs, report: Report) -> None:
    stack = stack_facts(args, report)
    found = published(args, ErrorTrackingFacts, report)
    if stack is None or not found:
        return  # error-tracking-every-runtime refuses a stack without error tracking
    project_roles = roles(args)
    workers = [str(f.worker_service) for _, f in published(args, JobsFacts, report)]
    by_urn = {r.urn: r for r in args.resources}
    for _, facts in found:
        for runtime in RUNTIMES.of(args):
            project = by_urn.get(str((facts.runtimes.get(runtime) or {}).get("project")))
            if project is None:
                continue
            issue = [a for a in _of_project(args, ISSUE_ALERT, project)
                     if any(known(c, "id")[1] == FIRST_SEEN_CONDITION for c in as_list(a.props.get("conditions")))
                     and as_list(a.props.get("actions"))]
            metric = _of_project(args, METRIC_ALERT, project)
            wanted = {"a new issue": issue,
                      "an error spike": [a for a in metric if a.props.get("aggregate") == ERROR_SPIKE_AGGREGATE
                                         and _routed(a)],
                      "slow transactions": [a for a in metric if a.props.get("aggregate") == SLOW_TRANSACTIONS_AGGREGATE
                                            and _routed(a)]}
            for what, alerts in wanted.items():
                if not alerts:
                    report(f"Nobody is alerted on {what} in the {runtime} runtime (no alert rule with an action on "
                           f"its Sentry project).", project.urn)
            for alert in [*issue, *metric]:
                seen, environment = known(alert.props, "environment")
                if seen and environment not in (None, "", stack.environment):
                    report(f"Alert '{alert.name}' watches environment '{environment}', not '{stack.environment}': it "
                           f"never fires for this stack's events.", alert.urn)
            teams = {t.urn for t in of_type(args, TEAM)}
            if not as_list(project.props.get("teams")) or not sources(project, "teams") & teams:
                report(f"No declared Sentry team owns the {runtime} runtime's project: alerts sent to the team reach "
                       f"no one.", project.urn)
            wanted_env = stack.environment
            for variable, good, problem in (
                    (ENVIRONMENT_VARIABLES[runtime], wanted_env.__eq__,
                     f"does not tag its events with environment '{wanted_env}': alert rules filtered on it would "
                     f"never fire"),
                    (SAMPLE_RATE_VARIABLES[runtime], _sample_rate,
                     "sends no transactions (no sample rate above 0): its slow-transaction rule would never fire")):
                given = _runtime_setting(args, runtime, variable, good, project_roles, workers)
                if given is None:
                    report.not_verified(f"{variable} of the {runtime} runtime (its value is secret in this state)",
                                        project.urn)
                elif not given:
                    report(f"The {runtime} runtime {problem} ({variable}).", project.urn)


_PCI = pci("3.5.1", "PAN is secured wherever it is stored (error reports are a store).")
_SCRUBBED = Guard("each Sentry project's scrubbing settings", refused_by="error-tracking-every-runtime")

POLICIES = [
    stack_policy(
        "error-tracking-every-runtime",
        "Every runtime (site, API, workers) must report errors to its own Sentry project, with scrubbing attached "
        "and its DSN delivered to it.",
        validate=_every_runtime, severity=Severity.HIGH, config=[RUNTIMES],
        remediation="Keep components.error_tracking.ErrorTracking in components/stack.py and pass each runtime its "
                    "DSN (app_env.sentry_env for Vercel, the worker's sealed SENTRY_DSN on Railway).",
        tags=["monitoring", "error-tracking"]),
    stack_policy(
        "sentry-alerts-routed",
        "Every runtime's Sentry project must alert someone on a new issue, an error spike and slow transactions, "
        "for the environment its events carry.",
        validate=_alerts_routed, severity=Severity.MEDIUM, config=[RUNTIMES],
        remediation="Keep the alert rules of components.error_tracking.ErrorTracking, each with an action, and the "
                    "runtimes' SENTRY_ENVIRONMENT equal to the stack's environment (app_env.sentry_env, jobs).",
        tags=["monitoring", "error-tracking"]),
    resource_policy(
        "sentry-scrubbing-enforced",
        "Sentry's server-side scrubbing must stay on and must remove card numbers, UPI VPAs, bank account numbers "
        "and tokens, in free text too.",
        judges=[SCRUBBING], guard=_SCRUBBED, validate=_scrubbing, severity=Severity.CRITICAL, framework=_PCI,
        config=[REQUIRED, SENSITIVE],
        remediation="Declare the project's scrubbing with components.error_tracking.pii_config() and the "
                    "vocabulary's SENSITIVE_FIELD_NAMES; never set dataScrubber, dataScrubberDefaults or "
                    "scrubIpAddresses to false.",
        tags=["error-tracking", "payment-data"]),
    resource_policy(
        "sentry-outside-india",
        "Every Sentry project is reported with the region its events are stored in, because Sentry has no India "
        "region.",
        judges=[SCRUBBING], guard=_SCRUBBED, validate=_outside_india, severity=Severity.HIGH,
        framework=rbi_localisation(), config=[INDIA_REGIONS],
        remediation="No change needed while sentry-scrubbing-enforced holds; move to an India region as soon as "
                    "Sentry offers one (add it to indiaRegions).",
        tags=["error-tracking", "data-localisation"]),
]
