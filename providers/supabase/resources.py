"""Every Supabase resource a program declares (`pulumi-python:dynamic/supabase:<Kind>`), in one place.

Each kind lives beside its provider (`project`, `organization`, `settings`, `addons`, `replicas`,
`audit`, `roles`); this module only gathers them for `from providers.supabase import …`.
"""

from __future__ import annotations

from .addons import Pitr, PitrArgs
from .audit import PgAudit, PgAuditArgs
from .organization import Organization, OrganizationArgs
from .project import Project, ProjectArgs
from .replicas import ReadReplica, ReadReplicaArgs
from .roles import Role, RoleArgs
from .settings import (
    AuthConfig,
    AuthConfigArgs,
    Backups,
    BackupsArgs,
    NetworkRestrictions,
    NetworkRestrictionsArgs,
    Pooler,
    PoolerArgs,
    PostgresConfig,
    PostgresConfigArgs,
    SslEnforcement,
    SslEnforcementArgs,
)

__all__ = [
    "AuthConfig", "AuthConfigArgs", "Backups", "BackupsArgs", "NetworkRestrictions", "NetworkRestrictionsArgs",
    "Organization", "OrganizationArgs", "PgAudit", "PgAuditArgs", "Pitr", "PitrArgs", "Pooler", "PoolerArgs",
    "PostgresConfig", "PostgresConfigArgs", "Project", "ProjectArgs", "ReadReplica", "ReadReplicaArgs", "Role",
    "RoleArgs", "SslEnforcement", "SslEnforcementArgs",
]
