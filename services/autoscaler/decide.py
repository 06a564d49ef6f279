"""The scaling rules, as a pure function of (policy, current replicas, queue depth, time, memory).

- Bounds first: a fleet outside [min, max] is moved back at once, whatever the cooldowns.
- Scale up to ``ceil(depth / target)`` as soon as the scale-up cooldown since the last change
  has passed (a backlog is urgent).
- Scale down only when the queue would fit the smaller fleet at ``utilisation`` of its target
  (hysteresis), has stayed that low for the whole scale-down cooldown, the last change is at
  least that long ago too, and by at most ``scale_down_step`` replicas at a time.
- Unknown depth (Redis unreachable) holds the count: no guessing in either direction.
Together these keep the count from flapping around a threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ScalingPolicy:
    min_replicas: int
    max_replicas: int
    target_jobs_per_replica: int
    scale_up_cooldown: float
    scale_down_cooldown: float
    scale_down_step: int = 1
    scale_down_utilisation: float = 0.75

    def __post_init__(self) -> None:
        problems = []
        if not 0 <= self.min_replicas <= self.max_replicas:
            problems.append(f"MIN_REPLICAS ({self.min_replicas}) must be between 0 and MAX_REPLICAS "
                            f"({self.max_replicas})")
        if self.target_jobs_per_replica < 1:
            problems.append("TARGET_JOBS_PER_REPLICA must be at least 1")
        if self.scale_up_cooldown < 0 or self.scale_down_cooldown < 0:
            problems.append("cooldowns must not be negative")
        if self.scale_down_step < 1:
            problems.append("SCALE_DOWN_STEP must be at least 1")
        if not 0 < self.scale_down_utilisation <= 1:
            problems.append("the scale-down utilisation must be in (0, 1]")
        if problems:
            raise ValueError("; ".join(problems))

    def clamp(self, replicas: int) -> int:
        return max(self.min_replicas, min(self.max_replicas, replicas))

    def needed(self, depth: int) -> int:
        """Replicas a queue of ``depth`` waiting jobs calls for (scale-up threshold)."""
        return self.clamp(math.ceil(depth / self.target_jobs_per_replica))

    def enough(self, depth: int) -> int:
        """Fewest replicas that would run at most ``utilisation`` full (scale-down threshold)."""
        return self.clamp(math.ceil(depth / (self.target_jobs_per_replica * self.scale_down_utilisation)))


@dataclass(frozen=True)
class ScalerState:
    """What the autoscaler remembers between polls (in memory: a restart starts afresh)."""

    last_change_at: float | None = None
    low_since: float | None = None
    """When the queue first fitted a smaller fleet, in the current low stretch."""


@dataclass(frozen=True)
class Decision:
    current: int
    replicas: int
    reason: str
    state: ScalerState

    @property
    def changes(self) -> bool:
        return self.replicas != self.current


def decide(policy: ScalingPolicy, current: int, depth: int | None, now: float,
           state: ScalerState = ScalerState()) -> Decision:  # frozen: a safe shared default
    def hold(reason: str, low_since: float | None = None) -> Decision:
        return Decision(current, current, reason, ScalerState(state.last_change_at, low_since))

    def move(replicas: int, reason: str, low_since: float | None = None) -> Decision:
        return Decision(current, replicas, reason, ScalerState(now, low_since))

    if current < policy.min_replicas:
        return move(policy.min_replicas, f"{current} replica(s) is below the minimum {policy.min_replicas}")
    if current > policy.max_replicas:
        return move(policy.max_replicas, f"{current} replica(s) is above the maximum {policy.max_replicas}")
    if depth is None:
        return hold("queue depth unknown: holding")

    since_change = math.inf if state.last_change_at is None else now - state.last_change_at
    needed = policy.needed(depth)
    if needed > current:
        if since_change < policy.scale_up_cooldown:
            return hold(f"{depth} waiting job(s) need {needed}; scale-up cooldown "
                        f"({policy.scale_up_cooldown:.0f}s) not over")
        return move(needed, f"{depth} waiting job(s) need {needed} replica(s)")

    enough = policy.enough(depth)
    if enough >= current:
        return hold(f"{depth} waiting job(s) fit {current} replica(s)")
    low_since = now if state.low_since is None else state.low_since
    if now - low_since < policy.scale_down_cooldown:
        return hold(f"{depth} waiting job(s) would fit {enough}; waiting for a sustained low queue", low_since)
    if since_change < policy.scale_down_cooldown:
        return hold(f"scale-down cooldown ({policy.scale_down_cooldown:.0f}s) not over", low_since)
    target = max(enough, current - policy.scale_down_step)
    # The queue stays "low since" the same moment: the next step waits only for the cooldown.
    return move(target, f"{depth} waiting job(s) fit {enough} replica(s); stepping down to {target}", low_since)
