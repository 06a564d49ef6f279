"""The backup and log-store policies through the real analyzer: each passes the stack as planned and refuses the
careless edits that would weaken it (production's config; staging's smaller settings where they differ)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from lightspeedpay_policies.backup_evidence import evidence_digest
from ops.analysis import Violation
from ops.resources import PlannedResource
from tests.harness import analyze, of_policy, resources
from tests.test_backup_evidence import facts as bucket_facts
from tests.test_backup_evidence import record

Edit = Callable[[list[PlannedResource]], object]
S3 = "aws:s3/"
SCHEDULE = "aws:scheduler/schedule:Schedule"
HEARTBEAT = "checkly:index/heartbeatMonitor:HeartbeatMonitor"
BACKUPS = "lightspeedpay:backups:OffsiteBackups"


def run(policy: str, edit: Edit | None = None, stack: str = "production") -> list[Violation]:
    items = resources(stack)
    if edit is not None:
        edit(items)
    return [v for v in of_policy(analyze(stack, items, only=policy), policy) if not v.not_verified]


def change(type_: str, name_part: str, edit: Callable[[dict[str, Any]], object]) -> Edit:
    """Edit the inputs and outputs of every resource of ``type_`` whose name holds ``name_part``."""
    def apply(items: list[PlannedResource]) -> None:
        hits = [r for r in items if r.type.startswith(type_) and name_part in r.name]
        assert hits, (type_, name_part)
        for resource in hits:
            edit(resource.inputs)
            edit(resource.outputs)
    return apply


def both(*edits: Edit) -> Edit:
    def apply(items: list[PlannedResource]) -> None:
        for edit in edits:
            edit(items)
    return apply


def drop(type_: str, name_part: str = "") -> Edit:
    def apply(items: list[PlannedResource]) -> None:
        before = len(items)
        items[:] = [r for r in items if not (r.type == type_ and name_part in r.name)]
        assert len(items) < before
    return apply


def cut_dependency(type_: str, name_part: str, prop: str, dependency_type: str) -> Edit:
    """The property no longer comes from a resource of ``dependency_type`` (typed into the program instead)."""
    def apply(items: list[PlannedResource]) -> None:
        types = {r.urn: r.type for r in items}
        for resource in items:
            if resource.type == type_ and name_part in resource.name:
                resource.property_dependencies = {**resource.property_dependencies, prop: [
                    u for u in resource.property_dependencies.get(prop, []) if types.get(u) != dependency_type]}
    return apply


def policy_document(name_part: str, edit: Callable[[dict[str, Any]], None]) -> Edit:
    def apply(props: dict[str, Any]) -> None:
        document = json.loads(props["policy"])
        edit(document)
        props["policy"] = json.dumps(document)
    return change("aws:iam/rolePolicy:RolePolicy", name_part, apply)


def containers(name_part: str, edit: Callable[[dict[str, Any]], None]) -> Edit:
    def apply(props: dict[str, Any]) -> None:
        [container] = json.loads(props["containerDefinitions"])
        edit(container)
        props["containerDefinitions"] = json.dumps([container])
    return change("aws:ecs/taskDefinition:TaskDefinition", name_part, apply)


def drill(value: dict[str, Any]) -> Edit:
    def apply(items: list[PlannedResource]) -> None:
        [component] = [r for r in items if r.type == BACKUPS]
        component.outputs = {**component.outputs, "facts": {**component.outputs["facts"], "drill": value}}
    return apply


CASES: list[tuple[str, str, Edit, str]] = [
    # The off-site copy.
    ("backup-offsite-storage", "bucket moved abroad", change(f"{S3}bucket:Bucket", "", lambda p: p.update(
        region="us-east-1")), "us-east-1"),
    ("backup-offsite-storage", "object lock off", change(f"{S3}bucket:Bucket", "", lambda p: p.update(
        objectLockEnabled=False)), "Object lock is not enabled"),
    ("backup-offsite-storage", "GOVERNANCE mode", change(f"{S3}bucketObjectLockConfiguration", "", lambda p: p[
        "rule"]["defaultRetention"].update(mode="GOVERNANCE")), "GOVERNANCE"),
    ("backup-offsite-storage", "lock shortened", change(f"{S3}bucketObjectLockConfiguration", "", lambda p: p[
        "rule"]["defaultRetention"].update(days=7)), "locks copies 7 days; at least 35"),
    ("backup-offsite-storage", "lock configuration deleted", drop(
        f"{S3}bucketObjectLockConfiguration:BucketObjectLockConfiguration"), "no object lock configuration"),
    ("backup-offsite-storage", "versioning suspended", change(f"{S3}bucketVersioning", "", lambda p: p.update(
        versioningConfiguration={"status": "Suspended"})), "not Enabled"),
    ("backup-offsite-storage", "AES256 instead of the key", change(f"{S3}bucketServerSideEncryption", "", lambda p: p[
        "rules"][0]["applyServerSideEncryptionByDefault"].update(sseAlgorithm="AES256")), "not encrypted with a KMS"),
    ("backup-offsite-storage", "an AWS-managed key", cut_dependency(
        f"{S3}bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "", "rules",
        "aws:kms/key:Key"), "not a customer-managed key"),
    ("backup-offsite-storage", "key rotation off", change("aws:kms/key:Key", "aws-key", lambda p: p.update(
        enableKeyRotation=False)), "Rotation is off"),
    ("backup-offsite-storage", "public policies allowed", change(f"{S3}bucketPublicAccessBlock", "", lambda p: p.update(
        blockPublicPolicy=False)), "blockPublicPolicy off"),
    ("backup-offsite-storage", "TLS statement removed", change(f"{S3}bucketPolicy", "", lambda p: p.update(
        policy=json.dumps({"Version": "2012-10-17", "Statement": [
            s for s in json.loads(p["policy"])["Statement"] if s["Sid"] != "TlsOnly"]}))), "without TLS"),
    ("backup-offsite-storage", "lifecycle deleted", drop(f"{S3}bucketLifecycleConfiguration:"
                                                          "BucketLifecycleConfiguration"), "no lifecycle"),
    ("backup-offsite-storage", "the component deleted", drop(BACKUPS), "declares no off-site backup"),
    # The backup job.
    ("backup-jobs", "weekly in production", change(SCHEDULE, "backup-schedule", lambda p: p.update(
        scheduleExpression="cron(0 2 ? * SUN *)")), "every 168 hours; at least every 24"),
    ("backup-jobs", "schedule disabled", change(SCHEDULE, "backup-schedule", lambda p: p.update(
        state="DISABLED")), "No enabled schedule runs the backup job"),
    ("backup-jobs", "the writer may read", policy_document("jobs-writer", lambda d: d["Statement"][0][
        "Action"].append("s3:GetObject")), "may also ['s3:GetObject']"),
    ("backup-jobs", "the writer may delete", policy_document("jobs-writer", lambda d: d["Statement"].append(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"})), "may also ['s3:*']"),
    ("backup-jobs", "stores copies abroad", containers("jobs-backup", lambda c: c["environment"].append(
        {"name": "AWS_REGION", "value": "eu-west-1"})), "outside India"),
    ("backup-jobs", "another command", containers("jobs-backup", lambda c: c.update(name="job")),
     "no container named 'backup'"),
    ("backup-jobs", "egress typed instead of taken from the EIP", cut_dependency(
        "pulumi-python:dynamic/supabase:NetworkRestrictions", "", "allowed_cidrs", "aws:ec2/eip:Eip"),
     "do not take the backup job's egress address"),
    # The drill.
    ("backup-jobs", "fortnightly", change(SCHEDULE, "drill-schedule", lambda p: p.update(
        scheduleExpression="rate(14 days)")), "every 336 hours"),
    ("backup-jobs", "evidence kept local", containers("jobs-drill", lambda c: c["command"].remove(
        "--upload-evidence")), "no evidence would reach the bucket"),
    ("backup-jobs", "drill task deleted", drop("aws:ecs/taskDefinition:TaskDefinition", "jobs-drill"),
     "restore-drill task definition the off-site backup names is not declared"),
    # Monitoring.
    ("backup-jobs", "heartbeat off", change(HEARTBEAT, "backup-heartbeat", lambda p: p.update(
        activated=False)), "not active"),
    ("backup-jobs", "alerts nobody", change(HEARTBEAT, "drill-heartbeat", lambda p: [
        s.update(activated=False) for s in p["alertChannelSubscriptions"]]), "alerts no channel"),
    ("backup-jobs", "expects a weekly ping of a daily job", change(HEARTBEAT, "backup-heartbeat", lambda p: p[
        "heartbeat"].update(period=7)), "every 168 hours, but the job runs every 24"),
    ("backup-jobs", "a day's grace", change(HEARTBEAT, "backup-heartbeat", lambda p: p["heartbeat"].update(
        grace=24)), "waits 24 hours"),
    ("backup-jobs", "ping URL typed", cut_dependency("aws:ecs/taskDefinition:TaskDefinition", "jobs-backup",
                                                    "containerDefinitions", HEARTBEAT), "pings no heartbeat monitor"),
    # The evidence.
    ("backup-drill-evidenced", "no drill on record", drill({"status": "missing", "reason": "no latest.json",
                                                            "evidence": None, "bucketObject": None}),
     "No restore drill is on record"),
]


@pytest.mark.parametrize(("policy", "label", "edit", "message"), CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_production_refuses_the_careless_edit(policy: str, label: str, edit: Edit, message: str) -> None:
    found = run(policy, edit)
    assert found and all(v.mandatory for v in found), label
    assert any(message in v.message for v in found), [v.message for v in found]


@pytest.mark.parametrize("policy", sorted({c[0] for c in CASES} | {"log-retention"}))
@pytest.mark.parametrize("stack", ["production", "staging"])
def test_the_stacks_as_planned_pass(policy: str, stack: str) -> None:
    assert run(policy, stack=stack) == []


def test_staging_is_smaller_by_its_policy_config() -> None:
    weekly = change(SCHEDULE, "backup-schedule", lambda p: p.update(scheduleExpression="rate(8 days)"))
    assert run("backup-jobs", weekly, "staging")  # weekly is staging's bound, eight days is not
    short = change(f"{S3}bucketObjectLockConfiguration", "", lambda p: p["rule"]["defaultRetention"].update(days=3))
    assert run("backup-offsite-storage", short, "staging")


def evidence(edit: Callable[[dict[str, Any]], None] = lambda r: None, reported: dict[str, Any] | None = None,
             stack: str = "production") -> dict[str, Any]:
    """A drill's record as the bucket would hold it: finished an hour ago, on this stack's bucket."""
    body = record()
    finished = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    body.update(stack=stack, started_at=(finished - dt.timedelta(minutes=41)).isoformat(),
                finished_at=finished.isoformat())
    body["object"].update(bucket=f"lightspeedpay-{stack}-backups",
                          retain_until=(finished + dt.timedelta(days=30)).isoformat())
    edit(body)
    body["digest"] = evidence_digest(body)
    text = json.dumps(body, indent=2)
    return {"status": "found", "reason": "read from the bucket", "evidence": text,
            "bucketObject": bucket_facts(body) if reported is None else reported}


def test_a_fresh_drill_linked_to_its_copy_passes_and_a_changed_one_does_not() -> None:
    assert run("backup-drill-evidenced", drill(evidence())) == []
    stale = evidence(lambda r: r.update(finished_at="2026-01-02T00:41:00+00:00",
                                        started_at="2026-01-02T00:00:00+00:00"))
    slow = evidence(lambda r: r["timing"].update(total_seconds=2 * 3600))
    failed = evidence(lambda r: r.update(result="failed", failure={"stage": "verify", "message": "rows differ"}))
    unlinked = evidence(reported={**bucket_facts(record()), "checksum_sha256": "AAAA"})
    gone = {**evidence(), "bucketObject": None}
    edited = evidence()
    edited["evidence"] = edited["evidence"].replace('"passed"', '"passed" ', 1).replace('2400.0', '60.0')
    for label, case, words in (("stale", stale, "days ago"), ("slower than the RTO", slow, "60-minute RTO"),
                               ("failed", failed, "did not pass"), ("another object", unlinked, "the bucket reports"),
                               ("no such version", gone, "cannot be linked"), ("edited", edited, "digest")):
        found = run("backup-drill-evidenced", drill(case))
        assert found and all(v.mandatory for v in found) and any(words in v.message for v in found), label


def test_an_unreadable_bucket_is_not_verified_never_passed() -> None:
    items = resources("production")
    violations = of_policy(analyze("production", items, only="backup-drill-evidenced"), "backup-drill-evidenced")
    assert [v.not_verified for v in violations] == [True]  # offline: the plan cannot read the bucket
    assert "could not be read" in violations[0].message


def test_staging_reports_its_drill_as_advice() -> None:
    missing = drill({"status": "missing", "reason": "none", "evidence": None, "bucketObject": None})
    found = run("backup-drill-evidenced", missing, "staging")
    assert found and not any(v.mandatory for v in found)
    assert run("backup-drill-evidenced", drill(evidence(stack="staging")), "staging") == []


# --- the log store --------------------------------------------------------------------------------------------

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


@pytest.mark.parametrize(("label", "edit", "message"), [
    ("a month's retention", change(LOG_GROUP, "log-store", lambda p: p.update(retentionInDays=30)), "30 days"),
    ("kept under a year", change(LOG_GROUP, "log-store", lambda p: p.update(retentionInDays=365)),
     "365 days; at least 366"),
    ("moved abroad", change(LOG_GROUP, "log-store", lambda p: p.update(region="eu-west-1")), "eu-west-1"),
    ("unencrypted", both(change(LOG_GROUP, "log-store", lambda p: p.pop("kmsKeyId")),
                         cut_dependency(LOG_GROUP, "log-store", "kmsKeyId", "aws:kms/key:Key")), "not encrypted"),
    ("the group deleted", drop(LOG_GROUP, "log-store"), "nothing keeps the shipped logs"),
    ("the store deleted", drop("lightspeedpay:observability:LogStore"), "no log store keeps"),
    ("the drain's secret not the one checked", cut_dependency("vercel:index/logDrain:LogDrain", "", "secret",
                                                              "random:index/randomPassword:RandomPassword"),
     "signs with a secret the ingest does not check"),
])
def test_the_log_store_refuses_short_foreign_or_missing_retention(label: str, edit: Edit, message: str) -> None:
    found = run("log-retention", edit)
    assert found and all(v.mandatory for v in found) and any(message in v.message for v in found), label


def test_staging_keeps_the_same_retention_and_the_cert_in_floor_still_holds() -> None:
    assert run("log-retention", change(LOG_GROUP, "log-store", lambda p: p.update(retentionInDays=150)), "staging")


def test_the_drain_must_ship_to_the_stacks_own_ingest() -> None:
    typed = cut_dependency("vercel:index/logDrain:LogDrain", "", "endpoint", "aws:lambda/functionUrl:FunctionUrl")
    found = run("vercel-logs-shipped", typed)
    assert found and "not the stack's log store" in found[0].message
    assert run("vercel-logs-shipped") == []


def test_findings_for_what_cannot_reach_the_store() -> None:
    findings = run("logs-outside-the-store")
    assert all(v.enforcement == "advisory" for v in findings)
    [audit] = [v for v in findings if "audit log" in v.message]
    assert "the team's plan is 'pro', and audit-log drains need Enterprise" in audit.message
    railway = sorted(v.urn.rsplit("::", 1)[-1] for v in findings if "Railway" in v.message)
    assert railway == ["lightspeedpay-jobs-autoscaler", "lightspeedpay-jobs-redis"]
    assert all("30 days" in v.message for v in findings if "Railway" in v.message)

    def with_audit_drain(items: list[PlannedResource]) -> None:
        [url] = [r for r in items if r.type == "aws:lambda/functionUrl:FunctionUrl"]
        drain = copy.deepcopy(url)
        drain.type, drain.name = "vercel:index/auditLogDrain:AuditLogDrain", "audit"
        drain.urn = url.urn.replace("aws:lambda/functionUrl:FunctionUrl", drain.type).replace(url.name, "audit")
        drain.property_dependencies = {"http": [url.urn]}
        items.append(drain)

    shipping = change("pulumi-python:dynamic/railway:Variables", "autoscaler-variables",
                      lambda p: p["variables"].update(OTEL_EXPORTER_OTLP_ENDPOINT="https://ingest"))
    left = run("logs-outside-the-store", both(with_audit_drain, shipping))
    assert [v.urn.rsplit("::", 1)[-1] for v in left] == ["lightspeedpay-jobs-redis"]


def test_only_a_scheduled_jobs_heartbeat_follows_its_schedule_rather_than_the_services_silence_limit() -> None:
    untagged = change("checkly:index/heartbeatMonitor:HeartbeatMonitor", "backup-heartbeat",
                      lambda p: p.update(tags=[t for t in p["tags"] if t != "scheduled-job"]))
    found = run("heartbeat-alerting", untagged)
    assert found and all(v.mandatory for v in found) and "1560 minutes" in found[0].message
    assert run("heartbeat-alerting") == []
