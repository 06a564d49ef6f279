"""Backups you can prove: the off-site copy in India, the jobs that take and drill it, and the drill's evidence.

Each policy starts from the off-site backup component's published facts (facts.BackupFacts: which bucket
and which task definitions are the backup's) and judges the resources themselves: the bucket's lock,
encryption, public-access block and policy; the task definitions, their schedules, roles and heartbeats;
the database's network restrictions. A resource that is missing is a violation here, so deleting one
cannot pass. The drill's evidence is read from the bucket by the program at plan time and judged by
`backup_evidence.validate_evidence` against what the bucket reports about the object it names.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from lightspeedpay_vocabulary import thresholds as t
from lightspeedpay_vocabulary.facts import (
    DRILL_FOUND,
    DRILL_MISSING,
    DRILL_UNREADABLE,
    BackupFacts,
    DatabaseFacts,
)

from . import aws, backup_runs
from .backup_evidence import DEFAULT_MAX_AGE_DAYS, validate_evidence
from .graph import linked, prop, published, stack_name
from .meta import Report, flag, integer, number, rbi_cyber_resilience, rbi_localisation, stack_policy, strings
from .props import as_list, known, plain

CHEAPER_CLASSES = ("STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")

REQUIRED = flag("required", True)
REGIONS = strings("allowedRegions", t.AWS_REGIONS_IN_INDIA, min_items=1)
MIN_LOCK_DAYS = integer("minLockDays", t.BACKUP_LOCK_MIN_DAYS, minimum=1)
MAX_AGE_DAYS = number("maxAgeDays", DEFAULT_MAX_AGE_DAYS, minimum=1)


class BackupStack:
    """The analysed stack, indexed once per policy run, with the off-site backups it publishes."""

    def __init__(self, args: StackValidationArgs, report: Report) -> None:
        self.resources = list(args.resources)
        self.by_urn = {r.urn: r for r in self.resources}
        self.backups: list[tuple[PolicyResource, BackupFacts]] = published(args, BackupFacts, report)
        self.production = any(facts.production is True for _, facts in self.backups)
        if not self.backups and REQUIRED.of(args):
            report("The stack declares no off-site backup (components.offsite_backups.OffsiteBackups): the "
                   "database has no copy outside Supabase.")

    def companions(self, type_: str, of: PolicyResource, prop_name: str) -> list[PolicyResource]:
        return aws.companions(self.resources, type_, of, prop_name)

    def named(self, urn: Any, what: str, publisher: PolicyResource, report: Report) -> PolicyResource | None:
        resource = self.by_urn.get(str(urn))
        if resource is None:
            report(f"The {what} the off-site backup names is not declared in the stack.", publisher.urn)
        return resource


# --- the off-site copy -------------------------------------------------------------------------------------

def _offsite_storage(args: StackValidationArgs, report: Report) -> None:
    stack = BackupStack(args, report)
    regions, min_days = REGIONS.of(args), MIN_LOCK_DAYS.of(args)
    for publisher, facts in stack.backups:
        bucket = stack.named(facts.bucket, "bucket", publisher, report)
        if bucket is None:
            continue
        where = region_of_known(bucket)
        if where is not None and where not in regions:
            report(f"The off-site bucket is in {where!r}; copies of payment data stay in India ({list(regions)}).",
                   bucket.urn)
        if prop(bucket, "objectLockEnabled") is not True:
            report("Object lock is not enabled on the off-site bucket (it can only be enabled at creation).",
                   bucket.urn)
        if prop(bucket, "forceDestroy") is True:
            report("forceDestroy is on: a `pulumi destroy` would empty the off-site bucket.", bucket.urn)
        if stack.production and not bucket.opts.protect:
            report("The production off-site bucket is not protected against deletion.", bucket.urn)
        name = prop(bucket, "bucket")
        if isinstance(name, str) and stack_name(args) and stack_name(args) not in name:
            report(f"The off-site bucket {name!r} does not name its stack {stack_name(args)!r}: another stack's "
                   f"bucket?", bucket.urn)
        _versioning(stack, bucket, report)
        _lock(stack, bucket, min_days, report)
        _encryption(stack, bucket, report)
        _public_access(stack, bucket, report)
        _bucket_policy(stack, bucket, report)
        _lifecycle(stack, bucket, report)


def region_of_known(resource: PolicyResource) -> str | None:
    """The resource's region, or None while it is unknown (a preview) or unset."""
    where = aws.region_of(resource)
    return None if where == "(unknown)" else (where or "the provider's default (AWS_REGION)")


def _one(stack: BackupStack, type_: str, bucket: PolicyResource, what: str, report: Report) -> PolicyResource | None:
    found = stack.companions(type_, bucket, "bucket")
    if not found:
        report(f"The off-site bucket has no {what}.", bucket.urn)
        return None
    return found[0]


