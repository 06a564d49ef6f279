"""Point-in-time recovery: the `pitr_<days>` billing add-on of a project.

Read: the project's selected add-ons (one GET); no PITR add-on selected means the resource is
gone. Delete removes the add-on (unlike settings, an add-on has a real reverse operation).
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from providers.http import NotFoundError

from .base import SupabaseProvider, check_ref, known, normalise
from .client import SupabaseClient
from .vocabulary import PITR_DAYS


def selected_pitr_days(addons: dict[str, Any]) -> int | None:
    for addon in addons.get("selected_addons") or []:
        if addon.get("type") == "pitr":
            variant = str((addon.get("variant") or {}).get("id") or "")
            days = variant.removeprefix("pitr_")
            return int(days) if days.isdigit() else None
    return None


class PitrProvider(SupabaseProvider):
    kind = "Pitr"
    replace_keys = ("project_ref",)

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        failures = check_ref(props)
        days = props.get("retention_days")
        if "retention_days" not in props:
            failures.append(CheckFailure("retention_days", f"is required; allowed: {list(PITR_DAYS)}"))
        elif known(props, "retention_days") and days not in PITR_DAYS:
            failures.append(CheckFailure(
                "retention_days", f"{days!r} is not a PITR variant; allowed: {list(PITR_DAYS)}"))
        return failures

    def managed(self, props: dict[str, Any]) -> dict[str, Any]:
        return {"project_ref": props.get("project_ref"), "retention_days": props.get("retention_days")}

    @staticmethod
    def _outputs(props: dict[str, Any], days: int | None) -> dict[str, Any]:
        return {**props, "retention_days": days, "variant": f"pitr_{days}" if days else None,
                "worst_case_rpo_minutes": 2 if days else None}

    @staticmethod
    def _select(client: SupabaseClient, ref: str, days: int) -> None:
        client.apply_addon(ref, "pitr", f"pitr_{days}")

    def create(self, props: dict[str, Any]) -> CreateResult:
        props = normalise(props)
        client, ref, days = self.client(), props["project_ref"], props["retention_days"]
        if selected_pitr_days(client.list_addons(ref)) != days:
            self._select(client, ref, days)
        return CreateResult(f"{ref}/pitr", self._outputs(props, days))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        props = normalise(props)
        try:
            days = selected_pitr_days(self.client().list_addons(props["project_ref"]))
        except NotFoundError:
            return ReadResult(None, {})
        if days is None:
            return ReadResult(None, {})
        return ReadResult(id_, self._outputs(props, days))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        olds, news = normalise(olds), normalise(news)
        if news["retention_days"] != olds.get("retention_days"):
            self._select(self.client(), news["project_ref"], news["retention_days"])
        return UpdateResult(self._outputs(news, news["retention_days"]))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        props = normalise(props)
        days = props.get("retention_days")
        if not days:
            return
        try:
            self.client().remove_addon(props["project_ref"], f"pitr_{days}")
        except NotFoundError:
            return
