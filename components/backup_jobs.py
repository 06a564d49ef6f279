"""The backup job and the restore drill on Fargate in India, on EventBridge schedules, each with a heartbeat.

Children: the image repository, the two secrets the tasks receive (the database
URL of the read-only backup role; the drill's age identity, whose value a person puts there), the roles
(execution, the write-only backup writer, the drill, the scheduler), the cluster, two task definitions
(essential containers `backup` and `drill`), two schedules, two Checkly heartbeat monitors routed to the
stack's alert channels, whose ping URLs the tasks receive. A missed or failed run stops the pings:
Checkly alerts when the grace period after the expected ping ends. The tasks log to the log store.

The ping URLs are plain task environment, not secrets: Checkly's provider keeps the token in plain state
anyway, the task definition is readable only by the account's administrators (who could stop the
schedule outright), and a leaked URL can only fake a ping, never reach data. Kept in the open, the link
from each task to its heartbeat stays visible to the pack in any exported state.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_checkly as checkly

from config.aws import BackupsConfig
from config.vocabulary import thresholds

from . import aws_documents as documents
from .aws_sdk import ecr, ecs, iam, scheduler, secretsmanager
from .monitoring import alert_routing

HEARTBEAT_PING = "https://ping.checklyhq.com/"
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
BACKUP_CONTAINER, DRILL_CONTAINER = "backup", "drill"
"""Container names; docs/release.md's script reads the exit code of the one named `backup`."""


@dataclass(frozen=True)
class Storage:
    """What the jobs write to and read from (OffsiteBackups)."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]


@dataclass(frozen=True)
class BackupJobsArgs:
    config: BackupsConfig
    name_prefix: str
    region: str
    stack: str
    """The stack name the drill reads its RTO and Postgres version from (`--stack`)."""
    account_id: str
    storage: Storage
    database_url: pulumi.Input[str]
    """Session-mode URL of the read-only backup role (secret): never the API's or the workers' URL."""
    subnet_id: pulumi.Input[str]
    security_group_id: pulumi.Input[str]
    alert_channel_ids: Sequence[pulumi.Input[int]]
    """The stack's Checkly alert channels (email, Slack) every missed run goes to."""
    log_group: pulumi.Input[str]
    """The log store's log group (components.log_store): the tasks' output is platform logs like any other."""


def heartbeat_period(expression: str) -> tuple[int, str]:
    """(period, unit) a heartbeat expects pings at, from the schedule that runs the job."""
    hours = thresholds.schedule_max_interval_hours(expression)
    if hours is None or hours < 1:
        raise ValueError(f"{expression!r} has no period a heartbeat can expect")
    return (int(hours // 24), "days") if hours % 24 == 0 else (int(hours), "hours")


def container(name: str, image: str, command: list[str], environment: dict[str, str], secrets: dict[str, str],
              log_group: str, region: str) -> str:
    """One essential container's definition (JSON), logging to the tasks' log group."""
    return json.dumps([{
        "name": name, "image": image, "essential": True, "command": command,
        "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": name}},
    }], sort_keys=True)


