"""A stateful fake of the Supabase Management API that refuses anything the spec does not allow.

Every request is checked against the published OpenAPI document (method, path, parameters, body
schema, undeclared properties) and the bearer token; a request that fails gets a 400 and is
recorded in `violations`, which the tests assert is empty. Every 2xx reply is checked against the
spec as well, so the fake cannot drift into answering in shapes the real API never sends.

State: organisations (plan, entitlements, members) and projects with everything the provider
manages. Knobs simulate the slow parts (projects coming up, SSL being applied, replicas
initialising) and the failure modes (replies lost after the work was done, rate-limit headers).
"""

from __future__ import annotations

import itertools
import re
import string
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .postgres_sql import Database, SqlError
from .server import FakeServer, Recorded, Reply
from .supabase_spec import request_problems, response_problems, spec_document

TOKEN = "test-token-not-real"
POSTMASTER_PARAMETERS = frozenset({
    "max_connections", "shared_buffers", "max_locks_per_transaction", "max_worker_processes", "max_wal_senders",
    "max_replication_slots", "track_commit_timestamp", "track_activity_query_size"})
"""What Postgres itself reads only at start (context "postmaster"): modelled here on Postgres's
documentation, independently of the provider's own list, so a mistake in one shows up against the other."""
NOW = "2026-06-01T00:00:00Z"
DEFAULT_ENTITLEMENTS: dict[str, tuple[str, bool, dict[str, Any]]] = {
    "instances.high_availability": ("boolean", False, {"enabled": False}),
    "instances.read_replicas": ("boolean", True, {"enabled": True}),
    "security.enforce_mfa": ("boolean", True, {"enabled": True}),
    "pitr.available_variants": ("set", True, {"enabled": True, "set": ["pitr_7", "pitr_14", "pitr_28"]}),
    "backup.retention_days": ("numeric", True, {"enabled": True, "value": 7, "unlimited": False, "unit": "days"}),
    "backup.schedule": ("boolean", True, {"enabled": True}),
    "security.audit_logs_days": ("numeric", True, {"enabled": True, "value": 7, "unlimited": False, "unit": "days"}),
}


def _auth_defaults() -> dict[str, Any]:
    schema = spec_document()["components"]["schemas"]["AuthConfigResponse"]["properties"]
    values: dict[str, Any] = {}
    for key, prop in schema.items():
        if prop.get("enum"):
            values[key] = prop["enum"][0]
        elif prop.get("nullable"):
            values[key] = None
        else:
            values[key] = {"integer": 6, "boolean": False, "string": ""}.get(prop.get("type", ""))
    values.update({
        "jwt_exp": 3600, "refresh_token_rotation_enabled": True, "security_refresh_token_reuse_interval": 10,
        "mfa_totp_enroll_enabled": True, "mfa_totp_verify_enabled": True, "mfa_max_enrolled_factors": 10,
        "password_min_length": 6, "password_required_characters": "", "disable_signup": False,
    })
    return values


@dataclass
class FakeOrg:
    slug: str
    plan: str = "pro"
    entitlements: dict[str, tuple[str, bool, dict[str, Any]]] = field(
        default_factory=lambda: dict(DEFAULT_ENTITLEMENTS))
    members: list[dict[str, Any]] = field(default_factory=lambda: [
        {"user_id": "u1", "user_name": "owner", "email": "owner@example.test", "role_name": "Owner",
         "mfa_enabled": True},
        {"user_id": "u2", "user_name": "dev", "email": "dev@example.test", "role_name": "Developer",
         "mfa_enabled": True},
    ])


