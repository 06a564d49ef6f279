"""Both repositories that reach production, adopted and guarded: branch protection, the `production`
environments, security scanning as a merge gate, and the access the reusable release workflow needs.

The repositories exist already (GitHub, not Pulumi, created them), so each is adopted with `import_` and
kept with `protect=True`. Pulumi owns only what the platform depends on (name, visibility, archiving,
security and analysis); every other repository setting is left to the team (`ignore_changes`), so
adopting a repository never rewrites its merge buttons or features. docs/gates.md says what `pulumi up`
does on the first adoption and what must match.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_github as github

from config.edge import GithubConfig
from config.vocabulary import facts

UNMANAGED_SETTINGS = (
    "allow_auto_merge", "allow_forking", "allow_merge_commit", "allow_rebase_merge", "allow_squash_merge",
    "allow_update_branch", "delete_branch_on_merge", "description", "has_discussions", "has_downloads",
    "has_issues", "has_projects", "has_wiki", "homepage_url", "is_template", "merge_commit_message",
    "merge_commit_title", "squash_merge_commit_message", "squash_merge_commit_title", "topics",
    "web_commit_signoff_required",
)
"""Repository settings the team keeps in GitHub's UI. Several have provider defaults (merge buttons, commit
titles) that would otherwise overwrite GitHub's values on the first `pulumi up` after adoption."""