def _versioning(stack: BackupStack, bucket: PolicyResource, report: Report) -> None:
    versioning = _one(stack, aws.VERSIONING, bucket, "versioning (object lock needs it)", report)
    if versioning is not None:
        ok, status = known(versioning.props, "versioningConfiguration")
        if ok and aws.field(status, "status") != "Enabled":
            report("Versioning of the off-site bucket is not Enabled.", versioning.urn)


def _lock(stack: BackupStack, bucket: PolicyResource, min_days: int, report: Report) -> None:
    lock = _one(stack, aws.LOCK, bucket, "object lock configuration", report)
    if lock is None:
        return
    ok, rule = known(lock.props, "rule")
    if not ok:
        return
    retention = plain(aws.field(rule, "defaultRetention")) or {}
    days = int(retention.get("days") or (retention.get("years") or 0) * 365)
    if prop(lock, "objectLockEnabled", "Enabled") != "Enabled":
        report("Object lock is not Enabled in the bucket's lock configuration.", lock.urn)
    if retention.get("mode") != t.LOCK_MODE:
        report(f"The default retention is {retention.get('mode')!r}, not {t.LOCK_MODE}: in GOVERNANCE mode a "
               f"privileged credential can still delete a copy.", lock.urn)
    if days < min_days:
        report(f"The default retention locks copies {days} days; at least {min_days} are required.", lock.urn)


def _encryption(stack: BackupStack, bucket: PolicyResource, report: Report) -> None:
    encryption = _one(stack, aws.ENCRYPTION, bucket, "default encryption", report)
    if encryption is None:
        return
    ok, rules = known(encryption.props, "rules")
    if ok and not any(aws.field(r, "applyServerSideEncryptionByDefault", "sseAlgorithm") in ("aws:kms", "aws:kms:dsse")
                      for r in as_list(rules)):
        report("The off-site bucket is not encrypted with a KMS key (sseAlgorithm aws:kms).", encryption.urn)
    key = linked(encryption, "rules", aws.KMS_KEY)
    if key is None:
        report("The bucket's KMS key is not a customer-managed key this stack declares (rotation unchecked).",
               encryption.urn)
    else:
        if prop(key, "enableKeyRotation") is not True:
            report("Rotation is off on the off-site bucket's KMS key.", key.urn)
        if stack.production and not key.opts.protect:
            report("The production backups' KMS key is not protected: deleting it makes every copy unreadable.",
                   key.urn)


_PUBLIC_BLOCKS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _public_access(stack: BackupStack, bucket: PolicyResource, report: Report) -> None:
    block = _one(stack, aws.PUBLIC_ACCESS, bucket, "public access block", report)
    if block is not None:
        off = [name for name in _PUBLIC_BLOCKS if prop(block, name) is not True]
        if off:
            report(f"Public access is not fully blocked on the off-site bucket ({', '.join(off)} off).", block.urn)


def _bucket_policy(stack: BackupStack, bucket: PolicyResource, report: Report) -> None:
    policy = _one(stack, aws.BUCKET_POLICY, bucket, "bucket policy (TLS only)", report)
    if policy is None:
        return
    ok, document = known(policy.props, "policy")
    if not ok:
        return
    statements = aws.statements(document)
    deny = [s for s in statements if s.get("Effect") == "Deny"]
    if not any(str(aws.field(s, "Condition", "Bool", "aws:SecureTransport")).lower() == "false"
               and {"s3:*", "*"} & set(aws.actions(s)) for s in deny):
        report("The off-site bucket's policy does not deny requests without TLS (aws:SecureTransport false).",
               policy.urn)
    if not any(aws.field(s, "Condition", "StringNotEquals", "s3:object-lock-mode") == t.LOCK_MODE for s in deny):
        report(f"The off-site bucket's policy lets a copy be written without a {t.LOCK_MODE} lock.", policy.urn)
    if not (aws.depends(policy, "policy", aws.ENDPOINT)
            and any(aws.field(s, "Condition", "StringNotEquals", "aws:SourceVpce") for s in deny)):
        report("The off-site bucket's policy lets copies be written from anywhere, not only through the backup "
               "network's S3 endpoint.", policy.urn)
    name = prop(bucket, "bucket")
    foreign = sorted({r for s in statements for r in aws.resources_of(s)
                      if not r.startswith(f"arn:aws:s3:::{name}")}) if isinstance(name, str) else []
    if foreign:
        report(f"The off-site bucket's policy speaks of {foreign}, not this bucket.", policy.urn)


