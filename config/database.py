"""What a stack wants from its Supabase project: placement, size, recovery, network, auth, audit, roles.

Supabase's vendor vocabularies (regions, sizes, pgaudit classes, duration and memory formats,
setting bounds) are defined once, in providers/supabase/vocabulary.py; what the policy pack judges
by too (PITR retentions, worst-case RPOs, Supabase's own roles) in the shared vocabulary
(`config.vocabulary.thresholds`). The validators below check stack files against both.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from providers.dynamic.checks import Rule
from providers.supabase import vocabulary as supabase

from .types import Cidr, Model
from .vocabulary import thresholds

RoleName = Annotated[str, StringConstraints(pattern=supabase.ROLE_PATTERN.pattern)]


def _one_of(value: Any, allowed: tuple[Any, ...], what: str) -> Any:
    if value not in allowed:
        raise ValueError(f"{value!r} is not {what}; allowed: {', '.join(map(str, allowed))}")
    return value


def _each_one_of(values: list[str], allowed: tuple[str, ...], what: str) -> list[str]:
    return [_one_of(item, allowed, what) for item in values]


def _rule(value: Any, rule: Rule) -> Any:
    problem = None if value is None else rule.problem(value)
    if problem:
        raise ValueError(problem)
    return value


class AuthConfig(Model):
    jwt_expiry_seconds: int = Field(ge=30, le=604_800)
    refresh_token_rotation: bool
    refresh_token_reuse_interval_seconds: int = Field(ge=0, le=3600)
    mfa_totp: bool = Field(description="Offer TOTP MFA (required for admin users by the app).")
    mfa_max_enrolled_factors: int = Field(ge=1, le=10)
    password_min_length: int = Field(ge=6, le=128)
    password_required_characters: str

    @field_validator("password_required_characters")
    @classmethod
    def _characters(cls, value: str) -> str:
        return str(_one_of(value, tuple(supabase.PASSWORD_CHARACTERS), "a password character rule"))


class AuditConfig(Model):
    pgaudit: bool
    pgaudit_log_classes: list[str] = Field(min_length=1)
    roles: list[RoleName] = Field(
        default_factory=lambda: ["postgres", "authenticator"], min_length=1,
        description="Roles whose sessions pgaudit logs (Supabase sets pgaudit per role only); the runtime "
                    "roles (`roles`) are always added.")

    @field_validator("pgaudit_log_classes")
    @classmethod
    def _classes(cls, value: list[str]) -> list[str]:
        return _each_one_of(value, supabase.PGAUDIT_CLASSES, "a pgaudit.log class")


class RoleConfig(Model):
    """One Postgres role an application connects as (never `postgres`)."""

    name: RoleName
    privileges: list[str] = Field(min_length=1, description="Table privileges in `schemas`.")
    schemas: list[RoleName] = Field(default_factory=lambda: ["public"], min_length=1)
    connection_limit: int = Field(ge=1, le=10_000)
    statement_timeout: str | None = None
    bypass_rls: bool = Field(default=False, description="Only a backup role needs it (pg_dump of RLS tables).")
    member_of: list[str] = Field(
        default_factory=list, description="Predefined roles granted; only a backup role's pg_read_all_data (pg_dump "
                                          "reads every table of the schemas it dumps, whoever created it).")

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in thresholds.SUPABASE_OWN_ROLES:
            raise ValueError(f"{value!r} is one of Supabase's own roles; name the application's role")
        return value

    @field_validator("privileges")
    @classmethod
    def _privileges(cls, value: list[str]) -> list[str]:
        return _each_one_of(value, thresholds.DATABASE_ROLE_PRIVILEGES, "a table privilege")

    @field_validator("member_of")
    @classmethod
    def _memberships(cls, value: list[str]) -> list[str]:
        return _each_one_of(value, thresholds.DATABASE_ROLE_MEMBERSHIPS, "a predefined role an application role "
                                                                          "may be granted")

    @field_validator("statement_timeout")
    @classmethod
    def _timeout(cls, value: str | None) -> str | None:
        return _rule(value, supabase.POSTGRES_RULES["statement_timeout"])


class RolesConfig(Model):
    """The least-privilege roles: the API's, the workers', and a read-only one for backups."""

    api: RoleConfig = Field(default_factory=lambda: RoleConfig(
        name="lightspeedpay_api", privileges=["select", "insert", "update", "delete"], connection_limit=40,
        statement_timeout="30s"))
    worker: RoleConfig = Field(default_factory=lambda: RoleConfig(
        name="lightspeedpay_worker", privileges=["select", "insert", "update", "delete"], connection_limit=20,
        statement_timeout="60s"))
    backup: RoleConfig = Field(default_factory=lambda: RoleConfig(
        # pg_read_all_data: the dump's other schemas (supabase_migrations) exist only once migrations ran, and
        # their tables may be created by another role than postgres; a grant per schema would miss both.
        name="lightspeedpay_backup", privileges=["select"], connection_limit=2, bypass_rls=True,
        member_of=["pg_read_all_data"]))

    @model_validator(mode="after")
    def _distinct_and_read_only_backup(self) -> RolesConfig:
        names = [self.api.name, self.worker.name, self.backup.name]
        if len(set(names)) != len(names):
            raise ValueError(f"the api, worker and backup roles must be three roles (got {names})")
        if self.backup.privileges != ["select"]:
            raise ValueError("backup.privileges must be ['select']: the backup role only reads")
        for runtime in (self.api, self.worker):
            if runtime.bypass_rls:
                raise ValueError(f"{runtime.name}: bypassRls is for the backup role only; an application role "
                                 f"is subject to row-level security")
            if runtime.member_of:
                raise ValueError(f"{runtime.name}: memberOf {runtime.member_of} is for the backup role only; an "
                                 f"application role reads only what its own grants allow")
        return self


class RecoveryConfig(Model):
    """Business-continuity targets the declared backups must meet."""

    rpo_minutes: int = Field(ge=1, le=10_080)
    rto_minutes: int = Field(ge=1, le=10_080)


class PostgresSettings(Model):
    """Server parameters set through the Management API (names as Postgres spells them)."""

    statement_timeout: str | None = None
    track_commit_timestamp: bool | None = None
    max_connections: int | None = None
    work_mem: str | None = None
    maintenance_work_mem: str | None = None
    restart_allowed: bool = Field(
        default=False, description="Whether a deploy may restart the database to apply a parameter Postgres "
                                   "reads only at start (track_commit_timestamp, max_connections); otherwise it "
                                   "waits for the next restart and is reported pending.")

    @field_validator("statement_timeout", "track_commit_timestamp", "max_connections", "work_mem",
                     "maintenance_work_mem")
    @classmethod
    def _vendor_rule(cls, value: Any, info: ValidationInfo) -> Any:
        return _rule(value, supabase.POSTGRES_RULES[str(info.field_name)])

    def settings(self) -> dict[str, Any]:
        """The declared parameters under the API's names."""
        return self.model_dump(exclude_none=True, exclude={"restart_allowed"})


