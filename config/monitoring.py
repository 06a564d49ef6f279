"""What a stack wants from uptime monitoring and alerting (Checkly)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .types import Model, UrlPath

CHECKLY_FREQUENCIES = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)


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
