"""What a stack wants from its Supabase project: placement, size, recovery, network, auth, audit."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .types import Cidr, Model

SUPABASE_REGIONS = (
    "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2",
    "ca-central-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
)
INSTANCE_SIZES = (
    "nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge",
    "12xlarge", "16xlarge",
)
PITR_WORST_CASE_RPO_MINUTES = 2
"""Supabase archives WAL at least every 2 minutes, so PITR loses at most about 2 minutes."""


class AuthConfig(Model):
    jwt_expiry_seconds: int = Field(ge=30, le=604_800)
    refresh_token_rotation: bool
    refresh_token_reuse_interval_seconds: int = Field(ge=0, le=3600)
    mfa_totp: bool = Field(description="Offer TOTP MFA (required for admin users by the app).")
    mfa_max_enrolled_factors: int = Field(ge=1, le=10)
    password_min_length: int = Field(ge=6, le=128)
    password_required_characters: Literal[
        "", "letters_digits", "lower_upper_letters_digits", "lower_upper_letters_digits_symbols"
    ]


class AuditConfig(Model):
    pgaudit: bool
    pgaudit_log_classes: list[Literal["read", "write", "function", "role", "ddl", "misc", "misc_set", "all"]]


class RecoveryConfig(Model):
    """Business-continuity targets the declared backups must meet."""

    rpo_minutes: int = Field(ge=1, le=10_080)
    rto_minutes: int = Field(ge=1, le=10_080)


class DatabaseConfig(Model):
    organization_slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    project_name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    region: str
    instance_size: str
    postgres_major_version: int = Field(ge=15, le=17)
    daily_backups: bool
    pitr_days: Literal[0, 7, 14, 28] = Field(description="0 = PITR off; else the pitr_<n> add-on.")
    read_replica_regions: list[str] = Field(default_factory=list, max_length=5)
    allowed_cidrs: list[Cidr] = Field(min_length=1)
    ssl_enforced: bool
    pooler_mode: Literal["transaction", "session"]
    auth: AuthConfig
    audit: AuditConfig
    recovery: RecoveryConfig

    @model_validator(mode="after")
    def _values(self) -> DatabaseConfig:
        if self.region not in SUPABASE_REGIONS:
            raise ValueError(f"region {self.region!r} is not a Supabase region; allowed: {', '.join(SUPABASE_REGIONS)}")
        if self.instance_size not in INSTANCE_SIZES:
            raise ValueError(
                f"instanceSize {self.instance_size!r} is unknown; allowed: {', '.join(INSTANCE_SIZES)}"
            )
        if self.pitr_days and INSTANCE_SIZES.index(self.instance_size) < INSTANCE_SIZES.index("small"):
            raise ValueError("PITR needs at least the 'small' compute size (instanceSize)")
        unknown = [r for r in self.read_replica_regions if r not in SUPABASE_REGIONS]
        if unknown:
            raise ValueError(f"readReplicaRegions {unknown} are not Supabase regions")
        return self
