"""On-call (issue 13 item 4): PagerDuty users for the rotation, a schedule, an escalation policy and the
service critical alerts open incidents on, with one Events API v2 integration whose key the alerting
sources (Grafana's contact point, Checkly's alert channel) receive sealed.

The resource modules are imported by name, but that saves nothing: `pulumi_pagerduty/__init__.py` loads all of its
~90 modules whatever is imported (about 0.13 s CPU on every plan; `./dev bench` prints it).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_pagerduty.escalation_policy import EscalationPolicy
from pulumi_pagerduty.schedule import Schedule
from pulumi_pagerduty.service import Service
from pulumi_pagerduty.service_integration import ServiceIntegration
from pulumi_pagerduty.user import User

from config.observability import OnCallConfig
from config.vocabulary import facts

EVENTS_API_V2 = "events_api_v2_inbound_integration"


@dataclass(frozen=True)
class OnCallArgs:
    config: OnCallConfig
    """The rotation's members, shift length and escalation (lightspeedpay:oncall)."""
    name_prefix: str
    """Prefix of every PagerDuty-side name, so stacks never collide in one account."""


def _slug(email: str) -> str:
    return email.split("@", 1)[0].lower().replace(".", "-").replace("_", "-")


class OnCall(pulumi.ComponentResource):
    """The rotation and the service critical alerts page through."""

    users: list[User]
    schedule: Schedule
    escalation_policy: EscalationPolicy
    service: Service
    integration: ServiceIntegration
    integration_key: pulumi.Output[str]
    """Events API v2 routing key (secret): whoever holds it can open incidents, so it only travels sealed."""

    def __init__(self, name: str, args: OnCallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(facts.ONCALL, name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        cfg = args.config
        self.users = [User(f"{name}-user-{_slug(member.email)}", email=member.email, name=member.name,
                           time_zone=member.time_zone, role="user", opts=child)
                      for member in cfg.members]
        start = cfg.rotation_start.isoformat()
        self.schedule = Schedule(
            f"{name}-rotation", name=f"{args.name_prefix} on-call", time_zone=cfg.time_zone,
            description="The LightSpeedPay on-call rotation (declared from lightspeedpay:oncall).",
            layers=[{"name": "weekly" if cfg.shift_days == 7 else f"every {cfg.shift_days} days",
                     "start": start, "rotation_virtual_start": start,
                     "rotation_turn_length_seconds": cfg.shift_days * 86_400,
                     "users": [user.id for user in self.users]}],
            opts=child)
        # First the person on call; unacknowledged after the delay, everyone in the rotation.
        self.escalation_policy = EscalationPolicy(
            f"{name}-escalation", name=f"{args.name_prefix} critical", num_loops=cfg.escalation_loops,
            rules=[{"escalation_delay_in_minutes": cfg.escalation_delay_minutes,
                    "targets": [{"type": "schedule_reference", "id": self.schedule.id}]},
                   {"escalation_delay_in_minutes": cfg.escalation_delay_minutes,
                    "targets": [{"type": "user_reference", "id": user.id} for user in self.users]}],
            opts=child)
        self.service = Service(
            f"{name}-service", name=f"{args.name_prefix} critical alerts",
            description="Critical alerts of the payments platform: uptime, heartbeats, database, queue.",
            escalation_policy=self.escalation_policy.id,
            acknowledgement_timeout=str(cfg.acknowledgement_timeout_minutes * 60),
            auto_resolve_timeout="null",  # an incident closes when its source resolves it, never by a timer
            incident_urgency_rule={"type": "constant", "urgency": "high" if cfg.paging else "low"},
            opts=child)
        self.integration = ServiceIntegration(
            f"{name}-events", name=f"{args.name_prefix} Events API v2 (Grafana, Checkly)", service=self.service.id,
            type=EVENTS_API_V2,
            opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["integrationKey"]))
        self.integration_key = pulumi.Output.secret(self.integration.integration_key.apply(lambda key: key or ""))
        self.register_outputs({"serviceId": self.service.id})
