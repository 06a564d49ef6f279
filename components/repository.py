"""Repository protection: the default branch and the `production` deployment environment."""

from __future__ import annotations

import pulumi
import pulumi_github as github

from config.edge import GithubConfig


class RepositoryProtection(pulumi.ComponentResource):
    """Branch protection (required checks and reviews, no force pushes or deletions, admins
    included) and a `production` environment whose deployments need a reviewer's approval.

    The rollout workflow (`.github/workflows/infrastructure.yml`) runs `pulumi up` in that
    environment, so production changes wait for an approver.
    """

    branch_protection: github.BranchProtection
    environment: github.RepositoryEnvironment

    def __init__(self, name: str, args: GithubConfig, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("lightspeedpay:repository:RepositoryProtection", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.branch_protection = github.BranchProtection(
            f"{name}-default-branch",
            github.BranchProtectionArgs(
                repository_id=args.repository,
                pattern=args.default_branch,
                enforce_admins=True,
                allows_force_pushes=False,
                allows_deletions=False,
                require_conversation_resolution=True,
                required_linear_history=True,
                required_status_checks=[github.BranchProtectionRequiredStatusCheckArgs(
                    strict=True, contexts=list(args.required_checks))],
                required_pull_request_reviews=[github.BranchProtectionRequiredPullRequestReviewArgs(
                    required_approving_review_count=args.required_approvals,
                    dismiss_stale_reviews=True,
                    require_last_push_approval=True,
                )],
            ),
            opts=child,
        )
        team_ids = [
            github.get_team_output(slug=slug, summary_only=True, opts=pulumi.InvokeOutputOptions(parent=self))
            .id.apply(int)
            for slug in args.production_reviewers
        ]
        self.environment = github.RepositoryEnvironment(
            f"{name}-production-environment",
            github.RepositoryEnvironmentArgs(
                repository=args.repository,
                environment="production",
                prevent_self_review=True,
                can_admins_bypass=False,
                reviewers=[github.RepositoryEnvironmentReviewerArgs(teams=team_ids)],
                deployment_branch_policy=github.RepositoryEnvironmentDeploymentBranchPolicyArgs(
                    protected_branches=True, custom_branch_policies=False),
            ),
            opts=child,
        )
        self.register_outputs({})
