"""What a stack wants from the background-job fleet on Railway (workers, Redis, autoscaler)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .types import Model, UrlPath
from .vocabulary import thresholds

RAILWAY_REPLICA_CAP = thresholds.RAILWAY_REPLICA_CAP
RAILWAY_LOG_RETENTION_DAYS = thresholds.RAILWAY_LOG_RETENTION_DAYS


class WorkerSource(Model):
    repo: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")
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
    project_name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    environment_name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    plan: Literal["hobby", "pro", "enterprise"]
    region: Literal["us-west2", "us-east4-eqdc4a", "europe-west4-drams3a", "asia-southeast1-eqsg3a"]
    min_replicas: int = Field(ge=0, le=50)
    max_replicas: int = Field(ge=1, le=50)
    job_concurrency: int = Field(ge=1, le=100, description="JOB_CONCURRENCY")
    log_level: Literal["fatal", "error", "warn", "info", "debug", "trace"] = Field(description="LOG_LEVEL")
    node_env: Literal["production", "development", "test"] = Field(description="NODE_ENV")
    source: WorkerSource
    start_command: str | None = None
    healthcheck_path: UrlPath | None
    healthcheck_timeout_seconds: int = Field(ge=1, le=3600)
    restart_policy: Literal["ON_FAILURE", "ALWAYS", "NEVER"]
    restart_max_retries: int = Field(ge=0, le=1000)
    draining_seconds: int = Field(ge=0, le=3600)
    redis_image: str = Field(min_length=1)
    redis_volume_mount_path: str = Field(pattern=r"^/[A-Za-z0-9._/-]*$")
    job_retention_seconds: int = Field(
        ge=60, le=2_592_000,
        description="JOB_RETENTION_SECONDS: how long finished and failed jobs stay in Redis before removal.")
    workspace_id: str | None = Field(
        default=None, min_length=1,
        description="Railway workspace of the project; required when the token reaches several workspaces.")
    autoscaler: AutoscalerConfig

    def replica_issues(self) -> list[tuple[str, str, object]]:
        """(key below ``jobs``, message, value) for bounds that contradict each other or the plan.

        Checked here rather than in a model validator so each message names the field to change.
        """
        issues: list[tuple[str, str, object]] = []
        if self.min_replicas > self.max_replicas:
            issues.append(("minReplicas", f"must be <= maxReplicas ({self.max_replicas})", self.min_replicas))
        cap = RAILWAY_REPLICA_CAP[self.plan]
        if self.max_replicas > cap:
            issues.append(("maxReplicas", f"exceeds the Railway '{self.plan}' plan cap of {cap} replicas per "
                                          f"service; allowed: 1..{cap}", self.max_replicas))
        return issues
