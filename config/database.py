"""What a stack wants from its Supabase project: placement, size, recovery, network, auth, audit."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator

from .types import Cidr, Model
from .vocabulary import thresholds

SUPABASE_REGIONS = (
    "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2",
    "ca-central-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
)
INSTANCE_SIZES = (
    "nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge",
    "12xlarge", "16xlarge",
)
PITR_WORST_CASE_RPO_MINUTES = thresholds.PITR_WORST_CASE_RPO_MINUTES
DAILY_BACKUP_WORST_CASE_RPO_MINUTES = thresholds.DAILY_BACKUP_WORST_CASE_RPO_MINUTES
READ_REPLICA_MIN_SIZE = "small"
REPLICAS_BELOW_XLARGE = 2
_DURATION = r"^[0-9]+(us|ms|s|min|h|d)?$"
_MEMORY = r"^[0-9]+(kB|MB|GB|TB)?$"


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
    pgaudit_log_classes: list[Literal["read", "write", "function", "role", "ddl", "misc", "misc_set", "all"]] = Field(
        min_length=1)
    roles: list[Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]{0,62}$")]] = Field(
        default_factory=lambda: ["postgres", "authenticator"], min_length=1,
        description="Roles whose sessions pgaudit logs (Supabase sets pgaudit per role only).")


class RecoveryConfig(Model):
    """Business-continuity targets the declared backups must meet."""

    rpo_minutes: int = Field(ge=1, le=10_080)
    rto_minutes: int = Field(ge=1, le=10_080)


class PostgresSettings(Model):
    """Server parameters set through the Management API (names as Postgres spells them)."""

    statement_timeout: str | None = Field(default=None, pattern=_DURATION)
    track_commit_timestamp: bool | None = None
    max_connections: int | None = Field(default=None, ge=1, le=262_143)
    work_mem: str | None = Field(default=None, pattern=_MEMORY)
    maintenance_work_mem: str | None = Field(default=None, pattern=_MEMORY)


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
    pooler_default_pool_size: int | None = Field(default=None, ge=0, le=3000)
    backup_schedule_utc: str | None = Field(
        default=None, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
        description="Daily backup time HH:MM:SS in UTC (Supabase allows 3 changes a day).")
    postgres: PostgresSettings = Field(default_factory=PostgresSettings)
    auth: AuthConfig
    audit: AuditConfig
    recovery: RecoveryConfig

    @property
    def achievable_rpo_minutes(self) -> int | None:
        """Worst-case data loss the declared backups allow; None when nothing is backed up."""
        return achievable_rpo_minutes(self.pitr_days, self.daily_backups)

    # Field validators (not one model validator) so each problem names its own key, e.g.
    # `lightspeedpay:database.recovery`, with that key's value, not the whole section.

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if value not in SUPABASE_REGIONS:
            raise ValueError(f"is not a Supabase region; allowed: {', '.join(SUPABASE_REGIONS)}")
        return value

    @field_validator("instance_size")
    @classmethod
    def _size(cls, value: str) -> str:
        if value not in INSTANCE_SIZES:
            raise ValueError(f"is not a compute size; allowed: {', '.join(INSTANCE_SIZES)}")
        return value

    @field_validator("pitr_days")
    @classmethod
    def _pitr(cls, value: int, info: ValidationInfo) -> int:
        size = info.data.get("instance_size")
        if value and size in INSTANCE_SIZES and INSTANCE_SIZES.index(size) < INSTANCE_SIZES.index("small"):
            raise ValueError(f"PITR needs at least the 'small' compute size (instanceSize is {size!r})")
        return value

    @field_validator("read_replica_regions")
    @classmethod
    def _replicas(cls, value: list[str], info: ValidationInfo) -> list[str]:
        unknown = [r for r in value if r not in SUPABASE_REGIONS]
        if unknown:
            raise ValueError(f"{unknown} are not Supabase regions; allowed: {', '.join(SUPABASE_REGIONS)}")
        size = info.data.get("instance_size")
        if size not in INSTANCE_SIZES or not value:
            return value
        if INSTANCE_SIZES.index(size) < INSTANCE_SIZES.index(READ_REPLICA_MIN_SIZE):
            raise ValueError(f"read replicas need at least the '{READ_REPLICA_MIN_SIZE}' compute size "
                             f"(instanceSize is {size!r})")
        if len(value) > REPLICAS_BELOW_XLARGE and INSTANCE_SIZES.index(size) < INSTANCE_SIZES.index("xlarge"):
            raise ValueError(f"{len(value)} replicas; below the 'xlarge' compute size Supabase allows at most "
                             f"{REPLICAS_BELOW_XLARGE}")
        return value

    @field_validator("recovery")
    @classmethod
    def _recovery(cls, value: RecoveryConfig, info: ValidationInfo) -> RecoveryConfig:
        if "pitr_days" not in info.data or "daily_backups" not in info.data:
            return value  # reported on those keys already
        pitr_days, daily = info.data["pitr_days"], info.data["daily_backups"]
        achievable = achievable_rpo_minutes(pitr_days, daily)
        if achievable is None:
            raise ValueError(f"rpoMinutes = {value.rpo_minutes} cannot be met: no backups are declared "
                             f"(dailyBackups is false and pitrDays is 0); enable one of them")
        if value.rpo_minutes < achievable:
            how = (f"PITR (pitrDays {pitr_days}) loses at most about {achievable} minutes"
                   if pitr_days else f"daily backups alone lose up to {achievable} minutes; "
                                     f"set pitrDays to 7, 14 or 28 for about {PITR_WORST_CASE_RPO_MINUTES}")
            raise ValueError(f"rpoMinutes = {value.rpo_minutes} cannot be met: {how}; "
                             f"allowed: rpoMinutes >= {achievable}")
        return value


def achievable_rpo_minutes(pitr_days: int, daily_backups: bool) -> int | None:
    """Worst-case data loss the declared backups allow; None when nothing is backed up."""
    if pitr_days:
        return PITR_WORST_CASE_RPO_MINUTES
    if daily_backups:
        return DAILY_BACKUP_WORST_CASE_RPO_MINUTES
    return None
