"""Uptime monitoring: every public endpoint checked from India, with someone alerted."""

from __future__ import annotations

from urllib.parse import urlsplit

from pulumi_policy import ResourceValidationArgs, Severity, StackValidationArgs

from lightspeedpay_vocabulary.thresholds import UPTIME_MAX_FREQUENCY_MINUTES, UPTIME_REQUIRED_LOCATION

from .graph import of_type, prop
from .meta import Guard, Report, number, resource_policy, stack_policy, text
from .props import as_list, dig, known, plain
from .vercel_firewall import DOMAIN

CHECK = "checkly:index/check:Check"
MAX_FREQUENCY = number("maxFrequencyMinutes", UPTIME_MAX_FREQUENCY_MINUTES, minimum=1)
REQUIRED_LOCATION = text("requiredLocation", UPTIME_REQUIRED_LOCATION)


def _check_alerting(args: ResourceValidationArgs, report: Report) -> None:
    # Field by field: alert channel ids are unknown until the channels exist, and reading them would
    # turn the whole policy into a "can't run during preview" notice.
    props = args.props
    if props.get("type") == "BROWSER":
        return  # a browser check of a user flow, not an uptime check: browser-checks-cover-flows judges those
    max_frequency = MAX_FREQUENCY.of(args)
    if not props.get("activated"):
        report("The check is deactivated.")
    if float(props.get("frequency") or 0) > max_frequency:
        report(f"The check runs every {float(props.get('frequency') or 0):.0f} minutes; at most "
               f"{max_frequency:.0f} are allowed.")
    subscriptions = as_list(props.get("alertChannelSubscriptions"))
    if not [s for s in subscriptions if known(s, "activated")[1]]:
        report("Nobody is alerted when the check fails (no activated alert channel).")
    if props.get("muted"):
        report("The check's alerts are muted.")
    if not as_list(dig(props, "request.assertions")):
        report("The check asserts nothing about the response.")
    degraded, failed = props.get("degradedResponseTime"), props.get("maxResponseTime")
    if not (isinstance(degraded, int | float) and isinstance(failed, int | float) and 0 < degraded < failed):
        report(f"The check has no response-time budget that degrades before it fails (degraded {degraded!r} ms, "
               f"failed {failed!r} ms): slow responses would alert nobody.")


def _endpoints_covered(args: StackValidationArgs, report: Report) -> None:
    required_location = REQUIRED_LOCATION.of(args)
    checked: set[str] = set()
    for check in of_type(args, CHECK):
        if not prop(check, "activated"):
            continue
        host = urlsplit(str(dig(plain(prop(check, "request", {})), "url", ""))).hostname
        if host:
            checked.add(host)
        if required_location not in as_list(prop(check, "locations", [])):
            report(f"Check '{prop(check, 'name')}' does not run from {required_location}, where customers are.",
                   check.urn)
    for domain in of_type(args, DOMAIN):
        name = str(prop(domain, "domain", ""))
        if name and not prop(domain, "redirect") and name not in checked:
            report(f"{name} is public but has no uptime check.", domain.urn)


POLICIES = [
    resource_policy(
        "uptime-check-alerting",
        "Every uptime check must be active, frequent, assert on the response, time it and alert someone.",
        judges=[CHECK], guard=Guard("each uptime check", refused_by="uptime-checks-cover-endpoints"),
        validate=_check_alerting, severity=Severity.MEDIUM, config=[MAX_FREQUENCY],
        remediation="Set lightspeedpay:monitoring.frequencyMinutes; components/monitoring.py subscribes every "
                    "check to the email and Slack channels.",
        tags=["monitoring"]),
    stack_policy(
        "uptime-checks-cover-endpoints",
        "Every public endpoint must have an active uptime check that runs from India.",
        validate=_endpoints_covered, severity=Severity.MEDIUM,
        config=[REQUIRED_LOCATION],
        remediation="Add the endpoint to components.monitoring.UptimeMonitoring in components/stack.py and keep "
                    "ap-south-1 in lightspeedpay:monitoring.locations.",
        tags=["monitoring"]),
]