@dataclass
class FakeProject:
    ref: str
    name: str
    org: str
    region: str
    size: str
    db_pass: str
    status: str = "COMING_UP"
    polls_until_healthy: int = 0
    ssl: bool = False
    ssl_requested: bool = False
    ssl_pending: int = 0
    cidrs_v4: list[str] = field(default_factory=lambda: ["0.0.0.0/0"])
    cidrs_v6: list[str] = field(default_factory=lambda: ["::/0"])
    addons: dict[str, str] = field(default_factory=dict)
    replicas: list[dict[str, Any]] = field(default_factory=list)
    auth: dict[str, Any] = field(default_factory=_auth_defaults)
    postgres: dict[str, Any] = field(default_factory=lambda: {"statement_timeout": "2min", "max_connections": 90})
    """The override set (what GET returns and PUT replaces); 90 connections stands for an override set elsewhere."""
    pending_restart: set[str] = field(default_factory=set)
    """Overrides saved without a restart that Postgres has not applied yet (pg_settings.pending_restart)."""
    restarts: int = 0
    pool_mode: str = "transaction"
    default_pool_size: int | None = None
    schedule_for: str = "00:00:00"
    schedule_changes: int = 0
    pgaudit_installed: bool = False
    role_settings: dict[str, str | None] = field(
        default_factory=lambda: {"postgres": None, "authenticator": None, "anon": None})
    """pgaudit.log per role (Supabase's own roles and those created through SQL)."""
    login_roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    advisors: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {"performance": [], "security": []})
    """The advisor lints each endpoint answers (tests seed them in the spec's shape)."""
    postgres_version: str = "17.4.1.054"
    """What Supabase creates today (its default major); upgrades are not done through this fake."""
    """Roles created through the SQL endpoint (fakeapis/postgres_sql.py)."""


Route = Callable[[dict[str, str], dict[str, str], Any], Reply]


