"""The AWS account in India under Pulumi's mocks: the off-site backups, their jobs and release access, the backup
network, the log store, and the stack config that drives them (refused early when wrong)."""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from components import aws_documents as documents
from components.backup_jobs import heartbeat_period
from config.vocabulary import facts, thresholds
from ops import plan as plan_cli
from ops.resources import PlannedResource, is_secret
from tests.harness import REPO, plan
from tests.test_config import _edited, _set

S3 = "aws:s3/"


def of(stack: str, type_: str, name_part: str = "") -> list[PlannedResource]:
    return [r for r in plan(stack).resources if r.type == type_ and name_part in r.name]


def one(stack: str, type_: str, name_part: str = "") -> PlannedResource:
    [found] = of(stack, type_, name_part)
    return found


def unwrap(value: Any) -> Any:
    return value["value"] if is_secret(value) else value


def by_urn(stack: str) -> dict[str, PlannedResource]:
    return {r.urn: r for r in plan(stack).resources}


def test_one_explicit_provider_for_the_stacks_own_account_in_india() -> None:
    assert "aws" in yaml.safe_load((REPO / "Pulumi.yaml").read_text())["config"][
        "pulumi:disable-default-providers"]["value"]
    for stack, account in (("production", "000000000000"), ("staging", "000000000001")):
        [provider] = of(stack, "pulumi:providers:aws")
        inputs = provider.inputs
        assert json.loads(inputs["allowedAccountIds"]) == [account] and inputs["region"] == "ap-south-2"
        assert all(is_secret(inputs[key]) for key in ("accessKey", "secretKey", "token"))
        assert inputs["skipMetadataApiCheck"] == "true"  # never the instance's credentials
        aws_resources = [r for r in plan(stack).resources if r.type.startswith("aws:")]
        assert aws_resources and all(r.provider.startswith(provider.urn) for r in aws_resources)


