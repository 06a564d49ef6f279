"""Project settings: one resource per API surface, each a read → compare → write-only-the-change.

Shared shape (the TF provider's `supabase_settings`, made per surface): the inputs name only the
keys we manage; create reads the surface and writes only what differs (so adopting a project
that already complies sends no mutation); read sends one GET and records the live values of the
managed keys (drift shows up as a diff on the next `pulumi up`); update writes only the keys whose
last known value differs; delete changes nothing, because removing a declaration must never
loosen a running production database (fail closed, see docs/supabase.md).
"""

from __future__ import annotations

import ipaddress
from typing import Any, ClassVar

from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from providers.http import NotFoundError

from .base import SupabaseProvider, check_ref, is_unknown, known, normalise
from .client import SupabaseClient
from .errors import PlanRequiredError
from .vocabulary import AUTH_RULES, POOLER_RULES, POSTGRES_RULES, Rule


class SettingsProvider(SupabaseProvider):
    """A surface whose settings are read with one GET and changed with one write."""

    surface: ClassVar[str] = ""
    replace_keys = ("project_ref",)
    declared_keys: ClassVar[tuple[str, ...]] = ()
    """Inputs recorded in state and diffed, but never sent to the API (declarations)."""

    # -- per surface -------------------------------------------------------------------------

    def wanted(self, props: dict[str, Any]) -> dict[str, Any]:
        """Setting → value from inputs (or, on outputs, the last known live value)."""
        return dict(props.get("settings") or {})

    def fetch(self, client: SupabaseClient, ref: str, props: dict[str, Any]) -> dict[str, Any]:
        """The surface's live values (the managed ones at least); NotFoundError when the project is gone."""
        raise NotImplementedError

    def apply(self, client: SupabaseClient, ref: str, changes: dict[str, Any],
              wanted: dict[str, Any]) -> dict[str, Any] | None:
        """Write ``changes``; return live values if the reply carries them."""
        raise NotImplementedError

    def outputs(self, props: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
        """Inputs with every managed value replaced by the live one, plus reported facts."""
        wanted = self.wanted(props)
        return {**props, "settings": {k: live.get(k) for k in wanted}}

    # -- shared ------------------------------------------------------------------------------

    def managed(self, props: dict[str, Any]) -> dict[str, Any]:
        flat: dict[str, Any] = {"project_ref": props.get("project_ref")}
        flat.update({f"settings.{k}": v for k, v in self.wanted(props).items()})
        flat.update({k: props.get(k) for k in self.declared_keys})
        return flat

    def _id(self, ref: str) -> str:
        return f"{ref}/{self.surface}"

    def create(self, props: dict[str, Any]) -> CreateResult:
        props = normalise(props)
        client, ref = self.client(), props["project_ref"]
        wanted = self.wanted(props)
        live = self.fetch(client, ref, props)
        changes = {k: v for k, v in wanted.items() if live.get(k) != v}
        if changes:
            live = {**live, **(self.apply(client, ref, changes, wanted) or changes)}
        return CreateResult(self._id(ref), self.outputs(props, live))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        props = normalise(props)
        try:
            live = self.fetch(self.client(), props["project_ref"], props)
        except NotFoundError:
            return ReadResult(None, {})
        return ReadResult(id_, self.outputs(props, live))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        olds, news = normalise(olds), normalise(news)
        wanted, last = self.wanted(news), self.wanted(olds)
        changes = {k: v for k, v in wanted.items() if last.get(k) != v}
        live = {**self._live_from(olds), **last}
        if changes:
            live = {**live, **(self.apply(self.client(), news["project_ref"], changes, wanted) or changes)}
        return UpdateResult(self.outputs(news, live))

    def _live_from(self, outs: dict[str, Any]) -> dict[str, Any]:
        """Reported facts kept in state, so an update that writes nothing keeps them."""
        return {}

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return

    def validate_settings(self, props: dict[str, Any], rules: dict[str, Rule]) -> list[CheckFailure]:
        failures = check_ref(props)
        settings = props.get("settings")
        if is_unknown(settings):
            return failures
        if not isinstance(settings, dict) or not settings:
            return [*failures, CheckFailure("settings", f"must name at least one {self.surface} setting")]
        for key, value in settings.items():
            rule = rules.get(key)
            if rule is None:
                failures.append(CheckFailure(
                    f"settings.{key}", f"is not a managed {self.surface} setting; allowed: {sorted(rules)}"))
            elif not is_unknown(value) and (problem := rule.problem(value)):
                failures.append(CheckFailure(f"settings.{key}", f"{value!r} {problem}"))
        return failures


# -- network restrictions -------------------------------------------------------------------

def canonical_cidrs(cidrs: list[Any]) -> list[str]:
    return sorted(str(ipaddress.ip_network(str(c), strict=False)) for c in cidrs)


class NetworkRestrictionsProvider(SettingsProvider):
    """`dbAllowedCidrs`/`dbAllowedCidrsV6` for Postgres and the pooler; the whole list is replaced."""

    kind = "NetworkRestrictions"
    surface = "network-restrictions"

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        failures = check_ref(props)
        cidrs = props.get("allowed_cidrs")
        if is_unknown(cidrs):
            return failures
        if not isinstance(cidrs, list) or not cidrs:
            return [*failures, CheckFailure(
                "allowed_cidrs", "must list at least one CIDR (an empty list is not 'deny all' to every API version)")]
        for cidr in cidrs:
            try:
                ipaddress.ip_network(str(cidr), strict=True)
            except ValueError as exc:
                failures.append(CheckFailure("allowed_cidrs", f"{cidr!r} is not a CIDR network ({exc})"))
        return failures

    def wanted(self, props: dict[str, Any]) -> dict[str, Any]:
        cidrs = props.get("allowed_cidrs")
        return {"allowed_cidrs": cidrs if is_unknown(cidrs) else canonical_cidrs(list(cidrs or []))}

    def fetch(self, client: SupabaseClient, ref: str, props: dict[str, Any]) -> dict[str, Any]:
        reply = client.get_network_restrictions(ref)
        config = reply.get("config") or {}
        cidrs = list(config.get("dbAllowedCidrs") or []) + list(config.get("dbAllowedCidrsV6") or [])
        return {"allowed_cidrs": canonical_cidrs(cidrs), "status": reply.get("status"),
                "entitlement": reply.get("entitlement")}

    def apply(self, client: SupabaseClient, ref: str, changes: dict[str, Any],
              wanted: dict[str, Any]) -> dict[str, Any] | None:
        cidrs = wanted["allowed_cidrs"]
        v4 = [c for c in cidrs if ipaddress.ip_network(c).version == 4]
        v6 = [c for c in cidrs if ipaddress.ip_network(c).version == 6]
        reply = client.apply_network_restrictions(ref, v4, v6)
        if reply.get("entitlement") == "disallowed":
            raise PlanRequiredError(f"project {ref}: network restrictions are not available on this plan", 402)
        config = reply.get("config") or {}
        applied = list(config.get("dbAllowedCidrs") or []) + list(config.get("dbAllowedCidrsV6") or [])
        return {"allowed_cidrs": canonical_cidrs(applied), "status": reply.get("status")}

    def outputs(self, props: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
        return {**props, "allowed_cidrs": live.get("allowed_cidrs"), "status": live.get("status")}

    def _live_from(self, outs: dict[str, Any]) -> dict[str, Any]:
        return {"status": outs.get("status")}

    def managed(self, props: dict[str, Any]) -> dict[str, Any]:
        return {"project_ref": props.get("project_ref"), **self.wanted(props)}


# -- SSL enforcement ------------------------------------------------------------------------

class SslEnforcementProvider(SettingsProvider):
    """SSL-only connections to Postgres and Supavisor; polled until Supabase reports it applied."""

    kind = "SslEnforcement"
    surface = "ssl-enforcement"

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        failures = check_ref(props)
        if known(props, "enforced") and not isinstance(props["enforced"], bool):
            failures.append(CheckFailure("enforced", f"{props['enforced']!r} must be true or false"))
        elif "enforced" not in props:
            failures.append(CheckFailure("enforced", "is required"))
        return failures

    def wanted(self, props: dict[str, Any]) -> dict[str, Any]:
        return {"database": props.get("enforced")}

    def fetch(self, client: SupabaseClient, ref: str, props: dict[str, Any]) -> dict[str, Any]:
        reply = client.get_ssl_enforcement(ref)
        return {"database": (reply.get("currentConfig") or {}).get("database"),
                "applied": reply.get("appliedSuccessfully")}

    def apply(self, client: SupabaseClient, ref: str, changes: dict[str, Any],
              wanted: dict[str, Any]) -> dict[str, Any] | None:
        desired = bool(wanted["database"])
        client.put_ssl_enforcement(ref, desired)
        # The change restarts Postgres; it is only done when Supabase says so.
        live = client.poll(
            f"SSL enforcement of project {ref}", lambda: self.fetch(client, ref, {}),
            lambda s: bool(s["applied"]) and s["database"] == desired, client.runtime.ssl_apply_timeout)
        return dict(live)

    def outputs(self, props: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
        return {**props, "enforced": live.get("database"), "applied": live.get("applied")}

    def _live_from(self, outs: dict[str, Any]) -> dict[str, Any]:
        return {"applied": outs.get("applied")}

    def managed(self, props: dict[str, Any]) -> dict[str, Any]:
        return {"project_ref": props.get("project_ref"), "enforced": props.get("enforced")}


# -- auth, Postgres, pooler -----------------------------------------------------------------

class AuthConfigProvider(SettingsProvider):
    """GoTrue settings: token lifetimes, refresh rotation, MFA factors, password rules."""

    kind = "AuthConfig"
    surface = "auth"

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        return self.validate_settings(props, AUTH_RULES)

    def fetch(self, client: SupabaseClient, ref: str, props: dict[str, Any]) -> dict[str, Any]:
        return client.get_auth_config(ref)

    def apply(self, client: SupabaseClient, ref: str, changes: dict[str, Any],
              wanted: dict[str, Any]) -> dict[str, Any] | None:
        return client.update_auth_config(ref, changes) or None


class PostgresConfigProvider(SettingsProvider):
    """Server parameters. Never restarts the database from a deploy: restart-bound ones wait."""

    kind = "PostgresConfig"
    surface = "postgres"

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        return self.validate_settings(props, POSTGRES_RULES)

    def fetch(self, client: SupabaseClient, ref: str, props: dict[str, Any]) -> dict[str, Any]:
        return client.get_postgres_config(ref)

    def apply(self, client: SupabaseClient, ref: str, changes: dict[str, Any],
              wanted: dict[str, Any]) -> dict[str, Any] | None:
        # PUT: send every managed value, not only the changed ones.
        return client.update_postgres_config(ref, wanted) or None


class PoolerProvider(SettingsProvider):
    """Supavisor mode and pool size; reports the pooled connection's user, host, port and database."""

    kind = "Pooler"
    surface = "pooler"
    CONNECTION = ("db_user", "db_host", "db_port", "db_name")

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        return self.validate_settings(props, POOLER_RULES)

    def fetch(self, client: SupabaseClient, ref: str, props: dict[str, Any]) -> dict[str, Any]:
        entries = client.get_pooler(ref)
        primary = next((e for e in entries if e.get("database_type") == "PRIMARY"), None)
        if primary is None:
            raise NotFoundError(f"project {ref}: no primary pooler configuration", 404)
        return dict(primary)

    def apply(self, client: SupabaseClient, ref: str, changes: dict[str, Any],
              wanted: dict[str, Any]) -> dict[str, Any] | None:
        return client.update_pooler(ref, changes) or None

    def outputs(self, props: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
        return {**super().outputs(props, live), **{k: live.get(k) for k in self.CONNECTION}}

    def _live_from(self, outs: dict[str, Any]) -> dict[str, Any]:
        return {k: outs.get(k) for k in self.CONNECTION}


# -- backups and recovery declarations ------------------------------------------------------

SCHEDULE_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"


class BackupsProvider(SettingsProvider):
    """The daily backup time (changeable 3 times a day, so written only when it differs), the live
    backup facts (PITR on, WAL-G, latest completed backup) and the declared RPO/RTO targets."""

    kind = "Backups"
    surface = "backups"
    declared_keys = ("rpo_minutes", "rto_minutes", "restore_drill_minutes")

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        failures = check_ref(props)
        schedule = props.get("schedule_for")
        if schedule is not None and not is_unknown(schedule) and Rule("str", pattern=SCHEDULE_PATTERN).problem(
                schedule) is not None:
            failures.append(CheckFailure("schedule_for", f"{schedule!r} must be HH:MM:SS (UTC)"))
        for key in ("rpo_minutes", "rto_minutes"):
            value = props.get(key)
            if key not in props:
                failures.append(CheckFailure(key, "is required (disaster-recovery target, minutes)"))
            elif not is_unknown(value) and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                failures.append(CheckFailure(key, f"{value!r} must be a whole number of minutes, at least 1"))
        drill = props.get("restore_drill_minutes")
        if drill is not None and not is_unknown(drill) and (not isinstance(drill, int) or drill < 1):
            failures.append(CheckFailure("restore_drill_minutes", f"{drill!r} must be a whole number of minutes"))
        return failures

    def wanted(self, props: dict[str, Any]) -> dict[str, Any]:
        schedule = props.get("schedule_for")
        return {} if schedule is None else {"schedule_for": schedule}

    def fetch(self, client: SupabaseClient, ref: str, props: dict[str, Any]) -> dict[str, Any]:
        backups = client.list_backups(ref)  # 404 here means the project is gone
        completed = sorted(str(b.get("inserted_at")) for b in backups.get("backups") or []
                           if b.get("status") == "COMPLETED")
        live = {"pitr_enabled": backups.get("pitr_enabled"), "walg_enabled": backups.get("walg_enabled"),
                "latest_backup_at": completed[-1] if completed else None}
        if props.get("schedule_for") is not None:  # read only what is managed
            try:
                live["schedule_for"] = client.get_backup_schedule(ref).get("schedule_for")
            except NotFoundError:
                live["schedule_for"] = None
        return live

    def apply(self, client: SupabaseClient, ref: str, changes: dict[str, Any],
              wanted: dict[str, Any]) -> dict[str, Any] | None:
        return {"schedule_for": client.set_backup_schedule(ref, changes["schedule_for"]).get("schedule_for")}

    REPORTED = ("pitr_enabled", "walg_enabled", "latest_backup_at")

    def outputs(self, props: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
        outs = {**props, **{k: live.get(k) for k in self.REPORTED}}
        if props.get("schedule_for") is not None:
            outs["schedule_for"] = live.get("schedule_for")
        return outs

    def _live_from(self, outs: dict[str, Any]) -> dict[str, Any]:
        return {k: outs.get(k) for k in self.REPORTED}
