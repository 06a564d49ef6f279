"""Vercel Firewall rules for each app, built from config (pure functions, easy to read and test).

Rule order is evaluation order. A `FirewallConfig` owns the project's whole firewall, so these
lists are the complete truth: a rule added in the dashboard is overwritten on the next `up`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumiverse_vercel as vercel

from config.edge import FirewallConfig
from config.gateways import GatewaysConfig

Condition = vercel.FirewallConfigRulesRuleConditionGroupConditionArgs
Group = vercel.FirewallConfigRulesRuleConditionGroupArgs
Rule = vercel.FirewallConfigRulesRuleArgs
Action = vercel.FirewallConfigRulesRuleActionArgs


def _path_prefix(path: str, negate: bool = False) -> Condition:
    return Condition(type="path", op="pre", value=path, neg=negate)


def admin_allowlist(firewall: FirewallConfig) -> Rule:
    """Deny admin paths to every address outside the office/VPN ranges (one group per path)."""
    return Rule(
        name="admin-ip-allowlist",
        description="Admin paths only from the configured office and VPN ranges",
        condition_groups=[
            Group(conditions=[_path_prefix(path),
                              Condition(type="ip_address", op="inc", neg=True,
                                        values=list(firewall.admin_allowed_cidrs))])
            for path in firewall.admin_paths
        ],
        action=Action(action="deny"),
        active=True,
    )


def phonepe_callback_allowlist(gateways: GatewaysConfig) -> Rule:
    """PhonePe's callback hash is a static shared secret, so the source-IP allowlist adds real assurance."""
    return Rule(
        name="phonepe-callback-ip-allowlist",
        description="PhonePe callbacks only from PhonePe's published source ranges",
        condition_groups=[Group(conditions=[
            _path_prefix(gateways.phonepe.callback_path),
            Condition(type="ip_address", op="inc", neg=True, values=list(gateways.phonepe.allowed_source_cidrs)),
        ])],
        action=Action(action="deny"),
        active=True,
    )


def api_rate_limit(firewall: FirewallConfig) -> Rule:
    """Per-IP fixed-window limit on the API; gateway webhook paths are excluded so retries never throttle."""
    limit = firewall.api_rate_limit
    return Rule(
        name="api-rate-limit",
        description="Per-client rate limit on the payments API, except gateway webhooks",
        condition_groups=[Group(conditions=[_path_prefix(path, negate=True) for path in firewall.webhook_paths])],
        action=Action(
            action="rate_limit",
            rate_limit=vercel.FirewallConfigRulesRuleActionRateLimitArgs(
                algo="fixed_window", window=limit.window_seconds, limit=limit.requests_per_window,
                keys=["ip"], action=limit.action),
        ),
        active=True,
    )


def _owasp(active: bool) -> vercel.FirewallConfigManagedRulesetsOwaspArgs | None:
    if not active:
        return None
    return vercel.FirewallConfigManagedRulesetsOwaspArgs(
        sqli=vercel.FirewallConfigManagedRulesetsOwaspSqliArgs(action="deny", active=True),
        xss=vercel.FirewallConfigManagedRulesetsOwaspXssArgs(action="deny", active=True),
        rce=vercel.FirewallConfigManagedRulesetsOwaspRceArgs(action="deny", active=True),
        lfi=vercel.FirewallConfigManagedRulesetsOwaspLfiArgs(action="deny", active=True),
        rfi=vercel.FirewallConfigManagedRulesetsOwaspRfiArgs(action="deny", active=True),
        gen=vercel.FirewallConfigManagedRulesetsOwaspGenArgs(action="deny", active=True),
    )


def managed_rulesets(firewall: FirewallConfig, machine_clients: bool) -> vercel.FirewallConfigManagedRulesetsArgs:
    """OWASP core rules and bot protection.

    A machine-facing project (the API: gateways' webhooks, merchants' servers) only *logs* bots:
    a browser challenge would fail every server-to-server call.
    """
    bot_action = "log" if machine_clients else "challenge"
    return vercel.FirewallConfigManagedRulesetsArgs(
        owasp=_owasp(firewall.owasp_rules),
        bot_protection=vercel.FirewallConfigManagedRulesetsBotProtectionArgs(
            action=bot_action, active=firewall.bot_protection),
    )


def site_rules(firewall: FirewallConfig) -> Sequence[Rule]:
    return [admin_allowlist(firewall)]


def api_rules(firewall: FirewallConfig, gateways: GatewaysConfig) -> Sequence[Rule]:
    # Allowlists first: a denied request must not also spend the client's rate-limit budget.
    return [admin_allowlist(firewall), phonepe_callback_allowlist(gateways), api_rate_limit(firewall)]
