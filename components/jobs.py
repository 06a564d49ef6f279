"""Background jobs on Railway: the worker fleet, its Redis queue, and the autoscaler that sizes it.

Children (all Railway resources are dynamic, `pulumi-python:dynamic/railway:<Kind>`):
- a project and its environment (the environment the config names, adopted if it is the default);
- Redis (image service + volume) whose password Pulumi generates and seals into the Redis service;
  the worker and the autoscaler receive the full ``REDIS_URL`` sealed (Pulumi knows the password),
  so no Railway reference has to resolve a secret;
- the worker: service from the repository, variables (plain and sealed), instance settings with
  min/max replica bounds, health check, restart-on-failure, draining;
- the autoscaler: a service built from this repository (services/autoscaler), its project token
  and variables. It owns the worker's replica count within [min, max]; Pulumi keeps the bounds.

Worker logs go to the stack's log store over OTLP (Railway keeps logs 7–90 days and has no
drains); the retention that matters is the log store's, published in this component's facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_random as random

from config.jobs import JobsConfig
from config.vocabulary import facts, scrubbing, thresholds
from providers.railway.project import Environment, EnvironmentArgs, Project, ProjectArgs
from providers.railway.redis import Redis, RedisArgs
from providers.railway.redis import redis_url as redis_url_of
from providers.railway.service import ReplicaBounds, Service, ServiceArgs, ServiceInstance, ServiceInstanceArgs
from providers.railway.token import ProjectToken, ProjectTokenArgs
from providers.railway.trigger import DeploymentTrigger, DeploymentTriggerArgs
from providers.railway.variables import Variables, VariablesArgs

AUTOSCALER_TOKEN_VARIABLE = "AUTOSCALER_RAILWAY_TOKEN"
HEARTBEAT_VARIABLE = "HEARTBEAT_URL"


@dataclass(frozen=True)
class LogShipping:
    """Where the workers' OpenTelemetry exporters send their logs: the stack's log store (components.log_store)."""

    otlp_endpoint: pulumi.Input[str]
    ingest: pulumi.Input[str]
    """URN of the store's ingest URL (known in a first preview, unlike the URL itself)."""
    token: pulumi.Input[str]
    """The store's ingest token (secret; sealed in Railway)."""
    store: str
    retention_days: int
    region: str


@dataclass(frozen=True)
class BackgroundJobsArgs:
    jobs: JobsConfig
    """Everything the stack file says about the fleet (lightspeedpay:jobs)."""
    log_store: LogShipping
    """Where worker logs are shipped (OTLP endpoint, token), and how long that store keeps them."""
    name_prefix: str
    """Prefix of every Railway-side name, so stacks never collide in one workspace."""
    environment: str
    """The stack's environment (production, staging), for log attributes."""
    database_url: pulumi.Input[str]
    """The workers' pooled Postgres URL from the database component: the worker role's, never
    `postgres` (secret; sealed in Railway)."""
    sentry_dsn: pulumi.Input[str]
    """The workers' Sentry DSN (components/error_tracking.py; sealed in Railway like every secret here)."""
    sentry_traces_sample_rate: float
    """Share of the workers' transactions their Sentry SDK sends (lightspeedpay:errorTracking)."""
    autoscaler_metrics: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """OTLP metrics export of the autoscaler (components.metrics: endpoint, and the write-only header sealed)."""
    heartbeat_urls: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """'worker' / 'autoscaler' → the Checkly ping URL it pings (secret; sealed as HEARTBEAT_URL)."""


def log_shipping(args: BackgroundJobsArgs, service: str) -> dict[str, pulumi.Input[str]]:
    """OpenTelemetry exporter settings every Node/Python OTLP SDK reads from the environment."""
    return {
        "OTEL_LOGS_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",  # the store's ingest reads OTLP as JSON
        "OTEL_EXPORTER_OTLP_ENDPOINT": args.log_store.otlp_endpoint,
        "OTEL_SERVICE_NAME": service,
        "OTEL_RESOURCE_ATTRIBUTES": f"deployment.environment={args.environment},service.namespace=lightspeedpay,"
                                    f"cloud.provider=railway,cloud.region={args.jobs.region}",
    }


def _heartbeat(args: BackgroundJobsArgs, service: str) -> dict[str, pulumi.Input[str]]:
    """HEARTBEAT_URL, the service's Checkly ping URL: anyone holding it could silence the alarm, so it is sealed."""
    url = args.heartbeat_urls.get(service)
    return {HEARTBEAT_VARIABLE: url} if url is not None else {}


