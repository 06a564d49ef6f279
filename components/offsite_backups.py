"""Off-site backups in India: the locked, encrypted bucket, the jobs that fill and drill it, and the evidence.

Children: the bucket (object lock on at creation) with versioning, a COMPLIANCE default retention, SSE-KMS
with the account's customer-managed key (components.aws_account), all four public-access blocks, a
TLS-only and locked-writes-only policy, and a lifecycle to Glacier Instant Retrieval that lock-protected
versions survive (object ownership is bucket-owner-enforced, S3's default for new buckets: no ACLs); the
jobs (components.backup_jobs); the release's on-demand access (components.backup_release).

The restore drill stores its evidence in the bucket (`drills/latest.json`). At every plan the program reads
that record and asks the bucket about the exact object version it names, and publishes both as facts
(facts.BackupFacts): the pack's drill policy judges the record against what the bucket itself reports, so a
typed record does not pass (docs/backups.md, "How the evidence reaches the pack").
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_github as github

from config.aws import BackupsConfig
from config.vocabulary import facts, thresholds

from . import aws_documents as documents
from .aws_account import AwsAccount
from .aws_sdk import s3
from .backup_jobs import BackupJobs, BackupJobsArgs, Storage
from .backup_network import BackupNetwork
from .backup_release import BackupRelease, BackupReleaseArgs

EVIDENCE_KEY = f"{documents.EVIDENCE_PREFIX}latest.json"
EVIDENCE_LIFETIME_DAYS = 730
"""Drill records are kept two years for audits (each is locked 400 days by the drill)."""


@dataclass(frozen=True)
class OffsiteBackupsArgs:
    config: BackupsConfig
    name_prefix: str
    stack: str
    production: bool
    account_id: str
    region: str
    """The stack's AWS region (India)."""
    account: AwsAccount
    """The account's key and GitHub OIDC provider."""
    postgres_major: int
    """database.postgresMajorVersion: what a drill must restore into."""
    network: BackupNetwork
    database_url: pulumi.Input[str]
    """Session-mode URL of the read-only backup role (secret)."""
    alert_channel_ids: Sequence[pulumi.Input[int]]
    log_group: pulumi.Input[str]
    """The log store's log group, where the tasks write."""
    app_repository: str
    """The application repository whose release workflow runs the backup on demand."""
    github_provider: github.Provider | None
    aws_provider: aws.Provider
    """For the plan-time read of the drill evidence (an invoke names its provider)."""


def lookup_drill_evidence(bucket: str, region: str, provider: aws.Provider) -> dict[str, Any]:
    """``drills/latest.json`` and what the bucket says about the object version it names (facts.BackupFacts'
    ``drill``). Every failure to read is reported as such, never as evidence."""
    opts = pulumi.InvokeOptions(provider=provider)
    try:
        listing = s3.get_objects(bucket=bucket, prefix=EVIDENCE_KEY, region=region, opts=opts)
    except Exception as error:
        return _drill(facts.DRILL_UNREADABLE, f"s3://{bucket}/{documents.EVIDENCE_PREFIX} could not be read: "
                                              f"{_first_line(error)}")
    if EVIDENCE_KEY not in (listing.keys or []):
        return _drill(facts.DRILL_MISSING, f"s3://{bucket}/{EVIDENCE_KEY} does not exist: no drill stored evidence")
    # The record travels as the text the drill stored: its digest covers exactly those bytes' JSON, which
    # the engine's number encoding (every number a float) would otherwise change.
    text = str(s3.get_object(bucket=bucket, key=EVIDENCE_KEY, region=region, opts=opts).body or "")
    try:
        record = json.loads(text)
    except ValueError:
        return _drill(facts.DRILL_FOUND, f"s3://{bucket}/{EVIDENCE_KEY} is not JSON", evidence=text)
    named = record.get("object") if isinstance(record, dict) else None
    if not isinstance(named, dict) or not named.get("key") or not named.get("version_id"):
        return _drill(facts.DRILL_FOUND, "the record names no object version", evidence=text)
    try:
        head = s3.get_object(bucket=bucket, key=str(named["key"]), version_id=str(named["version_id"]),
                             checksum_mode="ENABLED", download_body="false", region=region, opts=opts)
    except Exception as error:
        return _drill(facts.DRILL_FOUND, f"the bucket reports no such object version ({_first_line(error)})",
                      evidence=text)
    reported = {"bucket": bucket, "key": head.key, "version_id": head.version_id,
                "checksum_sha256": head.checksum_sha256, "size": head.content_length,
                "lock_mode": head.object_lock_mode, "retain_until": head.object_lock_retain_until_date}
    return _drill(facts.DRILL_FOUND, "read from the bucket", evidence=text, bucket_object=reported)


