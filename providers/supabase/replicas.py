"""Read replicas of a project, identified by Supabase's database identifier.

The only v1 listing that shows replicas is the organisation's project list (`databases[]`), so a
read is one GET of that list. Which replica a resource owns is decided by (region, slot): the n-th
replica (by identifier) in its region. That makes create idempotent: a setup that timed out but
worked is found on the next attempt instead of being repeated. Read by id alone: the identifier
starts with the project's ref (``<ref>-rr-<region>-<suffix>``) and the project names its
organisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pulumi

from providers.dynamic.checks import Checker
from providers.dynamic.errors import NotFoundError
from providers.dynamic.ids import IdFormat
from providers.dynamic.resource import Args, DynamicResource, Out

from .base import SupabaseProvider, check_ref, check_slug
from .client import SupabaseClient
from .vocabulary import READ_REPLICAS_MAX, REGIONS

REPLICA_GONE = ("GOING_DOWN", "REMOVED")
_IDENTIFIER = re.compile(r"^(?P<ref>[a-z]{20})-rr-")


class ReadReplicaProvider(SupabaseProvider):
    kind = "ReadReplica"
    id_format = IdFormat("{identifier}")
    replace_on_change = ("project_ref", "region")
    create_attempts = 4
    # The slot only chooses which existing replica to adopt; renumbering never replaces one.

    def validate(self, c: Checker) -> None:
        check_ref(c)
        check_slug(c)
        c.choice("region", REGIONS, required=True)
        c.integer("slot", 1, READ_REPLICAS_MAX)

    @staticmethod
    def replicas(api: SupabaseClient, slug: str, ref: str) -> list[dict[str, Any]]:
        project = next((p for p in api.list_org_projects(slug) if p.get("ref") == ref), None)
        if project is None:
            raise NotFoundError(f"project {ref} is not in organization {slug}", 404)
        return [d for d in project.get("databases") or [] if d.get("type") == "READ_REPLICA"]

    def find(self, api: SupabaseClient, p: dict[str, Any]) -> dict[str, Any] | None:
        found = sorted((r for r in self.replicas(api, p["organization_slug"], p["project_ref"])
                        if r.get("region") == p["region"] and r.get("status") not in REPLICA_GONE),
                       key=lambda r: str(r.get("identifier")))
        slot = int(p.get("slot") or 1)
        return self._view(p, found[slot - 1]) if len(found) >= slot else None

    def make(self, api: SupabaseClient, p: dict[str, Any]) -> dict[str, Any]:
        api.setup_read_replica(p["project_ref"], p["region"])
        return self._ready(api, p)

    def created(self, api: SupabaseClient, ref: dict[str, Any], p: dict[str, Any],
                state: dict[str, Any]) -> dict[str, Any]:
        return state if state.get("status") == "ACTIVE_HEALTHY" else self._ready(api, p)

    def _ready(self, api: SupabaseClient, p: dict[str, Any]) -> dict[str, Any]:
        replica = api.poll(
            f"read replica {p.get('slot') or 1} of project {p['project_ref']} in {p['region']}",
            lambda: self.find(api, p), lambda r: r is not None and r.get("status") == "ACTIVE_HEALTHY",
            api.runtime.replica_ready_timeout,
            lambda r: f"status {r.get('status')}" if r and r.get("status") == "INIT_READ_REPLICA_FAILED" else None)
        return dict(replica)

    def fetch(self, api: SupabaseClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        project_ref = ref.get("project_ref") or _ref_of(ref["identifier"])
        slug = ref.get("organization_slug") or api.get_project(project_ref).get("organization_slug")
        replica = next((r for r in self.replicas(api, str(slug), project_ref)
                        if r.get("identifier") == ref["identifier"] and r.get("status") not in REPLICA_GONE), None)
        if replica is None:
            return None
        return self._view({"project_ref": project_ref, "organization_slug": slug}, replica)

    def remove(self, api: SupabaseClient, ref: dict[str, Any]) -> None:
        api.remove_read_replica(ref.get("project_ref") or _ref_of(ref["identifier"]), ref["identifier"])

    @staticmethod
    def _view(p: dict[str, Any], replica: dict[str, Any]) -> dict[str, Any]:
        return {"project_ref": p["project_ref"], "organization_slug": p["organization_slug"],
                "identifier": replica.get("identifier"), "region": replica.get("region"),
                "status": replica.get("status")}


def _ref_of(identifier: str) -> str:
    match = _IDENTIFIER.match(identifier)
    if match is None:
        raise NotFoundError(f"{identifier!r} is not a read replica identifier (<ref>-rr-<region>-…)", 404)
    return match.group("ref")


@dataclass(frozen=True)
class ReadReplicaArgs(Args):
    project_ref: pulumi.Input[str]
    organization_slug: str
    """The project's organisation (its project listing is the only one that shows replicas)."""
    region: str
    """Supabase region of the replica; changing it replaces the replica."""
    slot: int = 1
    """Which replica in its region this is (1 for the first): how an existing one is adopted."""


class ReadReplica(DynamicResource, module="supabase", name="ReadReplica"):
    provider_class = ReadReplicaProvider
    args_class = ReadReplicaArgs
    identifier = Out[str]("identifier")
    status = Out[str]("status")