def test_the_bucket_is_locked_encrypted_private_tls_only_and_tiered() -> None:
    bucket = one("production", f"{S3}bucket:Bucket")
    assert bucket.inputs["bucket"] == "lightspeedpay-production-backups" and bucket.inputs["region"] == "ap-south-2"
    assert bucket.inputs["objectLockEnabled"] is True and bucket.inputs["forceDestroy"] is False and bucket.protect
    companions = {r.type.split(":")[-1]: r for r in plan("production").resources
                  if r.type.startswith(S3) and bucket.urn in r.property_dependencies.get("bucket", [])}
    assert set(companions) == {"BucketVersioning", "BucketObjectLockConfiguration", "BucketPublicAccessBlock",
                               "BucketServerSideEncryptionConfiguration", "BucketPolicy",
                               "BucketLifecycleConfiguration"}
    assert companions["BucketObjectLockConfiguration"].inputs["rule"] == {
        "defaultRetention": {"mode": "COMPLIANCE", "days": 35}}
    [rule] = companions["BucketServerSideEncryptionConfiguration"].inputs["rules"]
    key = one("production", "aws:kms/key:Key")
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms" and rule["bucketKeyEnabled"]
    assert key.urn in companions["BucketServerSideEncryptionConfiguration"].property_dependencies["rules"]
    assert key.inputs["enableKeyRotation"] is True and key.protect
    assert all(companions["BucketPublicAccessBlock"].inputs[k] is True for k in
               ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    statements = {s["Sid"]: s for s in json.loads(companions["BucketPolicy"].inputs["policy"])["Statement"]}
    assert statements["TlsOnly"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statements["LockedWritesOnly"]["Condition"] == {"StringNotEquals": {"s3:object-lock-mode": "COMPLIANCE"}}
    endpoint = one("production", "aws:ec2/vpcEndpoint:VpcEndpoint")
    assert statements["WritesFromTheBackupNetworkOnly"]["Condition"]["StringNotEquals"]["aws:SourceVpce"] == \
        f"offline-{endpoint.name}"
    copies, evidence = companions["BucketLifecycleConfiguration"].inputs["rules"]
    assert copies["transitions"] == [{"days": 35, "storageClass": "GLACIER_IR"}]
    assert copies["expiration"] == {"days": 365} and evidence["filter"] == {"prefix": "drills/"}


def test_the_tasks_run_in_india_from_the_pinned_image_with_secrets_injected() -> None:
    resources = by_urn("production")
    backup = one("production", "aws:ecs/taskDefinition:TaskDefinition", "jobs-backup")
    [container] = json.loads(backup.inputs["containerDefinitions"])
    assert container["name"] == "backup" and container["essential"] is True  # docs/release.md reads its exit code
    assert container["command"] == ["python", "-m", "services.backup"]
    assert container["image"].endswith("/lightspeedpay-backup@sha256:" + "0" * 64)
    environment = {e["name"]: e["value"] for e in container["environment"]}
    heartbeat = one("production", "checkly:index/heartbeatMonitor:HeartbeatMonitor", "backup-heartbeat")
    assert environment == {"AWS_REGION": "ap-south-2", "BACKUP_BUCKET": "lightspeedpay-production-backups",
                           "BACKUP_PREFIX": "postgres/", "BACKUP_RETENTION_DAYS": "35",
                           "BACKUP_AGE_RECIPIENTS": "age1" + "q" * 52 + "5cu47z",
                           "BACKUP_HEARTBEAT_URL": "https://ping.checklyhq.com/"
                                                   + heartbeat.outputs["heartbeat"]["pingToken"]}
    assert heartbeat.urn in backup.property_dependencies["containerDefinitions"]
    [(name, value_from)] = [(s["name"], s["valueFrom"]) for s in container["secrets"]]
    assert name == "BACKUP_DATABASE_URL" and value_from.startswith("arn:aws:secretsmanager:ap-south-2:")
    assert container["logConfiguration"]["options"]["awslogs-region"] == "ap-south-2"
    writer = resources[backup.property_dependencies["taskRoleArn"][0]]
    assert writer.inputs["name"] == "lightspeedpay-backup-writer"
    assert backup.inputs["requiresCompatibilities"] == ["FARGATE"] and backup.inputs["networkMode"] == "awsvpc"

    drill = one("production", "aws:ecs/taskDefinition:TaskDefinition", "jobs-drill")
    [container] = json.loads(drill.inputs["containerDefinitions"])
    assert container["command"] == ["python", "-m", "ops.restore_drill", "--stack", "production", "--upload-evidence",
                                    "--evidence", "/tmp/restore-drill-evidence.json"]
    assert {s["name"] for s in container["secrets"]} == {"BACKUP_AGE_IDENTITY"}
    assert "DRILL_HEARTBEAT_URL" in {e["name"] for e in container["environment"]}
    # The drill's identity is a secret a person fills: Pulumi holds no version of it.
    identity = one("production", "aws:secretsmanager/secret:Secret", "drill-age-identity")
    assert not [v for v in of("production", "aws:secretsmanager/secretVersion:SecretVersion")
                if identity.urn in v.property_dependencies.get("secretId", [])]
    database_url = one("production", "aws:secretsmanager/secretVersion:SecretVersion", "database-url")
    assert is_secret(database_url.inputs["secretString"])
    # The database's least-privilege backup role, through Supavisor's session mode (pg_dump shares a snapshot).
    dsn = urllib.parse.urlsplit(str(unwrap(database_url.inputs["secretString"])))
    assert dsn.username is not None and dsn.username.startswith("lightspeedpay_backup.") and dsn.port == 5432


@pytest.mark.parametrize(("stack", "backup_expression", "period"), [
    ("production", "cron(0 2 * * ? *)", (1, "days")), ("staging", "cron(0 2 ? * SUN *)", (7, "days"))])
def test_schedules_and_heartbeats(stack: str, backup_expression: str, period: tuple[int, str]) -> None:
    resources = by_urn(stack)
    schedules = {r.inputs["name"].rsplit("-", 1)[-1]: r for r in of(stack, "aws:scheduler/schedule:Schedule")}
    assert schedules["backup"].inputs["scheduleExpression"] == backup_expression
    assert schedules["drill"].inputs["scheduleExpression"] == "cron(0 4 ? * MON *)"
    for job, schedule in schedules.items():
        inputs = schedule.inputs
        assert inputs["state"] == "ENABLED" and inputs["scheduleExpressionTimezone"] == "Asia/Kolkata"
        ecs = inputs["target"]["ecsParameters"]
        assert ecs["launchType"] == "FARGATE" and ecs["networkConfiguration"]["assignPublicIp"] is False
        [task] = [resources[u] for u in schedule.property_dependencies["target"]
                  if resources[u].type == "aws:ecs/taskDefinition:TaskDefinition"]
        assert task.name.endswith(f"jobs-{job}")
    channels = {r.urn for r in plan(stack).resources if r.type == "checkly:index/alertChannel:AlertChannel"}
    for job, (amount, unit) in (("backup", period), ("drill", (7, "days"))):
        monitor = one(stack, "checkly:index/heartbeatMonitor:HeartbeatMonitor", f"{job}-heartbeat")
        beat = monitor.inputs["heartbeat"]
        assert (beat["period"], beat["periodUnit"], beat["graceUnit"]) == (amount, unit, "hours")
        assert monitor.inputs["activated"] is True and len(monitor.inputs["alertChannelSubscriptions"]) == len(channels)
        # every channel of the stack, the on-call service's PagerDuty channel among them: a missed backup pages
        assert set(monitor.property_dependencies["alertChannelSubscriptions"]) == channels
        task = one(stack, "aws:ecs/taskDefinition:TaskDefinition", f"jobs-{job}")
        assert monitor.urn in task.property_dependencies["containerDefinitions"]


def test_the_release_role_and_the_variables_the_release_reads() -> None:
    role = one("production", "aws:iam/role:Role", "release-role")
    [trust] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Condition"]["StringEquals"] == {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:lightspeedpay/platform:environment:production"}
    assert trust["Condition"]["StringLike"] == {"token.actions.githubusercontent.com:job_workflow_ref":
                                                "lightspeedpay/infrastructure/.github/workflows/release.yml@*"}
    policy = json.loads(one("production", "aws:iam/rolePolicy:RolePolicy", "release-role").inputs["policy"])
    actions = sorted(a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str)
                                                              else s["Action"]))
    assert actions == ["ecs:DescribeTasks", "ecs:RunTask", "iam:PassRole"]  # no S3, no secrets
    passed = next(s for s in policy["Statement"] if s["Action"] == "iam:PassRole")["Resource"]
    assert sorted(r.rsplit("/", 1)[-1] for r in passed) == ["lightspeedpay-backup-execution",
                                                           "lightspeedpay-backup-writer"]
    variables = {r.inputs["variableName"]: r for r in
                 of("production", "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")}
    assert set(variables) == {"BACKUP_RELEASE_ROLE_ARN", "BACKUP_AWS_REGION", "BACKUP_ECS_CLUSTER",
                              "BACKUP_TASK_DEFINITION", "BACKUP_SUBNETS", "BACKUP_SECURITY_GROUPS"}
    assert {(v.inputs["repository"], v.inputs["environment"]) for v in variables.values()} == {
        ("platform", "production")}
    assert variables["BACKUP_AWS_REGION"].inputs["value"] == "ap-south-2"
    assert role.urn in variables["BACKUP_RELEASE_ROLE_ARN"].property_dependencies["value"]
    # Staging holds no GitHub token: its release variables are stack outputs, set by hand (docs/backups.md).
    assert of("staging", "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable") == []
    assert set(plan("staging").outputs["backupReleaseVariables"]) == set(variables)


