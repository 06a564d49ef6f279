"""What a stack wants from its AWS account in India: the account, the off-site backups, the log store.

One account per stack (stacks share no resource) and one region in India for all of it: the backups, the
jobs that take and drill them and the log store share the account, its key and its data-residency answer
(docs/backups.md: the Indian region the database does not use; docs/logs.md).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from .types import Cidr, Model
from .vocabulary import thresholds

AWS_REGIONS_IN_INDIA = thresholds.AWS_REGIONS_IN_INDIA
FARGATE_MEMORY_MIB = {256: (512, 2048), 512: (1024, 4096), 1024: (2048, 8192), 2048: (4096, 16384),
                      4096: (8192, 30720)}
"""Fargate's CPU units → (least, most) memory in MiB it runs with."""
_AGE_RECIPIENT = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")
_BUCKET = re.compile(r"^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _india(value: str) -> str:
    if value not in AWS_REGIONS_IN_INDIA:
        raise ValueError(f"must be an AWS region in India ({', '.join(AWS_REGIONS_IN_INDIA)}): payment data and "
                         f"logs stay in India")
    return value


def _schedule(value: str) -> str:
    if thresholds.schedule_max_interval_hours(value) is None:
        raise ValueError("must be an EventBridge Scheduler expression 'rate(<n> minutes|hours|days)' or "
                         "'cron(<minute> <hours> <day-of-month> * <day-of-week> *)' running daily or weekly, "
                         "e.g. 'cron(0 2 * * ? *)'")
    return value


class AwsConfig(Model):
    """The stack's own AWS account; the provider refuses to act in any other."""

    account_id: str = Field(pattern=r"^[0-9]{12}$", description="The 12-digit account id (allowed_account_ids).")
    region: str = Field(description="The one Indian region of the stack's AWS resources (every resource names it).")

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        return _india(value)


class BackupsConfig(Model):
    """The off-site logical backups of the database and their weekly restore drill (docs/backups.md)."""

    bucket_name: str = Field(description="The off-site bucket (globally unique S3 name).")
    retention_days: int = Field(ge=1, le=3650, description="COMPLIANCE lock of every copy (bucket default and job).")
    archive_after_days: int = Field(ge=1, le=3650, description="Copies move to Glacier Instant Retrieval after this.")
    expire_after_days: int = Field(ge=2, le=3650, description="Copies expire after this (never before their lock).")
    backup_schedule: str = Field(description="When the backup runs (EventBridge Scheduler expression).")
    drill_schedule: str = Field(description="When the restore drill runs against the newest copy.")
    schedule_timezone: str = Field(default="Asia/Kolkata", pattern=r"^[A-Za-z_]+/[A-Za-z_]+$|^UTC$")
    heartbeat_grace_hours: int = Field(ge=1, le=24, description="How late a run may be before someone is paged.")
    age_recipients: list[str] = Field(min_length=1, description="age public keys every copy is encrypted to.")
    image_digest: str = Field(pattern=r"^sha256:[0-9a-f]{64}$",
                              description="Digest of the backup image (services/backup/Dockerfile) in the ECR "
                                          "repository the stack declares.")
    availability_zone: str = Field(pattern=r"^ap-south-[12][abc]$")
    vpc_cidr: Cidr = Field(description="The backup network (one public subnet for the NAT, one private).")
    task_cpu: Literal[256, 512, 1024, 2048, 4096]
    task_memory_mib: int = Field(ge=512, le=30720)
    ephemeral_storage_gib: int = Field(ge=21, le=200, description="Room for one encrypted dump (backup) and the "
                                                                  "decrypted dump and restored database (drill).")

    @field_validator("backup_schedule", "drill_schedule")
    @classmethod
    def _schedules(cls, value: str) -> str:
        return _schedule(value)

    @field_validator("bucket_name")
    @classmethod
    def _bucket(cls, value: str) -> str:
        if not _BUCKET.match(value) or value.endswith("-s3alias"):
            raise ValueError("must be a valid S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)")
        return value

    @field_validator("age_recipients")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        bad = [key[:12] + "…" for key in value if not _AGE_RECIPIENT.match(key)]
        if bad:
            raise ValueError(f"{bad} are not age X25519 public keys ('age1' and 58 characters); an identity "
                             f"('AGE-SECRET-KEY-…') never belongs in a stack file")
        return value

    def issues(self, region: str) -> list[tuple[str, str, object]]:
        """Cross-field rules, ``region`` being the stack's AWS region: (field, message, value)."""
        found: list[tuple[str, str, object]] = []
        least, most = FARGATE_MEMORY_MIB[self.task_cpu]
        if not least <= self.task_memory_mib <= most:
            found.append(("taskMemoryMib", f"Fargate runs {self.task_cpu} CPU units with {least}..{most} MiB",
                          self.task_memory_mib))
        if self.expire_after_days <= self.retention_days:
            found.append(("expireAfterDays", f"must be after retentionDays ({self.retention_days}): a copy expires "
                                             f"only once its lock has ended", self.expire_after_days))
        if self.archive_after_days >= self.expire_after_days:
            found.append(("archiveAfterDays", f"must be before expireAfterDays ({self.expire_after_days})",
                          self.archive_after_days))
        if not self.availability_zone.startswith(region):
            found.append(("availabilityZone", f"must be in aws.region ({region})", self.availability_zone))
        return found


class LogStoreConfig(Model):
    """The log store: a CloudWatch Logs group in the stack's AWS region every runtime ships to (docs/logs.md). Its
    retention is not configured here: it is the vocabulary's one threshold (thresholds.LOG_RETENTION_DAYS)."""

    vercel_plan: Literal["pro", "enterprise"] = Field(
        description="The Vercel team's plan: log drains need Pro; Vercel's audit-log drain needs Enterprise.")
