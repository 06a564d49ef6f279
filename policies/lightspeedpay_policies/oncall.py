"""On-call, alert routing and metrics (issue 13 items 2, 4 and 7).

- `oncall-rotation`: a PagerDuty service whose escalation policy starts at a rotation with enough people;
  production pages (high urgency), staging may only notify (low urgency).
- `critical-alerts-not-email-only`: a critical alert never ends at email or Slack alone (Grafana's routing of
  ``severity=critical`` and any per-rule override).
- `critical-alerts-reach-oncall`: the paging routes carry this stack's own PagerDuty integration key (by
  dependency: a key typed by hand pages whoever owns it, or nobody).
- `alert-rules-cover-platform`: critical rules on the database's metrics endpoint, the queue depth and the worker
  count exist and are not paused; `database-metrics-scraped`: Grafana scrapes this stack's Supabase project with
  its own key; `metrics-region-in-india`: the Grafana stack's region.
- `api-alert-rules`: Vercel watches the API's 5xx and duration; threshold rules when the plan includes them.
- `advisors-check-scheduled`: the Supabase advisors check runs at least daily.
- Findings (advisory): `oncall-outside-india` (PagerDuty has no India region), `observability-plan-gaps`.

Links are read from property dependencies (always known), names and labels from inputs; ids and keys never.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from lightspeedpay_vocabulary.facts import JobsFacts, MetricsFacts
from lightspeedpay_vocabulary.oncall import (
    ADVISORS_MAX_INTERVAL_HOURS,
    CRITICAL,
    GRAFANA_REGIONS_IN_INDIA,
    LOWER_CHANNEL_KINDS,
    METRICS_PUSH_SCOPES,
    METRICS_PUSH_VARIABLES,
    MIN_ROTATION_MEMBERS,
    PAGERDUTY_REGIONS_IN_INDIA,
    QUEUE_DEPTH_METRIC,
    SEVERITY_LABEL,
    SUPABASE_METRICS_PATH,
    WORKER_REPLICAS_METRIC,
)

from .graph import linked, of_type, prop, published, roles, sources, stack_facts
from .meta import Guard, Report, flag, integer, pci, rbi_localisation, resource_policy, stack_policy, strings
from .props import as_list, dig, plain
from .railway import VARIABLES as RAILWAY_VARIABLES
from .supabase import PROJECT as SUPABASE_PROJECT
from .vercel_firewall import DOMAIN

PD_PROVIDER = "pulumi:providers:pagerduty"
PD_USER = "pagerduty:index/user:User"
PD_SCHEDULE = "pagerduty:index/schedule:Schedule"
PD_ESCALATION = "pagerduty:index/escalationPolicy:EscalationPolicy"
PD_SERVICE = "pagerduty:index/service:Service"
PD_INTEGRATION = "pagerduty:index/serviceIntegration:ServiceIntegration"
G_STACK = "grafana:cloud/stack:Stack"
G_SCRAPE = "grafana:connections/metricsEndpointScrapeJob:MetricsEndpointScrapeJob"
G_CONTACT = "grafana:alerting/contactPoint:ContactPoint"
G_ROUTING = "grafana:alerting/notificationPolicy:NotificationPolicy"
G_RULES = "grafana:alerting/ruleGroup:RuleGroup"
G_DASHBOARD = "grafana:oss/dashboard:Dashboard"
G_ACCESS_POLICY = "grafana:cloud/accessPolicy:AccessPolicy"
G_ACCESS_TOKEN = "grafana:cloud/accessPolicyToken:AccessPolicyToken"
V_ALERT_RULE = "vercel:index/alertRule:AlertRule"
V_CUSTOM_RULE = "vercel:index/customAlertRule:CustomAlertRule"
V_SLACK_LINK = "vercel:index/alertRuleSlackNotification:AlertRuleSlackNotification"
C_CHECK = "checkly:index/check:Check"
C_SSL = "checkly:index/sslMonitor:SslMonitor"
C_HEARTBEAT = "checkly:index/heartbeatMonitor:HeartbeatMonitor"
C_CHANNEL = "checkly:index/alertChannel:AlertChannel"

MIN_MEMBERS = integer("minRotationMembers", MIN_ROTATION_MEMBERS, minimum=1)
REQUIRE_PAGING = flag("requirePaging", True)
INDIA_GRAFANA = strings("allowedRegions", GRAFANA_REGIONS_IN_INDIA, min_items=1)
INDIA_PAGERDUTY = strings("indiaRegions", PAGERDUTY_REGIONS_IN_INDIA)
MAX_ADVISORS_HOURS = integer("maxIntervalHours", ADVISORS_MAX_INTERVAL_HOURS, minimum=1)
_RBI = rbi_localisation()
_MONITORED = pci("10.7.2", "Failures of critical security control systems are detected, alerted, and addressed "
                           "promptly.")


def _deps(resource: PolicyResource, key: str, type_: str) -> list[PolicyResource]:
    return [d for d in resource.property_dependencies.get(key, []) if d.resource_type == type_]


# --- the rotation ---------------------------------------------------------------------------------------------

def _rotation(args: StackValidationArgs, report: Report) -> None:
    services = of_type(args, PD_SERVICE)
    if not services:
        report("No PagerDuty service is declared: critical alerts have no one on call to reach.")
        return
    least, paging = MIN_MEMBERS.of(args), REQUIRE_PAGING.of(args)
    for service in services:
        name = prop(service, "name", service.name)
        escalation = linked(service, "escalationPolicy", PD_ESCALATION)
        if escalation is None:
            report(f"Service '{name}' has no escalation policy declared in this stack.", service.urn)
            continue
        rules = as_list(prop(escalation, "rules", []))
        schedules = _deps(escalation, "rules", PD_SCHEDULE)
        if not rules or not schedules:
            report(f"Escalation policy '{prop(escalation, 'name', escalation.name)}' does not start at an on-call "
                   f"rotation (no schedule among its targets).", escalation.urn)
        for schedule in schedules:
            members = {d.urn for d in _deps(schedule, "layers", PD_USER)}
            if len(members) < least:
                report(f"Rotation '{prop(schedule, 'name', schedule.name)}' has {len(members)} member(s); at least "
                       f"{least} are required, so nobody is on call forever.", schedule.urn)
        if len(rules) < 2:
            report(f"Escalation policy '{prop(escalation, 'name', escalation.name)}' has one level: an unacknowledged "
                   f"incident escalates to nobody.", escalation.urn)
        urgency = dig(plain(prop(service, "incidentUrgencyRule", {}) or {}), "urgency", "high")
        if paging and urgency != "high":
            report(f"Service '{name}' opens incidents at '{urgency}' urgency: critical alerts would not page.",
                   service.urn)


# --- routing ----------------------------------------------------------------------------------------------------

def _matches_critical(matchers: Iterable[Any]) -> bool:
    return any(dig(plain(m), "label") == SEVERITY_LABEL and dig(plain(m), "match") in ("=", "=~")
               and CRITICAL in str(dig(plain(m), "value", "")).split("|") for m in matchers)


def _contact_points(args: StackValidationArgs) -> dict[str, PolicyResource]:
    return {str(prop(point, "name", "")): point for point in of_type(args, G_CONTACT)}


def _kinds(point: PolicyResource) -> set[str]:
    """The integration kinds a contact point has (``pagerduties``, ``emails``, ``slacks``, …)."""
    return {key for key, value in point.props.items()
            if key not in ("name", "disableProvenance", "orgId", "uid") and as_list(value)}


def _lower(kind: str) -> bool:
    return any(kind.startswith(lower) for lower in LOWER_CHANNEL_KINDS)


def _critical_routes(args: StackValidationArgs, report: Report) -> list[tuple[str, PolicyResource]]:
    """(contact point name, where it was named) for every route a critical Grafana alert takes."""
    routes: list[tuple[str, PolicyResource]] = []
    critical_rules = [(group, rule) for group in of_type(args, G_RULES)
                      for rule in as_list(prop(group, "rules", []))
                      if dig(plain(rule), f"labels.{SEVERITY_LABEL}") == CRITICAL]
    for group, rule in critical_rules:
        override = dig(plain(rule), "notificationSettings.contactPoint")
        if override:
            routes.append((str(override), group))
    routings = of_type(args, G_ROUTING)
    for routing in routings:
        matched = [str(dig(plain(p), "contactPoint", "")) for p in as_list(prop(routing, "policies", []))
                   if _matches_critical(as_list(dig(plain(p), "matchers", [])))]
        routes += [(point, routing) for point in matched or [str(prop(routing, "contactPoint", ""))]]
    if critical_rules and not routings:
        report("Critical alert rules are declared but no notification policy routes them anywhere.")
    return routes


def _not_email_only(args: StackValidationArgs, report: Report) -> None:
    points = _contact_points(args)
    routes = _critical_routes(args, report)
    if of_type(args, G_RULES) and not routes:
        report("No route for severity=critical alerts is declared.")
    reached = {name for name, _ in routes}
    paging = [name for name in reached if name in points and any(not _lower(k) for k in _kinds(points[name]))]
    for name, where in routes:
        if name not in points:
            report(f"Critical alerts are routed to contact point '{name}', which this stack does not declare.",
                   where.urn)
    if routes and not paging:
        report(f"Critical alerts end at {sorted(reached)}, which only send email or Slack: nobody is paged.",
               routes[0][1].urn)


def _reach_oncall(args: StackValidationArgs, report: Report) -> None:
    points = _contact_points(args)
    integrations = {r.urn for r in of_type(args, PD_INTEGRATION)}
    reaching = False
    for name in {name for name, _ in _critical_routes(args, report)}:
        point = points.get(name)
        if point is None or "pagerduties" not in _kinds(point):
            continue
        if sources(point, "pagerduties") & integrations:
            reaching = True
        else:
            report(f"Contact point '{name}' pages with a PagerDuty key that is not this stack's on-call integration "
                   f"(declare it from components.oncall's integration key).", point.urn)
    if of_type(args, G_RULES) and not reaching:
        report("No critical alert route reaches the on-call service's Events API integration.")
    # Checkly: a PagerDuty channel must carry this stack's key, and every heartbeat must page through one.
    paging = _paging_channels(args)
    for channel in of_type(args, C_CHANNEL):
        if prop(channel, "pagerduty") and channel.urn not in paging:
            report("A Checkly PagerDuty channel pages with a key that is not this stack's on-call integration.",
                   channel.urn)
    for heartbeat in of_type(args, C_HEARTBEAT):
        if not _pages(heartbeat, paging):
            report(f"Heartbeat '{prop(heartbeat, 'name', heartbeat.name)}' alerts nobody on call: a stalled service "
                   f"would page no one.", heartbeat.urn)


def _paging_channels(args: StackValidationArgs) -> set[str]:
    """Checkly alert channels that page this stack's on-call service: PagerDuty, keyed by its own integration."""
    integrations = {r.urn for r in of_type(args, PD_INTEGRATION)}
    return {c.urn for c in of_type(args, C_CHANNEL)
            if prop(c, "pagerduty") and sources(c, "pagerduty") & integrations}