class BackupJobs(pulumi.ComponentResource):
    """The scheduled backup (at least daily in production) and the weekly restore drill, in India."""

    cluster: ecs.Cluster
    backup_task: ecs.TaskDefinition
    drill_task: ecs.TaskDefinition
    backup_task_role: iam.Role
    execution_role: iam.Role
    heartbeats: dict[str, checkly.HeartbeatMonitor]

    def __init__(self, name: str, args: BackupJobsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("lightspeedpay:backups:BackupJobs", name, {}, opts)
        cfg, region, prefix = args.config, args.region, args.name_prefix
        child = pulumi.ResourceOptions(parent=self)
        key_arn = args.storage.key_arn

        repository = ecr.Repository(
            f"{name}-image", name=f"{prefix}-backup", image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            encryption_configurations=[{"encryption_type": "KMS", "kms_key": key_arn}], region=region, opts=child)
        image = repository.repository_url.apply(lambda url: f"{url}@{cfg.image_digest}")

        self.heartbeats = {
            job: checkly.HeartbeatMonitor(
                f"{name}-{job}-heartbeat", name=f"{prefix} {job}", activated=True,
                heartbeat=checkly.HeartbeatMonitorHeartbeatArgs(
                    period=period, period_unit=unit, grace=cfg.heartbeat_grace_hours, grace_unit="hours"),
                **alert_routing(args.alert_channel_ids, checkly.HeartbeatMonitorAlertChannelSubscriptionArgs,
                                checkly.HeartbeatMonitorAlertSettingsArgs,
                                checkly.HeartbeatMonitorAlertSettingsRunBasedEscalationArgs),
                tags=[prefix, "backups", thresholds.SCHEDULED_JOB_TAG], opts=child)
            for job, (period, unit) in (("backup", heartbeat_period(cfg.backup_schedule)),
                                        ("drill", heartbeat_period(cfg.drill_schedule)))}

        def secret(purpose: str, value: pulumi.Input[str] | None) -> secretsmanager.Secret:
            stored = secretsmanager.Secret(f"{name}-{purpose}", name=f"{prefix}/backups/{purpose}",
                                           kms_key_id=key_arn, recovery_window_in_days=7, region=region, opts=child)
            if value is not None:
                secretsmanager.SecretVersion(f"{name}-{purpose}", secret_id=stored.id,
                                             secret_string=pulumi.Output.secret(value), region=region, opts=child)
            return stored

        def ping_url(monitor: checkly.HeartbeatMonitor) -> pulumi.Output[str]:
            return monitor.heartbeat.apply(lambda beat: HEARTBEAT_PING + str(beat.ping_token))

        database_url = secret("database-url", args.database_url)
        # The drill's age identity: generated offline by a platform lead and put here by hand
        # (docs/backups.md, "Who holds the keys"); never in Pulumi state.
        drill_identity = secret("drill-age-identity", None)

        ecs_trust = documents.service_trust("ecs-tasks.amazonaws.com", args.account_id,
                                            f"arn:aws:ecs:{region}:{args.account_id}:*")
        self.execution_role = iam.Role(f"{name}-execution", name=f"{prefix}-backup-execution",
                                       assume_role_policy=ecs_trust, opts=child)
        iam.RolePolicyAttachment(f"{name}-execution", role=self.execution_role.name, policy_arn=EXECUTION_POLICY,
                                 opts=child)
        iam.RolePolicy(f"{name}-execution-secrets", role=self.execution_role.id, policy=pulumi.Output.all(
            database_url.arn, drill_identity.arn, key_arn).apply(
                lambda a: documents.execution_policy(a[:2], a[2])), opts=child)
        self.backup_task_role = iam.Role(f"{name}-writer", name=f"{prefix}-backup-writer",
                                         assume_role_policy=ecs_trust, opts=child)
        iam.RolePolicy(f"{name}-writer", role=self.backup_task_role.id, policy=pulumi.Output.all(
            args.storage.bucket_arn, key_arn).apply(lambda a: documents.writer_policy(*a)), opts=child)
        drill_role = iam.Role(f"{name}-drill", name=f"{prefix}-backup-drill", assume_role_policy=ecs_trust,
                              opts=child)
        iam.RolePolicy(f"{name}-drill", role=drill_role.id, policy=pulumi.Output.all(
            args.storage.bucket_arn, key_arn).apply(lambda a: documents.drill_policy(*a)), opts=child)

        self.cluster = ecs.Cluster(f"{name}-cluster", name=f"{prefix}-backups", region=region,
                                   settings=[{"name": "containerInsights", "value": "enabled"}], opts=child)
        common: dict[str, Any] = {
            "requires_compatibilities": ["FARGATE"], "network_mode": "awsvpc", "cpu": str(cfg.task_cpu),
            "memory": str(cfg.task_memory_mib), "execution_role_arn": self.execution_role.arn,
            "ephemeral_storage": {"size_in_gib": cfg.ephemeral_storage_gib},
            "runtime_platform": {"operating_system_family": "LINUX", "cpu_architecture": "X86_64"}, "region": region}
        where = {"BACKUP_PREFIX": documents.BACKUP_PREFIX, "AWS_REGION": region}
        self.backup_task = ecs.TaskDefinition(
            f"{name}-backup", family=f"{prefix}-backup", task_role_arn=self.backup_task_role.arn, **common,
            container_definitions=pulumi.Output.all(
                image, args.storage.bucket_name, args.log_group, database_url.arn, ping_url(self.heartbeats["backup"])
            ).apply(lambda a: container(BACKUP_CONTAINER, a[0], ["python", "-m", "services.backup"], {
                **where, "BACKUP_BUCKET": a[1], "BACKUP_RETENTION_DAYS": str(cfg.retention_days),
                "BACKUP_AGE_RECIPIENTS": ",".join(cfg.age_recipients), "BACKUP_HEARTBEAT_URL": a[4]},
                {"BACKUP_DATABASE_URL": a[3]}, a[2], region)),
            opts=child)
        self.drill_task = ecs.TaskDefinition(
            f"{name}-drill", family=f"{prefix}-restore-drill", task_role_arn=drill_role.arn, **common,
            container_definitions=pulumi.Output.all(
                image, args.storage.bucket_name, args.log_group, drill_identity.arn, ping_url(self.heartbeats["drill"])
            ).apply(lambda a: container(DRILL_CONTAINER, a[0], [
                "python", "-m", "ops.restore_drill", "--stack", args.stack, "--upload-evidence",
                "--evidence", "/tmp/restore-drill-evidence.json"],
                {**where, "BACKUP_BUCKET": a[1], "DRILL_HEARTBEAT_URL": a[4]}, {"BACKUP_AGE_IDENTITY": a[3]}, a[2],
                region)),
            opts=child)

        scheduler_role = iam.Role(f"{name}-scheduler", name=f"{prefix}-backup-scheduler", opts=child,
                                  assume_role_policy=documents.service_trust("scheduler.amazonaws.com",
                                                                             args.account_id))
        iam.RolePolicy(f"{name}-scheduler", role=scheduler_role.id, policy=pulumi.Output.all(
            self.backup_task.arn, self.drill_task.arn, self.execution_role.arn, self.backup_task_role.arn,
            drill_role.arn, self.cluster.arn).apply(
                lambda a: documents.scheduler_policy(a[:2], a[2:5], a[5])), opts=child)
        for job, task, expression in (("backup", self.backup_task, cfg.backup_schedule),
                                      ("drill", self.drill_task, cfg.drill_schedule)):
            scheduler.Schedule(
                f"{name}-{job}-schedule", name=f"{prefix}-{job}", schedule_expression=expression,
                schedule_expression_timezone=cfg.schedule_timezone, state="ENABLED",
                flexible_time_window={"mode": "OFF"}, region=region,
                target={"arn": self.cluster.arn, "role_arn": scheduler_role.arn,
                        "retry_policy": {"maximum_retry_attempts": 2, "maximum_event_age_in_seconds": 3600},
                        "ecs_parameters": {
                            "task_definition_arn": task.arn, "launch_type": "FARGATE", "platform_version": "LATEST",
                            "task_count": 1, "network_configuration": {
                                "subnets": [args.subnet_id], "security_groups": [args.security_group_id],
                                "assign_public_ip": False}}},
                opts=child)

        self.register_outputs({"cluster": self.cluster.name, "backupTaskDefinition": self.backup_task.arn,
                               "drillTaskDefinition": self.drill_task.arn})
