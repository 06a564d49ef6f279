"""Cloudflare DNS for the Vercel-hosted names: DNS-only records, CAA, DNSSEC, nothing left out."""

from __future__ import annotations

from pulumi_policy import ResourceValidationArgs, Severity, StackValidationArgs

from .cloudflare import _PCI_421, ZONE_SETTING
from .graph import of_type, prop
from .meta import Report, pci, resource_policy, stack_policy
from .props import plain

DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord"
DNSSEC = "cloudflare:index/zoneDnssec:ZoneDnssec"
VERCEL_DOMAIN = "vercel:index/projectDomain:ProjectDomain"
VERCEL_TARGETS = ("76.76.21.21",)
VERCEL_CNAME_SUFFIX = "vercel-dns.com"


def _points_at_vercel(args: ResourceValidationArgs) -> bool:
    content = str(args.props.get("content") or "").rstrip(".")
    return content in VERCEL_TARGETS or content.endswith(VERCEL_CNAME_SUFFIX)


def _dns_only(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type == DNS_RECORD and _points_at_vercel(args) and args.props.get("proxied") is not False:
        report(f"{args.props.get('name')} points at Vercel but is not explicitly DNS-only (proxied=False): a "
               f"proxy hides client IPs from the Vercel firewall and breaks certificate issuance.")


def _proxied_ttl(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type == DNS_RECORD and args.props.get("proxied") and float(args.props.get("ttl") or 0) != 1:
        report("A proxied record must use ttl=1 (automatic); Cloudflare refuses anything else at apply time.")


def _caa(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != DNS_RECORD or args.props.get("type") != "CAA":
        return
    allowed = set(args.get_config().get("allowedIssuers", ["letsencrypt.org"]))
    data = plain(args.props.get("data")) or {}
    tag, value = data.get("tag"), str(data.get("value", "")).strip()
    issuer = value.split(";")[0].strip()
    if tag in ("issue", "issuewild") and value != ";" and issuer not in allowed:
        report(f"CAA {tag} allows {issuer!r}; only {sorted(allowed)} may issue for the zone.")


def _dnssec(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type == DNSSEC and args.props.get("status") != "active":
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
        if not any(prop(s, "settingId") == "ssl" for s in of_type(args, ZONE_SETTING)):
            report("The stack serves public domains but manages no TLS settings for their zone.")
        if not any((plain(prop(r, "data")) or {}).get("tag") == "issue" for r in caa):
            report("The zone has no CAA 'issue' record: any certificate authority may issue for it.")
        if not of_type(args, DNSSEC):
            report("The zone's DNSSEC is not managed by the stack.")


POLICIES = [
    resource_policy(
        "dns-only-for-vercel", "DNS records that point at Vercel must be DNS-only (not proxied).",
        validate=_dns_only, severity=Severity.MEDIUM,
        framework=pci("6.4.2", "An automated technical solution detects and prevents web-based attacks in front "
                               "of public-facing web applications (Vercel's firewall needs real client IPs)."),
        remediation="Declare the record with proxied=False (components/dns.py); Vercel terminates TLS and runs "
                    "its own firewall (README: DNS-only decision).",
        tags=["cloudflare", "dns"]),
    resource_policy(
        "cloudflare-proxied-ttl-auto", "A proxied DNS record must use the automatic TTL.",
        validate=_proxied_ttl, severity=Severity.LOW,
        remediation="Set ttl=1 on proxied records (pulumi/pulumi-cloudflare#669: only the apply fails otherwise).",
        tags=["cloudflare", "dns"]),
    resource_policy(
        "cloudflare-caa-allowlist", "CAA records must allow only the certificate authority Vercel uses.",
        validate=_caa, severity=Severity.MEDIUM, framework=_PCI_421,
        config={"allowedIssuers": {"type": "array", "items": {"type": "string"}, "default": ["letsencrypt.org"]}},
        remediation="Set lightspeedpay:tls.caaIssuers to [letsencrypt.org]; wildcards stay denied (issuewild ';').",
        tags=["cloudflare", "dns", "tls"]),
    resource_policy(
        "cloudflare-dnssec-active", "DNSSEC must be active for the zone.",
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
]