def _lifecycle(stack: BackupStack, bucket: PolicyResource, report: Report) -> None:
    lifecycle = _one(stack, aws.LIFECYCLE, bucket, "lifecycle to cheaper storage", report)
    if lifecycle is None:
        return
    ok, rules = known(lifecycle.props, "rules")
    if ok and not any(aws.field(r, "status") == "Enabled" and any(aws.field(x, "storageClass") in CHEAPER_CLASSES
                                                                 for x in as_list(aws.field(r, "transitions")))
                      for r in as_list(rules)):
        report("No enabled lifecycle rule moves the copies to cheaper storage.", lifecycle.urn)


# --- the jobs (backup_runs) -----------------------------------------------------------------------------------

def _jobs(args: StackValidationArgs, report: Report) -> None:
    backup_runs.check(BackupStack(args, report), args, REGIONS.of(args), report)


# --- the evidence ---------------------------------------------------------------------------------------------

def _drill_evidenced(args: StackValidationArgs, report: Report) -> None:
    stack = BackupStack(args, report)
    databases = published(args, DatabaseFacts, report)
    now = dt.datetime.now(dt.UTC)
    for publisher, facts in stack.backups:
        drill = plain(facts.drill) or {}
        status, reason = drill.get("status"), drill.get("reason", "")
        if status == DRILL_UNREADABLE:
            report.not_verified(f"the restore drill's evidence: {reason}", publisher.urn)
            continue
        if status == DRILL_MISSING:
            report(f"No restore drill is on record ({reason}): the backups and the RTO are unproven.", publisher.urn)
            continue
        if status != DRILL_FOUND:
            report(f"The drill evidence's status {status!r} is not one the program publishes.", publisher.urn)
            continue
        bucket = stack.named(facts.bucket, "bucket", publisher, report)
        if bucket is None or not databases:
            if not databases:
                report("No database publishes its RTO, so the drill cannot be judged against it.", publisher.urn)
            continue
        text = drill.get("evidence")
        try:
            record = json.loads(text) if isinstance(text, str) else text
        except ValueError:
            record = None
        problems = validate_evidence(
            record, bucket_object=drill.get("bucketObject"), expected_bucket=str(prop(bucket, "bucket", "")),
            rto_minutes=float(databases[0][1].rto_minutes), postgres_major=int(facts.postgres_major), now=now,
            max_age_days=MAX_AGE_DAYS.of(args))
        for problem in problems:
            report(f"The restore drill's evidence does not prove a recent drill within the RTO: {problem}.",
                   publisher.urn)


_RESILIENCE = rbi_cyber_resilience("Backups are taken, kept off-site and tested by restoration, so that services "
                                   "can be recovered within the recovery time objective.")

POLICIES = [
    stack_policy(
        "backup-offsite-storage",
        "Off-site copies must be kept in India, under a COMPLIANCE object lock, KMS-encrypted, private and TLS-only.",
        validate=_offsite_storage, severity=Severity.CRITICAL, framework=rbi_localisation(),
        config=[REQUIRED, REGIONS, MIN_LOCK_DAYS],
        remediation="Declare components.offsite_backups.OffsiteBackups (lightspeedpay:backups) with a bucket in "
                    "ap-south-1 or ap-south-2: object lock at creation, versioning, COMPLIANCE default retention of "
                    "at least minLockDays, SSE-KMS with a rotated customer key, all four public-access blocks, a "
                    "policy denying aws:SecureTransport false, and a lifecycle to Glacier Instant Retrieval.",
        tags=["backups", "disaster-recovery", "data-localisation"]),
    stack_policy(
        "backup-jobs",
        "The backup job (daily in production) and the weekly restore drill must run in India, write-only, monitored.",
        validate=_jobs, severity=Severity.HIGH, framework=_RESILIENCE,
        config=[REQUIRED, REGIONS, *backup_runs.SETTINGS],
        remediation="Keep lightspeedpay:backups.backupSchedule at least daily and drillSchedule weekly (a rate or cron "
                    "the schedule can bound); keep the backup task's role limited to s3:PutObject/PutObjectRetention "
                    "and kms:GenerateDataKey; give each task its Checkly heartbeat's ping URL with the monitor "
                    "subscribed to the stack's alert channels and a short grace (components/backup_jobs.py); feed "
                    "the database's network restrictions from the backup network's Elastic IP (components/stack.py).",
        tags=["backups", "disaster-recovery", "monitoring"]),
    stack_policy(
        "backup-drill-evidenced",
        "The last restore drill must have passed within the RTO, recently, on a real locked copy in the bucket.",
        validate=_drill_evidenced, severity=Severity.HIGH, framework=_RESILIENCE,
        config=[REQUIRED, MAX_AGE_DAYS],
        remediation="Run the drill (the weekly schedule, or `aws ecs run-task` of the drill task) and fix what it "
                    "reports; the program reads drills/latest.json from the bucket at every plan (docs/backups.md).",
        tags=["backups", "disaster-recovery", "rto"]),
]
