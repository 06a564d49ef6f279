"""The Supabase resources a program declares: types `pulumi-python:dynamic/supabase:<Kind>`.

Each class seeds its output-only properties with None (so they are readable as typed Outputs) and
marks every secret output with `additional_secret_outputs`: the dynamic provider host does not
accept secrets, and only outputs named like a secret input would be re-marked by the engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from .addons import PitrProvider
from .audit import PgAuditProvider
from .organization import OrganizationProvider
from .project import ProjectProvider
from .replicas import ReadReplicaProvider
from .settings import (
    AuthConfigProvider,
    BackupsProvider,
    NetworkRestrictionsProvider,
    PoolerProvider,
    PostgresConfigProvider,
    SslEnforcementProvider,
)

PROJECT_SECRETS = ["db_pass", "anon_key", "service_role_key"]


def _opts(opts: pulumi.ResourceOptions | None, secrets: list[str] | None = None) -> pulumi.ResourceOptions:
    extra = pulumi.ResourceOptions(additional_secret_outputs=secrets) if secrets else pulumi.ResourceOptions()
    return pulumi.ResourceOptions.merge(opts, extra)


def _seed(props: dict[str, Any], *outputs: str) -> dict[str, Any]:
    return {**dict.fromkeys(outputs), **props}


@dataclass(frozen=True)
class ProjectArgs:
    organization_slug: str
    """Organisation slug (the org the project belongs to; changing it replaces the project)."""
    project_name: str
    """Project name; an existing project with this name is adopted instead of duplicated."""
    region: str
    """Supabase region code, e.g. ap-south-1 (Mumbai); changing it replaces the project."""
    instance_size: str
    """Compute size (nano … 16xlarge); resized in place through the compute add-on."""
    db_pass: pulumi.Input[str]
    """Postgres password: generated (RandomPassword), secret, at least 16 characters."""


class Project(Resource, module="supabase", name="Project"):
    ref: pulumi.Output[str]
    project_name: pulumi.Output[str]
    region: pulumi.Output[str]
    instance_size: pulumi.Output[str]
    status: pulumi.Output[str]
    db_host: pulumi.Output[str]
    postgres_version: pulumi.Output[str]
    supabase_url: pulumi.Output[str]
    anon_key: pulumi.Output[str]
    service_role_key: pulumi.Output[str]

    def __init__(self, name: str, args: ProjectArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = _seed({"organization_slug": args.organization_slug, "project_name": args.project_name,
                       "region": args.region, "instance_size": args.instance_size, "db_pass": args.db_pass},
                      "ref", "status", "db_host", "postgres_version", "supabase_url", "anon_key", "service_role_key")
        super().__init__(ProjectProvider(), name, props, _opts(opts, PROJECT_SECRETS))


class Organization(Resource, module="supabase", name="Organization"):
    """Read-only report of the organisation's plan, entitlements and members' MFA."""

    plan: pulumi.Output[str]
    entitlements: pulumi.Output[dict[str, Any]]
    members: pulumi.Output[dict[str, Any]]

    def __init__(self, name: str, organization_slug: str, opts: pulumi.ResourceOptions | None = None) -> None:
        props = _seed({"organization_slug": organization_slug}, "plan", "entitlements", "members")
        super().__init__(OrganizationProvider(), name, props, _opts(opts))


class NetworkRestrictions(Resource, module="supabase", name="NetworkRestrictions"):
    allowed_cidrs: pulumi.Output[list[str]]
    status: pulumi.Output[str]

    def __init__(self, name: str, project_ref: pulumi.Input[str], allowed_cidrs: Sequence[str],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        props = _seed({"project_ref": project_ref, "allowed_cidrs": list(allowed_cidrs)}, "status")
        super().__init__(NetworkRestrictionsProvider(), name, props, _opts(opts))


class SslEnforcement(Resource, module="supabase", name="SslEnforcement"):
    enforced: pulumi.Output[bool]
    applied: pulumi.Output[bool]

    def __init__(self, name: str, project_ref: pulumi.Input[str], enforced: bool,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        props = _seed({"project_ref": project_ref, "enforced": enforced}, "applied")
        super().__init__(SslEnforcementProvider(), name, props, _opts(opts))


class Pitr(Resource, module="supabase", name="Pitr"):
    retention_days: pulumi.Output[int]
    variant: pulumi.Output[str]
    worst_case_rpo_minutes: pulumi.Output[int]

    def __init__(self, name: str, project_ref: pulumi.Input[str], retention_days: int,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        props = _seed({"project_ref": project_ref, "retention_days": retention_days},
                      "variant", "worst_case_rpo_minutes")
        super().__init__(PitrProvider(), name, props, _opts(opts))


class ReadReplica(Resource, module="supabase", name="ReadReplica"):
    identifier: pulumi.Output[str]
    status: pulumi.Output[str]

    def __init__(self, name: str, project_ref: pulumi.Input[str], organization_slug: str, region: str,
                 slot: int = 1, opts: pulumi.ResourceOptions | None = None) -> None:
        props = _seed({"project_ref": project_ref, "organization_slug": organization_slug, "region": region,
                       "slot": slot}, "identifier", "status")
        super().__init__(ReadReplicaProvider(), name, props, _opts(opts))


@dataclass(frozen=True)
class BackupsArgs:
    project_ref: pulumi.Input[str]
    rpo_minutes: int
    """Declared recovery point objective: the most data (minutes) the business accepts losing."""
    rto_minutes: int
    """Declared recovery time objective: how long a restore may take."""
    schedule_for: str | None = None
    """Daily backup time HH:MM:SS UTC, or None to leave Supabase's choice."""
    restore_drill_minutes: int | None = None
    """How long the last restore drill took (evidence for the RTO), if one was done."""


