"""What a stack wants from metrics, dashboards and on-call (issue 13 items 2 and 4).

`lightspeedpay:oncall` is the guide's "emergency contact list" as config: the rotation's members are
PagerDuty users declared from here. Until real people are named they are example values
(``PLACEHOLDER-…``), which previews plan with and `pulumi up` refuses (config/placeholders.py).
`lightspeedpay:metrics` is the Grafana Cloud stack (India region), what it scrapes and the thresholds of
the alert rules and Vercel alert rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, field_validator

from .types import AwareDatetime, Model
from .vocabulary import placeholders

_EMAIL = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"


class OnCallMember(Model):
    """One person in the rotation, as a PagerDuty user."""

    name: str = Field(min_length=1, max_length=100)
    email: str = Field(pattern=_EMAIL, description="Their work address: PagerDuty's login and first contact.")
    time_zone: str = Field(default="Asia/Kolkata", pattern=r"^[A-Za-z_]+/[A-Za-z_]+$")


class OnCallConfig(Model):
    """The on-call rotation, its escalation and the PagerDuty service critical alerts open incidents on."""

    service_region: Literal["us", "eu"] = Field(
        description="PagerDuty service region of the account (no India region exists: a data-residency finding).")
    paging: bool = Field(description="true: high urgency, escalates and pages; false (staging): low urgency, "
                                     "notifies the person on call without escalating or waking anyone.")
    members: list[OnCallMember] = Field(min_length=1, description="The rotation in order; each is a PagerDuty user.")
    time_zone: str = Field(default="Asia/Kolkata", pattern=r"^[A-Za-z_]+/[A-Za-z_]+$")
    rotation_start: AwareDatetime = Field(description="When the first shift began (ISO 8601 with an offset).")
    shift_days: int = Field(ge=1, le=14, description="Length of one person's shift.")
    escalation_delay_minutes: int = Field(ge=5, le=60, description="Unacknowledged this long, the incident "
                                                                   "escalates from the person on call to everyone.")
    escalation_loops: int = Field(ge=0, le=9, description="Times the escalation repeats before it stops.")
    acknowledgement_timeout_minutes: int = Field(ge=5, le=1440, description="An acknowledged incident that is not "
                                                                            "resolved re-triggers after this long.")

    @field_validator("members")
    @classmethod
    def _distinct(cls, value: list[OnCallMember]) -> list[OnCallMember]:
        emails = [m.email.lower() for m in value]
        doubled = sorted({e for e in emails if emails.count(e) > 1})
        if doubled:
            raise ValueError(f"each member once; listed twice: {doubled}")
        return value

    @property
    def named(self) -> bool:
        """Whether every member is a real person (no example value left)."""
        return not any(placeholders.placeholder_kind(v) for m in self.members for v in (m.name, m.email))


class MetricsConfig(Model):
    """Grafana Cloud (metrics, dashboards, alert rules) and Vercel's own alert rules for the API."""

    grafana_stack_slug: str = Field(pattern=r"^[a-z][a-z0-9]{2,28}$",
                                    description="Grafana Cloud stack: https://<slug>.grafana.net.")
    grafana_region: str = Field(pattern=r"^[a-z0-9-]{3,40}$",
                                description="Grafana Cloud region slug; India: prod-ap-south-0 or prod-ap-south-1.")
    scrape_interval_seconds: Literal[30, 60, 120] = Field(
        description="How often Grafana Cloud scrapes Supabase's metrics endpoint (the endpoint refreshes each minute).")
    alert_interval_seconds: int = Field(ge=10, le=300, description="How often the alert rules are evaluated.")
    database_cpu_percent: float = Field(gt=0, le=100, description="Database CPU above this for 10 minutes warns.")
    database_disk_free_percent: float = Field(gt=0, lt=100, description="Free disk below this pages (critical).")
    database_connections: int = Field(ge=1, description="Client backends above this for 10 minutes warn.")
    queue_depth: int = Field(ge=1, description="Jobs waiting above this for 10 minutes pages (critical).")
    api_error_rate_percent: float = Field(gt=0, le=100, description="API 5xx share above this (5-minute window) "
                                                                    "alerts through Vercel (Observability Plus).")
    api_p95_latency_ms: int = Field(ge=50, le=60_000, description="API p95 duration above this (5-minute window) "
                                                                  "alerts through Vercel (Observability Plus).")
    vercel_observability_plus: bool = Field(
        description="Whether the team bought Observability Plus, which Vercel's threshold (custom) alert rules "
                    "need; without it only the built-in anomaly rules are declared, and the pack says so.")
    vercel_slack_channel_id: str = Field(
        pattern=r"^(C[A-Z0-9]{8,12}|PLACEHOLDER-[A-Za-z0-9-]+)$",
        description="Slack channel id (C…) Vercel's Slack app posts the API's alerts to.")


ADVISORS_WORKFLOW = ".github/workflows/advisors.yml"
"""The workflow that runs `python -m ops.advisors` on a schedule (docs/observability-oncall.md)."""


def advisors_schedule(root: Path) -> list[str]:
    """The cron lines the advisors workflow is scheduled on, as GitHub reads them; [] when it has none."""
    path = root / ADVISORS_WORKFLOW
    if not path.is_file():
        return []
    document: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    triggers = document.get("on", document.get(True)) if isinstance(document, dict) else None  # YAML 1.1: on → True
    schedule = triggers.get("schedule") if isinstance(triggers, dict) else None
    return [str(entry["cron"]) for entry in schedule or [] if isinstance(entry, dict) and entry.get("cron")]
