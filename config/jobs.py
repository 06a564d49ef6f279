"""What a stack wants from the background-job fleet on Railway (workers, Redis, autoscaler)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from providers.railway import vocabulary as railway

from .types import Model, UrlPath
from .vocabulary import thresholds

# Railway's vendor vocabularies (regions, plans, restart policies, patterns) are defined once, in
# providers/railway/vocabulary.py; the plan caps the pack judges too, in the shared vocabulary.


class WorkerSource(Model):
    repo: str | None = Field(default=None, pattern=railway.REPO_PATTERN)
    branch: str | None = None
    image: str | None = None
    root_directory: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> WorkerSource:
        if bool(self.repo) == bool(self.image):
            raise ValueError("give exactly one of 'repo' (with 'branch') or 'image'")
        if self.repo and not self.branch:
            raise ValueError("'branch' is required with 'repo'")
        return self


class AutoscalerConfig(Model):
    """Queue-depth autoscaling between minReplicas and maxReplicas (Railway has none built in).

    The autoscaler is a small service of this repository (services/autoscaler) that the stack
    deploys on Railway next to the workers; see docs/railway.md for its rules.
    """

    queue_key: str = Field(min_length=1, description="Redis key (list) holding waiting jobs.")
    target_jobs_per_replica: int = Field(ge=1, le=100_000)
    scale_up_cooldown_seconds: int = Field(ge=0, le=3600)
    scale_down_cooldown_seconds: int = Field(ge=0, le=86_400)
    poll_interval_seconds: int = Field(ge=5, le=3600)
    scale_down_step: int = Field(default=1, ge=1, le=50, description="Most replicas removed per scale-down.")
    scale_down_utilisation_percent: int = Field(
        default=75, ge=10, le=100,
        description="Scale down only when the smaller fleet would run at most this full (hysteresis).")
    source: WorkerSource = Field(description="Where Railway builds the autoscaler from (this repository).")
    start_command: str = Field(default="python -m services.autoscaler", min_length=1)
    healthcheck_path: UrlPath = "/health"


class JobsConfig(Model):
    project_name: str = Field(pattern=railway.NAME_PATTERN)
    environment_name: str = Field(pattern=railway.NAME_PATTERN)
    plan: str
    region: str
    min_replicas: int = Field(ge=0, le=thresholds.RAILWAY_MAX_TOTAL_REPLICAS)
    max_replicas: int = Field(ge=1, le=thresholds.RAILWAY_MAX_TOTAL_REPLICAS)
    job_concurrency: int = Field(ge=1, le=100, description="JOB_CONCURRENCY")
    log_level: Literal["fatal", "error", "warn", "info", "debug", "trace"] = Field(description="LOG_LEVEL")
    node_env: Literal["production", "development", "test"] = Field(description="NODE_ENV")
    source: WorkerSource
    start_command: str | None = None
    healthcheck_path: UrlPath | None
    healthcheck_timeout_seconds: int = Field(ge=1, le=3600)
    restart_policy: str
    restart_max_retries: int = Field(ge=0, le=1000)
    draining_seconds: int = Field(ge=0, le=3600)
    redis_image: str = Field(min_length=1)
    redis_volume_mount_path: str = Field(pattern=railway.PATH_PATTERN)
    job_retention_seconds: int = Field(
        ge=60, le=2_592_000,
        description="JOB_RETENTION_SECONDS: how long finished and failed jobs stay in Redis before removal.")
    workspace_id: str | None = Field(
        default=None, min_length=1,
        description="Railway workspace of the project; required when the token reaches several workspaces.")
    autoscaler: AutoscalerConfig

    @field_validator("plan")
    @classmethod
    def _plan(cls, value: str) -> str:
        return _one_of(value, railway.PLANS, "a Railway workspace plan")

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        return _one_of(value, railway.REGIONS, "a Railway region")

    @field_validator("restart_policy")
    @classmethod
    def _restart(cls, value: str) -> str:
        return _one_of(value, railway.RESTART_POLICIES, "a Railway restart policy")

    def replica_issues(self) -> list[tuple[str, str, object]]:
        """(key below ``jobs``, message, value) for bounds that contradict each other or the plan.

        Checked here rather than in a model validator so each message names the field to change.
        """
        issues: list[tuple[str, str, object]] = []
        if self.min_replicas > self.max_replicas:
            issues.append(("minReplicas", f"must be <= maxReplicas ({self.max_replicas})", self.min_replicas))
        cap = thresholds.RAILWAY_REPLICA_CAP[self.plan]
        if self.max_replicas > cap:
            issues.append(("maxReplicas", f"exceeds the Railway '{self.plan}' plan cap of {cap} replicas per "
                                          f"service; allowed: 1..{cap}", self.max_replicas))
        return issues


def _one_of(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{value!r} is not {what}; allowed: {', '.join(allowed)}")
    return value