class Backups(Resource, module="supabase", name="Backups"):
    pitr_enabled: pulumi.Output[bool]
    walg_enabled: pulumi.Output[bool]
    latest_backup_at: pulumi.Output[str]

    def __init__(self, name: str, args: BackupsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = _seed({"project_ref": args.project_ref, "schedule_for": args.schedule_for,
                       "rpo_minutes": args.rpo_minutes, "rto_minutes": args.rto_minutes,
                       "restore_drill_minutes": args.restore_drill_minutes},
                      "pitr_enabled", "walg_enabled", "latest_backup_at")
        super().__init__(BackupsProvider(), name, props, _opts(opts))


class AuthConfig(Resource, module="supabase", name="AuthConfig"):
    settings: pulumi.Output[dict[str, Any]]

    def __init__(self, name: str, project_ref: pulumi.Input[str], settings: Mapping[str, Any],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(AuthConfigProvider(), name, {"project_ref": project_ref, "settings": dict(settings)},
                         _opts(opts))


class PostgresConfig(Resource, module="supabase", name="PostgresConfig"):
    settings: pulumi.Output[dict[str, Any]]

    def __init__(self, name: str, project_ref: pulumi.Input[str], settings: Mapping[str, Any],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(PostgresConfigProvider(), name, {"project_ref": project_ref, "settings": dict(settings)},
                         _opts(opts))


class Pooler(Resource, module="supabase", name="Pooler"):
    settings: pulumi.Output[dict[str, Any]]
    db_user: pulumi.Output[str]
    db_host: pulumi.Output[str]
    db_port: pulumi.Output[int]
    db_name: pulumi.Output[str]

    def __init__(self, name: str, project_ref: pulumi.Input[str], settings: Mapping[str, Any],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        props = _seed({"project_ref": project_ref, "settings": dict(settings)}, *PoolerProvider.CONNECTION)
        super().__init__(PoolerProvider(), name, props, _opts(opts))


class PgAudit(Resource, module="supabase", name="PgAudit"):
    roles: pulumi.Output[dict[str, list[str]]]
    extension_installed: pulumi.Output[bool]

    def __init__(self, name: str, project_ref: pulumi.Input[str], roles: Mapping[str, Sequence[str]],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        props = _seed({"project_ref": project_ref, "roles": {r: list(c) for r, c in roles.items()}},
                      "extension_installed")
        super().__init__(PgAuditProvider(), name, props, _opts(opts))
