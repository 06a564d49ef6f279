"""What the organisation's plan allows and how its members sign in: read and reported, never set.

High availability and organisation-wide MFA enforcement have no v1 Management API setting, so
nothing here pretends to configure them. The resource reads the plan, the entitlements that gate
production features, and a count of members without MFA (no names or e-mails: state is not a
directory), and the policy pack decides per stack what those facts mean. `pulumi up --refresh`
re-reads them.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from providers.http import NotFoundError

from .base import SupabaseProvider, check_slug, normalise
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
    replace_keys = ("organization_slug",)

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        return check_slug(props)

    def managed(self, props: dict[str, Any]) -> dict[str, Any]:
        return {"organization_slug": props.get("organization_slug")}

    @staticmethod
    def fetch(client: SupabaseClient, slug: str) -> dict[str, Any]:
        return summarise(client.get_organization(slug), client.get_entitlements(slug), client.list_members(slug))

    def create(self, props: dict[str, Any]) -> CreateResult:
        props = normalise(props)
        slug = props["organization_slug"]
        return CreateResult(slug, {**props, **self.fetch(self.client(), slug)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        props = normalise(props)
        try:
            return ReadResult(id_, {**props, **self.fetch(self.client(), id_)})
        except NotFoundError:
            return ReadResult(None, {})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        news = normalise(news)
        return UpdateResult({**news, **self.fetch(self.client(), news["organization_slug"])})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return