def _pages(monitor: PolicyResource, paging: set[str]) -> bool:
    return bool(sources(monitor, "alertChannelSubscriptions") & paging)


def _host_of(resource: PolicyResource) -> str | None:
    if resource.resource_type == C_SSL:
        return str(dig(plain(prop(resource, "request", {}) or {}), "hostname", "")) or None
    return urlsplit(str(dig(plain(prop(resource, "request", {}) or {}), "url", ""))).hostname


def _hostnames_watched(args: StackValidationArgs, report: Report) -> None:
    facts = stack_facts(args, report)
    if facts is None:
        return
    hosts = sorted({str(h) for h in plain(facts.domains).values()})
    redirecting = {str(prop(d, "domain", "")) for d in of_type(args, DOMAIN) if prop(d, "redirect")}
    paging = _paging_channels(args)
    for kind, type_, what in (("uptime check", C_CHECK, "is down"), ("SSL monitor", C_SSL, "certificate fails")):
        watching: dict[str, list[PolicyResource]] = {}
        for monitor in of_type(args, type_):
            host = _host_of(monitor)
            if host and prop(monitor, "activated"):
                watching.setdefault(host, []).append(monitor)
        for host in hosts:
            if kind == "uptime check" and host in redirecting:
                continue  # a redirect answers 308 by design; its certificate is still watched
            monitors = watching.get(host, [])
            if not monitors:
                report(f"{host} is public but has no active {kind}.")
            elif not any(_pages(m, paging) for m in monitors):
                report(f"When {host} {what}, its {kind} alerts nobody on call (no route to the on-call "
                       f"service's PagerDuty channel).", monitors[0].urn)


