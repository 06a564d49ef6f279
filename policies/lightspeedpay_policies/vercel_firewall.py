"""Vercel Firewall, attack challenge mode, CORS and request logging for every project."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from lightspeedpay_vocabulary.thresholds import (
    ADMIN_PATHS,
    ALLOWLIST_MIN_PREFIX_V4,
    ALLOWLIST_MIN_PREFIX_V6,
    API_MAX_REQUESTS_PER_MINUTE,
    ATTACK_MODE_MAX_HOURS,
    LOG_DRAIN_SOURCES,
    OWASP_RULES,
    PHONEPE_CALLBACK_PATH,
    VERCEL_MAX_FUNCTION_TIMEOUT_SECONDS,
    WEBHOOK_PATHS,
)

from .aws import FUNCTION_URL
from .graph import linked, of_type, project_role, prop, roles
from .meta import Guard, Report, cert_in, integer, number, pci, resource_policy, stack_policy, strings, text
from .props import as_list, dig, is_redacted, known, plain
from .vercel import ENV_VAR, PROJECT

FIREWALL = "vercel:index/firewallConfig:FirewallConfig"
ATTACK_MODE = "vercel:index/attackChallengeMode:AttackChallengeMode"
LOG_DRAIN = "vercel:index/logDrain:LogDrain"
DOMAIN = "vercel:index/projectDomain:ProjectDomain"
MIN_PREFIX_V4 = integer("minPrefixV4", ALLOWLIST_MIN_PREFIX_V4, minimum=0, maximum=32)
MIN_PREFIX_V6 = integer("minPrefixV6", ALLOWLIST_MIN_PREFIX_V6, minimum=0, maximum=128)
SPARED_PATHS = strings("webhookPaths", WEBHOOK_PATHS)
REQUIRED_RULES = strings("requiredRules", OWASP_RULES)
MAX_HOURS = number("maxHours", ATTACK_MODE_MAX_HOURS, minimum=1)
MAX_TIMEOUT = number("maxTimeoutSeconds", VERCEL_MAX_FUNCTION_TIMEOUT_SECONDS, minimum=1, maximum=900)
GATED_ADMIN_PATHS = strings("adminPaths", ADMIN_PATHS)
MAX_PER_MINUTE = number("maxPerMinute", API_MAX_REQUESTS_PER_MINUTE, minimum=1)
CALLBACK_PATH = text("callbackPath", PHONEPE_CALLBACK_PATH)
REQUIRED_SOURCES = strings("requiredSources", LOG_DRAIN_SOURCES)


def _rules(firewall: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [r for r in plain(as_list(dig(firewall, "rules.rules"))) if r.get("active", True)]


def _conditions(rule: Mapping[str, Any]) -> list[list[dict[str, Any]]]:
    return [as_list(group.get("conditions")) for group in as_list(rule.get("conditionGroups"))]


# --- resource policies -------------------------------------------------------------------------

def _firewall_enabled(args: ResourceValidationArgs, report: Report) -> None:
    if args.props.get("enabled") is False:
        report("The project's firewall is disabled; every custom and managed rule is off.")


def _allowlists_narrow(args: ResourceValidationArgs, report: Report) -> None:
    min_v4, min_v6 = MIN_PREFIX_V4.of(args), MIN_PREFIX_V6.of(args)
    for rule in _rules(args.props):
        for group in _conditions(rule):
            for condition in group:
                if condition.get("type") != "ip_address":
                    continue
                for value in as_list(condition.get("values")) + as_list(condition.get("value")):
                    try:
                        network = ipaddress.ip_network(str(value), strict=False)
                    except ValueError:
                        report(f"Rule '{rule.get('name')}' allows {value!r}, which is not an IP network.")
                        continue
                    minimum = min_v4 if network.version == 4 else min_v6
                    if network.prefixlen < minimum:
                        report(f"Rule '{rule.get('name')}' allowlists {network}, wider than /{minimum}: "
                               f"an allowlist that admits the internet protects nothing.")


def _rate_limit_spares_webhooks(args: ResourceValidationArgs, report: Report) -> None:
    paths = list(SPARED_PATHS.of(args))
    for rule in _rules(args.props):
        if dig(rule, "action.action") != "rate_limit":
            continue
        for group in _conditions(rule):
            spared = {str(c.get("value")) for c in group
                      if c.get("type") == "path" and c.get("neg") and c.get("op") in ("pre", "eq")}
            missing = [p for p in paths if p not in spared]
            if missing:
                report(f"Rate-limit rule '{rule.get('name')}' also applies to gateway webhooks {missing}; "
                       f"throttled webhooks are retried, then disabled by the gateway.")


def _owasp(args: ResourceValidationArgs, report: Report) -> None:
    required = list(REQUIRED_RULES.of(args))
    owasp = plain(dig(args.props, "managedRulesets.owasp")) or {}
    off = [name for name in required
           if not (isinstance(owasp.get(name), dict) and owasp[name].get("active")
                   and owasp[name].get("action") in ("deny", "challenge"))]
    if off:
        report(f"OWASP managed rules {off} are not active with a blocking action.")


def _attack_mode_bounded(args: ResourceValidationArgs, report: Report) -> None:
    if not args.props.get("enabled"):
        return
    until_ms = float(args.props.get("attackModeActiveUntil") or 0)
    max_hours = MAX_HOURS.of(args)
    now_ms = time.time() * 1000
    if until_ms <= now_ms:
        report("Attack challenge mode is on with an end time in the past; Vercel will switch it off and every "
               "update will show drift. Set lightspeedpay:firewall.attackChallengeUntilMs to the planned end.")
    elif until_ms > now_ms + max_hours * 3_600_000:
        report(f"Attack challenge mode would challenge every visitor for more than {max_hours:.0f} hours.")


def _redirects_permanent(args: ResourceValidationArgs, report: Report) -> None:
    if args.props.get("redirect"):
        status = args.props.get("redirectStatusCode")
        if status not in (301.0, 308.0, 301, 308):
            report(f"{args.props.get('domain')} redirects with status {status}; use 308 (permanent, keeps the method).")


def _function_limits(args: ResourceValidationArgs, report: Report) -> None:
    max_timeout = MAX_TIMEOUT.of(args)
    timeout = dig(args.props, "resourceConfig.functionDefaultTimeout")
    if timeout is None:
        report("functionDefaultTimeout is not set; the plan's default applies silently.")
    elif float(timeout) > max_timeout:
        report(f"functionDefaultTimeout is {timeout:.0f}s; the maximum allowed is {max_timeout:.0f}s.")
    if dig(args.props, "resourceConfig.functionDefaultCpuType") is None:
        report("functionDefaultCpuType is not set explicitly.")
    if not args.props.get("skewProtection"):
        report("Skew protection is off: clients of an old deployment would call a new API version.")


# --- stack policies ----------------------------------------------------------------------------

def _project_links(args: StackValidationArgs, type_: str) -> dict[str, list[PolicyResource]]:
    by_project: dict[str, list[PolicyResource]] = {}
    for resource in of_type(args, type_):
        project = linked(resource, "projectId", PROJECT)
        if project is not None:
            by_project.setdefault(project.urn, []).append(resource)
    return by_project


def _every_project_guarded(args: StackValidationArgs, report: Report) -> None:
    admin_paths = list(GATED_ADMIN_PATHS.of(args))
    firewalls = _project_links(args, FIREWALL)
    attack_modes = _project_links(args, ATTACK_MODE)
    for project in of_type(args, PROJECT):
        name = prop(project, "name", project.name)
        if project.urn not in attack_modes:
            report(f"Project '{name}' has no AttackChallengeMode switch to turn on in an incident.", project.urn)
        configs = firewalls.get(project.urn, [])
        if not configs:
            report(f"Project '{name}' has no FirewallConfig.", project.urn)
            continue
        covered = set()
        for rule in _rules(configs[0].props):
            if dig(rule, "action.action") != "deny":
                continue
            for group in _conditions(rule):
                ip_gate = any(c.get("type") == "ip_address" and c.get("neg") for c in group)
                for c in group:
                    if ip_gate and c.get("type") == "path" and c.get("op") == "pre" and not c.get("neg"):
                        covered.add(str(c.get("value")))
        missing = [p for p in admin_paths if p not in covered]
        if missing:
            report(f"Project '{name}' does not restrict admin paths {missing} to the allowlisted ranges.",
                   project.urn)


def _api_rate_limited(args: StackValidationArgs, report: Report) -> None:
    max_per_minute = MAX_PER_MINUTE.of(args)
    project_roles = roles(args)
    firewalls = _project_links(args, FIREWALL)
    for project in of_type(args, PROJECT):
        if project_roles.get(project.urn) != "api":
            continue
        limits = [dig(rule, "action.rateLimit") for fw in firewalls.get(project.urn, []) for rule in _rules(fw.props)
                  if dig(rule, "action.action") == "rate_limit"]
        if not limits:
            report(f"API project '{prop(project, 'name')}' has no rate-limit rule.", project.urn)
        for limit in limits:
            per_minute = float(limit.get("limit", 0)) * 60 / max(float(limit.get("window", 1)), 1)
            if per_minute > max_per_minute:
                report(f"API rate limit allows {per_minute:.0f} requests/min per client; the maximum is "
                       f"{max_per_minute:.0f}.", project.urn)


def _api_bots_logged(args: StackValidationArgs, report: Report) -> None:
    project_roles = roles(args)
    for firewall in of_type(args, FIREWALL):
        if project_role(project_roles, firewall) != "api":
            continue
        action = dig(plain(prop(firewall, "managedRulesets", {})), "botProtection.action")
        if action in ("deny", "challenge"):
            report(f"Bot protection on the API is '{action}': gateway webhooks and merchant servers are bots by "
                   f"design and would be blocked. Use 'log'.", firewall.urn)


def _phonepe_allowlisted(args: StackValidationArgs, report: Report) -> None:
    path = CALLBACK_PATH.of(args)
    firewalls = _project_links(args, FIREWALL)
    project_roles = roles(args)
    for project in of_type(args, PROJECT):
        if project_roles.get(project.urn) != "api":
            continue
        gated = False
        for firewall in firewalls.get(project.urn, []):
            for rule in _rules(firewall.props):
                if dig(rule, "action.action") != "deny":
                    continue
                for group in _conditions(rule):
                    on_path = any(c.get("type") == "path" and not c.get("neg") and str(c.get("value")) == path
                                  for c in group)
                    by_ip = any(c.get("type") == "ip_address" and c.get("neg") and as_list(c.get("values"))
                                for c in group)
                    gated = gated or (on_path and by_ip)
        if not gated:
            report(f"PhonePe callbacks to {path} are accepted from any address; PhonePe's hash is a static shared "
                   f"secret, so only its published source ranges may call.", project.urn)


def _logs_shipped(args: StackValidationArgs, report: Report) -> None:
    required_sources = set(REQUIRED_SOURCES.of(args))
    covered: set[str] = set()
    everything = False
    for drain in of_type(args, LOG_DRAIN):
        name = prop(drain, "name", drain.name)
        ok, endpoint = known(drain.props, "endpoint")
        if ok and not str(endpoint or "").startswith("https://"):  # a new ingest URL is unknown in a preview
            report(f"Log drain '{name}' does not ship over HTTPS.", drain.urn)
        ingests = [d for d in drain.property_dependencies.get("endpoint", []) if d.resource_type == FUNCTION_URL]
        urls = [known(d.props, "functionUrl") for d in ingests]
        if not ingests or (ok and all(seen and not str(endpoint).startswith(str(url).rstrip("/"))
                                      for seen, url in urls)):
            report(f"Log drain '{name}' ships to an endpoint that is not the stack's log store (its ingest URL): "
                   f"logs could leave India or go nowhere.", drain.urn)
        rate_known, rate = known(drain.props, "samplingRate")
        if rate_known and rate is not None and float(rate) < 1:
            report(f"Log drain '{name}' samples {float(rate):.0%} of the logs; every line must be kept.", drain.urn)
        if "production" not in as_list(prop(drain, "environments", [])):
            report(f"Log drain '{name}' does not ship production logs.", drain.urn)
        missing = sorted(required_sources - set(as_list(prop(drain, "sources", []))))
        if missing:
            report(f"Log drain '{name}' leaves out sources {missing}.", drain.urn)
        secret_known, secret = known(drain.props, "secret")
        if secret_known and not secret:  # a generated secret is unknown until created: that is not "missing"
            report(f"Log drain '{name}' is not signed; the store cannot tell real lines from forged ones.", drain.urn)
        projects = drain.property_dependencies.get("projectIds")
        if projects is None and not as_list(prop(drain, "projectIds", [])):
            everything = True
        covered |= {p.urn for p in projects or []}
    for project in of_type(args, PROJECT):
        if not everything and project.urn not in covered:
            report(f"Project '{prop(project, 'name', project.name)}' ships its logs nowhere.", project.urn)


def _cors_exact(args: StackValidationArgs, report: Report) -> None:
    origins: set[str] = set()
    project_roles = roles(args)
    for domain in of_type(args, DOMAIN):
        if project_role(project_roles, domain) == "site" and not prop(domain, "redirect"):
            origins.add(f"https://{prop(domain, 'domain')}")
    for variable in of_type(args, ENV_VAR):
        if prop(variable, "key") != "CORS_ALLOWED_ORIGINS":
            continue
        value = prop(variable, "value")
        if value is None or is_redacted(value):
            continue
        allowed = {o.strip().rstrip("/") for o in str(value).split(",") if o.strip()}
        if "*" in allowed or "null" in allowed:
            report("CORS allows any origin ('*' or 'null').", variable.urn)
        elif allowed != origins:
            report(f"CORS allows {sorted(allowed)}; it must be exactly the site and checkout origins "
                   f"{sorted(origins)}.", variable.urn)


_FIREWALL = Guard("each project's firewall", refused_by="vercel-projects-guarded")

_PCI_641 = pci("6.4.2", "An automated technical solution detects and prevents web-based attacks in front of "
                        "public-facing web applications.")

POLICIES = [
    resource_policy(
        "vercel-firewall-enabled", "The Vercel firewall of every project must stay enabled.",
        judges=[FIREWALL], guard=_FIREWALL, validate=_firewall_enabled, severity=Severity.HIGH, framework=_PCI_641,
        remediation="Keep enabled=True on vercel.FirewallConfig; use rule-level 'active' to pause one rule.",
        tags=["vercel", "firewall"]),
    resource_policy(
        "vercel-allowlists-narrow", "Firewall IP allowlists must name specific networks, never the internet.",
        judges=[FIREWALL], guard=_FIREWALL, validate=_allowlists_narrow, severity=Severity.HIGH,
        framework=pci("1.3.1", "Inbound traffic is restricted to only that which is necessary."),
        config=[MIN_PREFIX_V4, MIN_PREFIX_V6],
        remediation="List the office/VPN egress ranges in lightspeedpay:firewall.adminAllowedCidrs (and "
                    "PhonePe's published ranges in gateways.phonepe.allowedSourceCidrs).",
        tags=["vercel", "firewall", "admin"]),
    resource_policy(
        "vercel-rate-limit-spares-webhooks",
        "Rate limits must never apply to the payment gateways' webhook paths.",
        judges=[FIREWALL], guard=_FIREWALL, validate=_rate_limit_spares_webhooks, severity=Severity.HIGH,
        config=[SPARED_PATHS],
        remediation="List every webhook path in lightspeedpay:firewall.webhookPaths; the rate-limit rule "
                    "excludes each one (components/firewall.py).",
        tags=["vercel", "firewall", "gateways"]),
    resource_policy(
        "vercel-owasp-rules", "OWASP core managed rules must be active and blocking on every project.",
        judges=[FIREWALL], guard=_FIREWALL, validate=_owasp, severity=Severity.MEDIUM, framework=_PCI_641,
        config=[REQUIRED_RULES],
        remediation="Set lightspeedpay:firewall.owaspRules to true (needs a Vercel plan with managed rulesets).",
        tags=["vercel", "firewall"]),
    resource_policy(
        "vercel-attack-mode-bounded", "Attack challenge mode, when on, must have a near, fixed end time.",
        judges=[ATTACK_MODE],
        guard=Guard("each project's attack challenge switch", refused_by="vercel-projects-guarded"),
        validate=_attack_mode_bounded, severity=Severity.LOW,
        config=[MAX_HOURS],
        remediation="Set lightspeedpay:firewall.attackChallengeUntilMs to the incident's planned end (Unix ms); "
                    "turn attackChallengeMode off after the incident.",
        tags=["vercel", "incident"]),
    resource_policy(
        "vercel-domain-redirects-permanent", "Domain redirects must be permanent (301 or 308).",
        judges=[DOMAIN],
        guard=Guard("each redirecting domain", harmless="without the redirect domain the name is not served; "
                    "dangling-dns-records refuses a record left pointing at Vercel"),
        validate=_redirects_permanent, severity=Severity.LOW,
        remediation="Set redirect_status_code=308 on the vercel.ProjectDomain.", tags=["vercel", "domains"]),
    resource_policy(
        "vercel-function-limits-explicit",
        "Every project must set its function timeout and CPU explicitly and keep skew protection on.",
        judges=[PROJECT], guard=Guard("every Vercel project", refused_by="runtime-environment"),
        validate=_function_limits, severity=Severity.MEDIUM,
        config=[MAX_TIMEOUT],
        remediation="Set lightspeedpay:vercel.functions.timeoutSeconds/cpuType and vercel.skewProtection.",
        tags=["vercel", "functions"]),
    stack_policy(
        "vercel-projects-guarded",
        "Every Vercel project must have a firewall that gates admin paths by IP and an attack challenge switch.",
        validate=_every_project_guarded, severity=Severity.HIGH,
        framework=pci("8.4.1", "Administrative access into the cardholder data environment is restricted."),
        config=[GATED_ADMIN_PATHS],
        remediation="Build projects with components.web_app.VercelWebApp, which declares both; list admin paths "
                    "in lightspeedpay:firewall.adminPaths.",
        tags=["vercel", "firewall", "admin"]),
    stack_policy(
        "vercel-api-rate-limited", "The payments API must rate-limit each client.",
        validate=_api_rate_limited, severity=Severity.HIGH, framework=_PCI_641,
        config=[MAX_PER_MINUTE],
        remediation="Set lightspeedpay:firewall.apiRateLimit (window and requests per window).",
        tags=["vercel", "firewall", "api"]),
    stack_policy(
        "vercel-api-bots-logged", "Bot protection on the payments API must log, not challenge or deny.",
        validate=_api_bots_logged, severity=Severity.HIGH,
        remediation="Build machine-facing projects with components.firewall.managed_rulesets(machine_clients=True).",
        tags=["vercel", "firewall", "gateways"]),
    stack_policy(
        "phonepe-callback-allowlisted",
        "PhonePe callbacks to the payments API must be accepted only from PhonePe's published source ranges.",
        validate=_phonepe_allowlisted, severity=Severity.HIGH,
        framework=pci("1.3.1", "Inbound traffic is restricted to only that which is necessary."),
        config=[CALLBACK_PATH],
        remediation="Keep lightspeedpay:gateways.phonepe.allowedSourceCidrs; components/firewall.py denies the "
                    "callback path to every other address.",
        tags=["vercel", "firewall", "gateways"]),
    stack_policy(
        "vercel-logs-shipped",
        "Every Vercel project must ship signed production logs over HTTPS to the log store.",
        validate=_logs_shipped, severity=Severity.HIGH,
        framework=cert_in("Enable logs of all ICT systems and maintain them securely for a rolling 180 days "
                          "within Indian jurisdiction."),
        config=[REQUIRED_SOURCES],
        remediation="Declare components.log_drain.VercelLogDrain with every project id of the stack.",
        tags=["vercel", "logging"]),
    stack_policy(
        "vercel-cors-exact-origins", "The API's CORS origins must be exactly the site and checkout origins.",
        validate=_cors_exact, severity=Severity.HIGH,
        framework=pci("6.2.4", "Software engineering techniques prevent common attacks, including "
                               "cross-origin abuse."),
        remediation="Set lightspeedpay:api.corsAllowedOrigins to the https origins of domains.site and "
                    "domains.checkout; never '*'.",
        tags=["vercel", "api", "cors"]),
]
