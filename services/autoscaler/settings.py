"""The autoscaler's settings, from the environment the stack gives it (components/jobs.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .decide import ScalingPolicy

REQUIRED = ("AUTOSCALER_RAILWAY_TOKEN", "RAILWAY_ENVIRONMENT_ID", "WORKER_SERVICE_ID", "REDIS_URL", "QUEUE_KEY",
            "MIN_REPLICAS", "MAX_REPLICAS", "TARGET_JOBS_PER_REPLICA")


class SettingsError(Exception):
    """One message listing every missing or invalid variable (never their values)."""


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)
    environment_id: str
    service_id: str
    redis_url: str = field(repr=False)
    queue_key: str
    policy: ScalingPolicy
    poll_interval: float
    port: int
    heartbeat_url: str | None = field(default=None, repr=False)
    """HEARTBEAT_URL, the Checkly ping URL (sealed by the stack: anyone holding it could silence the alarm)."""


def _int(env: Mapping[str, str], name: str, default: int | None, low: int, high: int, problems: list[str]) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        if default is None:
            return 0  # reported as missing already
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"{name} must be a whole number in {low}..{high} (got {raw!r})")
        return low
    if not low <= value <= high:
        problems.append(f"{name} must be in {low}..{high} (got {value})")
    return value


def load(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    problems = [f"{name} is required" for name in REQUIRED if not env.get(name)]
    minimum = _int(env, "MIN_REPLICAS", None, 0, 50, problems)
    maximum = _int(env, "MAX_REPLICAS", None, 1, 50, problems)
    target = _int(env, "TARGET_JOBS_PER_REPLICA", None, 1, 100_000, problems)
    up = _int(env, "SCALE_UP_COOLDOWN_SECONDS", 60, 0, 3600, problems)
    down = _int(env, "SCALE_DOWN_COOLDOWN_SECONDS", 300, 0, 86_400, problems)
    step = _int(env, "SCALE_DOWN_STEP", 1, 1, 50, problems)
    utilisation = _int(env, "SCALE_DOWN_UTILISATION_PERCENT", 75, 10, 100, problems)
    interval = _int(env, "POLL_INTERVAL_SECONDS", 30, 5, 3600, problems)
    port = _int(env, "PORT", 8080, 1, 65_535, problems)
    policy: ScalingPolicy | None = None
    if not problems:
        try:
            policy = ScalingPolicy(minimum, maximum, target, up, down, step, utilisation / 100)
        except ValueError as error:
            problems.append(str(error))
    heartbeat_url = env.get("HEARTBEAT_URL") or None
    if heartbeat_url is not None and not heartbeat_url.startswith("https://"):
        problems.append("HEARTBEAT_URL must be an https:// URL")
    if problems or policy is None:
        raise SettingsError("autoscaler settings are invalid: " + "; ".join(problems))
    return Settings(token=env["AUTOSCALER_RAILWAY_TOKEN"], environment_id=env["RAILWAY_ENVIRONMENT_ID"],
                    service_id=env["WORKER_SERVICE_ID"], redis_url=env["REDIS_URL"], queue_key=env["QUEUE_KEY"],
                    policy=policy, poll_interval=float(interval), port=port, heartbeat_url=heartbeat_url)