# --- what is watched ----------------------------------------------------------------------------------------------

def _expr(model: Any) -> str:
    """The PromQL of a rule stage's model (a JSON string), or "" for expressions and unreadable models."""
    try:
        return str(json.loads(str(model)).get("expr") or "")
    except (ValueError, AttributeError):
        return ""


def _rules_cover(args: StackValidationArgs, report: Report) -> None:
    groups = of_type(args, G_RULES)
    if not groups:
        report("No Grafana alert rule group is declared: the database, the queue and the workers alert nobody.")
        return
    jobs = {str(prop(job, "name", "")) for job in of_type(args, G_SCRAPE)}
    wanted = {"the database's metrics endpoint": [f'job="{job}"' for job in jobs] or ["<no scrape job>"],
              "the queue depth": [QUEUE_DEPTH_METRIC], "the worker count": [WORKER_REPLICAS_METRIC]}
    found = dict.fromkeys(wanted, False)
    for group in groups:
        for rule in as_list(prop(group, "rules", [])):
            rule = plain(rule)
            if rule.get("isPaused") or dig(rule, f"labels.{SEVERITY_LABEL}") != CRITICAL:
                continue
            models = " ".join(_expr(stage.get("model")) for stage in as_list(rule.get("datas")))
            for what, needles in wanted.items():
                if any(needle in models for needle in needles):
                    found[what] = True
    for what, ok in found.items():
        if not ok:
            report(f"No active critical alert rule watches {what}.", groups[0].urn)