def test_the_backup_network_has_one_fixed_way_out_the_database_admits() -> None:
    eip = one("production", "aws:ec2/eip:Eip")
    assert eip.protect and eip.inputs["domain"] == "vpc"
    nat = one("production", "aws:ec2/natGateway:NatGateway")
    assert eip.urn in nat.property_dependencies["allocationId"]
    group = one("production", "aws:ec2/securityGroup:SecurityGroup")
    assert group.inputs["ingress"] == [] and {e["fromPort"] for e in group.inputs["egress"]} == {443, 5432, 6543}
    network = one("production", "pulumi-python:dynamic/supabase:NetworkRestrictions")
    assert eip.urn in network.property_dependencies["allowed_cidrs"]
    assert f"{eip.outputs['publicIp']}/32" in network.inputs["allowed_cidrs"]
    assert plan("production").outputs["backupEgressIp"] == eip.outputs["publicIp"]


def test_the_log_store_keeps_logs_in_india_for_the_one_threshold() -> None:
    group = one("production", "aws:cloudwatch/logGroup:LogGroup", "log-store")
    assert thresholds.cloudwatch_retention_days(thresholds.LOG_RETENTION_DAYS) == 400
    assert group.inputs["retentionInDays"] == 400 and group.inputs["region"] == "ap-south-2"
    assert one("production", "aws:kms/key:Key").urn in group.property_dependencies["kmsKeyId"]  # the account's one key
    function = one("production", "aws:lambda/function:Function")
    variables = function.inputs["environment"]["value"]["variables"] if is_secret(function.inputs["environment"]) \
        else function.inputs["environment"]["variables"]
    token = next(r for r in plan("production").resources if r.name.endswith("log-store-otlp-token"))
    assert unwrap(variables["INGEST_TOKEN_SHA256"]) == hashlib.sha256(
        token.outputs["result"]["value"].encode()).hexdigest()  # the function never holds the token itself
    assert variables["VERCEL_VERIFY"] == "offline-vercel-verification-code"
    assert function.inputs["loggingConfig"]["logGroup"] == group.inputs["name"]
    assert function.inputs["handler"] == "handler.handler" and function.inputs["runtime"] == "python3.12"
    # The code's path is relative to the project root, where the CLI runs the program: the same on every machine.
    code_path = function.inputs["code"]["path"]
    assert not Path(code_path).is_absolute() and (REPO / code_path / "handler.py").is_file()
    url = one("production", "aws:lambda/functionUrl:FunctionUrl")
    assert url.inputs["authorizationType"] == "NONE"  # Vercel cannot sign AWS requests: the function checks HMAC
    permissions = {r.inputs["action"]: r.inputs for r in of("production", "aws:lambda/permission:Permission")}
    assert permissions["lambda:InvokeFunctionUrl"]["functionUrlAuthType"] == "NONE"
    assert permissions["lambda:InvokeFunction"]["invokedViaFunctionUrl"] is True
    # The backup tasks write to the log store too: one place, one retention.
    backup = one("production", "aws:ecs/taskDefinition:TaskDefinition", "jobs-backup")
    [container] = json.loads(backup.inputs["containerDefinitions"])
    assert container["logConfiguration"]["options"]["awslogs-group"] == group.inputs["name"]


