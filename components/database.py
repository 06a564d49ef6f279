"""The stack's database: one Supabase project and every setting the platform relies on.

Children (all `pulumi-python:dynamic/supabase:*` except the generated passwords): the organisation
report (plan, entitlements, members without MFA), the project (region, size; protected from
deletion in production), SSL enforcement, network restrictions, auth, Postgres parameters, the
pooler, PITR, read replicas, backups with the declared RPO/RTO, the least-privilege roles the
applications connect as, and pgaudit (covering those roles). Settings that need Postgres steady
(pooler, replicas, Postgres parameters, roles, pgaudit) wait for SSL enforcement, whose change
restarts the database.

Nothing connects as `postgres` at run time: the API, the workers and backups each have their own
role (`lightspeedpay:database.roles`) with only the grants it needs and a password Pulumi generates
and sends only as a SCRAM verifier. Outputs feed the other components: each runtime's pooled URL
(`api_database_url`, `worker_database_url`; `backup_database_url` in Supavisor's session mode, which
pg_dump needs), all secret, `supabase_url`, and the `anon_key` / `service_role_key` (secret).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import pulumi
import pulumi_random as random

from config.database import AuthConfig as AuthSection
from config.database import DatabaseConfig, RoleConfig
from config.vocabulary import facts
from providers.supabase import (
    AuthConfig,
    AuthConfigArgs,
    Backups,
    BackupsArgs,
    NetworkRestrictions,
    NetworkRestrictionsArgs,
    Organization,
    OrganizationArgs,
    PgAudit,
    PgAuditArgs,
    Pitr,
    PitrArgs,
    Pooler,
    PoolerArgs,
    PostgresConfig,
    PostgresConfigArgs,
    Project,
    ProjectArgs,
    ReadReplica,
    ReadReplicaArgs,
    Role,
    RoleArgs,
    SslEnforcement,
    SslEnforcementArgs,
)
from providers.supabase.vocabulary import PASSWORD_CHARACTERS

from .app_env import DatabaseEnv


@dataclass(frozen=True)
class DatabaseArgs:
    config: DatabaseConfig
    """The stack's `lightspeedpay:database` section."""
    production: bool
    """Production protects the project: `pulumi destroy` or a replacing change fails instead."""
    egress_cidrs: Sequence[pulumi.Input[str]] = ()
    """Addresses of the stack's own jobs (the backup network's NAT), admitted beside `allowedCidrs`: taken
    from the resources that own them, so the restrictions and the job can never disagree."""


def auth_settings(auth: AuthSection) -> dict[str, Any]:
    """Config → the Auth (GoTrue) settings the provider manages, under the API's names."""
    return {
        "jwt_exp": auth.jwt_expiry_seconds,
        "refresh_token_rotation_enabled": auth.refresh_token_rotation,
        "security_refresh_token_reuse_interval": auth.refresh_token_reuse_interval_seconds,
        "mfa_totp_enroll_enabled": auth.mfa_totp,
        "mfa_totp_verify_enabled": auth.mfa_totp,
        "mfa_max_enrolled_factors": auth.mfa_max_enrolled_factors,
        "password_min_length": auth.password_min_length,
        "password_required_characters": PASSWORD_CHARACTERS[auth.password_required_characters],
    }


def pooled_url(user: str, password: str, host: str, port: int, database: str) -> str:
    """The Supavisor connection string, TLS required (the password is URL-encoded)."""
    quote = urllib.parse.quote
    return (f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{int(port)}/"
            f"{quote(database, safe='')}?sslmode=require")


SESSION_POOLER_PORT = 5432
"""Supavisor's session mode (the transaction-mode port is the pooler's db_port): what pg_dump needs."""


def replica_slots(regions: list[str]) -> list[tuple[str, int]]:
    """(region, n): the n-th replica in that region, which is how the provider adopts replicas."""
    seen: dict[str, int] = {}
    slots = []
    for region in regions:
        seen[region] = seen.get(region, 0) + 1
        slots.append((region, seen[region]))
    return slots


