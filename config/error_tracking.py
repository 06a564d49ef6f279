"""What a stack wants from error tracking and performance monitoring (Sentry)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .types import Model

SLUG = r"^[a-z0-9_\-]*[a-z_\-][a-z0-9_\-]*$"
"""A Sentry slug: lower-case letters, digits, _ and -, not only digits (pydantic regexes have no look-ahead)."""
SENTRY_ID = r"^([0-9]+|PLACEHOLDER-[A-Za-z0-9-]+)$"
"""A Sentry-side numeric id, or a PLACEHOLDER- value until it is known (`pulumi up` refuses those)."""


class PagerDutyRoute(Model):
    """Sentry's PagerDuty integration, installed once in Sentry's UI (an OAuth install no provider can do)."""

    integration_id: str = Field(pattern=SENTRY_ID, description="Sentry's id of the installed PagerDuty "
                                                               "integration (Settings → Integrations → PagerDuty).")
    service_id: str = Field(pattern=SENTRY_ID, description="Sentry's id of the PagerDuty service it pages.")


class SentryAlertsConfig(Model):
    """When Sentry alerts: a new issue (always), an error spike, slow transactions."""

    new_issue_frequency_minutes: int = Field(
        ge=5, le=43_200, description="At most one new-issue alert per issue in this many minutes.")
    error_spike_count: int = Field(ge=1, le=1_000_000, description="Errors within the window that alert.")
    error_spike_window_minutes: Literal[1, 5, 10, 15, 30, 60, 120, 240, 1440]
    slow_p95_ms: int = Field(ge=50, le=60_000, description="p95 transaction duration (ms) that alerts.")
    slow_window_minutes: Literal[5, 10, 15, 30, 60, 120, 240, 1440]


class ErrorTrackingConfig(Model):
    organization: str = Field(pattern=SLUG, max_length=100, description="The Sentry organisation's slug.")
    region: Literal["us", "de"] = Field(
        description="The organisation's data-storage location, fixed when it was created: 'us' (Iowa) or 'de' "
                    "(Frankfurt). Sentry has no India region (a data-localisation finding).")
    team: str = Field(pattern=SLUG, max_length=100,
                      description="Slug of the team that owns the projects (declared by the stack).")
    traces_sample_rate: float = Field(
        ge=0.0, le=1.0, description="Share of transactions the SDKs send (SENTRY_TRACES_SAMPLE_RATE); the SDK "
                                    "init in application code reads it.")
    key_rate_limit_per_minute: int = Field(
        ge=1, le=1_000_000, description="Events per minute each runtime's DSN may send (spend control).")
    alerts: SentryAlertsConfig
    slack_integration_id: str | None = Field(
        default=None, pattern=SENTRY_ID,
        description="Sentry's id of the installed Slack integration; alerts then also go to "
                    "lightspeedpay:monitoring.slackChannel. Without it they go to the team by email.")
    pagerduty: PagerDutyRoute | None = Field(
        default=None, description="Where error spikes page on-call (the on-call work declares PagerDuty).")
