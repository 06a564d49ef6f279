"""What the stack's AWS account shares: one customer-managed key and GitHub's OIDC identity provider.

One key encrypts everything the stack keeps in the account — the off-site bucket, the jobs' secrets,
image and logs, the log store and its function's environment — so there is one key story and one
rotation: AWS rotates it yearly, its policy leaves who may use it to the account's IAM policies and lets
CloudWatch Logs of this account, in this region, encrypt log groups with it. Deleting it would make every
copy unreadable: it is protected in production and deletion waits 30 days.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from . import aws_documents as documents
from .aws_sdk import iam, kms


@dataclass(frozen=True)
class AwsAccountArgs:
    name_prefix: str
    account_id: str
    region: str
    production: bool


class AwsAccount(pulumi.ComponentResource):
    """The account-wide pieces the backups and the log store share."""

    key: kms.Key
    github_oidc_arn: pulumi.Output[str]
    """GitHub Actions' OIDC provider (one per account): what the release role trusts."""

    def __init__(self, name: str, args: AwsAccountArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("lightspeedpay:aws:AwsAccount", name, {}, opts)
        self.key = kms.Key(
            f"{name}-key", description=f"{args.name_prefix}: off-site backups, their jobs, and the log store",
            enable_key_rotation=True, deletion_window_in_days=30, region=args.region,
            policy=documents.key_policy(args.account_id, [args.region]),
            opts=pulumi.ResourceOptions(parent=self, protect=args.production))
        oidc = iam.OpenIdConnectProvider(f"{name}-github-oidc", url=f"https://{documents.GITHUB_OIDC_HOST}",
                                         client_id_lists=[documents.STS_AUDIENCE],
                                         opts=pulumi.ResourceOptions(parent=self))
        self.github_oidc_arn = oidc.arn
        self.register_outputs({"keyArn": self.key.arn})
