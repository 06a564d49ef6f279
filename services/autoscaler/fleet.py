"""The worker fleet's replica map on Railway: read it, write a new total across its regions.

Writes follow the provider's rules: ``environmentId`` always, the *full* ``multiRegionConfig``,
and nothing but the replica map (every other setting is Pulumi's).
"""

from __future__ import annotations

from dataclasses import dataclass

from providers.railway import replicas
from providers.railway.client import RailwayClient, RailwayError
from providers.railway.documents import ENVIRONMENT_CONFIG, INSTANCE_UPDATE


@dataclass
class RailwayFleet:
    client: RailwayClient
    environment_id: str
    service_id: str

    def current(self) -> replicas.RegionMap:
        config = self.client.execute(ENVIRONMENT_CONFIG, {"id": self.environment_id})["environment"]["config"]
        placed = replicas.from_environment_config(config, self.service_id)
        if not placed:
            raise RailwayError(f"service {self.service_id} has no replica map in environment {self.environment_id}; "
                               f"is WORKER_SERVICE_ID right?")
        return placed

    def scale(self, total: int, current: replicas.RegionMap) -> replicas.RegionMap:
        """Spread ``total`` over the regions the fleet runs in now; returns the map written."""
        target = replicas.spread(total, sorted(current))
        self.client.execute(INSTANCE_UPDATE, {
            "serviceId": self.service_id, "environmentId": self.environment_id,
            "input": {"multiRegionConfig": replicas.to_config(target, current)}})
        return target