def _scraped(args: StackValidationArgs, report: Report) -> None:
    projects = {r.urn for r in of_type(args, SUPABASE_PROJECT)}
    jobs = of_type(args, G_SCRAPE)
    for project in projects:
        covering = [job for job in jobs if project in sources(job, "url")]
        if not covering:
            report("The Supabase project's metrics endpoint is scraped by no Grafana Cloud scrape job.", project)
    for job in jobs:
        name = prop(job, "name", job.name)
        url = prop(job, "url")
        if prop(job, "enabled") is False:
            report(f"Scrape job '{name}' is disabled.", job.urn)
        if isinstance(url, str):
            parts = urlsplit(url)
            if (parts.scheme != "https" or not str(parts.hostname).endswith(".supabase.co")
                    or parts.path != SUPABASE_METRICS_PATH):
                report(f"Scrape job '{name}' reads {url}, not the project's metrics endpoint over HTTPS "
                       f"(https://<ref>.supabase.co{SUPABASE_METRICS_PATH}).", job.urn)
        if not sources(job, "authenticationBasicPassword") & projects:
            report(f"Scrape job '{name}' does not authenticate with the project's own key (by dependency): a typed "
                   f"credential would sit in the stack file or stop working on rotation.", job.urn)


def _metrics_pushed(args: StackValidationArgs, report: Report) -> None:
    tokens = {r.urn: r for r in of_type(args, G_ACCESS_TOKEN)}
    for _component, jobs in published(args, JobsFacts, report):
        variables = [v for v in of_type(args, RAILWAY_VARIABLES) if jobs.autoscaler_service in sources(v, "serviceId")]
        for settings in variables:
            # Keys only: values are unknown in a first preview, and sealed ones are secrets.
            variables_map, sealed = prop(settings, "variables", {}), prop(settings, "sealedVariables", {})
            plain_keys = set(variables_map) if isinstance(variables_map, Mapping) else set()
            sealed_keys = set(sealed) if isinstance(sealed, Mapping) else set()
            for key in METRICS_PUSH_VARIABLES:
                if key in plain_keys:
                    report(f"The autoscaler's {key} is in its plain variables: the metrics token would be readable by "
                           f"anyone who can read the service.", settings.urn)
                elif sealed_keys and key not in sealed_keys:
                    report(f"The autoscaler has no sealed {key}: the queue depth and worker count reach no "
                           f"dashboard or alert rule.", settings.urn)
            used = [tokens[u] for u in sources(settings, "sealedVariables") if u in tokens]
            if not used:
                report("The autoscaler does not push with the stack's own write-only metrics token (by dependency).",
                       settings.urn)
            for token in used:
                for access in _deps(token, "accessPolicyId", G_ACCESS_POLICY):
                    scopes = sorted(str(s) for s in as_list(prop(access, "scopes", [])))
                    if scopes != sorted(METRICS_PUSH_SCOPES):
                        report(f"The autoscaler's metrics token may do {scopes}, more than "
                               f"{list(METRICS_PUSH_SCOPES)}.", access.urn)


def _grafana_region(args: ResourceValidationArgs, report: Report) -> None:
    region = args.props.get("regionSlug")
    allowed = list(INDIA_GRAFANA.of(args))
    if region not in allowed:
        report(f"The Grafana Cloud stack is in '{region}', outside India ({allowed}): database and worker metrics "
               f"would be stored abroad.")


