"""What a stack wants at the edge: domains, DNS and TLS, the Vercel apps, firewall, repository.

Values are checked for validity here (right type, a value the vendor accepts, consistent with the
rest of the stack). Whether a valid value is *safe* is the policy pack's call, so a risky but
legal setting still reaches `pulumi preview` and is refused there with its compliance reference.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from .types import Cidr, Hostname, HttpsOrigin, HttpsUrl, Model, UrlPath
from .vocabulary import thresholds

VERCEL_REGIONS = (
    "arn1", "bom1", "cdg1", "cle1", "cpt1", "dub1", "dxb1", "fra1", "gru1", "hkg1", "hnd1",
    "iad1", "icn1", "kix1", "lhr1", "pdx1", "sfo1", "sin1", "syd1",
)
PreviewProtection = Literal[
    "standard_protection_new", "standard_protection", "all_deployments",
    "only_preview_deployments", "none",
]


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"must be one of {', '.join(repr(a) for a in allowed)}")
    return value


class DnsConfig(Model):
    """The Cloudflare zone that serves every public name of the stack."""

    zone: Hostname = Field(description="Zone apex, looked up by name in Cloudflare (no ids in files).")


class DomainsConfig(Model):
    """Public hostnames. All must sit inside `dns.zone`."""

    site: Hostname = Field(description="Marketing site and dashboard (the Next.js frontend).")
    www: Hostname | None = Field(default=None, description="Optional alias that redirects to `site`.")
    checkout: Hostname = Field(description="Hosted checkout, served by the frontend project.")
    api: Hostname = Field(description="Payments API, served by the API project.")

    def all(self) -> list[str]:
        names = [self.site, self.checkout, self.api]
        return names + ([self.www] if self.www else [])


class HstsConfig(Model):
    enabled: bool
    max_age_seconds: int = Field(ge=0, le=63_072_000)
    include_subdomains: bool
    preload: bool
    nosniff: bool


class TlsConfig(Model):
    """Cloudflare zone TLS settings (see README: records are DNS-only, so these guard the zone)."""

    ssl_mode: str = Field(description=f"Cloudflare SSL mode: one of {', '.join(thresholds.SSL_MODES)}.")
    min_tls_version: str = Field(description=f"Oldest TLS version served: one of {', '.join(thresholds.TLS_VERSIONS)}.")
    tls13: Literal["on", "off", "zrt"]
    always_use_https: bool
    automatic_https_rewrites: bool
    hsts: HstsConfig
    dnssec: bool
    caa_issuers: list[Hostname] = Field(min_length=1, description="CAs allowed to issue (CAA 'issue').")
    caa_iodef: str | None = Field(default=None, description="mailto: or https: address for CAA reports.")

    @field_validator("ssl_mode")
    @classmethod
    def _ssl_mode(cls, value: str) -> str:
        return _one_of(value, thresholds.SSL_MODES)

    @field_validator("min_tls_version")
    @classmethod
    def _tls_version(cls, value: str) -> str:
        return _one_of(value, thresholds.TLS_VERSIONS)

    @field_validator("caa_iodef")
    @classmethod
    def _iodef(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^(mailto:[^@\s]+@[^@\s]+|https://\S+)$", value):
            raise ValueError("must be 'mailto:<address>' or an https:// URL")
        return value


class FunctionsConfig(Model):
    """Serverless function placement and limits, applied to every Vercel project."""

    regions: list[str] = Field(min_length=1)
    timeout_seconds: int = Field(ge=1, le=900)
    cpu_type: Literal["standard_legacy", "standard", "performance"]
    failover: bool = Field(description="Vercel function failover to the nearest other region.")

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: list[str]) -> list[str]:
        unknown = [r for r in value if r not in VERCEL_REGIONS]
        if unknown:
            raise ValueError(f"unknown Vercel region(s) {unknown}; allowed: {', '.join(VERCEL_REGIONS)}")
        return value


class PreviewTargets(Model):
    """Where pull-request previews point: never at production endpoints."""

    api_url: HttpsUrl
    checkout_url: HttpsUrl
    next_public_env: str = Field(min_length=1)


class RollingReleaseConfig(Model):
    """A production release first serves a share of traffic; the release workflow completes it or aborts it."""

    canary_percent: int = Field(ge=1, le=99, description="Share of production traffic the released deployment "
                                                         "serves first (Vercel rolling release, manual approval).")
    soak_minutes: int = Field(ge=0, le=120, description="How long the release watches the canary, after its smoke "
                                                        "test, before completing the rollout.")


class VercelConfig(Model):
    team: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,47}$", description="Vercel team slug.")
    git_repository: str = Field(pattern=r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$", description="owner/repo")
    production_branch: str = Field(min_length=1)
    preview_deployments: bool = Field(description="Build a preview deployment for every pull request.")
    preview_protection: PreviewProtection
    previews: PreviewTargets | None = Field(
        default=None, description="Required when previewDeployments is on.")
    node_version: Literal["20.x", "22.x", "24.x"]
    skew_protection: Literal["30 minutes", "12 hours", "1 day", "7 days"] | None
    functions: FunctionsConfig
    deployment_checks: list[str] = Field(
        min_length=1, description="GitHub checks (by name) a production deployment must pass before Vercel assigns it "
                                  "the domains; the application repository reports them (docs/gates.md).")
    rolling_release: RollingReleaseConfig | None = Field(
        default=None, description="Roll production releases out to a share of traffic first (Pro/Enterprise).")

    @field_validator("deployment_checks")
    @classmethod
    def _check_names(cls, value: list[str]) -> list[str]:
        bad = [name for name in value if not re.match(r"^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,99}$", name)]
        if bad or len(set(value)) != len(value):
            raise ValueError(f"must be distinct GitHub check names (letters, digits, ' ._/-'); got {value}")
        return value


class FrontendConfig(Model):
    root_directory: str = Field(min_length=1)
    next_public_env: str = Field(description="NEXT_PUBLIC_ENV; must equal the stack's environment.")


class ApiConfig(Model):
    root_directory: str = Field(min_length=1)
    node_env: Literal["production", "development", "test"]
    cors_allowed_origins: list[HttpsOrigin] = Field(min_length=1)


class RateLimitConfig(Model):
    window_seconds: int = Field(ge=10, le=600, description="Fixed window (Vercel allows 10 s..10 min).")
    requests_per_window: int = Field(ge=1, le=100_000, description="Per client IP, per window.")
    action: Literal["deny", "challenge", "rate_limit", "log"]


class FirewallConfig(Model):
    """Vercel Firewall for every project, and the API's rate limits and admin allowlist."""

    api_rate_limit: RateLimitConfig
    webhook_paths: list[UrlPath] = Field(
        min_length=1, description="Gateway webhook paths, exempt from the API rate limit."
    )
    admin_paths: list[UrlPath] = Field(min_length=1)
    admin_allowed_cidrs: list[Cidr] = Field(min_length=1, description="Office/VPN ranges for admin paths.")
    owasp_rules: bool
    bot_protection: bool
    attack_challenge_mode: bool = Field(description="Incident switch: challenge every visitor.")
    attack_challenge_until_ms: int = Field(
        default=0, ge=0, description="Unix ms when attack challenge mode ends; fixed, never computed."
    )


