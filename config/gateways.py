"""Payment gateways: which mode a stack runs in and where their webhooks land."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .types import Cidr, Model, UrlPath


class RazorpayConfig(Model):
    webhook_path: UrlPath
    webhook_events: list[str] = Field(min_length=1, description="Events enabled in the dashboard.")


class PhonePeConfig(Model):
    callback_path: UrlPath
    allowed_source_cidrs: list[Cidr] = Field(
        min_length=1, description="PhonePe's published callback source IPs (allowlisted on the webhook)."
    )


class GatewaysConfig(Model):
    mode: Literal["live", "test"] = Field(description="production runs live keys; every other stack test keys.")
    razorpay: RazorpayConfig
    phonepe: PhonePeConfig

    def webhook_paths(self) -> list[str]:
        return [self.razorpay.webhook_path, self.phonepe.callback_path]
