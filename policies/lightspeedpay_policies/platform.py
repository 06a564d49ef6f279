"""Declarations the stack exports about the platform: log retention, webhook endpoints."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from pulumi_policy import PolicyResource, Severity, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from .graph import linked, of_type, prop, stack_outputs
from .meta import Report, cert_in, pci, rbi_cyber_resilience, rbi_localisation, stack_policy
from .props import as_list, known, plain
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


DATABASE_KINDS = ("pulumi-python:dynamic/supabase:",)
RAILWAY_VARIABLES = "pulumi-python:dynamic/railway:Variables"
ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"


def _database_sources(resource: PolicyResource, prop_name: str) -> set[str]:
    # A source that belongs to a project (a pooler, a role) stands for that project: the API and the
    # workers connect as different roles of one database.
    return {p.urn for d in resource.property_dependencies.get(prop_name, [])
            if d.resource_type.startswith(DATABASE_KINDS) for p in (d.property_dependencies.get("project_ref") or [d])}


def _same_database(args: StackValidationArgs, report: Report) -> None:
    pattern = str(args.get_config().get("apiProjectPattern", "-api$"))
    api_sources: dict[str, set[str]] = {}
    for variable in of_type(args, ENV_VAR):
        if prop(variable, "key") != "DATABASE_URL" or "production" not in as_list(prop(variable, "targets", [])):
            continue
        if _is_api(linked(variable, "projectId", PROJECT), pattern):
            api_sources[variable.urn] = _database_sources(variable, "value")
    worker_sources: dict[str, set[str]] = {}
    for variables in of_type(args, RAILWAY_VARIABLES):
        sealed = prop(variables, "sealedVariables", {})
        # Keys only: the values are secrets, often unknown in a preview, and redacted in exports.
        if isinstance(sealed, Mapping) and any(key == "DATABASE_URL" for key in sealed):
            worker_sources[variables.urn] = _database_sources(variables, "sealedVariables")
    if not api_sources or not worker_sources:
        return  # a stack without an API or without workers has nothing to compare
    for urn, sources in {**api_sources, **worker_sources}.items():
        if not sources:
            report("DATABASE_URL does not come from the stack's database component, so nothing ties it to the "
                   "database the rest of the platform uses.", urn)
    api_databases = [sources for sources in api_sources.values() if sources]
    for urn, sources in worker_sources.items():
        if sources and api_databases and sources not in api_databases:
            report("The workers' DATABASE_URL comes from a different database than the API's: jobs would read and "
                   "write data the API never sees.", urn)


DOCUMENTATION_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"))
"""RFC 5737 / RFC 3849 ranges: examples in a file, never anyone's real egress."""
PLACEHOLDER_TEXT = re.compile(r"^(PLACEHOLDER-|00000000-0000-4000-8000-)", re.IGNORECASE)


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every known scalar below ``value`` with its path; unknown values (a preview) are skipped."""
    if isinstance(value, Mapping):
        for key in list(value):
            ok, item = known(value, key)
            if ok:
                yield from _leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)) or (hasattr(value, "__getitem__") and hasattr(value, "__len__")
                                              and not isinstance(value, str)):
        for index in range(len(value)):
            try:
                item = value[index]
            except UnknownValueError:
                continue
            yield from _leaves(item, f"{path}[{index}]")
    else:
        yield path, value


def _is_placeholder(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if PLACEHOLDER_TEXT.match(value):
        return True
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return any(network.version == doc.version and network.subnet_of(doc)  # type: ignore[arg-type]
               for doc in DOCUMENTATION_NETWORKS)


def _placeholders(args: StackValidationArgs, report: Report) -> None:
    for resource in args.resources:
        found = sorted({f"{path} = {value}" for path, value in _leaves(resource.props) if _is_placeholder(value)})
        if found:
            shown = "; ".join(found[:4]) + (f"; and {len(found) - 4} more" if len(found) > 4 else "")
            report(f"{resource.name} still holds example values from the repository: {shown}. Replace them in "
                   f"the stack file with the real ones before rolling out.", resource.urn)


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
        "api-and-workers-share-database",
        "The payments API and the background workers must use the stack's one database.",
        validate=_same_database, severity=Severity.HIGH,
        framework=rbi_localisation(),
        config={"apiProjectPattern": {"type": "string", "default": "-api$"}},
        remediation="Pass the database component's per-role URLs to the API (components/app_env.py) and the "
                    "workers (components/jobs.py), never a URL typed into config.",
        tags=["database", "wiring"]),
    stack_policy(
        "no-placeholder-values",
        "No resource may carry the repository's example values (documentation IP ranges, placeholder ids or "
        "sign-off references).",
        validate=_placeholders, severity=Severity.HIGH,
        framework=rbi_cyber_resilience("Default settings are deactivated and changed before they are rolled out "
                                       "to the live environment."),
        remediation="Replace the documentation CIDRs (firewall.adminAllowedCidrs, database.allowedCidrs), the "
                    "Checkly account id and the PLACEHOLDER-… attestation references in the stack file; then "
                    "make this policy mandatory in policies/config/<stack>.json.",
        tags=["configuration"]),
    stack_policy(
        "razorpay-webhook-events",
        "The Razorpay webhook must subscribe to every payment, refund and dispute event the platform settles on.",
        validate=_razorpay_events, severity=Severity.MEDIUM,
        config={"requiredEvents": {"type": "array", "items": {"type": "string"}, "default": REQUIRED_EVENTS}},
        remediation="List the events in lightspeedpay:gateways.razorpay.webhookEvents and enable the same in "
                    "Razorpay Dashboard → Webhooks.",
        tags=["gateways", "webhooks"]),
]
