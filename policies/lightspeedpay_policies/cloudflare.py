"""Cloudflare zone posture: TLS only, modern versions, strict origin validation, HSTS."""

from __future__ import annotations

from pulumi_policy import ResourceValidationArgs, Severity

from lightspeedpay_vocabulary.thresholds import HSTS_MIN_MAX_AGE_SECONDS, MIN_TLS_VERSION, TLS_VERSIONS

from .meta import Guard, Report, integer, pci, resource_policy, text
from .props import dig, plain

ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
GUARDED_SETTINGS = ("ssl", "min_tls_version", "tls_1_3", "always_use_https", "automatic_https_rewrites",
                    "security_header")
"""Zone settings these policies judge; `public-domains-complete` refuses a zone without any of them."""
MINIMUM_VERSION = text("minimumVersion", MIN_TLS_VERSION, TLS_VERSIONS)
MIN_MAX_AGE = integer("minMaxAgeSeconds", HSTS_MIN_MAX_AGE_SECONDS, minimum=0)
_PCI_421 = pci("4.2.1", "Strong cryptography and security protocols safeguard data in transit over "
                        "open, public networks, with no fallback to insecure versions.")


def _setting(args: ResourceValidationArgs, setting_id: str) -> tuple[bool, object]:
    if args.props.get("settingId") != setting_id:
        return False, None
    return True, args.props.get("value")


def _ssl_strict(args: ResourceValidationArgs, report: Report) -> None:
    applies, value = _setting(args, "ssl")
    if applies and value != "strict":
        report(f"ssl is {value!r}; only 'strict' validates the origin certificate.")


def _min_tls(args: ResourceValidationArgs, report: Report) -> None:
    applies, value = _setting(args, "min_tls_version")
    minimum = MINIMUM_VERSION.of(args)
    if applies and (value not in TLS_VERSIONS or TLS_VERSIONS.index(str(value)) < TLS_VERSIONS.index(minimum)):
        report(f"min_tls_version is {value!r}; the minimum allowed is {minimum!r}.")


def _tls13(args: ResourceValidationArgs, report: Report) -> None:
    applies, value = _setting(args, "tls_1_3")
    if applies and value not in ("on", "zrt"):
        report(f"tls_1_3 is {value!r}; it must be 'on' (or 'zrt').")


def _always_https(args: ResourceValidationArgs, report: Report) -> None:
    applies, value = _setting(args, "always_use_https")
    if applies and value != "on":
        report(f"always_use_https is {value!r}; plain HTTP must redirect to HTTPS.")


def _https_rewrites(args: ResourceValidationArgs, report: Report) -> None:
    applies, value = _setting(args, "automatic_https_rewrites")
    if applies and value != "on":
        report(f"automatic_https_rewrites is {value!r}; it must be 'on' to avoid mixed content.")


_CAMEL_HSTS = ("strictTransportSecurity", "maxAge", "includeSubdomains")


def _hsts(args: ResourceValidationArgs, report: Report) -> None:
    applies, value = _setting(args, "security_header")
    if not applies:
        return
    value = plain(value)
    if not isinstance(value, dict) or "strict_transport_security" not in value:
        camel = isinstance(value, dict) and any(k in value for k in _CAMEL_HSTS)
        report("security_header uses camelCase keys, which Cloudflare never converges on "
               "(pulumi/pulumi-cloudflare#1579); use strict_transport_security/max_age/include_subdomains."
               if camel else "security_header has no strict_transport_security block.")
        return
    hsts = value["strict_transport_security"]
    if any(k in hsts for k in _CAMEL_HSTS):
        report("strict_transport_security uses camelCase keys; use snake_case (max_age, include_subdomains).")
        return
    min_age = MIN_MAX_AGE.of(args)
    if not dig(hsts, "enabled", False):
        report("HSTS is disabled.")
    if float(dig(hsts, "max_age", 0)) < min_age:
        report(f"HSTS max_age is {dig(hsts, 'max_age', 0)}; it must be at least {min_age} seconds.")
    if not dig(hsts, "include_subdomains", False):
        report("HSTS must include subdomains (checkout and api live under the zone).")
    if not dig(hsts, "nosniff", False):
        report("X-Content-Type-Options: nosniff must be sent.")


def _zone(setting_id: str) -> Guard:
    return Guard(f"the zone's {setting_id!r} setting", refused_by="public-domains-complete")


POLICIES = [
    resource_policy(
        "cloudflare-ssl-strict",
        "Cloudflare must validate the origin certificate (SSL mode Full (strict)).",
        judges=[ZONE_SETTING], guard=_zone("ssl"), validate=_ssl_strict, severity=Severity.HIGH, framework=_PCI_421,
        remediation="Set lightspeedpay:tls.sslMode to 'strict'. Flexible sends plain HTTP to the origin and "
                    "loops with Vercel's HTTPS redirect; Full accepts any certificate.",
        tags=["cloudflare", "tls"]),
    resource_policy(
        "cloudflare-min-tls-version",
        "The zone must refuse TLS versions older than the configured minimum (TLS 1.2 by default).",
        judges=[ZONE_SETTING],
        guard=_zone("min_tls_version"), validate=_min_tls, severity=Severity.HIGH, framework=_PCI_421,
        config=[MINIMUM_VERSION],
        remediation="Set lightspeedpay:tls.minTlsVersion to '1.2' or '1.3'. PCI DSS treats TLS 1.0/1.1 as "
                    "insecure; Cloudflare's default is 1.0.",
        tags=["cloudflare", "tls"]),
    resource_policy(
        "cloudflare-tls-1-3",
        "TLS 1.3 must be enabled on the zone.",
        judges=[ZONE_SETTING], guard=_zone("tls_1_3"), validate=_tls13, severity=Severity.MEDIUM, framework=_PCI_421,
        remediation="Set lightspeedpay:tls.tls13 to 'on'.", tags=["cloudflare", "tls"]),
    resource_policy(
        "cloudflare-always-use-https",
        "Every plain HTTP request to the zone must be redirected to HTTPS.",
        judges=[ZONE_SETTING],
        guard=_zone("always_use_https"), validate=_always_https, severity=Severity.HIGH, framework=_PCI_421,
        remediation="Set lightspeedpay:tls.alwaysUseHttps to true.", tags=["cloudflare", "tls"]),
    resource_policy(
        "cloudflare-automatic-https-rewrites",
        "Automatic HTTPS rewrites must be on so pages never load mixed content.",
        judges=[ZONE_SETTING],
        guard=_zone("automatic_https_rewrites"), validate=_https_rewrites, severity=Severity.LOW, framework=_PCI_421,
        remediation="Set lightspeedpay:tls.automaticHttpsRewrites to true.", tags=["cloudflare", "tls"]),
    resource_policy(
        "cloudflare-hsts",
        "HSTS must be on for the zone, include subdomains, send nosniff and last at least a year.",
        judges=[ZONE_SETTING],
        guard=_zone("security_header"), validate=_hsts, severity=Severity.MEDIUM, framework=_PCI_421,
        config=[MIN_MAX_AGE],
        remediation="Set lightspeedpay:tls.hsts (enabled, maxAgeSeconds >= 31536000, includeSubdomains, "
                    "nosniff). In code keep snake_case keys inside the security_header value.",
        tags=["cloudflare", "tls", "headers"]),
]
