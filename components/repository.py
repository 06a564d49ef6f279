"""Repository protection: the branches that reach production, and the `production` environment."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_github as github

from config.edge import GithubConfig


@dataclass(frozen=True)
class RepositoryProtectionArgs:
    github: GithubConfig
    """The infrastructure repository, its checks, approvals and production reviewers."""
    deployed_repository: str
    """``owner/name`` of the app repository Vercel deploys (vercel.gitRepository)."""
    deployed_branch: str
    """The branch Vercel deploys to production (vercel.productionBranch): a push there goes live."""


def _protect(name: str, repository: str, branch: str, checks: list[str], approvals: int,
             parent: pulumi.Resource) -> github.BranchProtection:
    """Required checks and reviews, no force pushes or deletions, administrators included."""
    return github.BranchProtection(
        name,
        github.BranchProtectionArgs(
            repository_id=repository,
            pattern=branch,
            enforce_admins=True,
            allows_force_pushes=False,
            allows_deletions=False,
            require_conversation_resolution=True,
            required_linear_history=True,
            required_status_checks=[github.BranchProtectionRequiredStatusCheckArgs(strict=True, contexts=checks)],
            required_pull_request_reviews=[github.BranchProtectionRequiredPullRequestReviewArgs(
                required_approving_review_count=approvals,
                dismiss_stale_reviews=True,
                require_last_push_approval=True,
            )],
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


class RepositoryProtection(pulumi.ComponentResource):
    """Branch protection of the infrastructure repository's default branch and of the app
    repository's production branch (the one Vercel deploys: the guide's "Set up branch protection
    rules"), and a `production` environment whose deployments need a reviewer's approval.

    The rollout workflow (`.github/workflows/infrastructure.yml`) runs `pulumi up` in that
    environment, so production changes wait for an approver.
    """

    branch_protection: github.BranchProtection
    deployed_branch_protection: github.BranchProtection
    environment: github.RepositoryEnvironment

    def __init__(self, name: str, args: RepositoryProtectionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("lightspeedpay:repository:RepositoryProtection", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        gh = args.github
        self.branch_protection = _protect(f"{name}-default-branch", gh.repository, gh.default_branch,
                                          list(gh.required_checks), gh.required_approvals, self)
        # The provider's owner is the organisation; the config refuses an app repository of another owner.
        self.deployed_branch_protection = _protect(
            f"{name}-deployed-branch", args.deployed_repository.split("/", 1)[1], args.deployed_branch,
            list(gh.app_required_checks), gh.required_approvals, self)
        team_ids = [
            github.get_team_output(slug=slug, summary_only=True, opts=pulumi.InvokeOutputOptions(parent=self))
            .id.apply(int)
            for slug in gh.production_reviewers
        ]
        self.environment = github.RepositoryEnvironment(
            f"{name}-production-environment",
            github.RepositoryEnvironmentArgs(
                repository=gh.repository,
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
