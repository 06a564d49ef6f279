"""Functional checks after a release: Checkly browser (Playwright) checks of the critical user flows.

The scripts live in this repository (`checks/browser/*.spec.js`, checked by tests/test_browser_checks.py) and
run as one Checkly group, on a schedule and whenever a release calls the group's trigger URL (a secret: it
carries its token). Flows: the site, the checkout page, admin refused outside the allowlist (Checkly's
locations are not on it), and the payment path fit for the stack (docs/observability.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_checkly as checkly

from config.monitoring import MonitoringConfig
from config.vocabulary import facts, thresholds

from .monitoring import check_alerting

SCRIPTS = Path(__file__).resolve().parent.parent / "checks" / "browser"
FLOWS = thresholds.BROWSER_FLOWS
"""Each flow is `checks/browser/<flow>.spec.js`, a check tagged `flow:<flow>`."""


@dataclass(frozen=True)
class BrowserChecksArgs:
    check_prefix: str
    """Prefix of every check's name (the stack's name prefix), also its tag."""
    settings: MonitoringConfig
    site_url: str
    checkout_url: str
    order_url: str
    admin_urls: Sequence[str]
    """Every admin path on the site and the API: each must be refused from Checkly's locations."""
    merchant_key: pulumi.Input[str]
    """The synthetic merchant's API key (secret; a secret Checkly variable, never shown)."""
    alert_channel_ids: Sequence[pulumi.Input[int]]


def script(flow: str) -> str:
    return (SCRIPTS / f"{flow}.spec.js").read_text(encoding="utf-8")


class BrowserChecks(pulumi.ComponentResource):
    """The release-verification group of browser checks and its trigger."""

    group: checkly.CheckGroupV2
    checks: dict[str, checkly.Check]
    trigger_url: pulumi.Output[str]
    """POST it to run the group now (secret: the URL carries the trigger's token)."""

    def __init__(self, name: str, args: BrowserChecksArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(facts.BROWSER_CHECKS, name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        browser = args.settings.browser_checks

        def variable(key: str, value: pulumi.Input[str],
                     secret: bool = False) -> checkly.CheckGroupV2EnvironmentVariableArgs:
            return checkly.CheckGroupV2EnvironmentVariableArgs(key=key, value=value, secret=secret, locked=secret)

        self.group = checkly.CheckGroupV2(
            f"{name}-group",
            checkly.CheckGroupV2Args(
                name=f"{args.check_prefix} release verification", activated=True, concurrency=2,
                environment_variables=[
                    variable("SITE_URL", args.site_url), variable("CHECKOUT_URL", args.checkout_url),
                    variable("ORDER_URL", args.order_url), variable("ADMIN_URLS", ",".join(args.admin_urls)),
                    variable("PAYMENT_MODE", browser.payment_mode),
                    variable("PAGE_LOAD_BUDGET_MS", str(browser.page_load_budget_ms)),
                    variable("SYNTHETIC_MERCHANT_KEY", pulumi.Output.secret(args.merchant_key), secret=True)],
                tags=[args.check_prefix, "release"]),
            opts=child)
        group_id = self.group.id.apply(int)
        self.checks = {
            flow: checkly.Check(
                f"{name}-{flow}",
                checkly.CheckArgs(
                    name=f"{args.check_prefix} {flow} flow", type="BROWSER", activated=True,
                    frequency=browser.frequency_minutes, locations=list(args.settings.locations),
                    script=script(flow), group_id=group_id,
                    retry_strategy=checkly.CheckRetryStrategyArgs(type="SINGLE_RETRY", same_region=False),
                    tags=[args.check_prefix, "release", f"flow:{flow}"], **check_alerting(args.alert_channel_ids)),
                opts=child)
            for flow in FLOWS
        }
        trigger = checkly.TriggerCheckGroup(
            f"{name}-release-trigger", checkly.TriggerCheckGroupArgs(group_id=group_id),
            opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["url", "token"]))
        self.trigger_url = pulumi.Output.secret(trigger.url)
        # The pack checks each check still runs the committed script (a careless edit in Checkly's UI, or of the
        # state, would not).
        published = facts.BrowserChecksFacts(
            scripts={flow: hashlib.sha256(script(flow).encode()).hexdigest() for flow in FLOWS})
        self.register_outputs({"checks": list(self.checks), facts.FACTS_KEY: published.publish()})
