"""Uptime monitoring and alerting: a Checkly check per public endpoint, alerts to email and Slack."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_checkly as checkly

from config.monitoring import MonitoringConfig


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


class UptimeMonitoring(pulumi.ComponentResource):
    """Checks each endpoint from the configured locations (Mumbai first) every few minutes, asserts
    HTTP 200 within the response-time budget and the certificate's validity, and alerts on failure,
    degradation, recovery and certificates close to expiry."""

    checks: dict[str, checkly.Check]
    alert_channel_ids: list[pulumi.Output[str]]
    """The stack's alert channels (email, Slack), for other monitors to route to."""

    def __init__(self, name: str, args: UptimeMonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("lightspeedpay:monitoring:UptimeMonitoring", name, {}, opts)
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
        self.alert_channel_ids = [email.id, slack.id]
        subscriptions = [checkly.CheckAlertChannelSubscriptionArgs(activated=True, channel_id=channel.id.apply(int))
                         for channel in (email, slack)]

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
                    alert_channel_subscriptions=subscriptions,
                    use_global_alert_settings=False,
                    alert_settings=checkly.CheckAlertSettingsArgs(
                        escalation_type="RUN_BASED",
                        run_based_escalations=[checkly.CheckAlertSettingsRunBasedEscalationArgs(failed_run_threshold=1)],
                    ),
                    tags=[args.check_prefix],
                ),
                opts=child,
            )
        self.register_outputs({"checks": list(self.checks)})
