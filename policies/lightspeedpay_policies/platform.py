"""Declarations the stack exports about the platform: log retention, webhook endpoints."""

from __future__ import annotations

from urllib.parse import urlsplit

from pulumi_policy import Severity, StackValidationArgs

from .graph import linked, of_type, prop, stack_outputs
from .meta import Report, cert_in, pci, stack_policy
from .props import as_list, plain
from .vercel import PROJECT
from .vercel_firewall import DOMAIN, WEBHOOK_PATHS, _is_api


def _log_retention(args: StackValidationArgs, report: Report) -> None:
    config = args.get_config()
    minimum = int(config.get("minRetentionDays", 365))
    regions = list(config.get("allowedRegions", ["ap-south-1", "ap-south-2"]))
    store = plain(stack_outputs(args).get("logStore")) or {}
    if not store:
        report("The stack declares no log store (stack output 'logStore').")
        return
    if float(store.get("retentionDays") or 0) < minimum:
        report(f"The log store keeps logs {store.get('retentionDays')} days; at least {minimum} are required.")
    if store.get("region") not in regions:
        report(f"The log store is in {store.get('region')!r}; logs must be kept in India ({regions}).")


def _webhooks_served(args: StackValidationArgs, report: Report) -> None:
    config = args.get_config()
    pattern = str(config.get("apiProjectPattern", "-api$"))
    paths = set(config.get("webhookPaths", WEBHOOK_PATHS))
    api_hosts = {str(prop(d, "domain")) for d in of_type(args, DOMAIN)
                 if _is_api(linked(d, "projectId", PROJECT), pattern) and not prop(d, "redirect")}
    urls = as_list(plain(stack_outputs(args).get("webhookUrls")))
    if not urls:
        report("The stack declares no gateway webhook URLs (stack output 'webhookUrls').")
    for url in urls:
        parts = urlsplit(str(url))
        if parts.scheme != "https" or parts.port not in (None, 443):
            report(f"Webhook URL {url} must be https on port 443 (Razorpay and PhonePe refuse anything else).")
        if parts.hostname not in api_hosts:
            report(f"Webhook URL {url} is not on a domain the API project serves ({sorted(api_hosts)}).")
        if parts.path not in paths:
            report(f"Webhook URL {url} has a path the firewall does not exempt from rate limits ({sorted(paths)}).")


REQUIRED_EVENTS = ["payment.captured", "payment.failed", "order.paid", "refund.processed", "refund.failed",
                   "payment.dispute.created"]


def _razorpay_events(args: StackValidationArgs, report: Report) -> None:
    required = list(args.get_config().get("requiredEvents", REQUIRED_EVENTS))
    gateways = plain(stack_outputs(args).get("gateways")) or {}
    events = set(as_list(gateways.get("razorpayWebhookEvents")))
    missing = [e for e in required if e not in events]
    if missing:
        report(f"The Razorpay webhook does not subscribe to {missing}: captures, failures, refunds or disputes "
               f"would go unnoticed until reconciliation.")


POLICIES = [
    stack_policy(
        "log-retention",
        "Logs must be kept in India for at least the required period (CERT-In 180 days, PCI DSS 12 months).",
        validate=_log_retention, severity=Severity.HIGH,
        framework=cert_in("Maintain logs for a rolling period of 180 days within Indian jurisdiction."),
        config={"minRetentionDays": {"type": "integer", "minimum": 1, "default": 365},
                "allowedRegions": {"type": "array", "items": {"type": "string"},
                                   "default": ["ap-south-1", "ap-south-2"]}},
        remediation="Set lightspeedpay:logStore.retentionDays (and region) to what the log store is contracted for.",
        tags=["logging", "data-localisation"]),
    stack_policy(
        "webhook-urls-served",
        "Gateway webhook URLs must be HTTPS on a domain the API project serves, on an exempted path.",
        validate=_webhooks_served, severity=Severity.HIGH,
        framework=pci("4.2.1", "Strong cryptography safeguards data in transit over open, public networks."),
        config={"apiProjectPattern": {"type": "string", "default": "-api$"},
                "webhookPaths": {"type": "array", "items": {"type": "string"}, "default": WEBHOOK_PATHS}},
        remediation="Keep lightspeedpay:gateways webhook paths, domains.api and firewall.webhookPaths consistent.",
        tags=["gateways", "webhooks"]),
    stack_policy(
        "razorpay-webhook-events",
        "The Razorpay webhook must subscribe to every payment, refund and dispute event the platform settles on.",
        validate=_razorpay_events, severity=Severity.MEDIUM,
        config={"requiredEvents": {"type": "array", "items": {"type": "string"}, "default": REQUIRED_EVENTS}},
        remediation="List the events in lightspeedpay:gateways.razorpay.webhookEvents and enable the same in "
                    "Razorpay Dashboard → Webhooks.",
        tags=["gateways", "webhooks"]),
]
