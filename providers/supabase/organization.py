"""What the organisation's plan allows and how its members sign in: read and reported, never set.

High availability and organisation-wide MFA enforcement have no v1 Management API setting, so
nothing here pretends to configure them. The resource reads the plan, the entitlements that gate
production features, and a count of members without MFA (no names or e-mails: state is not a
directory), and the policy pack decides per stack what those facts mean. `pulumi up --refresh`
re-reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from providers.dynamic.checks import Checker
from providers.dynamic.ids import IdFormat
from providers.dynamic.resource import Args, DynamicResource, Out

from .base import SupabaseProvider, check_slug
from .client import SupabaseClient

ENTITLEMENTS = {
    "instances.high_availability": "high_availability",
    "instances.read_replicas": "read_replicas",
    "security.enforce_mfa": "enforce_mfa",
    "pitr.available_variants": "pitr_variants",
    "backup.retention_days": "backup_retention_days",
    "backup.schedule": "backup_schedule",
    "security.audit_logs_days": "audit_logs_days",
    "log_drains": "log_drains",
    "security.private_link": "private_link",
}
"""Entitlement key → output name, for the features the production database depends on."""
PRIVILEGED_ROLES = ("owner", "administrator")


def entitlement_value(item: dict[str, Any]) -> Any:
    config = item.get("config") or {}
    access = bool(item.get("hasAccess"))
    kind = item.get("type") or (item.get("feature") or {}).get("type")
    if kind == "numeric":
        if not access:
            return 0
        return -1 if config.get("unlimited") else config.get("value")
    if kind == "set":
        return list(config.get("set") or []) if access else []
    return access and bool(config.get("enabled", True))


def summarise(organization: dict[str, Any], entitlements: list[dict[str, Any]],
              members: list[dict[str, Any]]) -> dict[str, Any]:
    facts: dict[str, Any] = {name: None for name in ENTITLEMENTS.values()}
    for item in entitlements:
        name = ENTITLEMENTS.get(str((item.get("feature") or {}).get("key")))
        if name:
            facts[name] = entitlement_value(item)
    without = [m for m in members if not m.get("mfa_enabled")]
    return {
        "plan": organization.get("plan"),
        "entitlements": facts,
        "members": {
            "total": len(members),
            "without_mfa": len(without),
            "privileged_without_mfa": len([m for m in without
                                           if str(m.get("role_name", "")).lower() in PRIVILEGED_ROLES]),
        },
    }


class OrganizationProvider(SupabaseProvider):
    kind = "Organization"
    id_format = IdFormat("{organization_slug}")
    replace_on_change = ("organization_slug",)
    delete_before_replace = False

    def validate(self, c: Checker) -> None:
        check_slug(c)

    def find(self, api: SupabaseClient, p: dict[str, Any]) -> dict[str, Any] | None:
        return self.fetch(api, p)  # an organisation is never created here, only reported on

    def fetch(self, api: SupabaseClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        slug = ref["organization_slug"]
        return {"organization_slug": slug, **summarise(api.get_organization(slug), api.get_entitlements(slug),
                                                       api.list_members(slug))}


@dataclass(frozen=True)
class OrganizationArgs(Args):
    organization_slug: str
    """The organisation whose plan, entitlements and members' MFA are reported (nothing is set)."""


class Organization(DynamicResource, module="supabase", name="Organization"):
    """Read-only report of the organisation's plan, entitlements and members' MFA."""

    provider_class = OrganizationProvider
    args_class = OrganizationArgs
    plan = Out[str]("plan")
    entitlements = Out[dict[str, Any]]("entitlements")
    members = Out[dict[str, Any]]("members")
