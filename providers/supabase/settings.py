"""Project settings: one resource per API surface, each a read → compare → write-only-the-change.

Shared shape (`SettingsProvider`, the TF provider's `supabase_settings` made per surface): the
inputs name only the keys we manage; create reads the surface and writes only what differs (so
adopting a project that already complies sends no mutation); read sends one GET and records the
live values of the managed keys (drift shows up as a diff on the next `pulumi up`); update writes
only the keys whose last known value differs; delete changes nothing.

Each write does what the vendor's write does: Auth and the pooler are PATCHes (partial: only the
changed keys go), network restrictions are replaced whole by one POST, and the Postgres config PUT
**replaces the whole override set**, so it is read, merged and then PUT (as Supabase's CLI does),
never sent with only the keys managed here (which would wipe every override set elsewhere).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi

from providers.dynamic.checks import Checker, Rule
from providers.dynamic.errors import NotFoundError, PlanRequiredError
from providers.dynamic.ids import IdFormat
from providers.dynamic.resource import Args, DynamicResource, Out
from providers.dynamic.values import is_unknown

from .base import SettingsProvider, check_ref
from .client import SupabaseClient
from .vocabulary import (
    AUTH_RULES,
    POOLER_RULES,
    POSTGRES_KEYS,
    POSTGRES_RESTART_KEYS,
    POSTGRES_RULES,
    SCHEDULE_PATTERN,
)

__all__ = [
    "AuthConfig", "AuthConfigArgs", "AuthConfigProvider", "Backups", "BackupsArgs", "BackupsProvider",
    "NetworkRestrictions", "NetworkRestrictionsArgs", "NetworkRestrictionsProvider", "Pooler", "PoolerArgs",
    "PoolerProvider", "PostgresConfig", "PostgresConfigArgs", "PostgresConfigProvider", "SettingsProvider",
    "SslEnforcement", "SslEnforcementArgs", "SslEnforcementProvider", "canonical_cidrs",
]


class MapSettingsProvider(SettingsProvider):
    """A surface managed as a ``settings`` map of the API's own keys (Auth, Postgres, the pooler)."""

    managed = ("settings",)
    rules: ClassVar[dict[str, Rule]] = {}

    def validate(self, c: Checker) -> None:
        check_ref(c)
        settings = c.news.get("settings")
        if is_unknown(settings):
            return
        if not isinstance(settings, Mapping) or not settings:
            c.fail("settings", f"must name at least one {self.surface} setting")
            return
        for key, value in settings.items():
            rule = self.rules.get(key)
            if rule is None:
                c.fail(f"settings.{key}", f"is not a managed {self.surface} setting; allowed: {sorted(self.rules)}")
            else:
                c.value(f"settings.{key}", value, rule)

    def view(self, props: dict[str, Any]) -> dict[str, Any]:
        settings = props.get("settings")
        if is_unknown(settings) and not isinstance(settings, Mapping):
            return {"project_ref": props.get("project_ref"), "settings": settings}
        return {"project_ref": props.get("project_ref"),
                **{f"settings.{k}": v for k, v in (settings or {}).items()},
                **{k: props.get(k) for k in self.declared}}

    def settings_of(self, ref: dict[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
        """The managed keys' live values (every key this provider knows, for a read by id alone)."""
        wanted = ref.get("settings")
        keys = list(wanted) if isinstance(wanted, Mapping) else [k for k in self.rules if k in live]
        return {k: live.get(k) for k in keys}

    def changed_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        return {k.split(".", 1)[1]: v for k, v in changes.items() if k.startswith("settings.")}


# -- network restrictions -------------------------------------------------------------------

def canonical_cidrs(cidrs: list[Any]) -> list[str]:
    return sorted(str(ipaddress.ip_network(str(c), strict=False)) for c in cidrs)


class NetworkRestrictionsProvider(SettingsProvider):
    """`dbAllowedCidrs`/`dbAllowedCidrsV6` for Postgres and the pooler; the apply POST replaces both lists."""

    kind = "NetworkRestrictions"
    surface = "network-restrictions"
    id_format = IdFormat("{project_ref}/network-restrictions")
    managed = ("allowed_cidrs",)

    def validate(self, c: Checker) -> None:
        check_ref(c)
        cidrs = c.news.get("allowed_cidrs")
        if is_unknown(cidrs):
            return
        if not isinstance(cidrs, list) or not cidrs:
            c.fail("allowed_cidrs", "must list at least one CIDR (an empty list is not 'deny all' to every API "
                                    "version)")
            return
        for cidr in cidrs:
            try:
                ipaddress.ip_network(str(cidr), strict=True)
            except ValueError as exc:
                c.fail("allowed_cidrs", f"{cidr!r} is not a CIDR network ({exc})")

    def view(self, props: dict[str, Any]) -> dict[str, Any]:
        cidrs = props.get("allowed_cidrs")
        return {"project_ref": props.get("project_ref"),
                "allowed_cidrs": cidrs if is_unknown(cidrs) else canonical_cidrs(list(cidrs or []))}

    def fetch(self, api: SupabaseClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        reply = api.get_network_restrictions(ref["project_ref"])
        return {"project_ref": ref["project_ref"], **self._live(reply)}

    def write(self, api: SupabaseClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        cidrs = canonical_cidrs(list(p["allowed_cidrs"]))
        v4 = [c for c in cidrs if ipaddress.ip_network(c).version == 4]
        v6 = [c for c in cidrs if ipaddress.ip_network(c).version == 6]
        reply = api.apply_network_restrictions(ref["project_ref"], v4, v6)
        if reply.get("entitlement") == "disallowed":
            raise PlanRequiredError(f"project {ref['project_ref']}: network restrictions are not available on this "
                                    f"plan", 402)
        return self._live(reply)

    @staticmethod
    def _live(reply: Mapping[str, Any]) -> dict[str, Any]:
        config = reply.get("config") or {}
        cidrs = list(config.get("dbAllowedCidrs") or []) + list(config.get("dbAllowedCidrsV6") or [])
        return {"allowed_cidrs": canonical_cidrs(cidrs), "status": reply.get("status")}


@dataclass(frozen=True)
class NetworkRestrictionsArgs(Args):
    project_ref: pulumi.Input[str]
    allowed_cidrs: list[str]
    """Every network (IPv4 and IPv6) allowed to reach Postgres and the pooler; nothing else can."""


class NetworkRestrictions(DynamicResource, module="supabase", name="NetworkRestrictions"):
    provider_class = NetworkRestrictionsProvider
    args_class = NetworkRestrictionsArgs
    allowed_cidrs = Out[list[str]]("allowed_cidrs")
    status = Out[str]("status")


# -- SSL enforcement ------------------------------------------------------------------------

class SslEnforcementProvider(SettingsProvider):
    """SSL-only connections to Postgres and Supavisor; polled until Supabase reports it applied."""

    kind = "SslEnforcement"
    surface = "ssl-enforcement"
    id_format = IdFormat("{project_ref}/ssl-enforcement")
    managed = ("enforced",)

    def validate(self, c: Checker) -> None:
        check_ref(c)
        c.boolean("enforced", required=True)

    def fetch(self, api: SupabaseClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        return {"project_ref": ref["project_ref"], **self._live(api.get_ssl_enforcement(ref["project_ref"]))}

    def write(self, api: SupabaseClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        ref_, desired = ref["project_ref"], bool(p["enforced"])
        api.put_ssl_enforcement(ref_, desired)
        # The change restarts Postgres; it is only done when Supabase says so.
        return dict(api.poll(f"SSL enforcement of project {ref_}", lambda: self._live(api.get_ssl_enforcement(ref_)),
                             lambda s: bool(s["applied"]) and s["enforced"] == desired,
                             api.runtime.ssl_apply_timeout))

    @staticmethod
    def _live(reply: Mapping[str, Any]) -> dict[str, Any]:
        return {"enforced": (reply.get("currentConfig") or {}).get("database"),
                "applied": reply.get("appliedSuccessfully")}


@dataclass(frozen=True)
class SslEnforcementArgs(Args):
    project_ref: pulumi.Input[str]
    enforced: bool
    """Refuse connections to Postgres and the pooler that do not use TLS."""


class SslEnforcement(DynamicResource, module="supabase", name="SslEnforcement"):
    provider_class = SslEnforcementProvider
    args_class = SslEnforcementArgs
    enforced = Out[bool]("enforced")
    applied = Out[bool]("applied")


# -- auth, Postgres, pooler -----------------------------------------------------------------

class AuthConfigProvider(MapSettingsProvider):
    """GoTrue settings: token lifetimes, refresh rotation, MFA factors, password rules (a partial PATCH)."""

    kind = "AuthConfig"
    surface = "auth"
    id_format = IdFormat("{project_ref}/auth")
    rules = AUTH_RULES

    def fetch(self, api: SupabaseClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        live = api.get_auth_config(ref["project_ref"])
        return {"project_ref": ref["project_ref"], "settings": self.settings_of(ref, live)}

    def write(self, api: SupabaseClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        reply = api.update_auth_config(ref["project_ref"], self.changed_settings(changes))
        return {"settings": self.settings_of(p, reply) if reply else p["settings"]}


@dataclass(frozen=True)
class MapSettingsArgs(Args):
    project_ref: pulumi.Input[str]
    settings: Mapping[str, Any]
    """The surface's settings under the API's names; a setting not named here is left as it is."""


@dataclass(frozen=True)
class AuthConfigArgs(MapSettingsArgs):
    """Auth (GoTrue) settings; anything not named is left to the dashboard."""


class AuthConfig(DynamicResource, module="supabase", name="AuthConfig"):
    provider_class = AuthConfigProvider
    args_class = AuthConfigArgs
    settings = Out[dict[str, Any]]("settings")


class PostgresConfigProvider(MapSettingsProvider):
    """Server parameters. The PUT replaces the whole override set: read, merge, PUT.

    A parameter Postgres reads only at start (`POSTGRES_RESTART_KEYS`, e.g. ``track_commit_timestamp``)
    is written with ``restart_database`` only when the stack allows a restart (``restart_allowed``);
    otherwise it is saved and listed in ``pending_restart`` until a restart applies it, and a refresh
    asks Postgres (``pg_settings.pending_restart``) whether it still waits. Never reported applied early.
    """

    kind = "PostgresConfig"
    surface = "postgres"
    id_format = IdFormat("{project_ref}/postgres")
    declared = ("restart_allowed",)
    rules = POSTGRES_RULES

    def validate(self, c: Checker) -> None:
        super().validate(c)
        c.boolean("restart_allowed")

    def view(self, props: dict[str, Any]) -> dict[str, Any]:
        return {**super().view(props), "restart_allowed": bool(props.get("restart_allowed"))}

    def fetch(self, api: SupabaseClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        overrides = api.get_postgres_config(ref["project_ref"])
        pending = [str(k) for k in ref.get("pending_restart") or []]
        if pending:  # only while something waits: Postgres says whether it still does
            pending = pending_restart(api, ref["project_ref"], pending)
        return {"project_ref": ref["project_ref"], "settings": self.settings_of(ref, overrides),
                "overrides": overrides, "pending_restart": pending or None}

    def changes(self, p: dict[str, Any], current: dict[str, Any], skip: tuple[str, ...]) -> dict[str, Any]:
        found = super().changes(p, current, skip)
        if p.get("restart_allowed") and current.get("pending_restart"):
            found["restart"] = True  # the stack now allows the restart that applies what waits
        return found

    def write(self, api: SupabaseClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        project_ref = ref["project_ref"]
        changed = self.changed_settings(changes)
        overrides = current.get("overrides")
        if not isinstance(overrides, Mapping):
            overrides = api.get_postgres_config(project_ref)  # the set to merge into, as it is now
        body = {k: v for k, v in {**overrides, **changed}.items() if k in POSTGRES_KEYS and v is not None}
        waiting = sorted({*(current.get("pending_restart") or []),
                          *(k for k, v in changed.items() if k in POSTGRES_RESTART_KEYS and overrides.get(k) != v)})
        restart = bool(p.get("restart_allowed")) and bool(waiting)
        reply = api.update_postgres_config(project_ref, body, restart=restart)
        if restart:
            api.wait_project_healthy(project_ref)
        live = reply or body
        return {"settings": {k: live.get(k) for k in p["settings"]}, "overrides": dict(live),
                "pending_restart": None if restart or not waiting else waiting, "restart_checked": True}

    def created(self, api: SupabaseClient, ref: dict[str, Any], p: dict[str, Any],
                state: dict[str, Any]) -> dict[str, Any]:
        """Adopted as it was (nothing written): whether its start-only parameters are in effect yet."""
        declared = [k for k in p["settings"] if k in POSTGRES_RESTART_KEYS]
        if state.get("restart_checked") or not declared:
            return state
        return {**state, "pending_restart": pending_restart(api, ref["project_ref"], declared) or None}

    def outputs(self, p: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
        outs = super().outputs(p, live)
        for internal in ("overrides", "restart_checked"):  # the whole set is the vendor's
            outs.pop(internal, None)
        return outs

    def current(self, api: Any, ref: dict[str, Any], olds: dict[str, Any]) -> dict[str, Any]:
        return {**super().current(api, ref, olds), "overrides": None}


def pending_restart(api: SupabaseClient, ref: str, names: list[str]) -> list[str]:
    """Which of ``names`` Postgres has saved but will apply only at its next start."""
    quoted = ", ".join(f"'{n}'" for n in sorted(names) if n in POSTGRES_RESTART_KEYS)
    if not quoted:
        return []
    rows = api.run_read_only_query(
        ref, f"select name, pending_restart from pg_settings where name in ({quoted}) order by name;")
    return [str(r["name"]) for r in rows if r.get("pending_restart")]


@dataclass(frozen=True)
class PostgresConfigArgs(MapSettingsArgs):
    """Server parameters (Postgres's names); overrides set elsewhere are kept (the PUT is merged)."""

    restart_allowed: bool = False
    """Whether a deploy may restart the database to apply a parameter Postgres reads only at start."""


class PostgresConfig(DynamicResource, module="supabase", name="PostgresConfig"):
    provider_class = PostgresConfigProvider
    args_class = PostgresConfigArgs
    settings = Out[dict[str, Any]]("settings")
    pending_restart = Out[list[str]]("pending_restart")
    """Parameters saved but not in effect until the database restarts."""


class PoolerProvider(MapSettingsProvider):
    """Supavisor mode and pool size (a partial PATCH); reports the pooled connection's user, host, port, db."""

    kind = "Pooler"
    surface = "pooler"
    id_format = IdFormat("{project_ref}/pooler")
    rules = POOLER_RULES
    CONNECTION = ("db_user", "db_host", "db_port", "db_name")

    def fetch(self, api: SupabaseClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        entries = api.get_pooler(ref["project_ref"])
        primary = next((e for e in entries if e.get("database_type") == "PRIMARY"), None)
        if primary is None:
            raise NotFoundError(f"project {ref['project_ref']}: no primary pooler configuration", 404)
        return {"project_ref": ref["project_ref"], "settings": self.settings_of(ref, primary),
                **{k: primary.get(k) for k in self.CONNECTION}}

    def write(self, api: SupabaseClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        changed = self.changed_settings(changes)
        reply = api.update_pooler(ref["project_ref"], changed)
        merged = {**dict(current.get("settings") or {}), **changed, **(reply or {})}
        return {"settings": {k: merged.get(k) for k in p["settings"]}}


@dataclass(frozen=True)
class PoolerArgs(MapSettingsArgs):
    """Supavisor settings (pool_mode, default_pool_size)."""


class Pooler(DynamicResource, module="supabase", name="Pooler"):
    provider_class = PoolerProvider
    args_class = PoolerArgs
    settings = Out[dict[str, Any]]("settings")
    db_user = Out[str]("db_user")
    db_host = Out[str]("db_host")
    db_port = Out[int]("db_port")
    db_name = Out[str]("db_name")


# -- backups and recovery declarations ------------------------------------------------------

class BackupsProvider(SettingsProvider):
    """The daily backup time (changeable 3 times a day, so written only when it differs) and the live
    backup facts (PITR on, WAL-G, latest completed backup). The recovery objectives (RPO, RTO, the last
    drill) are no API's: the database component publishes them (facts.DatabaseFacts)."""

    kind = "Backups"
    surface = "backups"
    id_format = IdFormat("{project_ref}/backups")
    managed = ("schedule_for",)

    def validate(self, c: Checker) -> None:
        check_ref(c)
        c.text("schedule_for", 8, required=False, pattern=SCHEDULE_PATTERN, what="HH:MM:SS (UTC)")

    def view(self, props: dict[str, Any]) -> dict[str, Any]:
        view = super().view(props)
        if props.get("schedule_for") is None:
            view.pop("schedule_for")  # not declared: Supabase's choice stands
        return view

    def fetch(self, api: SupabaseClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        backups = api.list_backups(ref["project_ref"])  # 404 here means the project is gone
        completed = sorted(str(b.get("inserted_at")) for b in backups.get("backups") or []
                           if b.get("status") == "COMPLETED")
        live = {"project_ref": ref["project_ref"], "pitr_enabled": backups.get("pitr_enabled"),
                "walg_enabled": backups.get("walg_enabled"), "latest_backup_at": completed[-1] if completed else None}
        if ref.get("schedule_for") is not None:  # read only what is managed
            try:
                live["schedule_for"] = api.get_backup_schedule(ref["project_ref"]).get("schedule_for")
            except NotFoundError:
                live["schedule_for"] = None
        return live

    def write(self, api: SupabaseClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        return {"schedule_for": api.set_backup_schedule(ref["project_ref"], p["schedule_for"]).get("schedule_for")}


@dataclass(frozen=True)
class BackupsArgs(Args):
    project_ref: pulumi.Input[str]
    schedule_for: str | None = None
    """Daily backup time HH:MM:SS UTC, or None to leave Supabase's choice."""


class Backups(DynamicResource, module="supabase", name="Backups"):
    provider_class = BackupsProvider
    args_class = BackupsArgs
    pitr_enabled = Out[bool]("pitr_enabled")
    walg_enabled = Out[bool]("walg_enabled")
    latest_backup_at = Out[str]("latest_backup_at")