class FakeSupabase:
    """State + routes; `serve()` puts it behind a local HTTP server."""

    def __init__(self) -> None:
        self.orgs: dict[str, FakeOrg] = {"lightspeedpay": FakeOrg("lightspeedpay")}
        self.projects: dict[str, FakeProject] = {}
        self.violations: list[str] = []
        self.requests: list[Recorded] = []
        # Knobs.
        self.coming_up_polls = 0
        self.ssl_apply_polls = 0
        self.replica_init_polls = 0
        self.replica_fails = False
        self.restart_polls = 0
        self.network_entitlement = "allowed"
        self.lose_replies: dict[tuple[str, str], int] = {}
        """(method, path regex) → how many replies to drop (by stalling) after doing the work."""
        self.stall_seconds = 0.5
        self.rate_headers: Callable[[Recorded], dict[str, str] | None] | None = None
        self.clock: Callable[[], float] = time.monotonic
        """What the fake's 120/min window counts in (a simulated clock when the client's is one)."""
        self._names = (("".join(p) * 20)[:20] for p in itertools.product(string.ascii_lowercase, repeat=3))
        self._window: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self.routes: list[tuple[str, re.Pattern[str], Route]] = []
        self._route("GET", r"/v1/organizations/(?P<slug>[\w-]+)", self.get_org)
        self._route("GET", r"/v1/organizations/(?P<slug>[\w-]+)/entitlements", self.get_entitlements)
        self._route("GET", r"/v1/organizations/(?P<slug>[\w-]+)/members", self.get_members)
        self._route("GET", r"/v1/organizations/(?P<slug>[\w-]+)/projects", self.list_org_projects)
        self._route("POST", r"/v1/projects", self.create_project)
        self._route("GET", r"/v1/projects/(?P<ref>[a-z]{20})", self.get_project)
        self._route("PATCH", r"/v1/projects/(?P<ref>[a-z]{20})", self.rename_project)
        self._route("DELETE", r"/v1/projects/(?P<ref>[a-z]{20})", self.delete_project)
        self._route("PATCH", r"/v1/projects/(?P<ref>[a-z]{20})/database/password", self.set_password)
        self._route("GET", r"/v1/projects/(?P<ref>[a-z]{20})/api-keys", self.api_keys)
        self._route("GET", r"/v1/projects/(?P<ref>[a-z]{20})/billing/addons", self.list_addons)
        self._route("PATCH", r"/v1/projects/(?P<ref>[a-z]{20})/billing/addons", self.apply_addon)
        self._route("DELETE", r"/v1/projects/(?P<ref>[a-z]{20})/billing/addons/(?P<variant>\w+)", self.remove_addon)
        self._route("GET", r"/v1/projects/(?P<ref>[a-z]{20})/network-restrictions", self.get_network)
        self._route("POST", r"/v1/projects/(?P<ref>[a-z]{20})/network-restrictions/apply", self.apply_network)
        self._route("GET", r"/v1/projects/(?P<ref>[a-z]{20})/ssl-enforcement", self.get_ssl)
        self._route("PUT", r"/v1/projects/(?P<ref>[a-z]{20})/ssl-enforcement", self.put_ssl)
        self._route("POST", r"/v1/projects/(?P<ref>[a-z]{20})/read-replicas/setup", self.setup_replica)
        self._route("POST", r"/v1/projects/(?P<ref>[a-z]{20})/read-replicas/remove", self.remove_replica)
        self._route("GET", r"/v1/projects/(?P<ref>[a-z]{20})/database/backups", self.list_backups)
        self._route("GET", r"/v1/projects/(?P<ref>[a-z]{20})/database/backups/schedule", self.get_schedule)
        self._route("PATCH", r"/v1/projects/(?P<ref>[a-z]{20})/database/backups/schedule", self.set_schedule)
        self._route("GET", r"/v1/projects/(?P<ref>[a-z]{20})/config/auth", self.get_auth)
        self._route("PATCH", r"/v1/projects/(?P<ref>[a-z]{20})/config/auth", self.patch_auth)
        self._route("GET", r"/v1/projects/(?P<ref>[a-z]{20})/config/database/postgres", self.get_postgres)
        self._route("PUT", r"/v1/projects/(?P<ref>[a-z]{20})/config/database/postgres", self.put_postgres)
        self._route("GET", r"/v1/projects/(?P<ref>[a-z]{20})/config/database/pooler", self.get_pooler)
        self._route("PATCH", r"/v1/projects/(?P<ref>[a-z]{20})/config/database/pooler", self.patch_pooler)
        self._route("POST", r"/v1/projects/(?P<ref>[a-z]{20})/database/query", self.run_query)
        self._route("POST", r"/v1/projects/(?P<ref>[a-z]{20})/database/query/read-only", self.run_read_only)
        self._route("GET", r"/v1/projects/(?P<ref>[a-z]{20})/advisors/(?P<kind>performance|security)", self.advisors)

    # -- plumbing ----------------------------------------------------------------------------

    def _route(self, method: str, pattern: str, handler: Route) -> None:
        self.routes.append((method, re.compile(f"^{pattern}$"), handler))

    def handle(self, recorded: Recorded) -> Reply:
        parts = urllib.parse.urlsplit(recorded.path)
        path = parts.path
        query = dict(urllib.parse.parse_qsl(parts.query))
        with self._lock:
            self.requests.append(recorded)
        if recorded.headers.get("authorization") != f"Bearer {TOKEN}":
            return Reply(401, {"message": "Unauthorized"})
        problems = request_problems(recorded.method, path, query, recorded.body)
        if problems:
            with self._lock:
                self.violations.extend(problems)
            return Reply(400, {"message": "; ".join(problems)[:500]})
        limited = self._rate(recorded, path)
        if limited.status == 429:
            return limited
        for method, pattern, handler in self.routes:
            match = pattern.match(path)
            if match and method == recorded.method:
                with self._lock:
                    reply = handler(match.groupdict(), query, recorded.body)
                break
        else:
            return Reply(404, {"message": f"fake has no route for {recorded.method} {path}"})
        if 200 <= reply.status < 300 and reply.raw is None:
            problems = response_problems(recorded.method, path, query, reply.status, reply.body)
            if problems:
                with self._lock:
                    self.violations.extend(f"fake replied off-spec: {p}" for p in problems)
        reply.headers = {**limited.headers, **reply.headers}
        for (lost_method, lost_path), count in list(self.lose_replies.items()):
            if count > 0 and lost_method == recorded.method and re.fullmatch(lost_path, path):
                self.lose_replies[(lost_method, lost_path)] = count - 1
                reply.delay = self.stall_seconds
        return reply

    def _rate(self, recorded: Recorded, path: str) -> Reply:
        """120/min per path; custom headers (tests) override the computed ones."""
        now = self.clock()
        with self._lock:
            window = self._window.setdefault(path, deque())
            while window and window[0] <= now - 60:
                window.popleft()
            window.append(now)
            remaining = 120 - len(window)
        headers = {"X-RateLimit-Limit": "120", "X-RateLimit-Remaining": str(max(remaining, 0)),
                   "X-RateLimit-Reset": "60"}
        custom = self.rate_headers(recorded) if self.rate_headers else None
        if custom is not None:
            headers = custom
        if remaining < 0:
            return Reply(429, {"message": "Rate limit exceeded"}, {**headers, "Retry-After": "1"})
        return Reply(200, None, headers)

    def serve(self) -> FakeServer:
        return FakeServer(self.handle)

    def add_project(self, name: str, region: str = "ap-south-1", size: str = "small",
                    status: str = "ACTIVE_HEALTHY", org: str = "lightspeedpay") -> FakeProject:
        project = FakeProject(next(self._names), name, org, region, size, "seeded-password-not-real", status)
        if size not in ("nano",):
            project.addons["compute_instance"] = f"ci_{size}"
        self.projects[project.ref] = project
        return project

    def _project(self, ref: str) -> FakeProject | None:
        return self.projects.get(ref)

    @staticmethod
    def _missing(ref: str) -> Reply:
        return Reply(404, {"message": f"project {ref} not found"})

    # -- organisations -----------------------------------------------------------------------

    def get_org(self, p: dict[str, str], _q: dict[str, str], _b: Any) -> Reply:
        org = self.orgs.get(p["slug"])
        if org is None:
            return Reply(404, {"message": "organization not found"})
        return Reply(200, {"id": org.slug, "name": org.slug, "plan": org.plan, "opt_in_tags": [],
                           "allowed_release_channels": ["ga"]})

    def get_entitlements(self, p: dict[str, str], _q: dict[str, str], _b: Any) -> Reply:
        org = self.orgs.get(p["slug"])
        if org is None:
            return Reply(404, {"message": "organization not found"})
        items = [{"feature": {"key": key, "type": kind}, "hasAccess": access, "type": kind, "config": config}
                 for key, (kind, access, config) in org.entitlements.items()]
        return Reply(200, {"entitlements": items})

    def get_members(self, p: dict[str, str], _q: dict[str, str], _b: Any) -> Reply:
        org = self.orgs.get(p["slug"])
        return Reply(200, list(org.members)) if org else Reply(404, {"message": "organization not found"})

    def _listing(self, project: FakeProject) -> dict[str, Any]:
        primary = {"identifier": project.ref, "type": "PRIMARY", "region": project.region,
                   "status": project.status if project.status != "COMING_UP" else "COMING_UP",
                   "cloud_provider": "AWS", "infra_compute_size": project.size}
        return {"ref": project.ref, "name": project.name, "cloud_provider": "AWS", "region": project.region,
                "is_branch": False, "status": project.status, "inserted_at": NOW,
                "databases": [primary, *project.replicas]}

    def list_org_projects(self, p: dict[str, str], q: dict[str, str], _b: Any) -> Reply:
        if p["slug"] not in self.orgs:
            return Reply(404, {"message": "organization not found"})
        search = q.get("search", "").lower()
        matches = [pr for pr in self.projects.values() if pr.org == p["slug"] and search in pr.name.lower()]
        for project in matches:
            for replica in project.replicas:
                if replica["status"] == "INIT_READ_REPLICA":
                    replica["_polls"] -= 1
                    if replica["_polls"] < 0:
                        replica["status"] = "INIT_READ_REPLICA_FAILED" if self.replica_fails else "ACTIVE_HEALTHY"
        offset, limit = int(q.get("offset", 0)), int(q.get("limit", 100))
        page = [self._listing(pr) for pr in matches[offset:offset + limit]]
        for item in page:
            item["databases"] = [{k: v for k, v in d.items() if not k.startswith("_")} for d in item["databases"]]
        return Reply(200, {"projects": page, "pagination": {"count": len(matches), "limit": limit, "offset": offset}})

    # -- projects ----------------------------------------------------------------------------

    def _project_body(self, project: FakeProject, database: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"id": project.ref, "ref": project.ref, "organization_id": project.org,
                                "organization_slug": project.org, "name": project.name, "region": project.region,
                                "created_at": NOW, "status": project.status}
        if database:
            body["database"] = {"host": f"db.{project.ref}.supabase.co", "version": project.postgres_version,
                                "postgres_engine": project.postgres_version.split(".")[0], "release_channel": "ga"}
        return body

    def create_project(self, _p: dict[str, str], _q: dict[str, str], body: dict[str, Any]) -> Reply:
        if body["organization_slug"] not in self.orgs:
            return Reply(404, {"message": "organization not found"})
        region = body["region_selection"]["code"]
        project = FakeProject(next(self._names), body["name"], body["organization_slug"], region,
                              body.get("desired_instance_size", "nano"), body["db_pass"],
                              polls_until_healthy=self.coming_up_polls)
        if project.size != "nano":
            project.addons["compute_instance"] = f"ci_{project.size}"
        self.projects[project.ref] = project
        return Reply(201, self._project_body(project, database=False))

    def get_project(self, p: dict[str, str], _q: dict[str, str], _b: Any) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        if project.status in ("COMING_UP", "RESTARTING"):
            project.polls_until_healthy -= 1
            if project.polls_until_healthy < 0:
                project.status = "ACTIVE_HEALTHY"
        return Reply(200, self._project_body(project, database=True))

    def rename_project(self, p: dict[str, str], _q: dict[str, str], body: dict[str, Any]) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        project.name = body["name"]
        return Reply(200, {"id": 1, "ref": project.ref, "name": project.name})

    def delete_project(self, p: dict[str, str], _q: dict[str, str], _b: Any) -> Reply:
        project = self.projects.pop(p["ref"], None)
        if project is None:
            return self._missing(p["ref"])
        return Reply(200, {"id": 1, "ref": project.ref, "name": project.name})

    def set_password(self, p: dict[str, str], _q: dict[str, str], body: dict[str, Any]) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        project.db_pass = body["password"]
        return Reply(200, {"message": "ok"})

    def api_keys(self, p: dict[str, str], q: dict[str, str], _b: Any) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        reveal = q.get("reveal") == "true"
        return Reply(200, [
            {"name": name, "type": "legacy", "id": name,
             "api_key": f"test-{name}-key-{project.ref}" if reveal else None}
            for name in ("anon", "service_role")])

    def advisors(self, p: dict[str, str], _q: dict[str, str], _b: Any) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        return Reply(200, {"lints": list(project.advisors[p["kind"]])})

    # -- add-ons -----------------------------------------------------------------------------

    @staticmethod
    def _variant(variant: str) -> dict[str, Any]:
        return {"id": variant, "name": variant,
                "price": {"description": "test", "type": "fixed", "interval": "monthly", "amount": 0}}

    def list_addons(self, p: dict[str, str], _q: dict[str, str], _b: Any) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        selected = [{"type": kind, "variant": self._variant(variant)} for kind, variant in project.addons.items()]
        return Reply(200, {"selected_addons": selected, "available_addons": []})

    def apply_addon(self, p: dict[str, str], _q: dict[str, str], body: dict[str, Any]) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        kind, variant = body["addon_type"], body["addon_variant"]
        if kind == "pitr" and project.size in ("nano", "micro"):
            return Reply(400, {"message": "PITR requires at least the Small compute add-on"})
        project.addons[kind] = variant
        if kind == "compute_instance":
            project.size = variant.removeprefix("ci_")
        return Reply(200, None)

    def remove_addon(self, p: dict[str, str], _q: dict[str, str], _b: Any) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        kind = next((k for k, v in project.addons.items() if v == p["variant"]), None)
        if kind is None:
            return Reply(404, {"message": f"add-on {p['variant']} is not selected"})
        del project.addons[kind]
        return Reply(200, None)

    # -- network, SSL ------------------------------------------------------------------------

    def _network(self, project: FakeProject) -> dict[str, Any]:
        return {"entitlement": self.network_entitlement, "status": "applied",
                "config": {"dbAllowedCidrs": list(project.cidrs_v4), "dbAllowedCidrsV6": list(project.cidrs_v6)}}

    def get_network(self, p: dict[str, str], _q: dict[str, str], _b: Any) -> Reply:
        project = self._project(p["ref"])
        return Reply(200, self._network(project)) if project else self._missing(p["ref"])

    def apply_network(self, p: dict[str, str], _q: dict[str, str], body: dict[str, Any]) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        if self.network_entitlement == "allowed":
            project.cidrs_v4 = list(body.get("dbAllowedCidrs") or [])
            project.cidrs_v6 = list(body.get("dbAllowedCidrsV6") or [])
        return Reply(201, self._network(project))

    def get_ssl(self, p: dict[str, str], _q: dict[str, str], _b: Any) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        if project.ssl_pending > 0:
            project.ssl_pending -= 1
            return Reply(200, {"currentConfig": {"database": project.ssl}, "appliedSuccessfully": False})
        project.ssl = project.ssl_requested
        return Reply(200, {"currentConfig": {"database": project.ssl}, "appliedSuccessfully": True})

    def put_ssl(self, p: dict[str, str], _q: dict[str, str], body: dict[str, Any]) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        project.ssl_requested = body["requestedConfig"]["database"]
        project.ssl_pending = self.ssl_apply_polls
        if not project.ssl_pending:
            project.ssl = project.ssl_requested
        return Reply(200, {"currentConfig": {"database": project.ssl}, "appliedSuccessfully": not project.ssl_pending})

    # -- replicas, backups -------------------------------------------------------------------

    def setup_replica(self, p: dict[str, str], _q: dict[str, str], body: dict[str, Any]) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        region = body["read_replica_region"]
        suffix = "".join(string.ascii_lowercase[(len(project.replicas) * 7 + i) % 26] for i in range(5))
        project.replicas.append({"identifier": f"{project.ref}-rr-{region}-{suffix}", "type": "READ_REPLICA",
                                 "region": region, "status": "INIT_READ_REPLICA", "cloud_provider": "AWS",
                                 "infra_compute_size": project.size, "_polls": self.replica_init_polls})
        return Reply(201, None)

    def remove_replica(self, p: dict[str, str], _q: dict[str, str], body: dict[str, Any]) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        before = len(project.replicas)
        project.replicas = [r for r in project.replicas if r["identifier"] != body["database_identifier"]]
        if len(project.replicas) == before:
            return Reply(404, {"message": "read replica not found"})
        return Reply(201, None)

    def list_backups(self, p: dict[str, str], _q: dict[str, str], _b: Any) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        return Reply(200, {"region": project.region, "walg_enabled": True, "pitr_enabled": "pitr" in project.addons,
                           "backups": [{"id": 1, "is_physical_backup": True, "status": "COMPLETED",
                                        "inserted_at": "2026-05-31T04:00:00Z"}],
                           "physical_backup_data": {}})

    def _schedule_allowed(self, project: FakeProject) -> bool:
        return self.orgs[project.org].entitlements.get("backup.schedule", ("boolean", False, {}))[1]

    def get_schedule(self, p: dict[str, str], _q: dict[str, str], _b: Any) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        if not self._schedule_allowed(project):
            return Reply(402, {"message": "Feature requires a higher plan"})
        return Reply(200, {"schedule_for": project.schedule_for, "updated_at": "2026-05-04T14:40:44+00:00"})

    def set_schedule(self, p: dict[str, str], _q: dict[str, str], body: dict[str, Any]) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        if not self._schedule_allowed(project):
            return Reply(402, {"message": "Feature requires a higher plan"})
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d", body["schedule_for"]):
            return Reply(400, {"message": "Invalid schedule_for format"})
        if project.schedule_changes >= 3:
            return Reply(400, {"message": "The backup schedule can only be updated 3 times per 24 hours"})
        project.schedule_changes += 1
        project.schedule_for = body["schedule_for"]
        return Reply(200, {"schedule_for": project.schedule_for, "updated_at": "2026-06-01T00:00:00+00:00"})

    # -- configuration -----------------------------------------------------------------------

    def get_auth(self, p: dict[str, str], _q: dict[str, str], _b: Any) -> Reply:
        project = self._project(p["ref"])
        return Reply(200, dict(project.auth)) if project else self._missing(p["ref"])

    def patch_auth(self, p: dict[str, str], _q: dict[str, str], body: dict[str, Any]) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        project.auth.update(body)
        return Reply(200, dict(project.auth))

    def get_postgres(self, p: dict[str, str], _q: dict[str, str], _b: Any) -> Reply:
        project = self._project(p["ref"])
        return Reply(200, dict(project.postgres)) if project else self._missing(p["ref"])

    def put_postgres(self, p: dict[str, str], _q: dict[str, str], body: dict[str, Any]) -> Reply:
        """The PUT replaces the whole override set (Supabase's CLI reads, merges and PUTs for this reason,
        and deletes an override by PUTting the set without it). ``restart_database`` false saves a
        start-only parameter without applying it; true (the default) restarts the database."""
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        overrides = {k: v for k, v in body.items() if k != "restart_database"}
        changed = {k for k in POSTMASTER_PARAMETERS if project.postgres.get(k) != overrides.get(k)}
        project.postgres = overrides
        if body.get("restart_database", True):
            project.pending_restart = set()
            project.restarts += 1
            project.status, project.polls_until_healthy = "RESTARTING", self.restart_polls
        else:
            project.pending_restart |= changed
        return Reply(200, dict(project.postgres))

    def _pooler(self, project: FakeProject) -> dict[str, Any]:
        host = f"aws-0-{project.region}.pooler.supabase.com"
        connection = f"postgresql://postgres.{project.ref}:[YOUR-PASSWORD]@{host}:6543/postgres"
        return {"identifier": project.ref, "database_type": "PRIMARY", "is_using_scram_auth": True,
                "db_user": f"postgres.{project.ref}", "db_host": host, "db_port": 6543, "db_name": "postgres",
                "connection_string": connection, "connectionString": connection,
                "default_pool_size": project.default_pool_size, "max_client_conn": 200, "pool_mode": project.pool_mode}

    def get_pooler(self, p: dict[str, str], _q: dict[str, str], _b: Any) -> Reply:
        project = self._project(p["ref"])
        return Reply(200, [self._pooler(project)]) if project else self._missing(p["ref"])

    def patch_pooler(self, p: dict[str, str], _q: dict[str, str], body: dict[str, Any]) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        project.pool_mode = body.get("pool_mode", project.pool_mode)
        if "default_pool_size" in body:
            project.default_pool_size = body["default_pool_size"]
        return Reply(200, {"default_pool_size": project.default_pool_size, "pool_mode": project.pool_mode})

    # -- SQL (fakeapis/postgres_sql.py: only the statements the provider is meant to send) -------

    def run_query(self, p: dict[str, str], _q: dict[str, str], body: dict[str, Any]) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        try:
            Database(project).execute(body["query"])
        except SqlError as error:
            return Reply(400, {"message": str(error)})
        return Reply(201, [])

    def run_read_only(self, p: dict[str, str], _q: dict[str, str], body: dict[str, Any]) -> Reply:
        project = self._project(p["ref"])
        if project is None:
            return self._missing(p["ref"])
        try:
            return Reply(201, Database(project).query(body["query"]))
        except SqlError as error:
            return Reply(400, {"message": str(error)})