@dataclass(frozen=True)
class RepositoryProtectionArgs:
    github: GithubConfig
    """The infrastructure repository, its checks, approvals and production reviewers."""
    deployed_repository: str
    """``owner/name`` of the app repository Vercel deploys (vercel.gitRepository)."""
    deployed_branch: str
    """The branch Vercel deploys to production (vercel.productionBranch): a push there goes live."""
    release_secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Secrets the release workflow reads from the application repository's `production` environment, delivered
    from the stack (name → secret value)."""


def _protect(name: str, repository: pulumi.Input[str], branch: str, checks: list[str], approvals: int,
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


def security_and_analysis(visibility: str, products: list[str]) -> github.RepositorySecurityAndAnalysisArgs:
    """Secret scanning with push protection, and code security where code scanning needs a licence.

    Public repositories have both for free and refuse the `advanced_security` block; a private one needs
    GitHub Secret Protection and Code Security (split licensing, which refuses `advanced_security` too) or
    the earlier bundled GitHub Advanced Security (which needs it enabled). Without the licence GitHub
    refuses the change: `github-security-licensed` says so before `pulumi up` tries.
    """
    enabled = "enabled"
    legacy = visibility != "public" and "advancedSecurity" in products
    return github.RepositorySecurityAndAnalysisArgs(
        advanced_security=github.RepositorySecurityAndAnalysisAdvancedSecurityArgs(status=enabled) if legacy else None,
        code_security=(github.RepositorySecurityAndAnalysisCodeSecurityArgs(status=enabled)
                       if visibility != "public" and not legacy else None),
        secret_scanning=github.RepositorySecurityAndAnalysisSecretScanningArgs(status=enabled),
        secret_scanning_push_protection=github.RepositorySecurityAndAnalysisSecretScanningPushProtectionArgs(
            status=enabled),
    )


class AdoptedRepository(pulumi.ComponentResource):
    """One existing repository under Pulumi: adopted and protected, with Dependabot alerts and security updates,
    secret scanning with push protection, and code scanning required before anything merges into ``branch``."""

    repository: github.Repository
    name: pulumi.Output[str]

    def __init__(self, name: str, repository: str, visibility: str, branch: str, gh: GithubConfig,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("lightspeedpay:repository:AdoptedRepository", name, {}, opts)
        self.repository = github.Repository(
            f"{name}-repository",
            github.RepositoryArgs(
                name=repository, visibility=visibility, archived=False, archive_on_destroy=True,
                security_and_analysis=security_and_analysis(visibility, list(gh.security_products))),
            opts=pulumi.ResourceOptions(parent=self, import_=repository, protect=True,
                                        ignore_changes=list(UNMANAGED_SETTINGS)))
        self.name = self.repository.name
        child = pulumi.ResourceOptions(parent=self)
        alerts = github.RepositoryVulnerabilityAlerts(
            f"{name}-dependabot-alerts", github.RepositoryVulnerabilityAlertsArgs(repository=self.name, enabled=True),
            opts=child)
        # Security updates are pull requests for the alerts: GitHub refuses them while alerts are off.
        github.RepositoryDependabotSecurityUpdates(
            f"{name}-dependabot-security-updates",
            github.RepositoryDependabotSecurityUpdatesArgs(repository=self.name, enabled=True),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[alerts]))
        # "Security scanning completed with no critical issues" as a merge gate: the tools' results must exist
        # for the pull request and the branch, and an alert at or above the thresholds blocks the merge.
        github.RepositoryRuleset(
            f"{name}-code-scanning",
            github.RepositoryRulesetArgs(
                name="code-scanning", repository=self.name, target="branch", enforcement="active",
                conditions=github.RepositoryRulesetConditionsArgs(
                    ref_name=github.RepositoryRulesetConditionsRefNameArgs(includes=[f"refs/heads/{branch}"],
                                                                           excludes=[])),
                rules=github.RepositoryRulesetRulesArgs(
                    required_code_scanning=github.RepositoryRulesetRulesRequiredCodeScanningArgs(
                        required_code_scanning_tools=[
                            github.RepositoryRulesetRulesRequiredCodeScanningRequiredCodeScanningToolArgs(
                                tool=tool, security_alerts_threshold=gh.code_scanning_security_threshold,
                                alerts_threshold=gh.code_scanning_alerts_threshold)
                            for tool in gh.code_scanning_tools]))),
            opts=child)
        self.register_outputs({"name": self.name})


def _production_environment(name: str, repository: pulumi.Input[str], team_ids: list[pulumi.Output[int]],
                            parent: pulumi.Resource) -> github.RepositoryEnvironment:
    """Jobs naming `production` wait for a reviewer other than the author, from protected branches only."""
    return github.RepositoryEnvironment(
        name,
        github.RepositoryEnvironmentArgs(
            repository=repository,
            environment="production",
            prevent_self_review=True,
            can_admins_bypass=False,
            reviewers=[github.RepositoryEnvironmentReviewerArgs(teams=team_ids)],
            deployment_branch_policy=github.RepositoryEnvironmentDeploymentBranchPolicyArgs(
                protected_branches=True, custom_branch_policies=False),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


class RepositoryProtection(pulumi.ComponentResource):
    """Branch protection of the infrastructure repository's default branch and of the app
    repository's production branch (the one Vercel deploys: the guide's "Set up branch protection
    rules"), a `production` environment in each whose deployments need a reviewer's approval, both
    repositories adopted with security scanning, and this repository's reusable workflows opened to the
    organisation (the application repository calls `.github/workflows/release.yml`).

    The rollout workflow (`.github/workflows/infrastructure.yml`) runs `pulumi up` in this repository's
    environment; the release workflow's jobs run in the application repository's.
    """

    branch_protection: github.BranchProtection
    deployed_branch_protection: github.BranchProtection
    environment: github.RepositoryEnvironment
    app_environment: github.RepositoryEnvironment
    infrastructure: AdoptedRepository
    application: AdoptedRepository

    def __init__(self, name: str, args: RepositoryProtectionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(facts.REPOSITORY, name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        gh = args.github
        # The provider's owner is the organisation; the config refuses an app repository of another owner.
        app_name = args.deployed_repository.split("/", 1)[1]
        self.infrastructure = AdoptedRepository(f"{name}-infrastructure", gh.repository, gh.visibility,
                                                gh.default_branch, gh, opts=child)
        self.application = AdoptedRepository(f"{name}-application", app_name, gh.app_visibility,
                                             args.deployed_branch, gh, opts=child)
        self.branch_protection = _protect(f"{name}-default-branch", self.infrastructure.name, gh.default_branch,
                                          list(gh.required_checks), gh.required_approvals, self)
        self.deployed_branch_protection = _protect(
            f"{name}-deployed-branch", self.application.name, args.deployed_branch,
            list(gh.app_required_checks), gh.required_approvals, self)
        team_ids = [
            github.get_team_output(slug=slug, summary_only=True, opts=pulumi.InvokeOutputOptions(parent=self))
            .id.apply(int)
            for slug in gh.production_reviewers
        ]
        self.environment = _production_environment(f"{name}-production-environment", self.infrastructure.name,
                                                   team_ids, self)
        # The release workflow's jobs name the caller's environment (the stack's name): production releases
        # wait for the same reviewers there.
        self.app_environment = _production_environment(f"{name}-application-production-environment",
                                                       self.application.name, team_ids, self)
        for secret_name, value in args.release_secrets.items():
            github.ActionsEnvironmentSecret(
                f"{name}-release-secret-{secret_name.lower().replace('_', '-')}",
                github.ActionsEnvironmentSecretArgs(
                    repository=self.application.name, environment=self.app_environment.environment,
                    secret_name=secret_name, value=pulumi.Output.secret(value)),
                opts=child)
        if gh.visibility != "public":
            # A private repository's reusable workflows are callable from nowhere else until this is opened.
            github.ActionsRepositoryAccessLevel(
                f"{name}-reusable-workflow-access",
                github.ActionsRepositoryAccessLevelArgs(repository=self.infrastructure.name,
                                                        access_level="organization"),
                opts=child)
        published = facts.RepositoryFacts(
            owner=gh.owner, plan=gh.plan, security_products=list(gh.security_products),
            infrastructure=f"{gh.owner}/{gh.repository}", application=args.deployed_repository)
        self.register_outputs({facts.FACTS_KEY: published.publish()})
