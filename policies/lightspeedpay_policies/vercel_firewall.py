"""Vercel Firewall, attack challenge mode, CORS and request logging for every project."""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from .graph import linked, of_type, prop
from .meta import Report, cert_in, pci, resource_policy, stack_policy
from .props import as_list, dig, is_redacted, known, plain
from .vercel import ENV_VAR, PROJECT

FIREWALL = "vercel:index/firewallConfig:FirewallConfig"
ATTACK_MODE = "vercel:index/attackChallengeMode:AttackChallengeMode"
LOG_DRAIN = "vercel:index/logDrain:LogDrain"
DOMAIN = "vercel:index/projectDomain:ProjectDomain"
WEBHOOK_PATHS = ["/webhooks/razorpay", "/webhooks/phonepe"]
_API_PATTERN = {"apiProjectPattern": {"type": "string", "default": "-api$"}}


def _rules(firewall: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [r for r in plain(as_list(dig(firewall, "rules.rules"))) if r.get("active", True)]


def _conditions(rule: Mapping[str, Any]) -> list[list[dict[str, Any]]]:
    return [as_list(group.get("conditions")) for group in as_list(rule.get("conditionGroups"))]


def _is_api(project: PolicyResource | None, pattern: str) -> bool:
    return project is not None and bool(re.search(pattern, str(prop(project, "name", ""))))


# --- resource policies -------------------------------------------------------------------------

def _firewall_enabled(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type == FIREWALL and args.props.get("enabled") is False:
        report("The project's firewall is disabled; every custom and managed rule is off.")


def _allowlists_narrow(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != FIREWALL:
        return
    config = args.get_config()
    min_v4, min_v6 = int(config.get("minPrefixV4", 16)), int(config.get("minPrefixV6", 32))
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
    if args.resource_type != FIREWALL:
        return
    paths = list(args.get_config().get("webhookPaths", WEBHOOK_PATHS))
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
    if args.resource_type != FIREWALL:
        return
    required = list(args.get_config().get("requiredRules", ["sqli", "xss", "rce", "lfi", "rfi", "gen"]))
    owasp = plain(dig(args.props, "managedRulesets.owasp")) or {}
    off = [name for name in required
           if not (isinstance(owasp.get(name), dict) and owasp[name].get("active")
                   and owasp[name].get("action") in ("deny", "challenge"))]
    if off:
        report(f"OWASP managed rules {off} are not active with a blocking action.")


def _attack_mode_bounded(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != ATTACK_MODE or not args.props.get("enabled"):
        return
    until_ms = float(args.props.get("attackModeActiveUntil") or 0)
    max_hours = float(args.get_config().get("maxHours", 72))
    now_ms = time.time() * 1000
    if until_ms <= now_ms:
        report("Attack challenge mode is on with an end time in the past; Vercel will switch it off and every "
               "update will show drift. Set lightspeedpay:firewall.attackChallengeUntilMs to the planned end.")
    elif until_ms > now_ms + max_hours * 3_600_000:
        report(f"Attack challenge mode would challenge every visitor for more than {max_hours:.0f} hours.")


def _redirects_permanent(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type == DOMAIN and args.props.get("redirect"):
        status = args.props.get("redirectStatusCode")
        if status not in (301.0, 308.0, 301, 308):
            report(f"{args.props.get('domain')} redirects with status {status}; use 308 (permanent, keeps the method).")


def _function_limits(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != PROJECT:
        return
    max_timeout = float(args.get_config().get("maxTimeoutSeconds", 60))
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
    admin_paths = list(args.get_config().get("adminPaths", ["/admin"]))
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
    config = args.get_config()
    pattern, max_per_minute = str(config.get("apiProjectPattern", "-api$")), float(config.get("maxPerMinute", 1200))
    firewalls = _project_links(args, FIREWALL)
    for project in of_type(args, PROJECT):
        if not _is_api(project, pattern):
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
    pattern = str(args.get_config().get("apiProjectPattern", "-api$"))
    for firewall in of_type(args, FIREWALL):
        if not _is_api(linked(firewall, "projectId", PROJECT), pattern):
            continue
        action = dig(plain(prop(firewall, "managedRulesets", {})), "botProtection.action")
        if action in ("deny", "challenge"):
            report(f"Bot protection on the API is '{action}': gateway webhooks and merchant servers are bots by "
                   f"design and would be blocked. Use 'log'.", firewall.urn)


def _phonepe_allowlisted(args: StackValidationArgs, report: Report) -> None:
    config = args.get_config()
    pattern, path = str(config.get("apiProjectPattern", "-api$")), str(config.get("callbackPath", "/webhooks/phonepe"))
    firewalls = _project_links(args, FIREWALL)
    for project in of_type(args, PROJECT):
        if not _is_api(project, pattern):
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
    required_sources = set(args.get_config().get("requiredSources", ["lambda", "edge", "firewall"]))
    covered: set[str] = set()
    everything = False
    for drain in of_type(args, LOG_DRAIN):
        name = prop(drain, "name", drain.name)
        endpoint = str(prop(drain, "endpoint", ""))
        if not endpoint.startswith("https://"):
            report(f"Log drain '{name}' does not ship over HTTPS.", drain.urn)
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
    pattern = str(args.get_config().get("apiProjectPattern", "-api$"))
    origins: set[str] = set()
    for domain in of_type(args, DOMAIN):
        project = linked(domain, "projectId", PROJECT)
        if project is not None and not _is_api(project, pattern) and not prop(domain, "redirect"):
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


_PCI_641 = pci("6.4.2", "An automated technical solution detects and prevents web-based attacks in front of "
                        "public-facing web applications.")

POLICIES = [
    resource_policy(
        "vercel-firewall-enabled", "The Vercel firewall of every project must stay enabled.",
        validate=_firewall_enabled, severity=Severity.HIGH, framework=_PCI_641,
        remediation="Keep enabled=True on vercel.FirewallConfig; use rule-level 'active' to pause one rule.",
        tags=["vercel", "firewall"]),
    resource_policy(
        "vercel-allowlists-narrow", "Firewall IP allowlists must name specific networks, never the internet.",
        validate=_allowlists_narrow, severity=Severity.HIGH,
        framework=pci("1.3.1", "Inbound traffic is restricted to only that which is necessary."),
        config={"minPrefixV4": {"type": "integer", "minimum": 0, "maximum": 32, "default": 16},
                "minPrefixV6": {"type": "integer", "minimum": 0, "maximum": 128, "default": 32}},
        remediation="List the office/VPN egress ranges in lightspeedpay:firewall.adminAllowedCidrs (and "
                    "PhonePe's published ranges in gateways.phonepe.allowedSourceCidrs).",
        tags=["vercel", "firewall", "admin"]),
    resource_policy(
        "vercel-rate-limit-spares-webhooks",
        "Rate limits must never apply to the payment gateways' webhook paths.",
        validate=_rate_limit_spares_webhooks, severity=Severity.HIGH,
        config={"webhookPaths": {"type": "array", "items": {"type": "string"}, "default": WEBHOOK_PATHS}},
        remediation="List every webhook path in lightspeedpay:firewall.webhookPaths; the rate-limit rule "
                    "excludes each one (components/firewall.py).",
        tags=["vercel", "firewall", "gateways"]),
    resource_policy(
        "vercel-owasp-rules", "OWASP core managed rules must be active and blocking on every project.",
        validate=_owasp, severity=Severity.MEDIUM, framework=_PCI_641,
        config={"requiredRules": {"type": "array", "items": {"type": "string"},
                                  "default": ["sqli", "xss", "rce", "lfi", "rfi", "gen"]}},
        remediation="Set lightspeedpay:firewall.owaspRules to true (needs a Vercel plan with managed rulesets).",
        tags=["vercel", "firewall"]),
    resource_policy(
        "vercel-attack-mode-bounded", "Attack challenge mode, when on, must have a near, fixed end time.",
        validate=_attack_mode_bounded, severity=Severity.LOW,
        config={"maxHours": {"type": "number", "minimum": 1, "default": 72}},
        remediation="Set lightspeedpay:firewall.attackChallengeUntilMs to the incident's planned end (Unix ms); "
                    "turn attackChallengeMode off after the incident.",
        tags=["vercel", "incident"]),
    resource_policy(
        "vercel-domain-redirects-permanent", "Domain redirects must be permanent (301 or 308).",
        validate=_redirects_permanent, severity=Severity.LOW,
        remediation="Set redirect_status_code=308 on the vercel.ProjectDomain.", tags=["vercel", "domains"]),
    resource_policy(
        "vercel-function-limits-explicit",
        "Every project must set its function timeout and CPU explicitly and keep skew protection on.",
        validate=_function_limits, severity=Severity.MEDIUM,
        config={"maxTimeoutSeconds": {"type": "number", "minimum": 1, "maximum": 900, "default": 60}},
        remediation="Set lightspeedpay:vercel.functions.timeoutSeconds/cpuType and vercel.skewProtection.",
        tags=["vercel", "functions"]),
    stack_policy(
        "vercel-projects-guarded",
        "Every Vercel project must have a firewall that gates admin paths by IP and an attack challenge switch.",
        validate=_every_project_guarded, severity=Severity.HIGH,
        framework=pci("8.4.1", "Administrative access into the cardholder data environment is restricted."),
        config={"adminPaths": {"type": "array", "items": {"type": "string"}, "default": ["/admin"]}},
        remediation="Build projects with components.web_app.VercelWebApp, which declares both; list admin paths "
                    "in lightspeedpay:firewall.adminPaths.",
        tags=["vercel", "firewall", "admin"]),
    stack_policy(
        "vercel-api-rate-limited", "The payments API must rate-limit each client.",
        validate=_api_rate_limited, severity=Severity.HIGH, framework=_PCI_641,
        config={**_API_PATTERN, "maxPerMinute": {"type": "number", "minimum": 1, "default": 1200}},
        remediation="Set lightspeedpay:firewall.apiRateLimit (window and requests per window).",
        tags=["vercel", "firewall", "api"]),
    stack_policy(
        "vercel-api-bots-logged", "Bot protection on the payments API must log, not challenge or deny.",
        validate=_api_bots_logged, severity=Severity.HIGH, config=_API_PATTERN,
        remediation="Build machine-facing projects with components.firewall.managed_rulesets(machine_clients=True).",
        tags=["vercel", "firewall", "gateways"]),
    stack_policy(
        "phonepe-callback-allowlisted",
        "PhonePe callbacks to the payments API must be accepted only from PhonePe's published source ranges.",
        validate=_phonepe_allowlisted, severity=Severity.HIGH,
        framework=pci("1.3.1", "Inbound traffic is restricted to only that which is necessary."),
        config={**_API_PATTERN, "callbackPath": {"type": "string", "default": "/webhooks/phonepe"}},
        remediation="Keep lightspeedpay:gateways.phonepe.allowedSourceCidrs; components/firewall.py denies the "
                    "callback path to every other address.",
        tags=["vercel", "firewall", "gateways"]),
    stack_policy(
        "vercel-logs-shipped",
        "Every Vercel project must ship signed production logs over HTTPS to the log store.",
        validate=_logs_shipped, severity=Severity.HIGH,
        framework=cert_in("Enable logs of all ICT systems and maintain them securely for a rolling 180 days "
                          "within Indian jurisdiction."),
        config={"requiredSources": {"type": "array", "items": {"type": "string"},
                                    "default": ["lambda", "edge", "firewall"]}},
        remediation="Declare components.log_drain.VercelLogDrain with every project id of the stack.",
        tags=["vercel", "logging"]),
    stack_policy(
        "vercel-cors-exact-origins", "The API's CORS origins must be exactly the site and checkout origins.",
        validate=_cors_exact, severity=Severity.HIGH, config=_API_PATTERN,
        framework=pci("6.2.4", "Software engineering techniques prevent common attacks, including "
                               "cross-origin abuse."),
        remediation="Set lightspeedpay:api.corsAllowedOrigins to the https origins of domains.site and "
                    "domains.checkout; never '*'.",
        tags=["vercel", "api", "cors"]),
]
