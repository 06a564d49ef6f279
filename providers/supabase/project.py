"""The Supabase project: looked up by name or created, in a fixed region, at a compute size.

Create is idempotent (`providers.dynamic.provider`): a project with the declared name in the
organisation is adopted after checking its region and Postgres major version, before anything is
sent; otherwise one POST creates it, and a POST that times out, fails with a 5xx or is rate
limited is never blindly repeated: the next attempt first looks the project up by name and adopts
what the lost reply made. The provider then waits for ACTIVE_HEALTHY and reads the API keys, which
are outputs the resource marks secret.

The database password can never be read back: an adopted project keeps its password unless the
resource says ``reset_secrets_on_adopt`` (nothing connects as ``postgres`` at run time: the apps
use their own roles, see `providers.supabase.roles`). The Postgres major version cannot be chosen
through the API (Supabase creates its current default; upgrades are a separate, one-way
operation), so ``postgres_major_version`` is an expectation checked against the live engine: an
adoption of another major is refused, and a drift is reported as an update that refuses to apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pulumi

from providers.dynamic.checks import Checker
from providers.dynamic.errors import ConflictError
from providers.dynamic.ids import IdFormat
from providers.dynamic.resource import SECRET, Args, DynamicResource, Out

from .base import SupabaseProvider, check_slug, project_gone
from .client import SupabaseClient
from .vocabulary import COMPUTE_PREFIX, INSTANCE_SIZES, MIN_PASSWORD_LENGTH, POSTGRES_MAJOR_VERSIONS, REGIONS


def supabase_url(ref: str) -> str:
    return f"https://{ref}.supabase.co"


def compute_size(addons: dict[str, Any]) -> str | None:
    for addon in addons.get("selected_addons") or []:
        if addon.get("type") == "compute_instance":
            variant = str((addon.get("variant") or {}).get("id") or "")
            return variant.removeprefix(COMPUTE_PREFIX) or None
    return "nano"  # no compute add-on: the plan's default size


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


def major_version(project: dict[str, Any]) -> int | None:
    """The Postgres major of a project reply (``database.postgres_engine``, else its version's head)."""
    database = project.get("database") or {}
    for value in (database.get("postgres_engine"), database.get("version")):
        match = re.match(r"^(\d+)", str(value or ""))
        if match:
            return int(match.group(1))
    return None


class ProjectProvider(SupabaseProvider):
    kind = "Project"
    id_format = IdFormat("{ref}")
    managed = ("project_name", "db_pass", "instance_size", "postgres_major_version")
    write_only = ("db_pass",)
    made_with = ("db_pass",)
    replace_on_change = ("organization_slug", "region")
    computed = ("postgres_major_version",)
    secret_outputs = ("anon_key", "service_role_key")

    def validate(self, c: Checker) -> None:
        check_slug(c)
        c.text("project_name", 256)
        c.choice("region", REGIONS, required=True)
        c.choice("instance_size", INSTANCE_SIZES, required=True)
        c.choice("postgres_major_version", POSTGRES_MAJOR_VERSIONS)
        c.secret("db_pass", MIN_PASSWORD_LENGTH, what=" (generate it; never type it)")

    def view(self, props: dict[str, Any]) -> dict[str, Any]:
        view = super().view(props)
        if view.get("postgres_major_version") is None and props.get("postgres_version"):
            # State written before the version was tracked holds only the live version string.
            view["postgres_major_version"] = major_version({"database": {"version": props["postgres_version"]}})
        return view

    def find(self, api: SupabaseClient, p: dict[str, Any]) -> dict[str, Any] | None:
        slug, name = p["organization_slug"], p["project_name"]
        matches = [x for x in api.list_org_projects(slug, search=name)
                   if x.get("name") == name and not x.get("is_branch") and not project_gone(x)]
        if len(matches) > 1:
            refs = sorted(str(x.get("ref")) for x in matches)
            raise ConflictError(f"organization {slug} has {len(matches)} projects named {name!r} ({refs}); "
                                f"declare the one this stack owns with adopt_id, or rename the others")
        if not matches:
            return None
        ref = str(matches[0]["ref"])
        return {**self._view(api.get_project(ref)), "instance_size": compute_size(api.list_addons(ref))}

    def make(self, api: SupabaseClient, p: dict[str, Any]) -> dict[str, Any]:
        body = {"name": p["project_name"], "organization_slug": p["organization_slug"], "db_pass": p["db_pass"],
                "region_selection": {"type": "specific", "code": p["region"]},
                "desired_instance_size": p["instance_size"]}
        created = api.create_project(body)
        return {**self._view(created), "instance_size": p["instance_size"], "db_pass": p["db_pass"],
                "postgres_major_version": p.get("postgres_major_version")}

    def fetch(self, api: SupabaseClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        project = api.get_project(ref["ref"])
        if project_gone(project):
            return None
        size = compute_size(api.list_addons(ref["ref"]))
        anon, service_role = api_keys(api.api_keys(ref["ref"]))
        return {**self._view(project), "instance_size": size, "anon_key": anon, "service_role_key": service_role}

    def adoption_problems(self, p: dict[str, Any], live: dict[str, Any]) -> list[str]:
        problems = [f"it is in region {live.get('region')!r}, the declaration says {p['region']!r}; a project's "
                    f"region cannot change" if key == "region" else problem
                    for key, problem in ((k, f"{k} is {live.get(k)!r}") for k in self.replace_on_change)
                    if p.get(key) and live.get(key) and live.get(key) != p.get(key)]
        wanted, running = p.get("postgres_major_version"), live.get("postgres_major_version")
        if wanted and running and wanted != running:
            problems.append(f"it runs Postgres {running}, the declaration says {wanted} ({_UPGRADES})")
        return problems

    def write(self, api: SupabaseClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        running = self.view(current).get("postgres_major_version")
        if "postgres_major_version" in changes and running:
            raise ConflictError(
                f"project {ref['ref']} runs Postgres {running}, but lightspeedpay:database.postgresMajorVersion is "
                f"{p.get('postgres_major_version')}: {_UPGRADES}")
        written: dict[str, Any] = {"postgres_major_version": running or p.get("postgres_major_version")}
        if "project_name" in changes:
            api.rename_project(ref["ref"], p["project_name"])
            written["project_name"] = p["project_name"]
        if "db_pass" in changes:
            api.set_database_password(ref["ref"], p["db_pass"])
            written["db_pass"] = p["db_pass"]
        if "instance_size" in changes:
            size, was = p["instance_size"], current.get("instance_size")
            if size == "nano":
                if was and was != "nano":
                    api.remove_addon(ref["ref"], COMPUTE_PREFIX + was)
            else:
                api.apply_addon(ref["ref"], "compute_instance", COMPUTE_PREFIX + size)
            written.update({"instance_size": size, "status": api.wait_project_healthy(ref["ref"]).get("status")})
        return written

    def created(self, api: SupabaseClient, ref: dict[str, Any], p: dict[str, Any],
                state: dict[str, Any]) -> dict[str, Any]:
        """Wait until the project serves, then read what only a running project has (host, keys)."""
        project = api.wait_project_healthy(ref["ref"])
        anon, service_role = api_keys(api.api_keys(ref["ref"]))
        return {**state, **self._view(project), "anon_key": anon, "service_role_key": service_role}

    def remove(self, api: SupabaseClient, ref: dict[str, Any]) -> None:
        api.delete_project(ref["ref"])

    @staticmethod
    def _view(project: dict[str, Any]) -> dict[str, Any]:
        ref = str(project["ref"])
        database = project.get("database") or {}
        view = {"ref": ref, "organization_slug": project.get("organization_slug"),
                "project_name": project.get("name"), "region": project.get("region"), "status": project.get("status"),
                "supabase_url": supabase_url(ref)}
        if database:
            view.update({"db_host": database.get("host"), "postgres_version": database.get("version"),
                         "postgres_major_version": major_version(project)})
        return view


_UPGRADES = ("the Management API cannot choose or change a project's Postgres major version; upgrade it through "
             "Supabase (dashboard or `POST /v1/projects/{ref}/upgrade`) after a restore drill, then set "
             "postgresMajorVersion to match")


@dataclass(frozen=True)
class ProjectArgs(Args):
    organization_slug: str
    """Organisation slug (the org the project belongs to; changing it replaces the project)."""
    project_name: str
    """Project name; an existing project with this name is adopted (after checks) instead of duplicated."""
    region: str
    """Supabase region code, e.g. ap-south-1 (Mumbai); changing it replaces the project."""
    instance_size: str
    """Compute size (nano … 16xlarge); resized in place through the compute add-on."""
    db_pass: pulumi.Input[str] = field(metadata=SECRET)
    """Postgres password: generated (RandomPassword), secret, at least 16 characters. Used by no app
    at run time (each connects as its own role)."""
    postgres_major_version: int | None = None
    """The Postgres major the stack expects; checked against the live engine, never sent."""


class Project(DynamicResource, module="supabase", name="Project"):
    """A Supabase project in a fixed region, with its API keys as secret outputs."""

    provider_class = ProjectProvider
    args_class = ProjectArgs
    ref = Out[str]("ref")
    project_name = Out[str]("project_name")
    region = Out[str]("region")
    instance_size = Out[str]("instance_size")
    status = Out[str]("status")
    db_host = Out[str]("db_host")
    postgres_version = Out[str]("postgres_version")
    supabase_url = Out[str]("supabase_url")
    anon_key = Out[str]("anon_key")
    service_role_key = Out[str]("service_role_key")