def _api_rules(args: StackValidationArgs, report: Report) -> None:
    api_projects = {urn for urn, role in roles(args).items() if role == "api"}
    linked = {d.urn for link in of_type(args, V_SLACK_LINK) for d in link.property_dependencies.get("alertRuleId", [])}
    anomaly = [rule for rule in of_type(args, V_ALERT_RULE) if sources(rule, "ruleScope") & api_projects
               and any(dig(plain(t), "type") == "error_anomaly" and "5xx" in str(dig(plain(t), "filter", ""))
                       for t in as_list(prop(rule, "triggers", [])))]
    if not anomaly:
        report("No Vercel alert rule watches the API's 5xx responses (built-in error_anomaly on the API project).")
    for rule in [*anomaly, *of_type(args, V_CUSTOM_RULE)]:
        if rule.urn not in linked:
            report(f"Vercel alert rule '{prop(rule, 'name', rule.name)}' notifies no one (no Slack link).", rule.urn)
    for _component, record in published(args, MetricsFacts, report):
        custom = [r for r in of_type(args, V_CUSTOM_RULE) if sources(r, "projectId") & api_projects]
        if record.vercel_observability_plus and len(custom) < 2:
            report("The team has Observability Plus, yet the API's 5xx share and p95 duration have no threshold rule "
                   "(vercel.CustomAlertRule).")


def _plan_gaps(args: StackValidationArgs, report: Report) -> None:
    for component, record in published(args, MetricsFacts, report):
        if not record.vercel_observability_plus:
            report("Without Vercel Observability Plus the API's error rate and latency have no threshold alert: only "
                   "Vercel's built-in anomaly rules (and the uptime checks' response-time budgets) watch them.",
                   component.urn)


def _outside_india(args: StackValidationArgs, report: Report) -> None:
    india = set(INDIA_PAGERDUTY.of(args))
    for provider in of_type(args, PD_PROVIDER):
        region = prop(provider, "serviceRegion") or "us"
        if region not in india:
            report(f"PagerDuty keeps incidents in its '{region}' service region; it has no India region. Accepted "
                   f"because alert payloads carry no payment data (titles, hostnames, metric values only); see "
                   f"docs/observability-oncall.md, data residency.", provider.urn)


def _cron_daily(cron: str, max_hours: int) -> bool:
    """Whether a five-field cron runs at least every ``max_hours`` (every day, hours at most that far apart)."""
    fields = cron.split()
    if len(fields) != 5 or fields[2:] != ["*", "*", "*"]:
        return False
    hours = fields[1]
    if hours == "*":
        return True
    if hours.startswith("*/") and hours[2:].isdigit():
        return int(hours[2:]) <= max_hours
    try:
        listed = sorted(int(h) for h in hours.split(","))
    except ValueError:
        return False
    gaps = [b - a for a, b in zip(listed, [*listed[1:], listed[0] + 24], strict=True)]
    return max(gaps) <= max_hours


def _advisors(args: StackValidationArgs, report: Report) -> None:
    max_hours = MAX_ADVISORS_HOURS.of(args)
    for component, record in published(args, MetricsFacts, report,
                                       required="nothing publishes whether the advisors check is scheduled."):
        schedule = list(record.advisors_schedule)
        if not schedule:
            report("The Supabase advisors check (python -m ops.advisors) is not scheduled: "
                   ".github/workflows/advisors.yml has no schedule.", component.urn)
        elif not any(_cron_daily(cron, max_hours) for cron in schedule):
            report(f"The Supabase advisors check runs on {schedule}, less often than every {max_hours} hours.",
                   component.urn)


_ROUTING = "components/metrics.py routes severity=critical to the on-call contact point (components/oncall.py's key)"

