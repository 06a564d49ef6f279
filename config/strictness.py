"""Production must be at least as strict as staging, setting by setting.

A change that tightens staging but not production (or loosens production below staging) is almost
always a mistake; this check fails it before any resource is declared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ConfigIssue
from .model import PROJECT, StackConfig
from .vocabulary import thresholds

_SSL_ORDER = thresholds.SSL_MODES
_RESTART_ORDER = ("NEVER", "ON_FAILURE", "ALWAYS")


@dataclass(frozen=True)
class Rule:
    path: str
    """Dotted camelCase path below the namespace, e.g. ``tls.hsts.maxAgeSeconds``."""
    stricter: str
    """'higher', 'lower', 'true', 'false' or 'rank' (with an order)."""
    order: tuple[str, ...] = ()

    def holds(self, prod: Any, staging: Any) -> bool:
        if self.stricter == "higher":
            return bool(prod >= staging)
        if self.stricter == "lower":
            return bool(prod <= staging)
        if self.stricter == "true":
            return bool(prod) or not staging
        if self.stricter == "false":
            return not prod or bool(staging)
        return self.order.index(prod) >= self.order.index(staging)

    def explain(self) -> str:
        return {
            "higher": "must be at least staging's",
            "lower": "must be at most staging's",
            "true": "must be on when staging has it on",
            "false": "must be off when staging has it off",
        }.get(self.stricter, f"must rank at least as strict as staging's (order: {' < '.join(self.order)})")


RULES: tuple[Rule, ...] = (
    Rule("tls.sslMode", "rank", _SSL_ORDER),
    Rule("tls.minTlsVersion", "higher"),
    Rule("tls.alwaysUseHttps", "true"),
    Rule("tls.hsts.enabled", "true"),
    Rule("tls.hsts.maxAgeSeconds", "higher"),
    Rule("tls.dnssec", "true"),
    Rule("vercel.functions.failover", "false"),
    Rule("firewall.owaspRules", "true"),
    Rule("firewall.botProtection", "true"),
    Rule("jobs.minReplicas", "higher"),
    Rule("jobs.restartPolicy", "rank", _RESTART_ORDER),
    Rule("database.dailyBackups", "true"),
    Rule("database.pitrDays", "higher"),
    Rule("database.sslEnforced", "true"),
    Rule("database.audit.pgaudit", "true"),
    Rule("database.auth.jwtExpirySeconds", "lower"),
    Rule("database.auth.refreshTokenRotation", "true"),
    Rule("database.auth.mfaTotp", "true"),
    Rule("database.auth.passwordMinLength", "higher"),
    Rule("database.recovery.rpoMinutes", "lower"),
    Rule("database.recovery.rtoMinutes", "lower"),
    Rule("monitoring.frequencyMinutes", "lower"),
    Rule("backups.retentionDays", "higher"),
)


def _get(document: dict[str, Any], path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        value = value[part]
    return value


def compare(production: StackConfig, staging: StackConfig,
            rules: tuple[Rule, ...] = RULES) -> list[ConfigIssue]:
    """Issues for every rule production breaks, each naming production's key and both values."""
    prod_doc = production.model_dump(by_alias=True)
    staging_doc = staging.model_dump(by_alias=True)
    issues: list[ConfigIssue] = []
    for rule in rules:
        prod, stage = _get(prod_doc, rule.path), _get(staging_doc, rule.path)
        if not rule.holds(prod, stage):
            issues.append(ConfigIssue(
                f"{PROJECT}:{rule.path}",
                f"production {rule.explain()} ({stage!r}); production may not be looser than staging",
                prod))
    return issues



def shared_resources(production: StackConfig, staging: StackConfig) -> list[ConfigIssue]:
    """Stacks share no vendor-side resource: the same zone, hostname or project name in both would
    make two stacks manage (and fight over, or destroy) one thing."""
    issues: list[ConfigIssue] = []
    pairs = [
        ("dns.zone", [production.dns.zone], [staging.dns.zone]),
        ("domains", production.domains.all(), staging.domains.all()),
        ("database.projectName", [production.database.project_name], [staging.database.project_name]),
        ("jobs.projectName", [production.jobs.project_name], [staging.jobs.project_name]),
        ("aws.accountId", [production.aws.account_id], [staging.aws.account_id]),
        ("backups.bucketName", [production.backups.bucket_name], [staging.backups.bucket_name]),
    ]
    for path, ours, theirs in pairs:
        common = sorted(set(ours) & set(theirs))
        if common:
            issues.append(ConfigIssue(f"{PROJECT}:{path}", "production and staging must not share a resource "
                                      f"(both declare {common})", ours if len(ours) > 1 else ours[0]))
    return issues