class DatabaseConfig(Model):
    organization_slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    project_name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    region: str
    instance_size: str
    postgres_major_version: int = Field(
        description="The Postgres major the project runs; checked against the live engine (Supabase creates its "
                    "default and upgrades separately, so a deploy never changes it).")
    daily_backups: bool
    pitr_days: int = Field(description="0 = PITR off; else the pitr_<n> add-on.")
    read_replica_regions: list[str] = Field(default_factory=list, max_length=supabase.READ_REPLICAS_MAX)
    allowed_cidrs: list[Cidr] = Field(min_length=1)
    ssl_enforced: bool
    pooler_mode: str
    pooler_default_pool_size: int | None = None
    backup_schedule_utc: str | None = Field(
        default=None, pattern=supabase.SCHEDULE_PATTERN,
        description="Daily backup time HH:MM:SS in UTC (Supabase allows 3 changes a day).")
    postgres: PostgresSettings = Field(default_factory=PostgresSettings)
    auth: AuthConfig
    audit: AuditConfig
    recovery: RecoveryConfig
    roles: RolesConfig = Field(default_factory=RolesConfig)

    @property
    def achievable_rpo_minutes(self) -> int | None:
        """Worst-case data loss the declared backups allow; None when nothing is backed up."""
        return achievable_rpo_minutes(self.pitr_days, self.daily_backups)

    # Field validators (not one model validator) so each problem names its own key, e.g.
    # `lightspeedpay:database.recovery`, with that key's value, not the whole section.

    @field_validator("pooler_default_pool_size")
    @classmethod
    def _pool_size(cls, value: int | None) -> int | None:
        return _rule(value, supabase.POOLER_RULES["default_pool_size"])

    @field_validator("pooler_mode")
    @classmethod
    def _pooler_mode(cls, value: str) -> str:
        return str(_one_of(value, supabase.POOLER_RULES["pool_mode"].choices, "a Supavisor pool mode"))

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if value not in supabase.REGIONS:
            raise ValueError(f"is not a Supabase region; allowed: {', '.join(supabase.REGIONS)}")
        return value

    @field_validator("instance_size")
    @classmethod
    def _size(cls, value: str) -> str:
        if value not in supabase.INSTANCE_SIZES:
            raise ValueError(f"is not a compute size; allowed: {', '.join(supabase.INSTANCE_SIZES)}")
        return value

    @field_validator("postgres_major_version")
    @classmethod
    def _major(cls, value: int) -> int:
        return int(_one_of(value, supabase.POSTGRES_MAJOR_VERSIONS, "a Postgres major this stack supports"))

    @field_validator("pitr_days")
    @classmethod
    def _pitr(cls, value: int, info: ValidationInfo) -> int:
        _one_of(value, (0, *thresholds.PITR_RETENTION_DAYS), "0 (off) or a PITR retention in days")
        size = info.data.get("instance_size")
        if value and _smaller(size, supabase.PITR_MIN_SIZE):
            raise ValueError(f"PITR needs at least the '{supabase.PITR_MIN_SIZE}' compute size (instanceSize is "
                             f"{size!r})")
        return value

    @field_validator("read_replica_regions")
    @classmethod
    def _replicas(cls, value: list[str], info: ValidationInfo) -> list[str]:
        unknown = [r for r in value if r not in supabase.REGIONS]
        if unknown:
            raise ValueError(f"{unknown} are not Supabase regions; allowed: {', '.join(supabase.REGIONS)}")
        size = info.data.get("instance_size")
        if size not in supabase.INSTANCE_SIZES or not value:
            return value
        if _smaller(size, supabase.READ_REPLICA_MIN_SIZE):
            raise ValueError(f"read replicas need at least the '{supabase.READ_REPLICA_MIN_SIZE}' compute size "
                             f"(instanceSize is {size!r})")
        if len(value) > supabase.READ_REPLICAS_BELOW_XLARGE and _smaller(size, "xlarge"):
            raise ValueError(f"{len(value)} replicas; below the 'xlarge' compute size Supabase allows at most "
                             f"{supabase.READ_REPLICAS_BELOW_XLARGE}")
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
                                     f"set pitrDays to 7, 14 or 28 for about {thresholds.PITR_WORST_CASE_RPO_MINUTES}")
            raise ValueError(f"rpoMinutes = {value.rpo_minutes} cannot be met: {how}; "
                             f"allowed: rpoMinutes >= {achievable}")
        return value


def _smaller(size: Any, than: str) -> bool:
    sizes = supabase.INSTANCE_SIZES
    return size in sizes and sizes.index(size) < sizes.index(than)


def achievable_rpo_minutes(pitr_days: int, daily_backups: bool) -> int | None:
    """Worst-case data loss the declared backups allow; None when nothing is backed up."""
    if pitr_days:
        return thresholds.PITR_WORST_CASE_RPO_MINUTES
    if daily_backups:
        return thresholds.DAILY_BACKUP_WORST_CASE_RPO_MINUTES
    return None
