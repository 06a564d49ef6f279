"""Read replicas of a project, identified by Supabase's database identifier.

The only v1 listing that shows replicas is the organisation's project list (`databases[]`), so
read is one GET of that list. Which replica a resource owns is decided by (region, slot): the
n-th replica (by identifier) in its region. That makes create idempotent: a setup that timed out
but worked is found on the next attempt instead of being repeated.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from providers.http import NotFoundError

from .base import SupabaseProvider, check_ref, check_slug, create_idempotently, known, normalise
from .client import SupabaseClient
from .vocabulary import REGIONS

REPLICA_GONE = ("GOING_DOWN", "REMOVED")


class ReadReplicaProvider(SupabaseProvider):
    kind = "ReadReplica"
    replace_keys = ("project_ref", "region")

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        failures = check_ref(props) + check_slug(props)
        region = props.get("region")
        if "region" not in props:
            failures.append(CheckFailure("region", "is required"))
        elif known(props, "region") and region not in REGIONS:
            failures.append(CheckFailure("region", f"{region!r} is not a Supabase region; allowed: {list(REGIONS)}"))
        slot = props.get("slot", 1)
        if known(props, "slot") and (not isinstance(slot, int) or isinstance(slot, bool) or not 1 <= slot <= 5):
            failures.append(CheckFailure("slot", f"{slot!r} must be 1 to 5 (which replica in its region)"))
        return failures

    def managed(self, props: dict[str, Any]) -> dict[str, Any]:
        # The slot only chooses which existing replica to adopt; renumbering never replaces one.
        return {"project_ref": props.get("project_ref"), "region": props.get("region")}

    @staticmethod
    def replicas(client: SupabaseClient, slug: str, ref: str) -> list[dict[str, Any]]:
        project = next((p for p in client.list_org_projects(slug) if p.get("ref") == ref), None)
        if project is None:
            raise NotFoundError(f"project {ref} is not in organization {slug}", 404)
        return [d for d in project.get("databases") or [] if d.get("type") == "READ_REPLICA"]

    def _in_region(self, client: SupabaseClient, props: dict[str, Any]) -> list[dict[str, Any]]:
        found = [r for r in self.replicas(client, props["organization_slug"], props["project_ref"])
                 if r.get("region") == props["region"] and r.get("status") not in REPLICA_GONE]
        return sorted(found, key=lambda r: str(r.get("identifier")))

    @staticmethod
    def _outputs(props: dict[str, Any], replica: dict[str, Any]) -> dict[str, Any]:
        return {**props, "identifier": replica.get("identifier"), "status": replica.get("status")}

    def create(self, props: dict[str, Any]) -> CreateResult:
        props = normalise(props)
        client, slot = self.client(), int(props.get("slot", 1))

        def mine() -> dict[str, Any] | None:
            current = self._in_region(client, props)
            return current[slot - 1] if len(current) >= slot else None

        replica = mine()
        if replica is None:
            create_idempotently(client, lambda: client.setup_read_replica(props["project_ref"], props["region"]),
                                mine, f"read replica in {props['region']}")
            replica = client.poll(
                f"read replica {slot} of project {props['project_ref']} in {props['region']}", mine,
                lambda r: r is not None and r.get("status") == "ACTIVE_HEALTHY", client.runtime.replica_ready_timeout,
                lambda r: f"status {r.get('status')}" if r and r.get("status") == "INIT_READ_REPLICA_FAILED" else None)
        assert replica is not None
        return CreateResult(str(replica["identifier"]), self._outputs(props, replica))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        props = normalise(props)
        try:
            found = self.replicas(self.client(), props["organization_slug"], props["project_ref"])
        except NotFoundError:
            return ReadResult(None, {})
        replica = next((r for r in found if r.get("identifier") == id_ and r.get("status") not in REPLICA_GONE), None)
        if replica is None:
            return ReadResult(None, {})
        return ReadResult(id_, self._outputs(props, replica))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        olds = normalise(olds)
        return UpdateResult({**normalise(news), "identifier": olds.get("identifier"), "status": olds.get("status")})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            self.client().remove_read_replica(normalise(props)["project_ref"], id_)
        except NotFoundError:
            return