class LogStoreConfig(Model):
    """Where every runtime (Vercel projects, Railway workers) ships its logs."""

    name: str = Field(min_length=1)
    endpoint: HttpsUrl = Field(description="NDJSON ingest endpoint for Vercel log drains.")
    otlp_endpoint: HttpsUrl = Field(description="OTLP/HTTP endpoint for the workers' logs.")
    retention_days: int = Field(ge=1, le=3650, description="Retention the store is contracted for.")
    region: str = Field(min_length=1, description="Where the store keeps data, e.g. 'ap-south-1'.")


class GithubConfig(Model):
    owner: str = Field(pattern=r"^[A-Za-z0-9-]+$")
    repository: str = Field(pattern=r"^[A-Za-z0-9._-]+$")
    default_branch: str = Field(min_length=1)
    required_checks: list[str] = Field(min_length=1)
    app_required_checks: list[str] = Field(
        min_length=1, description="Checks the app repository (vercel.gitRepository) requires before a merge to "
                                  "vercel.productionBranch, the branch Vercel deploys to production.")
    required_approvals: int = Field(ge=0, le=6)
    production_reviewers: list[str] = Field(
        default_factory=list, description="GitHub team slugs that approve production rollouts."
    )
    # Repository adoption and security scanning (components/repository.py, docs/gates.md).
    visibility: Literal["private", "internal", "public"] = Field(
        description="This repository's visibility as GitHub holds it (adoption keeps it; a change here changes it).")
    app_visibility: Literal["private", "internal", "public"] = Field(
        description="The application repository's (vercel.gitRepository) visibility, likewise.")
    plan: Literal["free", "team", "enterprise"] = Field(
        description="The organisation's GitHub plan: what its private repositories may use (the pack checks).")
    security_products: list[Literal["secretProtection", "codeSecurity", "advancedSecurity"]] = Field(
        default_factory=list, description="Security products the organisation licenses for private repositories: "
                                          "GitHub Secret Protection, GitHub Code Security, or Advanced Security.")
    code_scanning_tools: list[str] = Field(
        min_length=1, description="Code-scanning tools whose results must exist, below the thresholds, before a merge.")
    code_scanning_security_threshold: Literal["none", "critical", "high_or_higher", "medium_or_higher", "all"] = \
        Field(description="Security-alert severity from which code scanning blocks a merge.")
    code_scanning_alerts_threshold: Literal["none", "errors", "errors_and_warnings", "all"] = Field(
        description="Alert severity (non-security) from which code scanning blocks a merge.")


FLAG_KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
FlagValue = bool | int | str


def validate_flags(flags: dict[str, FlagValue]) -> dict[str, FlagValue]:
    bad = [key for key in flags if not FLAG_KEY.match(key)]
    if bad:
        raise ValueError(f"feature flag key(s) {bad} must match {FLAG_KEY.pattern} (Edge Config keys)")
    return flags