def _drill(status: str, reason: str, evidence: str | None = None,
           bucket_object: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {"status": status, "reason": reason, "evidence": evidence, "bucketObject": bucket_object}


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:300]


class OffsiteBackups(pulumi.ComponentResource):
    """The off-site copy of the database in India that no credential can delete before its time."""

    bucket: s3.Bucket
    jobs: BackupJobs
    release: BackupRelease

    def __init__(self, name: str, args: OffsiteBackupsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(facts.BACKUPS, name, {}, opts)
        cfg, region, key = args.config, args.region, args.account.key
        child = pulumi.ResourceOptions(parent=self)
        kept = pulumi.ResourceOptions(parent=self, protect=args.production)

        # Object lock can only be switched on when the bucket is created; it can never be switched off.
        self.bucket = s3.Bucket(f"{name}-bucket", bucket=cfg.bucket_name, object_lock_enabled=True,
                                force_destroy=False, region=region, opts=kept)
        bucket = self.bucket.id
        versioning = s3.BucketVersioning(f"{name}-versioning", bucket=bucket, region=region,
                                         versioning_configuration={"status": "Enabled"}, opts=child)
        s3.BucketObjectLockConfiguration(
            f"{name}-lock", bucket=bucket, object_lock_enabled="Enabled", region=region,
            rule={"default_retention": {"mode": thresholds.LOCK_MODE, "days": cfg.retention_days}},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]))
        s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption", bucket=bucket, region=region,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                                "kms_master_key_id": key.arn},
                    "bucket_key_enabled": True}], opts=child)
        blocked = s3.BucketPublicAccessBlock(f"{name}-public-access", bucket=bucket, block_public_acls=True,
                                             block_public_policy=True, ignore_public_acls=True,
                                             restrict_public_buckets=True, region=region, opts=child)
        s3.BucketPolicy(f"{name}-policy", bucket=bucket, region=region,
                        policy=pulumi.Output.all(self.bucket.arn, args.network.s3_endpoint_id).apply(
                            lambda a: documents.bucket_policy(*a)),
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[blocked]))
        s3.BucketLifecycleConfiguration(f"{name}-lifecycle", bucket=bucket, region=region, rules=[
            {"id": "copies", "status": "Enabled", "filter": {"prefix": documents.BACKUP_PREFIX},
             "transitions": [{"days": cfg.archive_after_days, "storage_class": "GLACIER_IR"}],
             "expiration": {"days": cfg.expire_after_days},
             # S3 removes a noncurrent version only once its lock has ended.
             "noncurrent_version_expiration": {"noncurrent_days": 1},
             "abort_incomplete_multipart_upload": {"days_after_initiation": 1}},
            {"id": "drill-evidence", "status": "Enabled", "filter": {"prefix": documents.EVIDENCE_PREFIX},
             "expiration": {"days": EVIDENCE_LIFETIME_DAYS},
             "noncurrent_version_expiration": {"noncurrent_days": EVIDENCE_LIFETIME_DAYS}},
        ], opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]))

        self.jobs = BackupJobs(f"{name}-jobs", BackupJobsArgs(
            config=cfg, name_prefix=args.name_prefix, region=region, stack=args.stack, account_id=args.account_id,
            storage=Storage(self.bucket.bucket, self.bucket.arn, key.arn), database_url=args.database_url,
            subnet_id=args.network.private_subnet_id, security_group_id=args.network.security_group_id,
            alert_channel_ids=args.alert_channel_ids, log_group=args.log_group), opts=child)
        self.release = BackupRelease(f"{name}-release", BackupReleaseArgs(
            name_prefix=args.name_prefix, region=region, github_oidc_arn=args.account.github_oidc_arn,
            app_repository=args.app_repository,
            environment=args.stack, cluster_arn=self.jobs.cluster.arn, cluster_name=self.jobs.cluster.name,
            task_definition_arn=self.jobs.backup_task.arn,
            task_role_arns=(self.jobs.backup_task_role.arn, self.jobs.execution_role.arn),
            subnet_id=args.network.private_subnet_id, security_group_id=args.network.security_group_id,
            github_provider=args.github_provider), opts=child)

        published = facts.BackupFacts(
            production=args.production, bucket=self.bucket.urn, backup_task=self.jobs.backup_task.urn,
            drill_task=self.jobs.drill_task.urn, release_role=self.release.role.urn, postgres_major=args.postgres_major,
            drill=lookup_drill_evidence(cfg.bucket_name, region, args.aws_provider))
        self.register_outputs({facts.FACTS_KEY: published.publish(), "bucket": self.bucket.bucket,
                               "releaseVariables": self.release.variables})
