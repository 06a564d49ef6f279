"""The payment gateways: live keys only where they belong, webhooks served and subscribed.

Gateway credentials are secrets: in an exported state they are ciphertext. What the pack can always
read is what the program published about them (`facts.GatewayFacts`), derived at config load where
the plaintext exists: the Razorpay key mode from the key id's own prefix, and whether every preview
credential differs from production's. Where the pack does see the plaintext (the real CLI hands it
the values), it judges the key id itself as well.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from lightspeedpay_vocabulary.facts import FactsError, GatewayFacts, read
from lightspeedpay_vocabulary.thresholds import (
    KEY_MODE_UNVERIFIED,
    RAZORPAY_REQUIRED_EVENTS,
    WEBHOOK_PATHS,
    razorpay_key_mode,
)

from .graph import of_type, project_role, prop, roles, stack_facts
from .meta import Report, pci, stack_policy, strings
from .props import as_list, is_redacted, known, plain
from .vercel import ENV_VAR
from .vercel_firewall import DOMAIN

SPARED_PATHS = strings("webhookPaths", WEBHOOK_PATHS)
REQUIRED_EVENTS = strings("requiredEvents", RAZORPAY_REQUIRED_EVENTS)
LIVE_TARGETS = strings("liveTargets", (), enum=("production", "preview"))
"""Vercel targets that must run live keys (production.json: ["production"]); every other one runs test keys."""


def gateway_facts(args: StackValidationArgs, report: Report) -> GatewayFacts | None:
    facts = stack_facts(args, report)
    if facts is None:
        return None
    try:
        return read(GatewayFacts, facts.gateways)
    except FactsError as error:
        report(f"The stack's gateway facts are unusable ({error}).")
        return None


def _webhooks_served(args: StackValidationArgs, report: Report) -> None:
    paths = set(SPARED_PATHS.of(args))
    project_roles = roles(args)
    api_hosts = {str(prop(d, "domain")) for d in of_type(args, DOMAIN)
                 if project_role(project_roles, d) == "api" and not prop(d, "redirect")}
    facts = stack_facts(args, report)
    urls = list(facts.webhook_urls) if facts is not None else []
    if facts is not None and not urls:
        report("The stack declares no gateway webhook URLs.")
    for url in urls:
        parts = urlsplit(str(url))
        if parts.scheme != "https" or parts.port not in (None, 443):
            report(f"Webhook URL {url} must be https on port 443 (Razorpay and PhonePe refuse anything else).")
        if parts.hostname not in api_hosts:
            report(f"Webhook URL {url} is not on a domain the API project serves ({sorted(api_hosts)}).")
        if parts.path not in paths:
            report(f"Webhook URL {url} has a path the firewall does not exempt from rate limits ({sorted(paths)}).")


def _razorpay_events(args: StackValidationArgs, report: Report) -> None:
    gateways = gateway_facts(args, report)
    if gateways is None:
        return
    events = set(as_list(gateways.razorpay_webhook_events))
    missing = [e for e in REQUIRED_EVENTS.of(args) if e not in events]
    if missing:
        report(f"The Razorpay webhook does not subscribe to {missing}: captures, failures, refunds or disputes "
               f"would go unnoticed until reconciliation.")


def _key_id_variables(args: StackValidationArgs) -> dict[str, list[PolicyResource]]:
    """Vercel target → the API's RAZORPAY_KEY_ID variables for it."""
    found: dict[str, list[PolicyResource]] = {}
    project_roles = roles(args)
    for variable in of_type(args, ENV_VAR):
        if prop(variable, "key") != "RAZORPAY_KEY_ID" or project_role(project_roles, variable) != "api":
            continue
        for target in as_list(prop(variable, "targets", [])):
            found.setdefault(str(target), []).append(variable)
    return found


def _key_modes(args: StackValidationArgs, report: Report) -> None:
    gateways = gateway_facts(args, report)
    if gateways is None:
        return
    live = set(LIVE_TARGETS.of(args))
    modes = plain(gateways.razorpay_key_modes) or {}
    variables = _key_id_variables(args)
    for target in sorted(set(variables) | live | {"production"}):
        expected = "live" if target in live else "test"
        mode = modes.get(target)
        if mode is None:
            report(f"The stack publishes no Razorpay key mode for the {target} target (facts gateways."
                   f"razorpayKeyModes): the key it runs cannot be told live from test.")
        elif mode == KEY_MODE_UNVERIFIED:
            report.not_verified(f"the Razorpay key mode of the {target} target: the program had a placeholder, "
                                f"not the key, when it loaded the config")
        elif mode != expected:
            report(f"The {target} target runs a Razorpay {mode} key; this stack's {target} target must run "
                   f"{expected} keys (rzp_{expected}_…).")
        for variable in variables.get(target, []):
            ok, value = known(variable.props, "value")
            if not ok or value is None or is_redacted(value):
                continue  # ciphertext: the published mode above is what the program derived from the plaintext
            seen = razorpay_key_mode(str(value))
            if seen is None and mode != KEY_MODE_UNVERIFIED:
                report(f"RAZORPAY_KEY_ID for {target} is not a Razorpay key id (rzp_live_… or rzp_test_…).",
                       variable.urn)
            elif seen is not None and seen != expected:
                report(f"RAZORPAY_KEY_ID for {target} is a {seen} key; {target} must run {expected} keys.",
                       variable.urn)


_PCI_655 = pci("6.5.5", "Live data and credentials are not used in pre-production environments.")

POLICIES = [
    stack_policy(
        "webhook-urls-served",
        "Gateway webhook URLs must be HTTPS on a domain the API project serves, on an exempted path.",
        validate=_webhooks_served, severity=Severity.HIGH,
        framework=pci("4.2.1", "Strong cryptography safeguards data in transit over open, public networks."),
        config=[SPARED_PATHS],
        remediation="Keep lightspeedpay:gateways webhook paths, domains.api and firewall.webhookPaths consistent.",
        tags=["gateways", "webhooks"]),
    stack_policy(
        "razorpay-webhook-events",
        "The Razorpay webhook must subscribe to every payment, refund and dispute event the platform settles on.",
        validate=_razorpay_events, severity=Severity.MEDIUM, config=[REQUIRED_EVENTS],
        remediation="List the events in lightspeedpay:gateways.razorpay.webhookEvents and enable the same in "
                    "Razorpay Dashboard → Webhooks.",
        tags=["gateways", "webhooks"]),
    stack_policy(
        "gateway-key-modes",
        "Each Vercel target must run the gateway key mode its stack allows: live keys in production only.",
        validate=_key_modes, severity=Severity.CRITICAL, framework=_PCI_655, config=[LIVE_TARGETS],
        remediation="Set lightspeedpay:razorpayKeyId to an rzp_live_ key in production and rzp_test_ keys everywhere "
                    "else (previewRazorpayKeyId included); the program refuses a mismatch at config load.",
        tags=["gateways", "secrets"]),
]
