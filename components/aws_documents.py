"""The AWS policy documents of the backups and the log store, as pure functions of ARNs and names.

Each returns the document as a JSON string; the components call them inside ``Output.all(...).apply`` so
the documents depend on the resources they name (and the pack can see that in state). Tested as data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from config.vocabulary import thresholds

VERSION = "2012-10-17"
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
STS_AUDIENCE = "sts.amazonaws.com"
BACKUP_PREFIX = "postgres/"
EVIDENCE_PREFIX = "drills/"


def _document(*statements: Mapping[str, Any]) -> str:
    return json.dumps({"Version": VERSION, "Statement": list(statements)}, sort_keys=True)


def service_trust(service: str, account_id: str, source_arn: str | None = None) -> str:
    """A role only ``service`` may assume, on behalf of this account (and of ``source_arn``, when given):
    the confused-deputy conditions AWS recommends for service roles."""
    condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account_id}}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    return _document({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole",
                      "Condition": condition})


def github_release_trust(provider_arn: str, repository: str, environment: str, workflow: str) -> str:
    """The release role: only ``workflow`` (``owner/repo/.github/workflows/x.yml``), called by ``repository``'s
    jobs in its ``environment`` (whose reviewers gate production), may assume it, with GitHub's OIDC token."""
    return _document({
        "Effect": "Allow", "Principal": {"Federated": provider_arn}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE,
                             f"{GITHUB_OIDC_HOST}:sub": f"repo:{repository}:environment:{environment}"},
            "StringLike": {f"{GITHUB_OIDC_HOST}:job_workflow_ref": f"{workflow}@*"}}})


def key_policy(account_id: str, log_regions: Sequence[str]) -> str:
    """A customer-managed key: the account's IAM policies decide who uses it (AWS's default statement), and
    CloudWatch Logs of this account may encrypt its log groups with it in ``log_regions``."""
    statements: list[Mapping[str, Any]] = [{
        "Sid": "AccountIamPolicies", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": "kms:*", "Resource": "*"}]
    for region in log_regions:
        statements.append({
            "Sid": f"CloudWatchLogs{region.replace('-', '')}", "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                      f"arn:aws:logs:{region}:{account_id}:log-group:*"}}})
    return _document(*statements)


def bucket_policy(bucket_arn: str, endpoint_id: str) -> str:
    """TLS only; every new version locked in COMPLIANCE mode; objects written only from the backup network."""
    objects = f"{bucket_arn}/*"
    return _document(
        {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [bucket_arn, objects],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "LockedWritesOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": objects,
         "Condition": {"StringNotEquals": {"s3:object-lock-mode": thresholds.LOCK_MODE}}},
        {"Sid": "WritesFromTheBackupNetworkOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": objects, "Condition": {"StringNotEquals": {"aws:SourceVpce": endpoint_id}}})


_DENY_DESTRUCTIVE = ("s3:DeleteObject*", "s3:PutBucket*", "s3:PutLifecycleConfiguration", "s3:PutObjectLegalHold",
                     "s3:BypassGovernanceRetention", "s3:PutEncryptionConfiguration")


def writer_policy(bucket_arn: str, key_arn: str) -> str:
    """The backup job: new locked versions under postgres/ and nothing else (thresholds.BACKUP_WRITER_ACTIONS)."""
    s3_actions = [a for a in thresholds.BACKUP_WRITER_ACTIONS if a.startswith("s3:")]
    kms_actions = [a for a in thresholds.BACKUP_WRITER_ACTIONS if a.startswith("kms:")]
    return _document(
        {"Sid": "WriteCopies", "Effect": "Allow", "Action": s3_actions,
         "Resource": f"{bucket_arn}/{BACKUP_PREFIX}*"},
        {"Sid": "EncryptCopies", "Effect": "Allow", "Action": kms_actions, "Resource": key_arn},
        {"Sid": "NeverReadOrDestroy", "Effect": "Deny",
         "Action": [*_DENY_DESTRUCTIVE, "s3:GetObject*", "s3:ListBucket*"],
         "Resource": [bucket_arn, f"{bucket_arn}/*"]})


def drill_policy(bucket_arn: str, key_arn: str) -> str:
    """The restore drill: read the copies, write its evidence under drills/, delete nothing."""
    return _document(
        {"Sid": "ReadCopies", "Effect": "Allow",
         "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectRetention"],
         "Resource": [f"{bucket_arn}/{BACKUP_PREFIX}*", f"{bucket_arn}/{EVIDENCE_PREFIX}*"]},
        {"Sid": "ListCopies", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn,
         "Condition": {"StringLike": {"s3:prefix": [f"{BACKUP_PREFIX}*", f"{EVIDENCE_PREFIX}*"]}}},
        {"Sid": "WriteEvidence", "Effect": "Allow", "Action": ["s3:PutObject", "s3:PutObjectRetention"],
         "Resource": f"{bucket_arn}/{EVIDENCE_PREFIX}*"},
        {"Sid": "UseTheKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key_arn},
        {"Sid": "NeverDestroy", "Effect": "Deny", "Action": list(_DENY_DESTRUCTIVE),
         "Resource": [bucket_arn, f"{bucket_arn}/*"]})


def execution_policy(secret_arns: Sequence[str], key_arn: str) -> str:
    """The tasks' execution role (beside AWS's managed ECS execution policy): read exactly the secrets the
    task definitions inject."""
    return _document(
        {"Sid": "InjectSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": list(secret_arns)},
        {"Sid": "DecryptSecrets", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn})


def scheduler_policy(task_definition_arns: Sequence[str], role_arns: Sequence[str], cluster_arn: str) -> str:
    """EventBridge Scheduler: run these task definitions on this cluster, hand them these roles."""
    return _document(
        {"Sid": "RunTasks", "Effect": "Allow", "Action": "ecs:RunTask",
         "Resource": [_any_revision(arn) for arn in task_definition_arns],
         "Condition": {"ArnEquals": {"ecs:cluster": cluster_arn}}},
        {"Sid": "PassTaskRoles", "Effect": "Allow", "Action": "iam:PassRole", "Resource": list(role_arns),
         "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}})


def release_policy(task_definition_arn: str, cluster_arn: str, role_arns: Sequence[str]) -> str:
    """docs/release.md: run the backup task on demand and wait for it; pass its two roles; nothing else."""
    cluster_tasks = cluster_arn.replace(":cluster/", ":task/", 1) + "/*"
    return _document(
        {"Sid": "RunTheBackupTask", "Effect": "Allow", "Action": "ecs:RunTask",
         "Resource": _any_revision(task_definition_arn), "Condition": {"ArnEquals": {"ecs:cluster": cluster_arn}}},
        {"Sid": "WatchIt", "Effect": "Allow", "Action": "ecs:DescribeTasks", "Resource": cluster_tasks},
        {"Sid": "PassItsRoles", "Effect": "Allow", "Action": "iam:PassRole", "Resource": list(role_arns),
         "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}})


def ingest_policy(log_group_arn: str) -> str:
    """The log-ingest function writes to its own log group, nothing else."""
    return _document({"Sid": "WriteLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                      "Resource": f"{log_group_arn}:*"})


def _any_revision(task_definition_arn: str) -> str:
    """``…:task-definition/family:12`` → ``…:task-definition/family:*``: a new revision keeps its permission."""
    return task_definition_arn.rsplit(":", 1)[0] + ":*"
