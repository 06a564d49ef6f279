"""The release's on-demand backup (docs/release.md): the release role only the release workflow may assume,
through GitHub's OIDC provider, from the application repository's environment, and the six variables
that workflow reads, declared on that environment from this stack's own outputs so they never drift."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_github as github

from . import aws_documents as documents
from .aws_sdk import iam

RELEASE_WORKFLOW = "lightspeedpay/infrastructure/.github/workflows/release.yml"
"""The reusable workflow (this repository's) that runs the backup stage; only it may assume the role."""
VARIABLES = ("BACKUP_RELEASE_ROLE_ARN", "BACKUP_AWS_REGION", "BACKUP_ECS_CLUSTER", "BACKUP_TASK_DEFINITION",
             "BACKUP_SUBNETS", "BACKUP_SECURITY_GROUPS")
"""docs/release.md, "The GitHub environment's contract"."""


@dataclass(frozen=True)
class BackupReleaseArgs:
    name_prefix: str
    region: str
    github_oidc_arn: pulumi.Output[str]
    """GitHub's OIDC provider in the account (components.aws_account)."""
    app_repository: str
    """``owner/name`` of the application repository whose release runs the backup (vercel.gitRepository)."""
    environment: str
    """Its GitHub environment: the stack's name."""
    cluster_arn: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    task_role_arns: tuple[pulumi.Output[str], pulumi.Output[str]]
    """The backup task's own role and its execution role: the two the release may pass."""
    subnet_id: pulumi.Input[str]
    security_group_id: pulumi.Input[str]
    github_provider: github.Provider | None
    """The stack's GitHub provider, when it holds one (production); otherwise the variables are outputs only."""


class BackupRelease(pulumi.ComponentResource):
    """What the release workflow needs to start the backup task on demand, and nothing more."""

    role: iam.Role
    variables: Mapping[str, pulumi.Output[str]]
    """The six variables' values (set by hand on environments of stacks without a GitHub provider)."""

    def __init__(self, name: str, args: BackupReleaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("lightspeedpay:backups:BackupRelease", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.role = iam.Role(
            f"{name}-role", name=f"{args.name_prefix}-backup-release", max_session_duration=3 * 3600,
            assume_role_policy=args.github_oidc_arn.apply(lambda arn: documents.github_release_trust(
                arn, args.app_repository, args.environment, RELEASE_WORKFLOW)), opts=child)
        iam.RolePolicy(f"{name}-role", role=self.role.id, policy=pulumi.Output.all(
            args.task_definition_arn, args.cluster_arn, *args.task_role_arns).apply(
                lambda a: documents.release_policy(a[0], a[1], a[2:])), opts=child)

        values = [self.role.arn, pulumi.Output.from_input(args.region), args.cluster_name, args.task_definition_arn,
                  pulumi.Output.from_input(args.subnet_id), pulumi.Output.from_input(args.security_group_id)]
        self.variables = dict(zip(VARIABLES, values, strict=True))
        if args.github_provider is not None:
            repository = args.app_repository.split("/", 1)[1]
            for variable, value in self.variables.items():
                github.ActionsEnvironmentVariable(
                    f"{name}-{variable.lower().replace('_', '-')}", repository=repository,
                    environment=args.environment, variable_name=variable, value=value,
                    opts=pulumi.ResourceOptions(parent=self, provider=args.github_provider))
        self.register_outputs({"roleArn": self.role.arn})