def test_an_enterprise_team_drains_its_audit_log_into_the_store(tmp_path: Path) -> None:
    from ops.offline import run_program

    run = run_program("production", _edited(tmp_path, _set("logStore.vercelPlan", "enterprise")))
    [drain] = [r for r in run.resources if r.type == "vercel:index/auditLogDrain:AuditLogDrain"]
    [url] = [r for r in run.resources if r.type == "aws:lambda/functionUrl:FunctionUrl"]
    assert drain.inputs["http"]["endpoint"].endswith("/vercel-audit") and url.urn in drain.property_dependencies["http"]


# --- the evidence the program reads from the bucket ----------------------------------------------------------

class EvidenceMocks(pulumi.runtime.Mocks):
    """A bucket answering the program's two reads: the listing and the objects."""

    def __init__(self, objects: dict[str, dict[str, Any]] | None, readable: bool = True) -> None:
        self.objects, self.readable = objects or {}, readable

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if not self.readable:
            return {}, [("bucket", "AccessDenied: not authorised")]
        if args.token == "aws:s3/getObjects:getObjects":
            return {"keys": [k for k in self.objects if k.startswith(args.args["prefix"])]}, []
        found = self.objects.get(f"{args.args['key']}@{args.args.get('versionId', '')}") or \
            self.objects.get(args.args["key"])
        if found is None:
            return {}, [("key", "NoSuchVersion")]
        return found, []


def lookup(mocks: EvidenceMocks) -> dict[str, Any]:
    from pulumi_aws import Provider

    from components.offsite_backups import lookup_drill_evidence
    from ops.offline import RecordingMonitor

    pulumi.runtime.set_mocks(mocks, project="lightspeedpay", stack="production", preview=True,
                             monitor=RecordingMonitor(mocks))
    return lookup_drill_evidence("lsp-prod-backups", "ap-south-2", Provider("aws", region="ap-south-2"))


def test_the_evidence_and_the_object_it_names_are_read_from_the_bucket() -> None:
    from tests.test_backup_evidence import facts as bucket_facts
    from tests.test_backup_evidence import record

    text = json.dumps(record(), indent=2)
    reported = bucket_facts(record())
    head = {"key": reported["key"], "versionId": reported["version_id"], "checksumSha256": reported["checksum_sha256"],
            "contentLength": reported["size"], "objectLockMode": "COMPLIANCE",
            "objectLockRetainUntilDate": reported["retain_until"]}
    found = lookup(EvidenceMocks({"drills/latest.json": {"body": text},
                                  f"{reported['key']}@{reported['version_id']}": head}))
    assert found["status"] == facts.DRILL_FOUND and found["evidence"] == text  # the text itself: its digest holds
    assert found["bucketObject"] == reported

    missing_version = lookup(EvidenceMocks({"drills/latest.json": {"body": text}}))
    assert missing_version["status"] == facts.DRILL_FOUND and missing_version["bucketObject"] is None
    assert "NoSuchVersion" in missing_version["reason"]
    none = lookup(EvidenceMocks({}))
    assert none["status"] == facts.DRILL_MISSING and none["evidence"] is None
    unreadable = lookup(EvidenceMocks(None, readable=False))
    assert unreadable["status"] == facts.DRILL_UNREADABLE and "AccessDenied" in unreadable["reason"]
    garbage = lookup(EvidenceMocks({"drills/latest.json": {"body": "{not json"}}))
    assert garbage["status"] == facts.DRILL_FOUND and garbage["evidence"] == "{not json"


