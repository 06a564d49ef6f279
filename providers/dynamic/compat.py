"""Every provider class path ever pickled into a stack's state, and where that class lives now.

The engine stores each dynamic resource's provider as a dill pickle *by reference*: the module
path and class name (e.g. ``providers.railway.service.ServiceProvider``) plus the instance's
``__dict__``. Refresh and destroy unpickle the string from state, not the one the program would
produce now, so every path below must keep importing to a working provider class for as long as
stacks created with it may exist. Moving a class means leaving an import at its old path and
adding the move here; `tests/test_state_compat.py` imports every entry and unpickles the `__provider`
strings recorded from the stacks of commit fe23fde.

Found with ``git log -p -- providers/`` (every class defined in a provider module since the
first commit; abstract bases are listed too, although no program ever instantiated them).
"""

from __future__ import annotations

import importlib

from .resource import DynamicResource

SERIALIZED_PROVIDER_CLASSES: dict[str, str] = {
    # historical path (module.Class)                       → where the class lives now
    "providers.railway.base.RailwayProvider": "providers.railway.base.RailwayProvider",
    "providers.railway.project.ProjectProvider": "providers.railway.project.ProjectProvider",
    "providers.railway.project.EnvironmentProvider": "providers.railway.project.EnvironmentProvider",
    "providers.railway.service.ServiceProvider": "providers.railway.service.ServiceProvider",
    "providers.railway.service.ServiceInstanceProvider": "providers.railway.service.ServiceInstanceProvider",
    "providers.railway.variables.VariablesProvider": "providers.railway.variables.VariablesProvider",
    "providers.railway.redis.RedisProvider": "providers.railway.redis.RedisProvider",
    "providers.railway.token.ProjectTokenProvider": "providers.railway.token.ProjectTokenProvider",
    "providers.supabase.base.SupabaseProvider": "providers.supabase.base.SupabaseProvider",
    "providers.supabase.organization.OrganizationProvider": "providers.supabase.organization.OrganizationProvider",
    "providers.supabase.project.ProjectProvider": "providers.supabase.project.ProjectProvider",
    "providers.supabase.settings.SettingsProvider": "providers.supabase.settings.SettingsProvider",
    "providers.supabase.settings.SslEnforcementProvider": "providers.supabase.settings.SslEnforcementProvider",
    "providers.supabase.settings.NetworkRestrictionsProvider":
        "providers.supabase.settings.NetworkRestrictionsProvider",
    "providers.supabase.settings.AuthConfigProvider": "providers.supabase.settings.AuthConfigProvider",
    "providers.supabase.settings.PostgresConfigProvider": "providers.supabase.settings.PostgresConfigProvider",
    "providers.supabase.settings.PoolerProvider": "providers.supabase.settings.PoolerProvider",
    "providers.supabase.settings.BackupsProvider": "providers.supabase.settings.BackupsProvider",
    "providers.supabase.addons.PitrProvider": "providers.supabase.addons.PitrProvider",
    "providers.supabase.replicas.ReadReplicaProvider": "providers.supabase.replicas.ReadReplicaProvider",
    "providers.supabase.audit.PgAuditProvider": "providers.supabase.audit.PgAuditProvider",
    # New with the shared base; stacks deployed from now on hold it.
    "providers.supabase.roles.RoleProvider": "providers.supabase.roles.RoleProvider",
    "providers.railway.trigger.DeploymentTriggerProvider": "providers.railway.trigger.DeploymentTriggerProvider",
    "providers.sentry.scrubbing.SentryProvider": "providers.sentry.scrubbing.SentryProvider",
    "providers.sentry.scrubbing.ProjectScrubbingProvider": "providers.sentry.scrubbing.ProjectScrubbingProvider",
}

TYPE_TOKENS: tuple[str, ...] = (
    "pulumi-python:dynamic/railway:Project", "pulumi-python:dynamic/railway:Environment",
    "pulumi-python:dynamic/railway:Service", "pulumi-python:dynamic/railway:ServiceInstance",
    "pulumi-python:dynamic/railway:Variables", "pulumi-python:dynamic/railway:Redis",
    "pulumi-python:dynamic/railway:ProjectToken", "pulumi-python:dynamic/railway:DeploymentTrigger",
    "pulumi-python:dynamic/supabase:Organization", "pulumi-python:dynamic/supabase:Project",
    "pulumi-python:dynamic/supabase:SslEnforcement", "pulumi-python:dynamic/supabase:NetworkRestrictions",
    "pulumi-python:dynamic/supabase:AuthConfig", "pulumi-python:dynamic/supabase:PostgresConfig",
    "pulumi-python:dynamic/supabase:Pooler", "pulumi-python:dynamic/supabase:Pitr",
    "pulumi-python:dynamic/supabase:Backups", "pulumi-python:dynamic/supabase:ReadReplica",
    "pulumi-python:dynamic/supabase:PgAudit", "pulumi-python:dynamic/supabase:Role",
    "pulumi-python:dynamic/sentry:ProjectScrubbing",
)
"""Type tokens existing stacks hold (URNs contain them): kept unchanged, so no alias is needed."""


def kinds() -> dict[str, type[DynamicResource]]:
    """Type token → the resource class that declares it today, for every kind of every vendor (each
    module that ever held a provider class is imported first). Its ``provider_class`` declares the
    kind's fields: what ops.diff reads to know what replaces a resource."""
    for path in SERIALIZED_PROVIDER_CLASSES.values():
        importlib.import_module(path.rpartition(".")[0])
    found: dict[str, type[DynamicResource]] = {}
    pending: list[type[DynamicResource]] = [DynamicResource]
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if "provider_class" in vars(cls):
            found[f"pulumi-python:{cls._resource_type_name}"] = cls
    return found


def resolve(path: str) -> type:
    """The class a historical ``module.Class`` path unpickles to today."""
    module, _, name = path.rpartition(".")
    found = getattr(importlib.import_module(module), name)
    if not isinstance(found, type):
        raise TypeError(f"{path} is not a class")
    return found