POLICIES = [
    stack_policy(
        "oncall-rotation",
        "An on-call service must exist whose escalation policy starts at a rotation of enough people and escalates.",
        validate=_rotation, severity=Severity.HIGH, framework=_MONITORED, config=[MIN_MEMBERS, REQUIRE_PAGING],
        remediation="Name the rotation's members in lightspeedpay:oncall.members (production: at least two) and keep "
                    "components/oncall.py's schedule, two-level escalation policy and high-urgency service.",
        tags=["oncall", "monitoring"]),
    stack_policy(
        "critical-alerts-not-email-only",
        "A critical alert must never end at email or Slack alone.",
        validate=_not_email_only, severity=Severity.HIGH, framework=_MONITORED,
        remediation=f"Route severity=critical to a paging contact point: {_ROUTING}; no rule may override it.",
        tags=["oncall", "monitoring"]),
    stack_policy(
        "critical-alerts-reach-oncall",
        "Every route for critical alerts must reach this stack's on-call service.",
        validate=_reach_oncall, severity=Severity.HIGH, framework=_MONITORED,
        remediation=f"Keep the route as declared: {_ROUTING}; never type a PagerDuty key into a contact point.",
        tags=["oncall", "monitoring"]),
    stack_policy(
        "public-hostnames-watched",
        "Every public hostname must have an uptime check, an SSL monitor and an alert route that reaches on-call.",
        validate=_hostnames_watched, severity=Severity.HIGH, framework=_MONITORED,
        remediation="Keep components/stack.py giving every Checkly monitor the on-call service's PagerDuty channel "
                    "(UptimeMonitoringArgs.extra_channels); keep an uptime check per endpoint and an SSL monitor per "
                    "hostname (components/monitoring.py).",
        tags=["oncall", "monitoring"]),
    stack_policy(
        "alert-rules-cover-platform",
        "Critical alert rules must watch the database's metrics endpoint, the job queue and the worker count.",
        validate=_rules_cover, severity=Severity.HIGH, framework=_MONITORED,
        remediation="Keep components/dashboards.py's alert_rules (critical, not paused) and the scrape job.",
        tags=["monitoring", "database", "railway"]),
    stack_policy(
        "database-metrics-scraped",
        "The database's metrics endpoint must be scraped by the monitoring backend with the project's own key.",
        validate=_scraped, severity=Severity.MEDIUM, framework=_MONITORED,
        remediation="Keep components/metrics.py's MetricsEndpointScrapeJob, declared from the Database component's URL "
                    "and service-role key.",
        tags=["monitoring", "database"]),
    stack_policy(
        "worker-metrics-pushed",
        "The autoscaler must push the queue depth and worker count with a sealed, write-only metrics token.",
        validate=_metrics_pushed, severity=Severity.MEDIUM, framework=_MONITORED,
        remediation="Keep components/metrics.py's autoscaler_env() in the autoscaler's sealedVariables and its access "
                    "policy at metrics:write on this stack only.",
        tags=["monitoring", "railway"]),
    resource_policy(
        "metrics-region-in-india",
        "The metrics backend must store the platform's metrics in India.",
        judges=[G_STACK], guard=Guard("the Grafana Cloud stack", refused_by="checklist-resources-declared"),
        validate=_grafana_region, severity=Severity.HIGH, framework=_RBI, config=[INDIA_GRAFANA],
        remediation="Set lightspeedpay:metrics.grafanaRegion to prod-ap-south-0 or prod-ap-south-1 (a region change "
                    "replaces the Grafana stack).",
        tags=["monitoring", "data-localisation"]),
    stack_policy(
        "api-alert-rules",
        "The API's error rate and latency must be watched by Vercel alert rules that notify someone.",
        validate=_api_rules, severity=Severity.MEDIUM, framework=_MONITORED,
        remediation="Keep components/metrics.py's built-in anomaly rule on the API project, threshold rules "
                    "with Observability Plus, and a Slack link for each (lightspeedpay:metrics.vercelSlackChannelId).",
        tags=["monitoring", "vercel"]),
    stack_policy(
        "advisors-check-scheduled",
        "The Supabase performance and security advisors check must run at least daily.",
        validate=_advisors, severity=Severity.MEDIUM, framework=_MONITORED, config=[MAX_ADVISORS_HOURS],
        remediation="Keep the schedule of .github/workflows/advisors.yml (python -m ops.advisors, daily).",
        tags=["monitoring", "database", "security"]),
    stack_policy(
        "oncall-outside-india",
        "Where the on-call service keeps incident data is reported, because PagerDuty has no India region.",
        validate=_outside_india, severity=Severity.MEDIUM, framework=_RBI, config=[INDIA_PAGERDUTY],
        remediation="No change while alerts carry no payment data; move to an India region (add it to indiaRegions) "
                    "when PagerDuty offers one.",
        tags=["oncall", "data-localisation"]),
    stack_policy(
        "observability-plan-gaps",
        "What the observability plans leave unwatched is reported rather than skipped.",
        validate=_plan_gaps, severity=Severity.LOW,
        remediation="Buy Vercel Observability Plus and set lightspeedpay:metrics.vercelObservabilityPlus: true, or "
                    "accept anomaly-only alerting on the API.",
        tags=["monitoring", "vercel"]),
]