# --- pure pieces -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("expression", "hours"), [
    ("cron(0 2 * * ? *)", 24), ("cron(30 */6 * * ? *)", 6), ("cron(0 2,14 * * ? *)", 12),
    ("cron(0 2 ? * SUN *)", 168), ("cron(0 2,14 ? * MON *)", 156), ("rate(12 hours)", 12), ("rate(1 day)", 24),
    ("cron(0 2 1 * ? *)", None), ("cron(0 2 * 1 ? *)", None), ("at(2026-12-01T02:00:00)", None), ("rate(0 days)", None),
    ("cron(*/5 2 * * ? *)", None),
])
def test_schedule_periods(expression: str, hours: float | None) -> None:
    assert thresholds.schedule_max_interval_hours(expression) == hours


def test_heartbeat_period_follows_the_schedule() -> None:
    assert heartbeat_period("cron(0 2 * * ? *)") == (1, "days")
    assert heartbeat_period("rate(6 hours)") == (6, "hours")
    with pytest.raises(ValueError, match="no period"):
        heartbeat_period("rate(10 minutes)")


def test_the_writer_may_only_put_new_locked_versions() -> None:
    document = json.loads(documents.writer_policy("arn:aws:s3:::b", "arn:aws:kms:ap-south-2:1:key/k"))
    allowed = [a for s in document["Statement"] if s["Effect"] == "Allow" for a in s["Action"]]
    assert sorted(allowed) == sorted(thresholds.BACKUP_WRITER_ACTIONS)
    [deny] = [s for s in document["Statement"] if s["Effect"] == "Deny"]
    assert {"s3:DeleteObject*", "s3:GetObject*", "s3:PutBucket*", "s3:BypassGovernanceRetention"} <= set(deny["Action"])


def test_cloudwatch_retention_is_the_smallest_allowed_value_that_reaches_the_threshold() -> None:
    assert [thresholds.cloudwatch_retention_days(d) for d in (1, 180, 181, 365, 366)] == [1, 180, 365, 365, 400]
    with pytest.raises(ValueError):
        thresholds.cloudwatch_retention_days(4000)


# --- config refused before anything is declared -------------------------------------------------------------------

CASES = [
    ("AWS outside India", _set("aws.region", "eu-west-1"), ["lightspeedpay:aws.region", "in India"]),
    ("a zone of another region", _set("backups.availabilityZone", "ap-south-1a"),
     ["lightspeedpay:backups.availabilityZone", "must be in aws.region (ap-south-2)"]),
    ("a monthly backup", _set("backups.backupSchedule", "cron(0 2 1 * ? *)"),
     ["lightspeedpay:backups.backupSchedule", "EventBridge Scheduler expression"]),
    ("an identity as recipient", _set("backups.ageRecipients", ["AGE-SECRET-KEY-1QQQQ"]),
     ["lightspeedpay:backups.ageRecipients", "never belongs in a stack file"]),
    ("memory Fargate cannot run", _set("backups.taskMemoryMib", 1024),
     ["lightspeedpay:backups.taskMemoryMib", "1024 CPU units with 2048..8192 MiB"]),
    ("expiry before the lock ends", _set("backups.expireAfterDays", 30), ["lightspeedpay:backups.expireAfterDays"]),
    ("an account id that is not one", _set("aws.accountId", "1234"), ["lightspeedpay:aws.accountId"]),
    ("staging's account", _set("aws.accountId", "000000000001"),
     ["lightspeedpay:aws.accountId", "must not share a resource"]),
    ("a typo", lambda c: c["lightspeedpay:backups"].update(retentionDay=30),
     ["lightspeedpay:backups.retentionDay", "unknown key", "retentionDays"]),
    ("the old log store keys", _set("logStore.retentionDays", 365), ["lightspeedpay:logStore.retentionDays"]),
    ("a region per piece", _set("backups.region", "ap-south-1"), ["lightspeedpay:backups.region", "unknown key"]),
    ("a shorter lock than staging's", _set("backups.retentionDays", 5),
     ["lightspeedpay:backups.retentionDays", "staging"]),
]


@pytest.mark.parametrize(("label", "edit", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_aws_config_is_refused_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], label: str,
                                               edit: Any, expected: list[str]) -> None:
    assert plan_cli.main(["--stack", "production", "--config-file", str(_edited(tmp_path, edit))]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for text in expected:
        assert text in err, f"{label}: {text!r} not in:\n{err}"
