"""Cloudflare DNS for the Vercel-hosted names: DNS-only records, CAA, DNSSEC, nothing left out."""

from __future__ import annotations

from pulumi_policy import ResourceValidationArgs, Severity, StackValidationArgs

from lightspeedpay_vocabulary.thresholds import CAA_ISSUERS, VERCEL_APEX_IP, VERCEL_CNAME_SUFFIX

from .cloudflare import _PCI_421, GUARDED_SETTINGS, ZONE_SETTING
from .graph import of_type, prop
from .meta import Guard, Report, pci, resource_policy, stack_policy, strings
from .props import plain

DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord"
DNSSEC = "cloudflare:index/zoneDnssec:ZoneDnssec"
VERCEL_DOMAIN = "vercel:index/projectDomain:ProjectDomain"
ALLOWED_ISSUERS = strings("allowedIssuers", CAA_ISSUERS)


def points_at_vercel(content: object) -> bool:
    target = str(content or "").rstrip(".")
    return target == VERCEL_APEX_IP or target.endswith(VERCEL_CNAME_SUFFIX)


def _dns_only(args: ResourceValidationArgs, report: Report) -> None:
    if points_at_vercel(args.props.get("content")) and args.props.get("proxied") is not False:
        report(f"{args.props.get('name')} points at Vercel but is not explicitly DNS-only (proxied=False): a "
               f"proxy hides client IPs from the Vercel firewall and breaks certificate issuance.")


def _proxied_ttl(args: ResourceValidationArgs, report: Report) -> None:
    if args.props.get("proxied") and float(args.props.get("ttl") or 0) != 1:
        report("A proxied record must use ttl=1 (automatic); Cloudflare refuses anything else at apply time.")


def _caa(args: ResourceValidationArgs, report: Report) -> None:
    if args.props.get("type") != "CAA":
        return
    allowed = set(ALLOWED_ISSUERS.of(args))
    data = plain(args.props.get("data")) or {}
    tag, value = data.get("tag"), str(data.get("value", "")).strip()
    issuer = value.split(";")[0].strip()
    if tag in ("issue", "issuewild") and value != ";" and issuer not in allowed:
        report(f"CAA {tag} allows {issuer!r}; only {sorted(allowed)} may issue for the zone.")


def _dnssec(args: ResourceValidationArgs, report: Report) -> None:
    if args.props.get("status") != "active":
        report(f"DNSSEC status is {args.props.get('status')!r}; it must be 'active'.")


def _public_domains_complete(args: StackValidationArgs, report: Report) -> None:
    records = {str(prop(r, "name", "")).rstrip(".") for r in of_type(args, DNS_RECORD) if prop(r, "type") != "CAA"}
    caa = [r for r in of_type(args, DNS_RECORD) if prop(r, "type") == "CAA"]
    domains = [d for d in of_type(args, VERCEL_DOMAIN)]
    for domain in domains:
        name = str(prop(domain, "domain", ""))
        if name and name not in records:
            report(f"{name} is served by Vercel but has no DNS record.", domain.urn)
    if domains:
        managed = {prop(s, "settingId") for s in of_type(args, ZONE_SETTING)}
        missing = [setting for setting in GUARDED_SETTINGS if setting not in managed]
        if missing:
            report(f"The stack serves public domains but does not manage the zone settings {missing}: "
                   f"Cloudflare's defaults (TLS 1.0, SSL 'full', no HSTS) would apply.")
        if not any((plain(prop(r, "data")) or {}).get("tag") == "issue" for r in caa):
            report("The zone has no CAA 'issue' record: any certificate authority may issue for it.")
        if not of_type(args, DNSSEC):
            report("The zone's DNSSEC is not managed by the stack.")


def _dangling(args: StackValidationArgs, report: Report) -> None:
    served = {str(prop(d, "domain", "")).rstrip(".") for d in of_type(args, VERCEL_DOMAIN)}
    for record in of_type(args, DNS_RECORD):
        name = str(prop(record, "name", "")).rstrip(".")
        if points_at_vercel(prop(record, "content")) and name not in served:
            report(f"{name} points at Vercel, but no project of the stack serves it: anyone who adds {name} to "
                   f"their own Vercel project takes it over (subdomain takeover). Remove the record or serve "
                   f"the name.", record.urn)


POLICIES = [
    resource_policy(
        "dns-only-for-vercel", "DNS records that point at Vercel must be DNS-only (not proxied).",
        judges=[DNS_RECORD],
        guard=Guard("each record pointing at Vercel", harmless="public-domains-complete requires a record for "
                    "every served domain; a name without one is unreachable, not exposed"),
        validate=_dns_only, severity=Severity.MEDIUM,
        framework=pci("6.4.2", "An automated technical solution detects and prevents web-based attacks in front "
                               "of public-facing web applications (Vercel's firewall needs real client IPs)."),
        remediation="Declare the record with proxied=False (components/dns.py); Vercel terminates TLS and runs "
                    "its own firewall (README: DNS-only decision).",
        tags=["cloudflare", "dns"]),
    resource_policy(
        "cloudflare-proxied-ttl-auto", "A proxied DNS record must use the automatic TTL.",
        judges=[DNS_RECORD],
        guard=Guard("each proxied DNS record", harmless="a record that is not proxied needs no automatic TTL"),
        validate=_proxied_ttl, severity=Severity.LOW,
        remediation="Set ttl=1 on proxied records (pulumi/pulumi-cloudflare#669: only the apply fails otherwise).",
        tags=["cloudflare", "dns"]),
    resource_policy(
        "cloudflare-caa-allowlist", "CAA records must allow only the certificate authority Vercel uses.",
        judges=[DNS_RECORD], guard=Guard("the zone's CAA records", refused_by="public-domains-complete"),
        validate=_caa, severity=Severity.MEDIUM, framework=_PCI_421, config=[ALLOWED_ISSUERS],
        remediation="Set lightspeedpay:tls.caaIssuers to [letsencrypt.org]; wildcards stay denied (issuewild ';').",
        tags=["cloudflare", "dns", "tls"]),
    resource_policy(
        "cloudflare-dnssec-active", "DNSSEC must be active for the zone.",
        judges=[DNSSEC], guard=Guard("the zone's DNSSEC", refused_by="public-domains-complete"),
        validate=_dnssec, severity=Severity.MEDIUM,
        remediation="Set lightspeedpay:tls.dnssec to true and add the DS record output at the registrar.",
        tags=["cloudflare", "dns"]),
    stack_policy(
        "public-domains-complete",
        "Every public domain must have a DNS record, managed TLS settings, CAA and DNSSEC for its zone.",
        validate=_public_domains_complete, severity=Severity.HIGH, framework=_PCI_421,
        remediation="Declare every hostname in lightspeedpay:domains; components.dns and components.zone create "
                    "the records, TLS settings, CAA and DNSSEC.",
        tags=["cloudflare", "dns", "tls"]),
    stack_policy(
        "dangling-dns-records",
        "No DNS record may point at the hosting provider for a name no project of the stack serves.",
        validate=_dangling, severity=Severity.HIGH,
        framework=pci("6.3.3", "System components are protected from known vulnerabilities (subdomain takeover)."),
        remediation="Delete the record (components/dns.py declares one per lightspeedpay:domains hostname), or add "
                    "the hostname to lightspeedpay:domains so a project of the stack serves it.",
        tags=["cloudflare", "dns", "takeover"]),
]
