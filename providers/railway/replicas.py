"""Railway's multi-region replica map, as plain functions (used by the provider and the autoscaler).

Railway places replicas by ``deploy.multiRegionConfig`` = ``{"<region>": {"numReplicas": n}}``;
``null`` for a region removes it. A write that leaves the map out has been seen to fall back to
one replica in the default region, so every write here sends the *full* map.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

RegionMap = dict[str, int]


def normalise(value: Any) -> RegionMap:
    """``{"region": 2.0}`` (numbers arrive as floats from the engine) → ``{"region": 2}``."""
    if not isinstance(value, Mapping):
        return {}
    return {str(region): int(count) for region, count in value.items() if count is not None}


def total(regions: Mapping[str, int]) -> int:
    return sum(regions.values())


def spread(replicas: int, regions: Iterable[str]) -> RegionMap:
    """``replicas`` spread as evenly as possible over ``regions`` (in the order given)."""
    names = list(dict.fromkeys(regions))
    if not names:
        raise ValueError("at least one region is needed to place replicas")
    base, extra = divmod(max(0, replicas), len(names))
    return {name: base + (1 if index < extra else 0) for index, name in enumerate(names)}


def clamp_total(counts: Mapping[str, int], low: int, high: int) -> RegionMap:
    """Keep each region's count, but bring the total into ``[low, high]`` one replica at a time.

    Additions go to the smallest region, removals come from the largest (ties: region name),
    so a fleet the autoscaler has grown keeps its shape as far as the bounds allow.
    """
    if low > high:
        raise ValueError(f"replica bounds are inverted: min {low} > max {high}")
    result = {region: max(0, int(count)) for region, count in counts.items()}
    if not result:
        raise ValueError("at least one region is needed to place replicas")
    while total(result) < low:
        region = min(sorted(result), key=lambda r: result[r])
        result[region] += 1
    while total(result) > high:
        region = max(sorted(result), key=lambda r: result[r])
        result[region] -= 1
    return result


def to_config(target: Mapping[str, int], previous: Iterable[str] = ()) -> dict[str, dict[str, int] | None]:
    """The full ``multiRegionConfig`` for ``target``: regions only in ``previous`` are set to null."""
    config: dict[str, dict[str, int] | None] = {region: None for region in previous if region not in target}
    config.update({region: {"numReplicas": int(count)} for region, count in sorted(target.items())})
    return config


def from_environment_config(config: Any, service_id: str) -> RegionMap | None:
    """The service's replica map from ``environment.config`` JSON, or None if it holds none."""
    if not isinstance(config, Mapping):
        return None
    service = (config.get("services") or {}).get(service_id)
    if not isinstance(service, Mapping):
        return None
    mapping = (service.get("deploy") or {}).get("multiRegionConfig")
    if not isinstance(mapping, Mapping):
        return None
    regions: RegionMap = {}
    for region, entry in mapping.items():
        if isinstance(entry, Mapping) and entry.get("numReplicas") is not None:
            regions[str(region)] = int(entry["numReplicas"])
    return regions
