"""Heartbeats: Checkly monitors the background services ping, so a stalled worker or autoscaler pages someone.

Each monitor's ping token is generated here (a UUID, kept secret in state: anyone holding the URL could
silence the alarm) and its ping URL is delivered to the service as a sealed Railway variable,
`HEARTBEAT_URL` (components/jobs.py). Checkly alerts when no ping arrives within the period plus the grace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_checkly as checkly
import pulumi_random as random

from config.monitoring import HeartbeatsConfig

from .monitoring import alert_routing

PING_URL = "https://ping.checklyhq.com/"
"""Checkly's ping endpoint: ``<PING_URL><ping token>``, GET or POST."""
SERVICES = ("worker", "autoscaler")


@dataclass(frozen=True)
class HeartbeatsArgs:
    check_prefix: str
    """Prefix of every monitor's name (the stack's name prefix)."""
    settings: HeartbeatsConfig
    """Period and grace per service."""
    alert_channel_ids: Sequence[pulumi.Input[int]]
    """The stack's alert channels (UptimeMonitoring.alert_channel_ids)."""


class Heartbeats(pulumi.ComponentResource):
    """One heartbeat monitor per background service, and the secret ping URL each service gets."""

    monitors: dict[str, checkly.HeartbeatMonitor]
    ping_urls: dict[str, pulumi.Output[str]]
    """Service → its ping URL (secret)."""

    def __init__(self, name: str, args: HeartbeatsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("lightspeedpay:monitoring:Heartbeats", name, {}, opts)
        self.monitors, self.ping_urls = {}, {}
        for service in SERVICES:
            expected = getattr(args.settings, service)
            token = random.RandomUuid(f"{name}-{service}-ping-token", opts=pulumi.ResourceOptions(
                parent=self, additional_secret_outputs=["result"]))
            self.monitors[service] = checkly.HeartbeatMonitor(
                f"{name}-{service}",
                checkly.HeartbeatMonitorArgs(
                    name=f"{args.check_prefix} {service} heartbeat", activated=True,
                    heartbeat=checkly.HeartbeatMonitorHeartbeatArgs(
                        period=expected.period_minutes, period_unit="minutes", grace=expected.grace_minutes,
                        grace_unit="minutes", ping_token=pulumi.Output.secret(token.result)),
                    tags=[args.check_prefix, "heartbeat", f"service:{service}"],
                    **alert_routing(args.alert_channel_ids, checkly.HeartbeatMonitorAlertChannelSubscriptionArgs,
                                    checkly.HeartbeatMonitorAlertSettingsArgs,
                                    checkly.HeartbeatMonitorAlertSettingsRunBasedEscalationArgs)),
                opts=pulumi.ResourceOptions(parent=self))
            self.ping_urls[service] = pulumi.Output.secret(pulumi.Output.concat(PING_URL, token.result))
        self.register_outputs({"monitors": list(self.monitors)})
