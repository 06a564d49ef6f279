"""Public DNS records pointing each domain at Vercel, DNS-only (see README: why not proxied)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_cloudflare as cloudflare

from config.vocabulary import thresholds

VERCEL_APEX_IP, VERCEL_CNAME = thresholds.VERCEL_APEX_IP, thresholds.VERCEL_CNAME
"""Vercel's anycast address for apex domains (an apex cannot be a CNAME), and its target for every subdomain."""


@dataclass(frozen=True)
class VercelDnsRecordsArgs:
    zone: str
    """Zone apex."""
    zone_id: pulumi.Input[str]
    """Cloudflare zone id (looked up by the zone component)."""
    hostnames: Sequence[str]
    """Every public hostname served by Vercel."""


def record_for(zone: str, hostname: str) -> tuple[str, str]:
    """(record type, content) Vercel expects for a hostname."""
    return ("A", VERCEL_APEX_IP) if hostname == zone else ("CNAME", VERCEL_CNAME)


class VercelDnsRecords(pulumi.ComponentResource):
    """One DNS-only record per hostname: Vercel terminates TLS and runs its firewall itself."""

    records: dict[str, cloudflare.DnsRecord]

    def __init__(self, name: str, args: VercelDnsRecordsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("lightspeedpay:edge:VercelDnsRecords", name, {}, opts)
        self.records = {}
        for hostname in args.hostnames:
            record_type, content = record_for(args.zone, hostname)
            label = "apex" if hostname == args.zone else hostname.removesuffix("." + args.zone).replace(".", "-")
            self.records[hostname] = cloudflare.DnsRecord(
                f"{name}-{label}",
                cloudflare.DnsRecordArgs(
                    zone_id=args.zone_id, name=hostname, type=record_type, content=content,
                    # Proxying Vercel through Cloudflare hides client IPs from the Vercel firewall and
                    # breaks certificate renewal; Vercel advises DNS-only. ttl=1 means "automatic".
                    proxied=False, ttl=1, comment="Vercel (DNS-only); managed by Pulumi"),
                opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"hostnames": list(self.records)})
