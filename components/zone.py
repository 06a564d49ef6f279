"""The Cloudflare zone of a stack: looked up by name, with its TLS and HTTPS settings."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_cloudflare as cloudflare

from config.edge import TlsConfig


@dataclass(frozen=True)
class CloudflareZoneArgs:
    zone: str
    """Zone apex; the zone id is looked up, never written in a file."""
    tls: TlsConfig
    """TLS, HTTPS and HSTS settings for the zone."""


def _on(flag: bool) -> str:
    return "on" if flag else "off"


def zone_settings(tls: TlsConfig) -> dict[str, object]:
    """`setting_id` → value, in the shapes the Cloudflare API expects."""
    return {
        "ssl": tls.ssl_mode,
        "min_tls_version": tls.min_tls_version,
        "tls_1_3": tls.tls13,
        "always_use_https": _on(tls.always_use_https),
        "automatic_https_rewrites": _on(tls.automatic_https_rewrites),
        # snake_case keys inside `value`: the camelCase form in the SDK docstring never converges
        # (pulumi/pulumi-cloudflare#1579).
        "security_header": {
            "strict_transport_security": {
                "enabled": tls.hsts.enabled,
                "max_age": tls.hsts.max_age_seconds,
                "include_subdomains": tls.hsts.include_subdomains,
                "preload": tls.hsts.preload,
                "nosniff": tls.hsts.nosniff,
            }
        },
    }


def caa_records(tls: TlsConfig) -> list[tuple[str, str]]:
    """(tag, value) of every CAA record: only the configured CAs issue, nobody issues wildcards."""
    records = [("issue", issuer) for issuer in tls.caa_issuers]
    records.append(("issuewild", ";"))
    if tls.caa_iodef:
        records.append(("iodef", tls.caa_iodef))
    return records


class CloudflareZone(pulumi.ComponentResource):
    """Zone-wide posture: SSL mode, minimum TLS, TLS 1.3, HTTPS redirects and rewrites, HSTS,
    DNSSEC and CAA.

    One `ZoneSetting` per setting (Cloudflare v6 has no settings-override resource).
    """

    zone_id: pulumi.Output[str]
    settings: dict[str, cloudflare.ZoneSetting]
    dnssec: cloudflare.ZoneDnssec | None
    caa: list[cloudflare.DnsRecord]

    def __init__(self, name: str, args: CloudflareZoneArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("lightspeedpay:edge:CloudflareZone", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)

        zone = cloudflare.get_zone_output(
            filter=cloudflare.GetZoneFilterArgs(name=args.zone, match="all"),
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        self.zone_id = zone.id

        self.settings = {
            setting_id: cloudflare.ZoneSetting(
                f"{name}-{setting_id.replace('_', '-')}",
                cloudflare.ZoneSettingArgs(zone_id=self.zone_id, setting_id=setting_id, value=value),
                opts=child,
            )
            for setting_id, value in zone_settings(args.tls).items()
        }

        # DNSSEC stays "pending" until the DS record (an output) is added at the registrar.
        self.dnssec = (cloudflare.ZoneDnssec(f"{name}-dnssec", cloudflare.ZoneDnssecArgs(
            zone_id=self.zone_id, status="active"), opts=child) if args.tls.dnssec else None)

        self.caa = [
            cloudflare.DnsRecord(
                f"{name}-caa-{tag}-{index}",
                cloudflare.DnsRecordArgs(
                    zone_id=self.zone_id, name=args.zone, type="CAA", ttl=3600,
                    data=cloudflare.DnsRecordDataArgs(flags=0, tag=tag, value=value),
                    comment="Which CAs may issue for the zone; managed by Pulumi"),
                opts=child)
            for index, (tag, value) in enumerate(caa_records(args.tls))
        ]

        self.register_outputs({"zoneId": self.zone_id})
