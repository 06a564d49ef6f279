"""The Supabase Management API (v1) calls the provider makes, one method per operation.

Built on `providers.http.JsonHttpClient` (timeouts, 429/5xx backoff, HTML pages, token-free
messages) with a per-endpoint rate limiter in front of it. Every operation the client can send is
listed in `OPERATIONS`; a test drives each one through a fake server that validates it against the
published OpenAPI document, so nothing here can drift from the spec unnoticed.
"""

from __future__ import annotations

import dataclasses
import os
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from providers.dynamic.errors import ApiError, ConfigError, NotReadyError, PlanRequiredError
from providers.http import JsonHttpClient, Response

from .ratelimit import RateLimiter, shared_limiter
from .vocabulary import API_URL_ENV, DEFAULT_API_URL, PROJECT_FAILED, PROJECT_READY, REF_PATTERN, SLUG_PATTERN

OPERATIONS: tuple[tuple[str, str], ...] = (
    ("GET", "/v1/organizations/{slug}"),
    ("GET", "/v1/organizations/{slug}/entitlements"),
    ("GET", "/v1/organizations/{slug}/members"),
    ("GET", "/v1/organizations/{slug}/projects"),
    ("POST", "/v1/projects"),
    ("GET", "/v1/projects/{ref}"),
    ("PATCH", "/v1/projects/{ref}"),
    ("DELETE", "/v1/projects/{ref}"),
    ("PATCH", "/v1/projects/{ref}/database/password"),
    ("GET", "/v1/projects/{ref}/api-keys"),
    ("GET", "/v1/projects/{ref}/billing/addons"),
    ("PATCH", "/v1/projects/{ref}/billing/addons"),
    ("DELETE", "/v1/projects/{ref}/billing/addons/{addon_variant}"),
    ("GET", "/v1/projects/{ref}/network-restrictions"),
    ("POST", "/v1/projects/{ref}/network-restrictions/apply"),
    ("GET", "/v1/projects/{ref}/ssl-enforcement"),
    ("PUT", "/v1/projects/{ref}/ssl-enforcement"),
    ("POST", "/v1/projects/{ref}/read-replicas/setup"),
    ("POST", "/v1/projects/{ref}/read-replicas/remove"),
    ("GET", "/v1/projects/{ref}/database/backups"),
    ("GET", "/v1/projects/{ref}/database/backups/schedule"),
    ("PATCH", "/v1/projects/{ref}/database/backups/schedule"),
    ("GET", "/v1/projects/{ref}/config/auth"),
    ("PATCH", "/v1/projects/{ref}/config/auth"),
    ("GET", "/v1/projects/{ref}/config/database/postgres"),
    ("PUT", "/v1/projects/{ref}/config/database/postgres"),
    ("GET", "/v1/projects/{ref}/config/database/pooler"),
    ("PATCH", "/v1/projects/{ref}/config/database/pooler"),
    ("POST", "/v1/projects/{ref}/database/query"),
    ("POST", "/v1/projects/{ref}/database/query/read-only"),
    ("GET", "/v1/projects/{ref}/advisors/performance"),
    ("GET", "/v1/projects/{ref}/advisors/security"),
)
"""(method, path template) of every request this client can send."""

READ_ONLY_POSTS = frozenset({"/database/query/read-only"})
"""POSTs that change nothing (a SELECT as the read-only role); not counted as mutations."""


def is_mutation(method: str, path: str) -> bool:
    path = path.split("?", 1)[0]
    return method != "GET" and not any(path.endswith(suffix) for suffix in READ_ONLY_POSTS)


@dataclass
class Runtime:
    """Clock, waits and timeouts; production uses the defaults, tests make them instant."""

    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    timeout: float = 30.0
    """Seconds per HTTP request (the provider host ignores Pulumi's custom timeouts)."""
    poll_interval: float = 5.0
    """Between status polls: 12 per minute per endpoint, a tenth of the budget."""
    project_ready_timeout: float = 20 * 60.0
    ssl_apply_timeout: float = 10 * 60.0
    replica_ready_timeout: float = 40 * 60.0
    limiter: RateLimiter | None = field(default=None, repr=False)


def _ref(ref: str) -> str:
    if not isinstance(ref, str) or not REF_PATTERN.match(ref):
        raise ConfigError(f"project ref {ref!r} is not a Supabase ref (20 lower-case letters)")
    return ref


def _slug(slug: str) -> str:
    if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
        raise ConfigError(f"organization slug {slug!r} must match ^[\\w-]+$")
    return slug


