"""The whole of what one stack wants, and the rules that tie its parts together."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .attestations import Attestation, validate_attestation_ids
from .aws import AwsConfig, BackupsConfig, LogStoreConfig
from .database import DatabaseConfig
from .edge import (
    ApiConfig,
    DnsConfig,
    DomainsConfig,
    FirewallConfig,
    FlagValue,
    FrontendConfig,
    GithubConfig,
    TlsConfig,
    VercelConfig,
    validate_flags,
)
from .error_tracking import ErrorTrackingConfig
from .errors import ConfigIssue
from .gateways import GatewaysConfig
from .jobs import JobsConfig
from .monitoring import MonitoringConfig
from .observability import MetricsConfig, OnCallConfig
from .types import Model, is_under_zone
from .vocabulary import oncall, thresholds

PROJECT = "lightspeedpay"
"""The Pulumi project name, and so the namespace of every project config key."""

Environment = Literal["production", "staging"]


class StackConfig(Model):
    """Every non-secret setting of one stack. Each field is one `lightspeedpay:<key>` in the stack file."""

    environment: Environment = Field(description="Which environment this stack is.")
    dns: DnsConfig
    domains: DomainsConfig
    tls: TlsConfig
    vercel: VercelConfig
    frontend: FrontendConfig
    api: ApiConfig
    firewall: FirewallConfig
    log_store: LogStoreConfig
    feature_flags: dict[str, FlagValue] = Field(default_factory=dict)
    github: GithubConfig | None = Field(
        default=None, description="Repository protection; owned by the production stack only.")
    jobs: JobsConfig
    database: DatabaseConfig
    gateways: GatewaysConfig
    monitoring: MonitoringConfig
    metrics: MetricsConfig
    oncall: OnCallConfig
    error_tracking: ErrorTrackingConfig
    aws: AwsConfig
    backups: BackupsConfig
    attestations: dict[str, Attestation] = Field(
        default_factory=dict, description="Sign-offs for the checklist's human steps (config/attestations.py).")

    @field_validator("attestations")
    @classmethod
    def _attestations(cls, value: dict[str, Attestation]) -> dict[str, Attestation]:
        return validate_attestation_ids(value)

    @field_validator("feature_flags")
    @classmethod
    def _flags(cls, value: dict[str, FlagValue]) -> dict[str, FlagValue]:
        return validate_flags(value)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def name_prefix(self) -> str:
        """Prefix of every vendor-side name, so stacks never collide in a shared account."""
        return PROJECT if self.is_production else f"{PROJECT}-{self.environment}"


def top_level_keys() -> dict[str, str]:
    """Config key (camelCase, as in the stack file) → field name, for every StackConfig field."""
    return {(f.alias or name): name for name, f in StackConfig.model_fields.items()}


def cross_checks(cfg: StackConfig) -> list[ConfigIssue]:
    """Rules that span sections; each issue names the key that has to change."""
    issues: list[ConfigIssue] = []
    key = f"{PROJECT}:"

    for field, host in cfg.domains.model_dump(exclude_none=True).items():
        if not is_under_zone(host, cfg.dns.zone):
            issues.append(ConfigIssue(
                f"{key}domains.{field}", f"must be inside the DNS zone '{cfg.dns.zone}'", host))

    if cfg.frontend.next_public_env != cfg.environment:
        issues.append(ConfigIssue(
            f"{key}frontend.nextPublicEnv", f"must equal the stack environment '{cfg.environment}'",
            cfg.frontend.next_public_env))

    expected_origins = {f"https://{cfg.domains.site}", f"https://{cfg.domains.checkout}"}
    if set(cfg.api.cors_allowed_origins) != expected_origins:
        issues.append(ConfigIssue(
            f"{key}api.corsAllowedOrigins",
            f"must be exactly the site and checkout origins {sorted(expected_origins)}",
            cfg.api.cors_allowed_origins))

    expected_mode = "live" if cfg.is_production else "test"
    if cfg.gateways.mode != expected_mode:
        issues.append(ConfigIssue(
            f"{key}gateways.mode",
            f"the {cfg.environment} stack must use '{expected_mode}' gateway keys", cfg.gateways.mode))

    missing = [p for p in cfg.gateways.webhook_paths() if p not in cfg.firewall.webhook_paths]
    if missing:
        issues.append(ConfigIssue(
            f"{key}firewall.webhookPaths",
            f"must list every gateway webhook path so rate limits never throttle them; missing {missing}",
            cfg.firewall.webhook_paths))

    previews = cfg.vercel.previews
    if cfg.vercel.preview_deployments and previews is None:
        issues.append(ConfigIssue(f"{key}vercel.previews",
                                  "is required when previewDeployments is on", has_value=False))
    if previews is not None:
        own = {f"https://{host}" for host in cfg.domains.all()}
        for field, url in (("apiUrl", previews.api_url), ("checkoutUrl", previews.checkout_url)):
            if url.rstrip("/") in own or any(url.startswith(o + "/") for o in own):
                issues.append(ConfigIssue(f"{key}vercel.previews.{field}",
                                          "previews must not point at this stack's own public endpoints", url))
        if previews.next_public_env == cfg.environment:
            issues.append(ConfigIssue(f"{key}vercel.previews.nextPublicEnv",
                                      f"must differ from '{cfg.environment}' so previews never pass for it",
                                      previews.next_public_env))

    if cfg.is_production and cfg.github is None:
        issues.append(ConfigIssue(f"{key}github", "production must declare the repository protection",
                                  has_value=False))
    if cfg.github is not None and cfg.vercel.git_repository.split("/", 1)[0] != cfg.github.owner:
        issues.append(ConfigIssue(
            f"{key}vercel.gitRepository", f"must belong to lightspeedpay:github.owner ('{cfg.github.owner}'), whose "
                                         f"token protects the branch Vercel deploys", cfg.vercel.git_repository))
    if not cfg.is_production and cfg.github is not None:
        issues.append(ConfigIssue(
            f"{key}github", "only the production stack manages the repository (stacks share no resource)",
            cfg.github.repository))

    for field, message, value in cfg.jobs.replica_issues():
        issues.append(ConfigIssue(f"{key}jobs.{field}", message, value))
    if cfg.firewall.attack_challenge_mode and cfg.firewall.attack_challenge_until_ms == 0:
        issues.append(ConfigIssue(f"{key}firewall.attackChallengeUntilMs",
                                  "must be set (Unix ms) when attackChallengeMode is on", 0))

    monitoring = cfg.monitoring
    if monitoring.degraded_response_ms >= monitoring.max_response_ms:
        issues.append(ConfigIssue(f"{key}monitoring.degradedResponseMs",
                                  f"must be below maxResponseMs ({monitoring.max_response_ms})",
                                  monitoring.degraded_response_ms))

    for field, message, value in cfg.backups.issues(cfg.aws.region):
        issues.append(ConfigIssue(f"{key}backups.{field}", message, value))

    if cfg.is_production:
        issues += guide_issues(cfg)
    return issues


def guide_issues(cfg: StackConfig) -> list[ConfigIssue]:
    """Production runs with the deployment guide's own values (thresholds.GUIDE_*, which the pack checks too)."""
    issues: list[ConfigIssue] = []
    key = f"{PROJECT}:"
    given = {
        ("api", "NODE_ENV"): ("api.nodeEnv", cfg.api.node_env),
        ("workers", "NODE_ENV"): ("jobs.nodeEnv", cfg.jobs.node_env),
        ("workers", "LOG_LEVEL"): ("jobs.logLevel", cfg.jobs.log_level),
        ("workers", "JOB_CONCURRENCY"): ("jobs.jobConcurrency", cfg.jobs.job_concurrency),
    }
    for app, values in thresholds.GUIDE_RUNTIME.items():
        for variable, wanted in values.items():
            path, value = given[(app, variable)]
            if str(value) != wanted:
                issues.append(ConfigIssue(f"{key}{path}", f"the guide sets {variable}={wanted} in production", value))
    if not cfg.oncall.paging:
        issues.append(ConfigIssue(f"{key}oncall.paging", "production's critical alerts page the person on call",
                                  cfg.oncall.paging))
    if len(cfg.oncall.members) < oncall.MIN_ROTATION_MEMBERS:
        issues.append(ConfigIssue(f"{key}oncall.members", f"production's rotation needs at least "
                                  f"{oncall.MIN_ROTATION_MEMBERS} people", len(cfg.oncall.members)))
    least, most = thresholds.GUIDE_WORKER_REPLICAS
    if cfg.jobs.min_replicas < least:
        issues.append(ConfigIssue(f"{key}jobs.minReplicas", f"the guide keeps at least {least} workers in production",
                                  cfg.jobs.min_replicas))
    if cfg.jobs.max_replicas < most:
        issues.append(ConfigIssue(f"{key}jobs.maxReplicas", f"the guide scales workers up to {most} in production",
                                  cfg.jobs.max_replicas))
    return issues
