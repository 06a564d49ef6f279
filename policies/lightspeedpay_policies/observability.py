"""Observe and answer (issue 13 items 3 and 6): heartbeats the background services ping, an SSL monitor per
public hostname, the public status page with its components, planned maintenance shown only on declared
components, and what the Checkly plan must include for all of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from lightspeedpay_vocabulary.facts import (
    BrowserChecksFacts,
    JobsFacts,
    MonitoringFacts,
    RepositoryFacts,
    StackFacts,
    StatusPageFacts,
)
from lightspeedpay_vocabulary.thresholds import (
    BROWSER_FLOWS,
    HEARTBEAT_MAX_SILENCE_MINUTES,
    LIVE_PAYMENT_MODE,
    SSL_MIN_ALERT_DAYS,
    STATUS_COMPONENTS,
    UPTIME_REQUIRED_LOCATION,
)

from .github import ENVIRONMENT, repository_of
from .graph import linked, of_type, prop, published, sources
from .meta import Guard, Report, flag, integer, pci, resource_policy, stack_policy, strings, text
from .props import as_list, dig, fields, plain_known, whole
from .vercel_firewall import DOMAIN

HEARTBEAT = "checkly:index/heartbeatMonitor:HeartbeatMonitor"
SSL_MONITOR = "checkly:index/sslMonitor:SslMonitor"
STATUS_PAGE = "checkly:index/statusPage:StatusPage"
STATUS_SERVICE = "checkly:index/statusPageService:StatusPageService"
WINDOW = "checkly:index/maintenanceWindow:MaintenanceWindow"
CHECK = "checkly:index/check:Check"
VARIABLES = "pulumi-python:dynamic/railway:Variables"
GROUP = "checkly:index/checkGroupV2:CheckGroupV2"
TRIGGER = "checkly:index/triggerCheckGroup:TriggerCheckGroup"
RELEASE_SECRET = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"
RELEASE_TRIGGERED = flag("releaseSecretDelivered", True)
MAX_SILENCE = integer("maxSilenceMinutes", HEARTBEAT_MAX_SILENCE_MINUTES, minimum=1)
MIN_ALERT_DAYS = integer("minAlertDays", SSL_MIN_ALERT_DAYS, minimum=1, maximum=365)
SSL_MAX_FREQUENCY = integer("maxFrequencyMinutes", 60, minimum=1)
BROWSER_MAX_FREQUENCY = integer("maxFrequencyMinutes", 30, minimum=1)
REQUIRED_LOCATION = text("requiredLocation", UPTIME_REQUIRED_LOCATION)
PAYMENT_MODES = strings("allowedPaymentModes", (LIVE_PAYMENT_MODE,), min_items=1,
                        enum=("create-order-only", "test-end-to-end"))
_UNIT_MINUTES = {"seconds": 1 / 60, "minutes": 1, "hours": 60, "days": 1440}
_MONITORED = pci("10.7.2", "Failures of critical security control systems are detected, alerted and addressed "
                           "promptly.")
_HEARTBEATS = Guard("a heartbeat monitor", refused_by="background-services-heartbeat")
_CERTIFICATES = Guard("an SSL monitor", refused_by="ssl-monitors-cover-hostnames")


def _alerting(props: Mapping[str, Any], report: Report, what: str, urn: str | None = None) -> None:
    """Active, not muted, every alert route on, alerting on the first failed run."""
    if not props.get("activated"):
        report(f"The {what} is deactivated.", urn)
    if props.get("muted"):
        report(f"The {what}'s alerts are muted.", urn)
    routes = [s for s in as_list(props.get("alertChannelSubscriptions")) if isinstance(s, dict)]
    if not routes:
        report(f"Nobody is alerted by the {what} (no alert channel).", urn)
    elif not all(route.get("activated") for route in routes):
        report(f"One of the {what}'s alert channels is switched off: that route is silent.", urn)
    thresholds = [whole(e.get("failedRunThreshold") or 1) for e in
                  as_list(dig(props.get("alertSettings") or {}, "runBasedEscalations")) if isinstance(e, dict)]
    if max(thresholds, default=1) > 1:
        report(f"The {what} alerts only after {max(thresholds)} failed runs in a row; the first must alert.", urn)


def _scheduled(props: Mapping[str, Any], report: Report, what: str, most: float, location: str,
               urn: str | None = None) -> None:
    frequency = whole(props.get("frequency"))
    if not isinstance(frequency, int | float) or frequency > most:
        report(f"The {what} runs every {frequency} minutes; at most {most:.0f} are allowed.", urn)
    if location not in as_list(props.get("locations")):
        report(f"The {what} does not run from {location}, where customers are.", urn)


def _heartbeat_alerting(args: ResourceValidationArgs, report: Report) -> None:
    props = fields(args.props, "activated", "muted", "alertChannelSubscriptions", "alertSettings", "heartbeat")
    _alerting(props, report, "heartbeat")
    beat = props.get("heartbeat") or {}
    limit = MAX_SILENCE.of(args)
    try:
        silence = (float(dig(beat, "period")) * _UNIT_MINUTES[str(dig(beat, "periodUnit"))]
                   + float(dig(beat, "grace")) * _UNIT_MINUTES[str(dig(beat, "graceUnit"))])
    except (TypeError, ValueError, KeyError):
        report("The heartbeat has no readable period and grace.")
        return
    if silence > limit:
        report(f"A stalled service would be silent {silence:.0f} minutes before anyone is paged; at most {limit} are "
               f"allowed (period plus grace).")


def _services_heartbeat(args: StackValidationArgs, report: Report) -> None:
    for _component, jobs in published(args, JobsFacts, report):
        for role, service in (("worker", jobs.worker_service), ("autoscaler", jobs.autoscaler_service)):
            # The role's own monitor (tagged service:<role>): a ping URL of another service's monitor is no alarm.
            tokens = {urn for monitor in of_type(args, HEARTBEAT) if f"service:{role}" in as_list(prop(monitor, "tags"))
                      for urn in sources(monitor, "heartbeat")}
            variables = [v for v in of_type(args, VARIABLES) if service in sources(v, "serviceId")]
            plain = [v for v in variables if "HEARTBEAT_URL" in (plain_known(prop(v, "variables", {})) or {})]
            for unsealed in plain:
                report(f"The {role}'s HEARTBEAT_URL is a plain variable: anyone who can read the service's settings "
                       f"could silence its alarm. It must be sealed.", unsealed.urn)
            delivered = [v for v in variables if sources(v, "sealedVariables") & tokens]
            if not delivered:
                report(f"The {role} gets no heartbeat ping URL from a heartbeat monitor of the stack (sealed "
                       f"HEARTBEAT_URL): if it stalls, nobody is paged.", variables[0].urn if variables else None)
                continue
            sealed = prop(delivered[0], "sealedVariables")
            if isinstance(plain_known(sealed), dict) and "HEARTBEAT_URL" not in plain_known(sealed):
                report(f"The {role}'s ping URL is not in its sealed HEARTBEAT_URL, the variable it reads.",
                       delivered[0].urn)


def _ssl_expiry(args: ResourceValidationArgs, report: Report) -> None:
    props = fields(args.props, "activated", "muted", "alertChannelSubscriptions", "alertSettings", "request",
                   "frequency", "locations")
    _alerting(props, report, "SSL monitor")
    _scheduled(props, report, "SSL monitor", SSL_MAX_FREQUENCY.of(args), REQUIRED_LOCATION.of(args))
    days = whole(dig(props.get("request") or {}, "alertDaysBeforeExpiry", 20))  # Checkly's default
    minimum = MIN_ALERT_DAYS.of(args)
    if not isinstance(days, int | float) or days < minimum:
        report(f"The SSL monitor alerts {days} days before the certificate expires; at least {minimum} are needed "
               f"to renew calmly (lightspeedpay:monitoring.sslExpiryAlertDays).")


def _ssl_covered(args: StackValidationArgs, report: Report) -> None:
    watched = {str(dig(plain_known(prop(m, "request", {})) or {}, "hostname", "")) for m in of_type(args, SSL_MONITOR)
               if prop(m, "activated")}
    for domain in of_type(args, DOMAIN):
        name = str(prop(domain, "domain", ""))
        if name and name not in watched:
            report(f"{name} is public but no SSL monitor watches its certificate.", domain.urn)


def _page_services(args: StackValidationArgs) -> dict[str, PolicyResource]:
    """StatusPageService URN → the status page a card of which shows it."""
    shown: dict[str, PolicyResource] = {}
    for page in of_type(args, STATUS_PAGE):
        for urn in sources(page, "cards"):
            shown[urn] = page
    return shown


def _status_page(args: StackValidationArgs, report: Report) -> None:
    found = published(args, StatusPageFacts, report, required="the stack has no status page for its public "
                                                              "components.")
    services = {s.urn for s in of_type(args, STATUS_SERVICE)}
    shown = _page_services(args)
    for _component, page in found:
        for component in STATUS_COMPONENTS:
            urn = page.components.get(component)
            if urn is None or urn not in services:
                report(f"The status page has no service for the {component}: merchants cannot see its state.")
            elif urn not in shown:
                report(f"The {component}'s service is on no card of the status page.", urn)


def _maintenance_declared(args: StackValidationArgs, report: Report) -> None:
    pages_facts = [page for _c, page in published(args, StatusPageFacts, report)]
    declared = {urn for page in pages_facts for urn in page.components.values()}
    pages = {p.urn for p in of_type(args, STATUS_PAGE)}
    for page in pages_facts:
        for name, components in page.maintenance_windows.items():
            windows = [w for w in of_type(args, WINDOW) if prop(w, "name") == name]
            if not windows:
                report(f"Maintenance '{name}' is declared in the stack file but not on the status page: merchants "
                       f"are not told.")
                continue
            wanted = {page.components.get(c) for c in components}
            shown = [{urn for urn in sources(w, "statusPageVisibility") if urn in declared} for w in windows]
            if wanted not in shown:
                report(f"Maintenance '{name}' is shown on other components than the stack file declares "
                       f"({', '.join(sorted(components))}).", windows[0].urn)
    for window in of_type(args, WINDOW):
        visibility = plain_known(prop(window, "statusPageVisibility", {})) or {}
        name = prop(window, "name", window.name)
        if not visibility.get("enabled"):
            report(f"Maintenance '{name}' is not shown on the status page: merchants are not told.", window.urn)
            continue
        if visibility.get("affectAllServices"):
            report(f"Maintenance '{name}' marks every service as affected; name the declared components it affects.",
                   window.urn)
        services = sources(window, "statusPageVisibility")
        named = {urn for urn in services if urn.split("::")[-2].endswith("StatusPageService")}
        if not named:
            report(f"Maintenance '{name}' names no component of the status page.", window.urn)
        for urn in sorted(named - declared):
            report(f"Maintenance '{name}' is shown on {urn.rsplit('::', 1)[-1]}, which is not one of the status page's "
                   f"declared components.", window.urn)
        if not services & pages:
            report(f"Maintenance '{name}' is linked to no status page of the stack.", window.urn)
        if not (visibility.get("notifyOnStart") or as_list(visibility.get("reminderMinutesBefores"))):
            report(f"Maintenance '{name}' notifies no subscriber (no start notice, no reminder).", window.urn)


def _entitled(args: StackValidationArgs, report: Report) -> None:
    found = published(args, MonitoringFacts, report)
    if not found:
        return
    entitlements = set(found[0][1].entitlements)
    uses = {
        "heartbeats": ("heartbeat monitors", of_type(args, HEARTBEAT)),
        "statusPages": ("a status page", of_type(args, STATUS_PAGE)),
        "statusPageMaintenance": ("maintenance shown on the status page",
                                  [w for w in of_type(args, WINDOW)
                                   if (plain_known(prop(w, "statusPageVisibility", {})) or {}).get("enabled")]),
        "browserChecks": ("browser checks", [c for c in of_type(args, CHECK) if prop(c, "type") == "BROWSER"]),
    }
    for entitlement, (what, used) in uses.items():
        if used and entitlement not in entitlements:
            report(f"The stack declares {what}, which the Checkly plan does not include "
                   f"(lightspeedpay:monitoring.checklyEntitlements lacks '{entitlement}'): Checkly will refuse or "
                   f"ignore them.", used[0].urn)


def _browser_flows(args: StackValidationArgs, report: Report) -> None:
    browser = [c for c in of_type(args, CHECK) if prop(c, "type") == "BROWSER"]
    scripts: dict[str, str] = {}
    for _c, published_scripts in published(args, BrowserChecksFacts, report):
        scripts.update(published_scripts.scripts)
    most, location = BROWSER_MAX_FREQUENCY.of(args), REQUIRED_LOCATION.of(args)
    for flow in BROWSER_FLOWS:
        checks = [c for c in browser if f"flow:{flow}" in as_list(prop(c, "tags", []))]
        if not [c for c in checks if prop(c, "activated")]:
            report(f"No active browser check exercises the {flow} flow: a release could break it unnoticed.")
        for check in checks:
            props = {key: plain_known(prop(check, key)) for key in (
                "activated", "muted", "alertChannelSubscriptions", "alertSettings", "frequency", "locations")}
            _alerting(props, report, f"{flow} browser check", check.urn)
            _scheduled(props, report, f"{flow} browser check", most, location, check.urn)
            committed = scripts.get(flow)
            digest = hashlib.sha256(str(prop(check, "script", "")).encode()).hexdigest()
            if committed is not None and digest != committed:
                report(f"The {flow} browser check does not run the committed checks/browser/{flow}.spec.js.", check.urn)
    groups = {urn for check in browser for urn in sources(check, "groupId")}
    triggers = [t for t in of_type(args, TRIGGER) if sources(t, "groupId") & groups]
    if browser and not triggers:
        report("No trigger runs the browser checks: a release cannot verify the flows it changed.")
    elif browser and RELEASE_TRIGGERED.of(args):
        environment = next((f.environment for _c, f in published(args, StackFacts, report)), "")
        application = next((f.application for _c, f in published(args, RepositoryFacts, report)), "")
        delivered = [secret for secret in of_type(args, RELEASE_SECRET)
                     if sources(secret, "value") & {t.urn for t in triggers}]

        def reaches(secret: PolicyResource) -> bool:
            target = linked(secret, "environment", ENVIRONMENT)
            return (repository_of(secret, "repository") == application and prop(secret, "environment") == environment
                    and (target is None or repository_of(target, "repository") == application))

        if not [secret for secret in delivered if reaches(secret)]:
            report(f"The browser checks' trigger URL reaches no secret of the application repository's "
                   f"'{environment}' environment: the release workflow cannot run them.")


def _origin(url: object) -> tuple[str, str]:
    parts = urlsplit(str(url or ""))
    return parts.scheme, parts.hostname or ""


def _browser_group(args: ResourceValidationArgs, report: Report) -> None:
    props = fields(args.props, "activated", "environmentVariables")
    if not props.get("activated"):
        report("The release-verification group is deactivated: none of its browser checks run.")
    variables = {str(v.get("key")): v for v in as_list(props.get("environmentVariables")) if isinstance(v, dict)}
    mode = dig(variables.get("PAYMENT_MODE") or {}, "value")
    allowed = PAYMENT_MODES.of(args)
    if mode not in allowed:
        report(f"The payment-path check runs '{mode}'; this stack allows {list(allowed)} (a live capture moves real "
               f"money: production runs {LIVE_PAYMENT_MODE}).")
    if not (variables.get("SYNTHETIC_MERCHANT_KEY") or {}).get("secret"):
        report("The synthetic merchant's key is not a secret Checkly variable: anyone in the account can read it.")
    site = _origin(dig(variables.get("SITE_URL") or {}, "value"))[1]
    hosts = {key: _origin(dig(variables.get(key) or {}, "value")) for key in ("SITE_URL", "CHECKOUT_URL", "ORDER_URL")}
    hosts |= {f"ADMIN_URLS[{i}]": _origin(url) for i, url in
              enumerate(str(dig(variables.get("ADMIN_URLS") or {}, "value", "")).split(","))}
    for key, (scheme, host) in hosts.items():
        if scheme != "https" or not site or not (host == site or host.endswith("." + site)):
            report(f"{key} is {scheme}://{host}, not https on the site's own domain ({site}): the checks would "
                   f"verify something else.")


POLICIES = [
    resource_policy(
        "heartbeat-alerting",
        "Every heartbeat must be active, alert someone, and page within the allowed silence.",
        judges=[HEARTBEAT], guard=_HEARTBEATS, validate=_heartbeat_alerting, severity=Severity.HIGH,
        framework=_MONITORED, config=[MAX_SILENCE],
        remediation="Set lightspeedpay:monitoring.heartbeats (period and grace); components/heartbeats.py subscribes "
                    "every heartbeat to the stack's alert channels.",
        tags=["monitoring", "heartbeat"]),
    stack_policy(
        "background-services-heartbeat",
        "The workers and the autoscaler must each ping a heartbeat of the stack, its URL sealed in their variables.",
        validate=_services_heartbeat, severity=Severity.HIGH, framework=_MONITORED,
        remediation="Keep components/heartbeats.py in the stack and pass its ping URLs to BackgroundJobs "
                    "(heartbeat_urls), which seals them as HEARTBEAT_URL.",
        tags=["monitoring", "heartbeat"]),
    resource_policy(
        "ssl-monitor-expiry",
        "Every SSL monitor must be active, alert someone, and warn well before a certificate expires.",
        judges=[SSL_MONITOR], guard=_CERTIFICATES, validate=_ssl_expiry, severity=Severity.MEDIUM,
        framework=pci("4.2.1.1", "An inventory of trusted keys and certificates is maintained; certificates used for "
                                 "transmission of cardholder data are confirmed valid and not expired."),
        config=[MIN_ALERT_DAYS, SSL_MAX_FREQUENCY, REQUIRED_LOCATION],
        remediation="Keep lightspeedpay:monitoring.sslExpiryAlertDays at the threshold or above; "
                    "components/monitoring.py subscribes each monitor to the alert channels.",
        tags=["monitoring", "tls"]),
    stack_policy(
        "ssl-monitors-cover-hostnames",
        "Every public hostname must have an active SSL monitor.",
        validate=_ssl_covered, severity=Severity.MEDIUM,
        framework=pci("4.2.1.1", "Certificates used for transmission of cardholder data are confirmed valid and not "
                                 "expired."),
        remediation="Pass every public hostname to UptimeMonitoring (hostnames) in components/stack.py.",
        tags=["monitoring", "tls"]),
    stack_policy(
        "status-page-components",
        "The public status page must show the site, checkout, API and payments, each on a card.",
        validate=_status_page, severity=Severity.MEDIUM,
        framework=pci("12.10.1", "An incident response plan covers communication and contact strategies."),
        remediation="Keep components/status_page.py in the stack with lightspeedpay:monitoring.statusPage set.",
        tags=["monitoring", "status-page"]),
    stack_policy(
        "maintenance-windows-declared",
        "Planned maintenance must be shown on the status page, only on its declared components, with subscribers "
        "notified.",
        validate=_maintenance_declared, severity=Severity.MEDIUM,
        framework=pci("12.10.1", "An incident response plan covers communication and contact strategies."),
        remediation="Declare maintenance in lightspeedpay:monitoring.maintenanceWindows (components: site, checkout, "
                    "api, payments); components/status_page.py shows it and notifies subscribers.",
        tags=["monitoring", "status-page"]),
    stack_policy(
        "checkly-plan-entitled",
        "What the stack asks of Checkly must be what the account's plan includes.",
        validate=_entitled, severity=Severity.MEDIUM, framework=_MONITORED,
        remediation="Declare the plan's features in lightspeedpay:monitoring.checklyEntitlements, or upgrade the plan "
                    "(heartbeats: Team; status page maintenance: the Communicate add-on).",
        tags=["monitoring", "licensing"]),
    resource_policy(
        "browser-check-group",
        "The release-verification group must run, against the stack's own https hosts, with a payment path safe for "
        "the stack's keys and the merchant key kept secret.",
        judges=[GROUP], guard=Guard("the browser-check group", refused_by="browser-checks-cover-flows"),
        validate=_browser_group, severity=Severity.HIGH, config=[PAYMENT_MODES],
        framework=pci("6.5.1", "Changes to production are made according to established procedures: reviewed, "
                               "approved and tested."),
        remediation="Keep lightspeedpay:monitoring.browserChecks.paymentMode create-order-only where the keys are "
                    "live; components/browser_checks.py builds the group's variables from the stack's domains.",
        tags=["monitoring", "release"]),
    stack_policy(
        "browser-checks-cover-flows",
        "The critical user flows must each have an alerting browser check, running the committed script, that the "
        "release can trigger.",
        validate=_browser_flows, severity=Severity.HIGH, config=[RELEASE_TRIGGERED, BROWSER_MAX_FREQUENCY,
                                                                 REQUIRED_LOCATION],
        framework=pci("6.5.1", "Changes to production are made according to established procedures: reviewed, "
                               "approved and tested."),
        remediation="Keep components/browser_checks.py in the stack (checks/browser/<flow>.spec.js) with "
                    "lightspeedpay:monitoring.browserChecks; production keeps paymentMode create-order-only.",
        tags=["monitoring", "release"]),
]
