"""Supabase Management API dynamic provider: the production database as Pulumi resources.

Resources (types `pulumi-python:dynamic/supabase:<Kind>`) live in `resources.py`; one provider
class per kind beside them. Nothing in this package has import-time side effects: the provider
host imports it by reference in a fresh process (see docs/supabase.md).
"""

from .resources import (
    AuthConfig,
    Backups,
    BackupsArgs,
    NetworkRestrictions,
    Organization,
    PgAudit,
    Pitr,
    Pooler,
    PostgresConfig,
    Project,
    ProjectArgs,
    ReadReplica,
    SslEnforcement,
)

__all__ = [
    "AuthConfig", "Backups", "BackupsArgs", "NetworkRestrictions", "Organization", "PgAudit", "Pitr", "Pooler",
    "PostgresConfig", "Project", "ProjectArgs", "ReadReplica", "SslEnforcement",
]
