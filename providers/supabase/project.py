"""The Supabase project: looked up by name or created, in a fixed region, at a compute size.

Create is idempotent. A project with the declared name in the organisation is adopted (after
checking its region); otherwise one POST creates it, and a POST that times out or fails with a
5xx is never blindly repeated: the next attempt first looks the project up by name and adopts
what the timed-out request made. The provider then waits for ACTIVE_HEALTHY and reads the API
keys, which are returned as outputs the resource marks secret.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from providers.http import NotFoundError

from .base import (
    SupabaseProvider,
    check_slug,
    create_idempotently,
    known,
    project_gone,
)
from .client import SupabaseClient
from .errors import ConflictError
from .vocabulary import COMPUTE_PREFIX, INSTANCE_SIZES, REGIONS

MIN_PASSWORD_LENGTH = 16
MANAGED = ("organization_slug", "region", "project_name", "instance_size", "db_pass")
REPORTED = ("ref", "status", "db_host", "postgres_version", "supabase_url", "anon_key", "service_role_key")


def supabase_url(ref: str) -> str:
    return f"https://{ref}.supabase.co"


def compute_size(addons: dict[str, Any]) -> str | None:
    for addon in addons.get("selected_addons") or []:
        if addon.get("type") == "compute_instance":
            variant = str((addon.get("variant") or {}).get("id") or "")
            return variant.removeprefix(COMPUTE_PREFIX) or None
    return None


def api_keys(items: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """(anon, service_role): the legacy JWT keys the app uses, else the newer publishable/secret."""
    def pick(name: str, newer_type: str) -> str | None:
        for item in items:
            if item.get("name") == name and item.get("type") in (None, "legacy") and item.get("api_key"):
                return str(item["api_key"])
        for item in items:
            if item.get("type") == newer_type and item.get("api_key"):
                return str(item["api_key"])
        return None
    return pick("anon", "publishable"), pick("service_role", "secret")


class ProjectProvider(SupabaseProvider):
    kind = "Project"
    replace_keys = ("organization_slug", "region")
    # The replacement must not find (and adopt) the project it replaces by name.
    delete_before_replace = True

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        failures = check_slug(props)
        name = props.get("project_name")
        if known(props, "project_name") and (not isinstance(name, str) or not 1 <= len(name) <= 256):
            failures.append(CheckFailure("project_name", f"{name!r} must be 1 to 256 characters"))
        elif "project_name" not in props:
            failures.append(CheckFailure("project_name", "is required"))
        region = props.get("region")
        if known(props, "region") and region not in REGIONS:
            failures.append(CheckFailure("region", f"{region!r} is not a Supabase region; allowed: {list(REGIONS)}"))
        size = props.get("instance_size")
        if known(props, "instance_size") and size not in INSTANCE_SIZES:
            failures.append(CheckFailure("instance_size", f"{size!r} is unknown; allowed: {list(INSTANCE_SIZES)}"))
        password = props.get("db_pass")
        if "db_pass" not in props:
            failures.append(CheckFailure("db_pass", "is required (generate it; never type it)"))
        elif known(props, "db_pass") and (not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH):
            # Never echo the value: only its rule.
            failures.append(CheckFailure("db_pass", f"must be a string of at least {MIN_PASSWORD_LENGTH} characters"))
        return failures

    def managed(self, props: dict[str, Any]) -> dict[str, Any]:
        return {k: props.get(k) for k in MANAGED}

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _find(client: SupabaseClient, slug: str, name: str) -> dict[str, Any] | None:
        matches = [p for p in client.list_org_projects(slug, search=name)
                   if p.get("name") == name and not p.get("is_branch") and not project_gone(p)]
        if len(matches) > 1:
            refs = sorted(str(p.get("ref")) for p in matches)
            raise ConflictError(f"organization {slug} has {len(matches)} projects named {name!r} ({refs}); "
                                f"rename or delete the extra ones so the declaration names exactly one")
        return matches[0] if matches else None

    def _outputs(self, props: dict[str, Any], project: dict[str, Any], size: str | None,
                 keys: tuple[str | None, str | None]) -> dict[str, Any]:
        ref = str(project["ref"])
        database = project.get("database") or {}
        return {
            **{k: props.get(k) for k in MANAGED},
            "organization_slug": project.get("organization_slug") or props.get("organization_slug"),
            "project_name": project.get("name", props.get("project_name")),
            "region": project.get("region", props.get("region")),
            "instance_size": size,
            "ref": ref,
            "status": project.get("status"),
            "db_host": database.get("host"),
            "postgres_version": database.get("version"),
            "supabase_url": supabase_url(ref),
            "anon_key": keys[0],
            "service_role_key": keys[1],
        }

    @staticmethod
    def _resize(client: SupabaseClient, ref: str, current: str | None, size: str) -> None:
        if size == "nano":
            if current and current != "nano":
                client.remove_addon(ref, COMPUTE_PREFIX + current)
        else:
            client.apply_addon(ref, "compute_instance", COMPUTE_PREFIX + size)

    # -- lifecycle ---------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = self.client()
        slug, name, region = props["organization_slug"], props["project_name"], props["region"]
        size, password = props["instance_size"], props["db_pass"]
        existing = self._find(client, slug, name)
        if existing is not None:
            if existing.get("region") != region:
                raise ConflictError(
                    f"project {name!r} already exists in region {existing.get('region')!r}, but region "
                    f"{region!r} is declared; a project's region cannot change")
            ref = str(existing["ref"])
            project = client.wait_project_healthy(ref)
            # Adopted, not created by us: make the password and size the declared ones.
            client.set_database_password(ref, password)
            current = compute_size(client.list_addons(ref))
            if current != size:
                self._resize(client, ref, current, size)
                project = client.wait_project_healthy(ref)
        else:
            body = {"name": name, "organization_slug": slug, "db_pass": password,
                    "region_selection": {"type": "specific", "code": region}, "desired_instance_size": size}
            created, _ = create_idempotently(
                client, lambda: client.create_project(body), lambda: self._find(client, slug, name),
                f"create project {name!r}")
            ref = str(created["ref"])
            project = client.wait_project_healthy(ref)
        outs = self._outputs(props, project, size, api_keys(client.api_keys(ref)))
        return CreateResult(ref, outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        props = dict(props)
        client = self.client()
        try:
            project = client.get_project(id_)
        except NotFoundError:
            return ReadResult(None, {})
        if project_gone(project):
            return ReadResult(None, {})
        size = compute_size(client.list_addons(id_))
        keys = api_keys(client.api_keys(id_))
        # The password cannot be read back; the last one applied stays in (secret) state.
        return ReadResult(id_, self._outputs(props, project, size, keys))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = self.client()
        outs = {**olds, **{k: news.get(k) for k in MANAGED}}
        outs.pop("__provider", None)
        if news["project_name"] != olds.get("project_name"):
            client.rename_project(id_, news["project_name"])
        if news["db_pass"] != olds.get("db_pass"):
            client.set_database_password(id_, news["db_pass"])
        if news["instance_size"] != olds.get("instance_size"):
            self._resize(client, id_, olds.get("instance_size"), news["instance_size"])
            outs["status"] = client.wait_project_healthy(id_).get("status")
        return UpdateResult(outs)

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        try:
            self.client().delete_project(id_)
        except NotFoundError:
            return
