"""Sign-offs for the checklist's human steps (`lightspeedpay:attestations`).

Some items of the deployment guide's checklist are done by people, not declared as resources:
"Security audit completed", "Payment processor agreements verified", … Each is recorded here as
who signed it off, when, a reference to the evidence, and the last day the sign-off counts.

This layer only checks that a record is well formed. Which records a stack needs, how long each may
stay valid and whether one has expired is the policy pack's call (its checklist catalogue in
`policies/lightspeedpay_policies/checklist.py`), so a missing or stale sign-off reaches
`pulumi preview` and is refused there, with the item it belongs to.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import Field, field_validator, model_validator

from .types import Model

ATTESTATION_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class Attestation(Model):
    """One sign-off: who, when, the evidence, and until when it counts."""

    by: str = Field(description="Who signed it off: a person's or a team's email address.")
    date: dt.date = Field(description="The day it was signed off (YYYY-MM-DD).")
    reference: str = Field(min_length=3, max_length=200,
                           description="Where the evidence is: ticket, report or URL.")
    valid_until: dt.date = Field(description="Last day the sign-off counts (inclusive), then renew it.")

    @field_validator("by")
    @classmethod
    def _by(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError("must be an email address, so the sign-off is accountable")
        return value

    @field_validator("date", "valid_until", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        # Quoted YAML dates arrive as strings; accept only the ISO form, never "12/11/26".
        if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}$", value):
            raise ValueError("must be a date written YYYY-MM-DD")
        return value

    @model_validator(mode="after")
    def _window(self) -> Attestation:
        if self.valid_until < self.date:
            raise ValueError(f"validUntil ({self.valid_until}) is before the sign-off date ({self.date})")
        return self

    def as_output(self) -> dict[str, str]:
        """The record as the program exports it (the pack reads these exact keys)."""
        return {"by": self.by, "date": self.date.isoformat(), "reference": self.reference,
                "validUntil": self.valid_until.isoformat()}


def validate_attestation_ids(records: dict[str, Attestation]) -> dict[str, Attestation]:
    bad = [key for key in records if not ATTESTATION_ID.match(key)]
    if bad:
        raise ValueError(f"attestation id(s) {bad} must be lower kebab-case, e.g. 'security-audit'")
    return records
