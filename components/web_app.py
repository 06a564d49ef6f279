"""One Vercel project with its domains and environment variables (the site, the API)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumiverse_vercel as vercel
from pulumiverse_vercel._inputs import FirewallConfigManagedRulesetsArgs, FirewallConfigRulesRuleArgs

from config.edge import FirewallConfig, VercelConfig
from config.vocabulary import facts

from .app_env import EnvVar


@dataclass(frozen=True)
class VercelWebAppArgs:
    role: str
    """What the project is for: 'site' or 'api' (facts.ROLES); published for the policy pack."""
    project_name: str
    """Vercel project name; prefixed per stack so stacks never share a project."""
    root_directory: str
    """Directory of the app inside the monorepo."""
    vercel: VercelConfig
    """Git, protection, runtime and function placement settings of the stack."""
    domains: Sequence[str]
    """Custom domains served by this project."""
    env: Sequence[EnvVar]
    """Environment variables, one resource per key and target set."""
    redirects: Mapping[str, str] = field(default_factory=dict)
    """Domain → domain it permanently redirects to (e.g. www → apex)."""
    framework: str | None = None
    """Vercel framework preset (``nextjs``), or None for a plain functions project."""
    firewall_rules: Sequence[FirewallConfigRulesRuleArgs] = ()
    """Custom firewall rules, in evaluation order (see components/firewall.py)."""
    managed_rulesets: FirewallConfigManagedRulesetsArgs | None = None
    """OWASP and bot-protection managed rules."""
    firewall: FirewallConfig | None = None
    """The stack's firewall settings (attack challenge mode lives here)."""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class VercelWebApp(pulumi.ComponentResource):
    """A Vercel project wired to the repository, with domains and per-target environment.

    Children: the project, one `ProjectDomain` per domain (redirect domains after their targets),
    one `ProjectEnvironmentVariable` per key and target set, the project's `FirewallConfig` (it
    owns the whole firewall) and its `AttackChallengeMode` switch, and the promotion gates: a
    `ProjectDeploymentCheck` per required check and, where configured, a `ProjectRollingRelease`.
    """

    project: vercel.Project
    project_id: pulumi.Output[str]
    domains: dict[str, vercel.ProjectDomain]
    env_vars: list[vercel.ProjectEnvironmentVariable]
    firewall: vercel.FirewallConfig
    attack_challenge: vercel.AttackChallengeMode | None
    deployment_checks: list[vercel.ProjectDeploymentCheck]
    rolling_release: vercel.ProjectRollingRelease | None

    def __init__(self, name: str, args: VercelWebAppArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(facts.WEB_APP, name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        cfg = args.vercel
        owner, repo = cfg.git_repository.split("/", 1)

        self.project = vercel.Project(
            f"{name}-project",
            vercel.ProjectArgs(
                name=args.project_name,
                framework=args.framework,
                root_directory=args.root_directory,
                node_version=cfg.node_version,
                git_repository=vercel.ProjectGitRepositoryArgs(
                    type="github", repo=f"{owner}/{repo}", production_branch=cfg.production_branch),
                preview_deployments_disabled=not cfg.preview_deployments,
                git_fork_protection=True,
                vercel_authentication=vercel.ProjectVercelAuthenticationArgs(
                    deployment_type=cfg.preview_protection),
                resource_config=vercel.ProjectResourceConfigArgs(
                    function_default_regions=list(cfg.functions.regions),
                    function_default_timeout=cfg.functions.timeout_seconds,
                    function_default_cpu_type=cfg.functions.cpu_type,
                ),
                function_failover=cfg.functions.failover,
                skew_protection=cfg.skew_protection,
                directory_listing=False,
                # Gated promotion (docs/gates.md): a push to the production branch builds a production deployment
                # but never takes the domains by itself; the release workflow's `vercel promote` does, after its
                # deployment checks passed. GitHub Deployments are what feed those checks (deployment_status).
                auto_assign_custom_domains=False,
                git_provider_options=vercel.ProjectGitProviderOptionsArgs(create_deployments=True),
            ),
            opts=child,
        )
        self.project_id = self.project.id
        self.deployment_checks = [
            vercel.ProjectDeploymentCheck(
                f"{name}-deployment-check-{_slug(check)}",
                vercel.ProjectDeploymentCheckArgs(
                    project_id=self.project.id, name=f"{args.project_name} {check}",
                    requires="deployment-url", blocks="deployment-alias", targets=["production"],
                    is_rerequestable=False,
                    source=vercel.ProjectDeploymentCheckSourceArgs(kind="git-provider", provider="github",
                                                                   external_check_name=check)),
                opts=child)
            for check in cfg.deployment_checks
        ]
        self.rolling_release = None
        if cfg.rolling_release is not None:
            # Manual approval: the release workflow completes the rollout (or aborts it) by command.
            self.rolling_release = vercel.ProjectRollingRelease(
                f"{name}-rolling-release",
                vercel.ProjectRollingReleaseArgs(
                    project_id=self.project.id, advancement_type="manual-approval",
                    stages=[vercel.ProjectRollingReleaseStageArgs(target_percentage=cfg.rolling_release.canary_percent),
                            vercel.ProjectRollingReleaseStageArgs(target_percentage=100)]),
                opts=child)

        self.domains = {}
        ordered = sorted(args.domains, key=lambda d: d in args.redirects)  # targets first
        for domain in ordered:
            target = args.redirects.get(domain)
            self.domains[domain] = vercel.ProjectDomain(
                f"{name}-domain-{_slug(domain)}",
                vercel.ProjectDomainArgs(
                    project_id=self.project.id,
                    domain=domain,
                    # Referencing the target's output orders creation: Vercel needs it to exist first.
                    redirect=self.domains[target].domain if target else None,
                    redirect_status_code=308 if target else None,
                ),
                opts=child,
            )

        self.env_vars = [
            vercel.ProjectEnvironmentVariable(
                f"{name}-env-{_slug(var.key)}-{'-'.join(var.targets)}",
                vercel.ProjectEnvironmentVariableArgs(
                    project_id=self.project.id,
                    key=var.key,
                    value=pulumi.Output.secret(var.value) if var.sensitive else var.value,
                    targets=list(var.targets),
                    sensitive=var.sensitive,
                    comment=var.comment or None,
                ),
                opts=child,
            )
            for var in args.env
        ]

        self.firewall = vercel.FirewallConfig(
            f"{name}-firewall",
            vercel.FirewallConfigArgs(
                project_id=self.project.id,
                enabled=True,
                rules=vercel.FirewallConfigRulesArgs(rules=list(args.firewall_rules)) if args.firewall_rules else None,
                managed_rulesets=args.managed_rulesets,
            ),
            opts=child,
        )

        self.attack_challenge = None
        if args.firewall is not None:
            # Declared even when off, so an incident is a one-line config change, not new code.
            # The end time is a fixed config value: computing it at run time would diff every `up`.
            self.attack_challenge = vercel.AttackChallengeMode(
                f"{name}-attack-challenge",
                vercel.AttackChallengeModeArgs(
                    project_id=self.project.id,
                    enabled=args.firewall.attack_challenge_mode,
                    attack_mode_active_until=args.firewall.attack_challenge_until_ms,
                ),
                opts=child,
            )

        published = facts.WebAppFacts(role=args.role, domains=list(self.domains), git_repository=cfg.git_repository,
                                      production_branch=cfg.production_branch)
        self.register_outputs({"projectId": self.project_id, "domains": list(self.domains),
                               facts.FACTS_KEY: published.publish()})
