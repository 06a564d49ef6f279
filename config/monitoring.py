"""What a stack wants from uptime monitoring and alerting (Checkly)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .types import AwareDatetime, Model, UrlPath
from .vocabulary import thresholds

CHECKLY_FREQUENCIES = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)


STATUS_COMPONENTS = thresholds.STATUS_COMPONENTS
"""The public components the status page shows (issue 13 item 6); maintenance windows name these."""


class HeartbeatConfig(Model):
    """A ping expected every ``periodMinutes``; nobody is paged before ``graceMinutes`` more have passed."""

    period_minutes: int = Field(ge=1, le=1440)
    grace_minutes: int = Field(ge=1, le=1440)


class HeartbeatsConfig(Model):
    """Checkly heartbeat monitors the background services ping (their URLs reach them sealed)."""

    worker: HeartbeatConfig = Field(description="The job workers ping while they take jobs from the queue.")
    autoscaler: HeartbeatConfig = Field(description="The autoscaler pings after every poll that read the queue.")


class StatusPageConfig(Model):
    """The public status page (Checkly): one card per public component."""

    name: str = Field(min_length=1, max_length=100)
    url: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,62}$",
                     description="Subdomain of Checkly's status page host (the page is public there).")


class MaintenanceWindowConfig(Model):
    """A planned maintenance, shown on the status page and announced to its subscribers."""

    name: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1, max_length=1000, description="What merchants are told on the page.")
    starts_at: AwareDatetime = Field(description="ISO 8601 with an explicit offset, e.g. 2027-01-10T20:30:00Z.")
    ends_at: AwareDatetime
    components: list[Literal["site", "checkout", "api", "payments"]] = Field(min_length=1)
    severity: Literal["MINOR", "MEDIUM", "MAJOR", "CRITICAL"] = "MINOR"
    reminder_minutes_before: list[int] = Field(
        default_factory=lambda: [1440], max_length=3,
        description="Reminders to the page's subscribers, in minutes before the start (60..10080).")

    @field_validator("reminder_minutes_before")
    @classmethod
    def _reminders(cls, value: list[int]) -> list[int]:
        if any(not 60 <= minutes <= 10_080 for minutes in value):
            raise ValueError("each reminder must be 60..10080 minutes before the start (Checkly's range)")
        return value

    @model_validator(mode="after")
    def _order(self) -> MaintenanceWindowConfig:
        if self.ends_at <= self.starts_at:
            raise ValueError("endsAt must be after startsAt")
        return self


class BrowserChecksConfig(Model):
    """Checkly browser (Playwright) checks of the critical flows (checks/browser/), on a schedule and per release."""

    frequency_minutes: Literal[5, 10, 15, 30, 60, 120, 180, 360, 720, 1440]
    payment_mode: Literal["test-end-to-end", "create-order-only"] = Field(
        description="test-end-to-end: pay with the gateway's test card and wait for its webhook (test keys only); "
                    "create-order-only: create an order, never pay or capture (live keys).")
    order_path: UrlPath = Field(description="The payments API's order endpoint the synthetic merchant calls.")
    page_load_budget_ms: int = Field(ge=500, le=30_000,
                                     description="The site's and checkout's page-load budget in a browser.")


class MonitoringConfig(Model):
    checkly_account_id: str = Field(pattern=r"^[0-9a-f-]{36}$", description="Checkly account id (a UUID).")
    locations: list[str] = Field(min_length=1, description="Checkly public locations, e.g. ap-south-1 (Mumbai).")
    frequency_minutes: Literal[1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440]
    api_health_path: UrlPath = Field(description="Health endpoint of the payments API.")
    degraded_response_ms: int = Field(ge=100, le=30_000)
    max_response_ms: int = Field(ge=100, le=30_000)
    alert_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    slack_channel: str = Field(pattern=r"^#[a-z0-9_-]{1,80}$")
    ssl_expiry_alert_days: int = Field(
        ge=1, le=30,  # Checkly accepts an alert channel's sslExpiryThreshold of 1..30 days
        description="The stack's one certificate-expiry threshold: Checkly alerts this many days before a "
                    "certificate expires, and `ops.smoke` fails a certificate with fewer days left.")
    heartbeats: HeartbeatsConfig
    ssl_frequency_minutes: Literal[1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440] = Field(
        default=60, description="How often each public hostname's certificate is checked (SSL monitors).")
    status_page: StatusPageConfig
    browser_checks: BrowserChecksConfig
    maintenance_windows: list[MaintenanceWindowConfig] = Field(
        default_factory=list, description="Planned maintenance: the status page shows it, subscribers are told.")
    checkly_entitlements: list[Literal["heartbeats", "statusPages", "statusPageMaintenance", "browserChecks"]] = Field(
        default_factory=list, description="What the Checkly account's plan includes (the pack reports what the "
                                          "stack uses without it): heartbeats, status pages, maintenance on them (the "
                                          "Communicate add-on), browser checks.")

    @field_validator("maintenance_windows")
    @classmethod
    def _distinct_windows(cls, value: list[MaintenanceWindowConfig]) -> list[MaintenanceWindowConfig]:
        names = [window.name for window in value]
        if len(set(names)) != len(names):
            raise ValueError(f"maintenance window names must be distinct; got {names}")
        return value
