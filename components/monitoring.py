"""Uptime monitoring and alerting: a Checkly check per public endpoint, an SSL monitor per public hostname,
and the alert channels every Checkly monitor of the stack reports to (email, Slack, and whatever further
route the stack adds, e.g. the on-call service)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_checkly as checkly

from config.monitoring import MonitoringConfig
from config.vocabulary import facts


@dataclass(frozen=True)
class Endpoint:
    name: str
    """Short name, e.g. ``api``."""
    url: str
    """Full https URL to request."""


@dataclass(frozen=True)
class UptimeMonitoringArgs:
    check_prefix: str
    """Prefix of every check's name (the stack's name prefix)."""
    endpoints: Sequence[Endpoint]
    """Every public endpoint of the stack."""
    settings: MonitoringConfig
    """Frequency, locations, thresholds and alert destinations."""
    hostnames: Sequence[str] = ()
    """Every public hostname (redirecting ones too): each gets an SSL monitor."""
    extra_channels: Sequence[pulumi.Input[int]] = ()
    """Ids of further Checkly alert channels every monitor of the stack reports to. The on-call work passes its
    paging channel here (an `AlertChannel(pagerduty=…)`); email and Slack stay the lower routes."""


def alert_routing(channel_ids: Sequence[pulumi.Input[int]], subscription: Callable[..., Any],
                  settings: Callable[..., Any], escalation: Callable[..., Any]) -> dict[str, Any]:
    """The alerting arguments every Checkly monitor of the stack shares: each channel subscribed, the stack's own
    settings (not the account's global ones), an alert on the first failed run. Checkly has one argument class
    per monitor type (``CheckAlertChannelSubscriptionArgs``, ``SslMonitor…``, ``HeartbeatMonitor…``): pass them."""
    return {"alert_channel_subscriptions": [subscription(activated=True, channel_id=c) for c in channel_ids],
            "use_global_alert_settings": False,
            "alert_settings": settings(escalation_type="RUN_BASED",
                                       run_based_escalations=[escalation(failed_run_threshold=1)])}


def paging_channel(name: str, service_key: pulumi.Input[str], service_name: str, settings: MonitoringConfig,
                   opts: pulumi.ResourceOptions | None = None) -> checkly.AlertChannel:
    """Checkly's route to the on-call service (PagerDuty Events API v2, the key sealed): failures page and
    recoveries resolve; degradations stay with email and Slack, which wake nobody. Certificates close to expiry
    page on the stack's one threshold (an SSL monitor fails then anyway)."""
    return checkly.AlertChannel(name, checkly.AlertChannelArgs(
        pagerduty=checkly.AlertChannelPagerdutyArgs(service_key=service_key, service_name=service_name),
        send_failure=True, send_recovery=True, send_degraded=False, ssl_expiry=True,
        ssl_expiry_threshold=settings.ssl_expiry_alert_days), opts=opts)


def check_alerting(channel_ids: Sequence[pulumi.Input[int]]) -> dict[str, Any]:
    """`alert_routing` for `checkly.Check` (uptime and browser checks)."""
    return alert_routing(channel_ids, checkly.CheckAlertChannelSubscriptionArgs, checkly.CheckAlertSettingsArgs,
                         checkly.CheckAlertSettingsRunBasedEscalationArgs)


def _slug(text: str) -> str:
    return text.replace(".", "-")


class UptimeMonitoring(pulumi.ComponentResource):
    """Checks each endpoint from the configured locations (Mumbai first) every few minutes, asserts
    HTTP 200 within the response-time budget and the certificate's validity, watches each hostname's
    certificate with an SSL monitor, and alerts on failure, degradation, recovery and certificates close
    to expiry (the one `monitoring.sslExpiryAlertDays` setting, which `ops.smoke` applies too)."""

    checks: dict[str, checkly.Check]
    ssl_monitors: dict[str, checkly.SslMonitor]
    alert_channel_ids: list[pulumi.Input[int]]
    """Every channel the stack's monitors report to: other monitoring components subscribe to the same."""

    def __init__(self, name: str, args: UptimeMonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(facts.MONITORING, name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        settings = args.settings
        def channel_args(email: checkly.AlertChannelEmailArgs | None = None,
                         slack_app: checkly.AlertChannelSlackAppArgs | None = None) -> checkly.AlertChannelArgs:
            return checkly.AlertChannelArgs(
                email=email, slack_app=slack_app, send_failure=True, send_degraded=True, send_recovery=True,
                ssl_expiry=True, ssl_expiry_threshold=settings.ssl_expiry_alert_days)

        email = checkly.AlertChannel(
            f"{name}-email", channel_args(email=checkly.AlertChannelEmailArgs(address=settings.alert_email)),
            opts=child)
        # Through Checkly's Slack app (installed once in the workspace): no webhook URL to keep secret.
        slack = checkly.AlertChannel(
            f"{name}-slack",
            channel_args(slack_app=checkly.AlertChannelSlackAppArgs(slack_channels=[settings.slack_channel])),
            opts=child)
        self.alert_channel_ids = [email.id.apply(int), slack.id.apply(int), *args.extra_channels]

        self.checks = {}
        for endpoint in args.endpoints:
            self.checks[endpoint.name] = checkly.Check(
                f"{name}-{endpoint.name}",
                checkly.CheckArgs(
                    name=f"{args.check_prefix} {endpoint.name}",
                    type="API",
                    activated=True,
                    frequency=settings.frequency_minutes,
                    locations=list(settings.locations),
                    # A failed run is retried once from another location before anyone is paged.
                    retry_strategy=checkly.CheckRetryStrategyArgs(type="SINGLE_RETRY", same_region=False),
                    degraded_response_time=settings.degraded_response_ms,
                    max_response_time=settings.max_response_ms,
                    ssl_check_domain=endpoint.url.split("/")[2],
                    request=checkly.CheckRequestArgs(
                        url=endpoint.url, method="GET", follow_redirects=False,
                        assertions=[checkly.CheckRequestAssertionArgs(
                            source="STATUS_CODE", comparison="EQUALS", target="200")]),
                    tags=[args.check_prefix],
                    **check_alerting(self.alert_channel_ids),
                ),
                opts=child,
            )

        # The certificate of every hostname, redirecting ones too (they serve a certificate before they redirect).
        self.ssl_monitors = {
            hostname: checkly.SslMonitor(
                f"{name}-ssl-{_slug(hostname)}",
                checkly.SslMonitorArgs(
                    name=f"{args.check_prefix} certificate {hostname}", activated=True,
                    frequency=settings.ssl_frequency_minutes, locations=list(settings.locations),
                    request=checkly.SslMonitorRequestArgs(
                        hostname=hostname, port=443, alert_days_before_expiry=settings.ssl_expiry_alert_days),
                    tags=[args.check_prefix],
                    **alert_routing(self.alert_channel_ids, checkly.SslMonitorAlertChannelSubscriptionArgs,
                                    checkly.SslMonitorAlertSettingsArgs,
                                    checkly.SslMonitorAlertSettingsRunBasedEscalationArgs)),
                opts=child)
            for hostname in args.hostnames
        }
        published = facts.MonitoringFacts(entitlements=list(settings.checkly_entitlements))
        self.register_outputs({"checks": list(self.checks), facts.FACTS_KEY: published.publish()})
