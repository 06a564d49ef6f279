"""Point-in-time recovery: the `pitr_<days>` billing add-on of a project.

Read: the project's selected add-ons (one GET); no PITR add-on selected means the resource is
gone. Create selects the add-on (a PATCH that is safe to repeat: a lost reply is found and
adopted); delete removes it (unlike settings, an add-on has a real reverse operation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from config.vocabulary import thresholds
from providers.dynamic.checks import Checker
from providers.dynamic.ids import IdFormat
from providers.dynamic.resource import Args, DynamicResource, Out

from .base import SupabaseProvider, check_ref
from .client import SupabaseClient


def selected_pitr_days(addons: dict[str, Any]) -> int | None:
    for addon in addons.get("selected_addons") or []:
        if addon.get("type") == "pitr":
            variant = str((addon.get("variant") or {}).get("id") or "")
            days = variant.removeprefix("pitr_")
            return int(days) if days.isdigit() else None
    return None


class PitrProvider(SupabaseProvider):
    kind = "Pitr"
    id_format = IdFormat("{project_ref}/pitr")
    managed = ("retention_days",)
    replace_on_change = ("project_ref",)
    delete_before_replace = False

    def validate(self, c: Checker) -> None:
        check_ref(c)
        c.choice("retention_days", thresholds.PITR_RETENTION_DAYS, required=True)

    def find(self, api: SupabaseClient, p: dict[str, Any]) -> dict[str, Any] | None:
        return self.fetch(api, p)

    def fetch(self, api: SupabaseClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        days = selected_pitr_days(api.list_addons(ref["project_ref"]))
        return None if days is None else self._view(ref["project_ref"], days)

    def make(self, api: SupabaseClient, p: dict[str, Any]) -> dict[str, Any]:
        api.apply_addon(p["project_ref"], "pitr", f"pitr_{p['retention_days']}")
        return self._view(p["project_ref"], p["retention_days"])

    def write(self, api: SupabaseClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        return self.make(api, p)  # selecting another variant replaces the one selected

    def remove(self, api: SupabaseClient, ref: dict[str, Any]) -> None:
        days = ref.get("retention_days")
        if days:
            api.remove_addon(ref["project_ref"], f"pitr_{days}")

    @staticmethod
    def _view(ref: str, days: int) -> dict[str, Any]:
        return {"project_ref": ref, "retention_days": days, "variant": f"pitr_{days}",
                "worst_case_rpo_minutes": thresholds.PITR_WORST_CASE_RPO_MINUTES}


@dataclass(frozen=True)
class PitrArgs(Args):
    project_ref: pulumi.Input[str]
    retention_days: int
    """7, 14 or 28 days of point-in-time recovery (the pitr_<days> add-on)."""


class Pitr(DynamicResource, module="supabase", name="Pitr"):
    provider_class = PitrProvider
    args_class = PitrArgs
    retention_days = Out[int]("retention_days")
    variant = Out[str]("variant")
    worst_case_rpo_minutes = Out[int]("worst_case_rpo_minutes")