class BackgroundJobs(pulumi.ComponentResource):
    """The background-job fleet of one stack on Railway."""

    project: Project
    environment: Environment
    redis: Redis
    worker: Service
    worker_variables: Variables
    worker_instance: ServiceInstance
    autoscaler: Service
    autoscaler_token: ProjectToken
    autoscaler_variables: Variables
    autoscaler_instance: ServiceInstance
    deploy_triggers: list[DeploymentTrigger]
    project_id: pulumi.Output[str]
    worker_service_id: pulumi.Output[str]

    def __init__(self, name: str, args: BackgroundJobsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        cfg = args.jobs
        super().__init__(facts.JOBS, name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = args.name_prefix
        cap = thresholds.RAILWAY_REPLICA_CAP[cfg.plan]

        self.project = Project(f"{name}-project", ProjectArgs(
            name=cfg.project_name, plan=cfg.plan, default_environment_name=cfg.environment_name,
            workspace_id=cfg.workspace_id, pr_deploys=False,
            description=f"LightSpeedPay background jobs ({args.environment}); managed by Pulumi"), opts=child)
        self.environment = Environment(f"{name}-environment", EnvironmentArgs(
            project_id=self.project.id, name=cfg.environment_name), opts=child)
        project_id, environment_id = self.project.id, self.environment.id

        redis_name = f"{prefix}-redis"
        password = random.RandomPassword(f"{name}-redis-password", random.RandomPasswordArgs(
            length=32, special=False, min_lower=4, min_upper=4, min_numeric=4), opts=child)
        self.redis = Redis(f"{name}-redis", RedisArgs(
            project_id=project_id, environment_id=environment_id, name=redis_name, image=cfg.redis_image,
            region=cfg.region, password=password.result, volume_mount_path=cfg.redis_volume_mount_path,
            restart_policy_type="ON_FAILURE", restart_policy_max_retries=cfg.restart_max_retries,
            backup_schedules=(),
            # Its users get the password Pulumi generated: an adopted Redis must be given it too.
            reset_secrets_on_adopt=True), opts=child)
        redis_url: pulumi.Output[str] = pulumi.Output.secret(pulumi.Output.all(
            password.result, self.redis.private_host).apply(lambda parts: redis_url_of(*parts)))

        worker_name = f"{prefix}-worker"
        self.worker = Service(f"{name}-worker", ServiceArgs(
            project_id=project_id, environment_id=environment_id, name=worker_name,
            source_repo=cfg.source.repo, source_branch=cfg.source.branch, source_image=cfg.source.image), opts=child)
        self.worker_variables = Variables(f"{name}-worker-variables", VariablesArgs(
            project_id=project_id, environment_id=environment_id, service_id=self.worker.id,
            variables={
                "JOB_CONCURRENCY": str(cfg.job_concurrency),
                "LOG_LEVEL": cfg.log_level,
                "NODE_ENV": cfg.node_env,
                "JOB_RETENTION_SECONDS": str(cfg.job_retention_seconds),
                scrubbing.ENVIRONMENT_VARIABLES["workers"]: args.environment,
                scrubbing.SAMPLE_RATE_VARIABLES["workers"]: str(args.sentry_traces_sample_rate),
                **log_shipping(args, worker_name),
            },
            sealed_variables={
                "DATABASE_URL": args.database_url,
                "REDIS_URL": redis_url,
                scrubbing.DSN_VARIABLES["workers"]: args.sentry_dsn,
                "OTEL_EXPORTER_OTLP_HEADERS": pulumi.Output.concat("Authorization=Bearer%20", args.log_store.token),
                **_heartbeat(args, "worker"),
            }), opts=pulumi.ResourceOptions(parent=self, depends_on=[self.redis]))
        self.worker_instance = ServiceInstance(f"{name}-worker-instance", ServiceInstanceArgs(
            service_id=self.worker.id, environment_id=environment_id,
            regions={cfg.region: cfg.min_replicas},
            replica_bounds=ReplicaBounds(min=cfg.min_replicas, max=cfg.max_replicas),
            start_command=cfg.start_command, root_directory=cfg.source.root_directory,
            healthcheck_path=cfg.healthcheck_path, healthcheck_timeout=cfg.healthcheck_timeout_seconds,
            restart_policy_type=cfg.restart_policy, restart_policy_max_retries=cfg.restart_max_retries,
            draining_seconds=cfg.draining_seconds), opts=pulumi.ResourceOptions(
                parent=self, depends_on=[self.worker_variables]))

        scaling = cfg.autoscaler
        autoscaler_name = f"{prefix}-autoscaler"
        self.autoscaler = Service(f"{name}-autoscaler", ServiceArgs(
            project_id=project_id, environment_id=environment_id, name=autoscaler_name,
            source_repo=scaling.source.repo, source_branch=scaling.source.branch,
            source_image=scaling.source.image), opts=child)
        self.autoscaler_token = ProjectToken(f"{name}-autoscaler-token", ProjectTokenArgs(
            project_id=project_id, environment_id=environment_id, name=autoscaler_name,
            # The autoscaler needs the value, which Railway shows only once: a token of this name that
            # already exists is replaced by a new one rather than adopted without its value.
            reset_secrets_on_adopt=True), opts=child)
        self.autoscaler_variables = Variables(f"{name}-autoscaler-variables", VariablesArgs(
            project_id=project_id, environment_id=environment_id, service_id=self.autoscaler.id,
            variables={
                "WORKER_SERVICE_ID": self.worker.id,
                "MIN_REPLICAS": str(cfg.min_replicas),
                "MAX_REPLICAS": str(cfg.max_replicas),
                "TARGET_JOBS_PER_REPLICA": str(scaling.target_jobs_per_replica),
                "SCALE_UP_COOLDOWN_SECONDS": str(scaling.scale_up_cooldown_seconds),
                "SCALE_DOWN_COOLDOWN_SECONDS": str(scaling.scale_down_cooldown_seconds),
                "SCALE_DOWN_STEP": str(scaling.scale_down_step),
                "SCALE_DOWN_UTILISATION_PERCENT": str(scaling.scale_down_utilisation_percent),
                "POLL_INTERVAL_SECONDS": str(scaling.poll_interval_seconds),
                "QUEUE_KEY": scaling.queue_key,
                "PYTHONUNBUFFERED": "1",
            },
            sealed_variables={AUTOSCALER_TOKEN_VARIABLE: self.autoscaler_token.token, "REDIS_URL": redis_url,
                              **_heartbeat(args, "autoscaler"), **args.autoscaler_metrics}),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.redis]))
        self.autoscaler_instance = ServiceInstance(f"{name}-autoscaler-instance", ServiceInstanceArgs(
            service_id=self.autoscaler.id, environment_id=environment_id,
            regions={cfg.region: 1}, start_command=scaling.start_command,
            root_directory=scaling.source.root_directory, healthcheck_path=scaling.healthcheck_path,
            healthcheck_timeout=60, restart_policy_type="ON_FAILURE",
            restart_policy_max_retries=cfg.restart_max_retries, draining_seconds=10),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.autoscaler_variables, self.worker_instance]))

        # Railway deploys a repository-built service on every push to its branch; "Wait for CI" holds each push
        # until the commit's GitHub check suites pass (docs/gates.md). Image-built services have no trigger.
        self.deploy_triggers = [
            DeploymentTrigger(f"{service_name}-deploy-trigger", DeploymentTriggerArgs(
                project_id=project_id, environment_id=environment_id, service_id=service.id, repository=source.repo,
                branch=source.branch or "", check_suites=True), opts=pulumi.ResourceOptions(parent=self))
            for service_name, service, source in ((f"{name}-worker", self.worker, cfg.source),
                                                  (f"{name}-autoscaler", self.autoscaler, scaling.source))
            if source.repo]

        self.project_id = self.project.id
        self.worker_service_id = self.worker.id
        # The facts the policy pack reads (facts.JobsFacts): context for the worker's own resources.
        published = facts.JobsFacts(
            region=cfg.region, plan=cfg.plan, replica_cap=cap, min_replicas=cfg.min_replicas,
            max_replicas=cfg.max_replicas, worker_service=self.worker.urn, autoscaler_service=self.autoscaler.urn,
            platform_log_retention_days=thresholds.RAILWAY_LOG_RETENTION_DAYS[cfg.plan],
            log_shipping={"ingest": args.log_store.ingest, "store": args.log_store.store,
                          "retentionDays": args.log_store.retention_days, "storeRegion": args.log_store.region},
            job_retention_seconds=cfg.job_retention_seconds)
        self.register_outputs({facts.FACTS_KEY: published.publish(), "projectId": self.project_id,
                               "workerServiceId": self.worker_service_id})