class Database(pulumi.ComponentResource):
    """A Supabase project with production's settings, and the connection values apps need."""

    project: Project
    project_ref: pulumi.Output[str]
    roles: dict[str, Role]
    """The runtime roles by purpose: api, worker, backup."""
    api_database_url: pulumi.Output[str]
    """The API's pooled (Supavisor, transaction mode) connection string, as its own role; secret."""
    worker_database_url: pulumi.Output[str]
    """The workers' pooled connection string, as their own role; secret."""
    backup_database_url: pulumi.Output[str]
    """Session-mode connection string of the read-only backup role (for pg_dump); secret."""
    supabase_url: pulumi.Output[str]
    anon_key: pulumi.Output[str]
    service_role_key: pulumi.Output[str]

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(facts.DATABASE, name, {}, opts)
        cfg = args.config
        child = pulumi.ResourceOptions(parent=self)

        self.organization = Organization(f"{name}-organization", OrganizationArgs(cfg.organization_slug), opts=child)
        # Generated, never typed; alphanumeric so it survives every connection-string parser.
        password = random.RandomPassword(
            f"{name}-db-password",
            random.RandomPasswordArgs(length=40, special=False, min_lower=4, min_upper=4, min_numeric=4),
            opts=child)
        self.project = Project(
            f"{name}-project",
            ProjectArgs(organization_slug=cfg.organization_slug, project_name=cfg.project_name,
                        region=cfg.region, instance_size=cfg.instance_size, db_pass=password.result,
                        postgres_major_version=cfg.postgres_major_version),
            opts=pulumi.ResourceOptions(parent=self, protect=args.production))
        ref = self.project.ref

        self.ssl = SslEnforcement(f"{name}-ssl", SslEnforcementArgs(ref, cfg.ssl_enforced), opts=child)
        after_ssl = pulumi.ResourceOptions(parent=self, depends_on=[self.ssl])
        self.network = NetworkRestrictions(f"{name}-network", NetworkRestrictionsArgs(
            ref, cast(list[str], [*cfg.allowed_cidrs, *args.egress_cidrs])), opts=child)
        self.auth = AuthConfig(f"{name}-auth", AuthConfigArgs(ref, auth_settings(cfg.auth)), opts=child)
        postgres = cfg.postgres.settings()
        self.postgres = PostgresConfig(f"{name}-postgres", PostgresConfigArgs(
            ref, postgres, restart_allowed=cfg.postgres.restart_allowed), opts=after_ssl) if postgres else None
        pooler: dict[str, Any] = {"pool_mode": cfg.pooler_mode}
        if cfg.pooler_default_pool_size is not None:
            pooler["default_pool_size"] = cfg.pooler_default_pool_size
        self.pooler = Pooler(f"{name}-pooler", PoolerArgs(ref, pooler), opts=after_ssl)
        self.pitr = Pitr(f"{name}-pitr", PitrArgs(ref, cfg.pitr_days), opts=child) if cfg.pitr_days else None
        self.backups = Backups(
            f"{name}-backups",
            BackupsArgs(project_ref=ref, schedule_for=cfg.backup_schedule_utc),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.pitr] if self.pitr else []))
        self.replicas = [
            ReadReplica(f"{name}-replica-{region}-{slot}", ReadReplicaArgs(ref, cfg.organization_slug, region, slot),
                        opts=after_ssl)
            for region, slot in replica_slots(cfg.read_replica_regions)]
        self.roles, urls = {}, {}
        for purpose, role in (("api", cfg.roles.api), ("worker", cfg.roles.worker), ("backup", cfg.roles.backup)):
            self.roles[purpose], urls[purpose] = self._role(name, purpose, role, ref, after_ssl)
        audited = {**dict.fromkeys(cfg.audit.roles), **{role.name: None for role in
                                                         (cfg.roles.api, cfg.roles.worker, cfg.roles.backup)}}
        self.audit = PgAudit(f"{name}-pgaudit", PgAuditArgs(
            ref, {role: list(cfg.audit.pgaudit_log_classes) for role in audited}),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.ssl, *self.roles.values()])
        ) if cfg.audit.pgaudit else None

        self.project_ref = ref
        self.supabase_url = self.project.supabase_url
        self.anon_key = pulumi.Output.secret(self.project.anon_key)
        self.service_role_key = pulumi.Output.secret(self.project.service_role_key)
        self.api_database_url, self.worker_database_url = urls["api"], urls["worker"]
        self.backup_database_url = urls["backup"]
        # Recovery declarations no API holds, published for the policy pack (facts.DatabaseFacts).
        recovery = facts.DatabaseFacts(
            production=args.production, rpo_minutes=cfg.recovery.rpo_minutes, rto_minutes=cfg.recovery.rto_minutes,
            roles={purpose: role.urn for purpose, role in self.roles.items()})
        self.register_outputs({
            "projectRef": self.project_ref, "supabaseUrl": self.supabase_url, "apiDatabaseUrl": self.api_database_url,
            "workerDatabaseUrl": self.worker_database_url, "backupDatabaseUrl": self.backup_database_url,
            "anonKey": self.anon_key, "serviceRoleKey": self.service_role_key, facts.FACTS_KEY: recovery.publish(),
        })

    def _role(self, name: str, purpose: str, cfg: RoleConfig, ref: pulumi.Output[str],
              opts: pulumi.ResourceOptions) -> tuple[Role, pulumi.Output[str]]:
        """A login role and its URL. The URL is built from the role's own output (`pooler_user`), so the
        policy pack can prove through the resource graph who a runtime connects as."""
        password = random.RandomPassword(
            f"{name}-{purpose}-role-password",
            random.RandomPasswordArgs(length=40, special=False, min_lower=4, min_upper=4, min_numeric=4),
            opts=pulumi.ResourceOptions(parent=self))
        role = Role(f"{name}-{purpose}-role", RoleArgs(
            ref, cfg.name, password.result, privileges=list(cfg.privileges), schemas=list(cfg.schemas),
            connection_limit=cfg.connection_limit, statement_timeout=cfg.statement_timeout, bypass_rls=cfg.bypass_rls,
            member_of=list(cfg.member_of),
            # The URL delivered below carries this password: an adopted role must be given it.
            reset_secrets_on_adopt=True), opts=opts)
        port: pulumi.Input[int] = SESSION_POOLER_PORT if purpose == "backup" else self.pooler.db_port
        url = pulumi.Output.all(role.pooler_user, password.result, self.pooler.db_host, port, self.pooler.db_name)
        return role, pulumi.Output.secret(url.apply(lambda parts: pooled_url(*parts)))

    def env(self) -> DatabaseEnv:
        """What the API receives as DATABASE_URL (its own role) and SUPABASE_*."""
        return DatabaseEnv(database_url=self.api_database_url, supabase_url=self.supabase_url,
                           supabase_anon_key=self.anon_key, supabase_service_role_key=self.service_role_key)