class SupabaseClient:
    def __init__(self, token: str, base_url: str | None = None, runtime: Runtime | None = None) -> None:
        self.runtime = runtime or Runtime()
        self.limiter = self.runtime.limiter or shared_limiter()
        self.http = JsonHttpClient(
            base_url=base_url or os.environ.get(API_URL_ENV) or DEFAULT_API_URL, token=token,
            user_agent="lightspeedpay-infra (pulumi dynamic provider)", timeout=self.runtime.timeout,
            sleep=self.runtime.sleep)
        self.sent: list[tuple[str, str]] = []
        """(method, path) of every request sent, retries included: the cost reports count these."""

    def __repr__(self) -> str:
        return f"SupabaseClient(base_url={self.http.base_url!r})"

    def sleep(self, seconds: float) -> None:
        self.runtime.sleep(seconds)

    # -- transport ---------------------------------------------------------------------------

    def call(self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None,
             single_attempt: bool = False) -> Response:
        http = dataclasses.replace(self.http, max_attempts=1, requests_sent=0) if single_attempt else self.http
        self.limiter.acquire(path, reserve=http.max_attempts - 1)
        before = http.requests_sent
        target = path + ("?" + urllib.parse.urlencode(query) if query else "")
        try:
            response = http.request(method, target, body)
        except ApiError as error:
            raise self._typed(error) from None
        finally:
            sent = http.requests_sent - before
            self.sent.extend([(method, target)] * sent)
            self.limiter.charge(path, sent - 1)
        self.limiter.observe(path, response.headers)
        return response

    @staticmethod
    def _typed(error: ApiError) -> ApiError:
        if error.status == 402:
            return PlanRequiredError(f"{error} (the organization's plan does not include this feature)", 402)
        return error

    def poll(self, what: str, fetch: Callable[[], Any], done: Callable[[Any], bool],
             timeout: float, failed: Callable[[Any], str | None] = lambda _: None) -> Any:
        """Fetch until ``done``; ``failed`` names a terminal state; bounded by ``timeout``."""
        deadline = self.runtime.clock() + timeout
        while True:
            value = fetch()
            if done(value):
                return value
            reason = failed(value)
            if reason:
                raise NotReadyError(f"{what}: {reason}")
            if self.runtime.clock() >= deadline:
                raise NotReadyError(f"{what}: not ready after {timeout:.0f}s", retryable=True)
            self.runtime.sleep(self.runtime.poll_interval)

    # -- organisation ------------------------------------------------------------------------

    def get_organization(self, slug: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/v1/organizations/{_slug(slug)}").body or {})

    def get_entitlements(self, slug: str) -> list[dict[str, Any]]:
        body = self.call("GET", f"/v1/organizations/{_slug(slug)}/entitlements").body or {}
        return list(body.get("entitlements") or [])

    def list_members(self, slug: str) -> list[dict[str, Any]]:
        return list(self.call("GET", f"/v1/organizations/{_slug(slug)}/members").body or [])

    def list_org_projects(self, slug: str, search: str | None = None) -> list[dict[str, Any]]:
        """Every project of the organisation (all pages), with its databases (primary, replicas)."""
        projects: list[dict[str, Any]] = []
        offset = 0
        while True:
            query = {"limit": "100", "offset": str(offset)}
            if search:
                query["search"] = search
            body = self.call("GET", f"/v1/organizations/{_slug(slug)}/projects", query=query).body or {}
            page = list(body.get("projects") or [])
            projects += page
            total = int((body.get("pagination") or {}).get("count") or 0)
            offset += len(page)
            if not page or offset >= total:
                return projects

    # -- project -----------------------------------------------------------------------------

    def create_project(self, body: dict[str, Any]) -> dict[str, Any]:
        """One attempt only: a retried POST could create a second project (see provider create)."""
        return dict(self.call("POST", "/v1/projects", body, single_attempt=True).body or {})

    def get_project(self, ref: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/v1/projects/{_ref(ref)}").body or {})

    def rename_project(self, ref: str, name: str) -> None:
        self.call("PATCH", f"/v1/projects/{_ref(ref)}", {"name": name})

    def delete_project(self, ref: str) -> None:
        self.call("DELETE", f"/v1/projects/{_ref(ref)}")

    def set_database_password(self, ref: str, password: str) -> None:
        self.call("PATCH", f"/v1/projects/{_ref(ref)}/database/password", {"password": password})

    def api_keys(self, ref: str) -> list[dict[str, Any]]:
        return list(self.call("GET", f"/v1/projects/{_ref(ref)}/api-keys", query={"reveal": "true"}).body or [])

    def wait_project_healthy(self, ref: str) -> dict[str, Any]:
        def failed(project: dict[str, Any]) -> str | None:
            status = project.get("status")
            return f"status {status}" if status in PROJECT_FAILED else None
        return dict(self.poll(f"project {ref}", lambda: self.get_project(ref),
                              lambda p: p.get("status") == PROJECT_READY,
                              self.runtime.project_ready_timeout, failed))

    # -- add-ons -----------------------------------------------------------------------------

    def list_addons(self, ref: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/v1/projects/{_ref(ref)}/billing/addons").body or {})

    def apply_addon(self, ref: str, addon_type: str, variant: str) -> None:
        self.call("PATCH", f"/v1/projects/{_ref(ref)}/billing/addons",
                  {"addon_type": addon_type, "addon_variant": variant})

    def remove_addon(self, ref: str, variant: str) -> None:
        self.call("DELETE", f"/v1/projects/{_ref(ref)}/billing/addons/{urllib.parse.quote(variant, safe='')}")

    # -- network and TLS ---------------------------------------------------------------------

    def get_network_restrictions(self, ref: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/v1/projects/{_ref(ref)}/network-restrictions").body or {})

    def apply_network_restrictions(self, ref: str, v4: list[str], v6: list[str]) -> dict[str, Any]:
        """Replaces the whole allow-list (both families) in one call."""
        body = {"dbAllowedCidrs": v4, "dbAllowedCidrsV6": v6}
        return dict(self.call("POST", f"/v1/projects/{_ref(ref)}/network-restrictions/apply", body).body or {})

    def get_ssl_enforcement(self, ref: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/v1/projects/{_ref(ref)}/ssl-enforcement").body or {})

    def put_ssl_enforcement(self, ref: str, database: bool) -> dict[str, Any]:
        body = {"requestedConfig": {"database": database}}
        return dict(self.call("PUT", f"/v1/projects/{_ref(ref)}/ssl-enforcement", body).body or {})

    # -- replicas and backups ----------------------------------------------------------------

    def setup_read_replica(self, ref: str, region: str) -> None:
        """One attempt only, like project creation: a repeated setup would add a second replica."""
        self.call("POST", f"/v1/projects/{_ref(ref)}/read-replicas/setup", {"read_replica_region": region},
                  single_attempt=True)

    def remove_read_replica(self, ref: str, identifier: str) -> None:
        self.call("POST", f"/v1/projects/{_ref(ref)}/read-replicas/remove", {"database_identifier": identifier})

    def list_backups(self, ref: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/v1/projects/{_ref(ref)}/database/backups").body or {})

    def get_backup_schedule(self, ref: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/v1/projects/{_ref(ref)}/database/backups/schedule").body or {})

    def set_backup_schedule(self, ref: str, schedule_for: str) -> dict[str, Any]:
        return dict(self.call("PATCH", f"/v1/projects/{_ref(ref)}/database/backups/schedule",
                              {"schedule_for": schedule_for}).body or {})

    # -- service configuration ---------------------------------------------------------------

    def get_auth_config(self, ref: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/v1/projects/{_ref(ref)}/config/auth").body or {})

    def update_auth_config(self, ref: str, changes: dict[str, Any]) -> dict[str, Any]:
        return dict(self.call("PATCH", f"/v1/projects/{_ref(ref)}/config/auth", changes).body or {})

    def get_postgres_config(self, ref: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/v1/projects/{_ref(ref)}/config/database/postgres").body or {})

    def update_postgres_config(self, ref: str, values: dict[str, Any], restart: bool) -> dict[str, Any]:
        """The PUT replaces the whole override set: ``values`` must be the complete, merged set."""
        body = {**values, "restart_database": restart}
        return dict(self.call("PUT", f"/v1/projects/{_ref(ref)}/config/database/postgres", body).body or {})

    def get_pooler(self, ref: str) -> list[dict[str, Any]]:
        return list(self.call("GET", f"/v1/projects/{_ref(ref)}/config/database/pooler").body or [])

    def update_pooler(self, ref: str, changes: dict[str, Any]) -> dict[str, Any]:
        return dict(self.call("PATCH", f"/v1/projects/{_ref(ref)}/config/database/pooler", changes).body or {})

    # -- SQL ---------------------------------------------------------------------------------

    def run_query(self, ref: str, sql: str, once: bool = False) -> Any:
        """``once``: a statement that must not run twice (CREATE ROLE): one attempt, the caller looks first."""
        return self.call("POST", f"/v1/projects/{_ref(ref)}/database/query", {"query": sql}, single_attempt=once).body

    def run_read_only_query(self, ref: str, sql: str) -> list[dict[str, Any]]:
        body = self.call("POST", f"/v1/projects/{_ref(ref)}/database/query/read-only", {"query": sql}).body
        return list(body or [])

    # -- advisors (read by ops.advisors, not by the provider) ---------------------------------

    def advisors(self, ref: str, kind: str) -> list[dict[str, Any]]:
        """The project's performance or security advisor lints (Supabase marks the endpoints experimental)."""
        if kind not in ("performance", "security"):
            raise ConfigError(f"advisor kind {kind!r} must be 'performance' or 'security'")
        return list((self.call("GET", f"/v1/projects/{_ref(ref)}/advisors/{kind}").body or {}).get("lints") or [])
