"""Repository protection: reviewed changes only, approved production rollouts, and security scanning as a
merge gate on both repositories, honest about what the organisation's GitHub licences allow."""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from lightspeedpay_vocabulary.facts import RepositoryFacts
from lightspeedpay_vocabulary.thresholds import (
    CODE_SCANNING_LOOSEST_GATE,
    CODE_SCANNING_SECURITY_THRESHOLDS,
    GITHUB_MIN_APPROVALS,
    REUSABLE_WORKFLOW_ACCESS,
)

from .graph import linked, of_type, prop, published
from .meta import Guard, Report, integer, pci, resource_policy, stack_policy, text
from .props import as_list, dig, fields, plain, plain_known
from .vercel import PROJECT

BRANCH_PROTECTION = "github:index/branchProtection:BranchProtection"
RAILWAY_SERVICE = "pulumi-python:dynamic/railway:Service"
ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
REPOSITORY = "github:index/repository:Repository"
ALERTS = "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts"
SECURITY_UPDATES = "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates"
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
ACTIONS_ACCESS = "github:index/actionsRepositoryAccessLevel:ActionsRepositoryAccessLevel"
LOOSEST_GATE = text("loosestSecurityThreshold", CODE_SCANNING_LOOSEST_GATE,
                    enum=[t for t in CODE_SCANNING_SECURITY_THRESHOLDS if t != "none"])
MIN_APPROVALS = integer("minApprovals", GITHUB_MIN_APPROVALS, minimum=0)
_PCI_651 = pci("6.5.1", "Changes to production are made according to established procedures: reviewed, "
                        "approved and tested.")


def _branch_protection(args: ResourceValidationArgs, report: Report) -> None:
    props = plain(args.props)
    minimum = MIN_APPROVALS.of(args)
    if props.get("allowsForcePushes") is not False:
        report("Force pushes are not explicitly refused.")
    if props.get("allowsDeletions") is not False:
        report("Deleting the branch is not explicitly refused.")
    if not props.get("enforceAdmins"):
        report("Administrators can bypass the protection (enforceAdmins is off).")
    checks = as_list(props.get("requiredStatusChecks"))
    if not checks or not any(as_list(c.get("contexts")) for c in checks):
        report("No status check (CI, preview with the policy pack) is required before merging.")
    reviews = as_list(props.get("requiredPullRequestReviews"))
    count = max((float(r.get("requiredApprovingReviewCount") or 0) for r in reviews), default=0)
    if count < minimum:
        report(f"{count:.0f} approving review(s) required; at least {minimum} must be.")
    if reviews and not all(r.get("dismissStaleReviews") for r in reviews):
        report("Approvals survive new pushes (dismissStaleReviews is off).")


def _production_environment(args: ResourceValidationArgs, report: Report) -> None:
    if args.props.get("environment") != "production":
        return
    props = plain(args.props)
    reviewers = [r for r in as_list(props.get("reviewers")) if as_list(r.get("teams")) or as_list(r.get("users"))]
    if not reviewers:
        report("The production environment has no required reviewers: any merge deploys unapproved.")
    if not props.get("preventSelfReview"):
        report("The author of a rollout can approve it (preventSelfReview is off).")
    if props.get("canAdminsBypass") is not False:
        report("Administrators can bypass the production approval (canAdminsBypass is not false).")
    if not (props.get("deploymentBranchPolicy") or {}).get("protectedBranches"):
        report("Any branch can deploy to production; restrict it to protected branches.")


def repository_of(resource: PolicyResource, key: str) -> str:
    """``owner/name`` of the repository ``resource``'s ``key`` names (a bare name belongs to its provider's owner).

    When ``key`` was computed from an adopted Repository (a property dependency, which state keeps in the open),
    that repository is the answer, whatever the value says."""
    adopted = linked(resource, key, REPOSITORY) if key != "name" else None
    source = adopted if adopted is not None else resource
    repository = str(prop(source, "name" if adopted is not None else key, "") or "")
    owner = source.provider.props.get("owner") if source.provider is not None else None
    return repository if "/" in repository or not owner or not repository else f"{owner}/{repository}"


def _repository(protection: PolicyResource) -> str:
    """``owner/name`` a BranchProtection applies to (its owner is its provider's)."""
    return repository_of(protection, "repositoryId")


def _repository_scanning(args: ResourceValidationArgs, report: Report) -> None:
    props = fields(args.props, "archived", "securityAndAnalysis")
    if not args.opts.protect:
        report("The repository is not protected: removing it from the program, a replacing change or `pulumi "
               "destroy` would delete it with its history. Adopted repositories keep protect=True.")
    if props.get("archived"):
        report("The repository is archived: nothing can be merged or released from it.")
    analysis = props.get("securityAndAnalysis") or {}
    for key, what in (("secretScanning", "Secret scanning"),
                      ("secretScanningPushProtection", "Push protection (secret scanning that blocks the push)")):
        if dig(analysis, f"{key}.status") != "enabled":
            report(f"{what} is not enabled: a committed key or token would reach the repository unnoticed.")


def _dependabot(args: ResourceValidationArgs, report: Report) -> None:
    # RepositoryVulnerabilityAlerts defaults to enabled; the security updates' `enabled` is required.
    default = True if args.resource_type == ALERTS else None
    if args.props.get("enabled", default) is not True:
        what = "Dependabot alerts" if args.resource_type == ALERTS else "Dependabot security updates"
        report(f"{what} are switched off: known-vulnerable dependencies would go unreported or unfixed.")


def _code_scanning_tools(ruleset: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in as_list(dig(ruleset, "rules.requiredCodeScanning.requiredCodeScanningTools"))
            if isinstance(t, dict)]


def _code_scanning_gate(args: ResourceValidationArgs, report: Report) -> None:
    props = fields(args.props, "rules", "enforcement", "bypassActors")
    tools = _code_scanning_tools(props)
    if not tools:
        return  # a ruleset for something else; github-security-scanning asks for the code-scanning one
    loosest = CODE_SCANNING_SECURITY_THRESHOLDS.index(LOOSEST_GATE.of(args))
    if props.get("enforcement") != "active":
        report(f"The code-scanning ruleset is '{props.get('enforcement')}', not 'active': it blocks nothing.")
    if as_list(props.get("bypassActors")):
        report("The code-scanning ruleset has bypass actors: they could merge past a critical alert.")
    for tool in tools:
        threshold = str(tool.get("securityAlertsThreshold"))
        rank = CODE_SCANNING_SECURITY_THRESHOLDS.index(threshold) if threshold in CODE_SCANNING_SECURITY_THRESHOLDS \
            else -1
        if rank < loosest:
            report(f"{tool.get('tool')} blocks merges from security alerts at '{threshold}'; a "
                   f"'{CODE_SCANNING_SECURITY_THRESHOLDS[loosest]}' alert at least must block them.")


def _ruleset_covers(ruleset: PolicyResource, branch: str) -> bool:
    includes = as_list(dig(plain_known(prop(ruleset, "conditions", {})) or {}, "refName.includes"))
    excludes = as_list(dig(plain_known(prop(ruleset, "conditions", {})) or {}, "refName.excludes"))
    ref = f"refs/heads/{branch}"
    return ref not in excludes and any(i in (ref, "~ALL", "~DEFAULT_BRANCH") for i in includes)


def _security_scanning(args: StackValidationArgs, report: Report) -> None:
    branches: dict[str, set[str]] = {}
    for protection in of_type(args, BRANCH_PROTECTION):
        branches.setdefault(_repository(protection), set()).add(str(prop(protection, "pattern", "")))
    adopted = {repository_of(r, "name"): r for r in of_type(args, REPOSITORY)}
    enabled: dict[str, set[str]] = {}
    for resource in of_type(args, ALERTS) + of_type(args, SECURITY_UPDATES):
        if prop(resource, "enabled", True if resource.resource_type == ALERTS else None) is True:
            enabled.setdefault(repository_of(resource, "repository"), set()).add(resource.resource_type)
    gates = [r for r in of_type(args, RULESET) if _code_scanning_tools(plain_known(r.props))]
    for repository, protected in sorted(branches.items()):
        if repository not in adopted:
            report(f"{repository} is protected but not adopted (no github Repository resource): its secret scanning "
                   f"and push protection are nobody's to keep on.")
        for kind, what in ((ALERTS, "Dependabot alerts"), (SECURITY_UPDATES, "Dependabot security updates")):
            if kind not in enabled.get(repository, set()):
                report(f"{repository} has no {what} declared.")
        for branch in sorted(protected):
            if not any(repository_of(g, "repository") == repository and _ruleset_covers(g, branch) for g in gates):
                report(f"Nothing requires code scanning before a merge into {repository}@{branch}: \"security "
                       f"scanning completed with no critical issues\" would rest on someone's word.")


_PRIVATE = ("private", "internal")


def _licensed(args: StackValidationArgs, report: Report) -> None:
    repositories = of_type(args, REPOSITORY)
    found = published(args, RepositoryFacts, report, required="the organisation's GitHub plan and licences are "
                                                               "unknown." if repositories else "")
    if not found:
        return
    organisation = found[0][1]
    products = set(organisation.security_products)
    private = {repository_of(r, "name"): r for r in repositories if prop(r, "visibility") in _PRIVATE}
    for name, repository in sorted(private.items()):
        analysis = plain_known(prop(repository, "securityAndAnalysis", {})) or {}
        scanning = any(dig(analysis, f"{k}.status") == "enabled"
                       for k in ("secretScanning", "secretScanningPushProtection"))
        if scanning and not products & {"secretProtection", "advancedSecurity"}:
            report(f"{name} is private and scans for secrets, which needs GitHub Secret Protection; "
                   f"lightspeedpay:github.securityProducts does not include it, so GitHub will refuse the change "
                   f"and `pulumi up` fail.", repository.urn)
    gated = {repository_of(g, "repository") for g in of_type(args, RULESET)
             if _code_scanning_tools(plain_known(g.props))}
    for name in sorted(gated & set(private)):
        if not products & {"codeSecurity", "advancedSecurity"}:
            report(f"{name} is private and requires code scanning, which needs GitHub Code Security; "
                   f"lightspeedpay:github.securityProducts does not include it, so the merge gate cannot pass.",
                   private[name].urn)
    protected = {_repository(p) for p in of_type(args, BRANCH_PROTECTION)} | gated
    if organisation.plan == "free" and protected & set(private):
        report(f"Branch protection and rulesets on private repositories ({', '.join(sorted(protected & set(private)))})"
               f" need GitHub Team or Enterprise; lightspeedpay:github.plan is 'free'.")
    for environment in of_type(args, ENVIRONMENT):
        name = repository_of(environment, "repository")
        reviewers = [r for r in as_list(plain_known(prop(environment, "reviewers", []))) if as_list(r.get("teams"))
                     or as_list(r.get("users"))]
        if name in private and reviewers and organisation.plan != "enterprise":
            report(f"Required reviewers on {name}'s '{prop(environment, 'environment')}' environment need GitHub "
                   f"Enterprise on a private repository; lightspeedpay:github.plan is '{organisation.plan}', so "
                   f"releases would run unapproved.", environment.urn)


def _release_workflow_shared(args: StackValidationArgs, report: Report) -> None:
    found = published(args, RepositoryFacts, report)
    if not found:
        return  # github-repository-protected refuses a production stack without its repository protection
    organisation = found[0][1]
    infrastructure = next((r for r in of_type(args, REPOSITORY)
                           if repository_of(r, "name") == organisation.infrastructure), None)
    if infrastructure is None or prop(infrastructure, "visibility") in _PRIVATE:
        levels = {str(prop(a, "accessLevel")) for a in of_type(args, ACTIONS_ACCESS)
                  if repository_of(a, "repository") == organisation.infrastructure}
        if not levels & set(REUSABLE_WORKFLOW_ACCESS):
            report(f"{organisation.infrastructure} does not open its workflows to the organisation (Actions access "
                   f"level {sorted(levels) or 'none'}): {organisation.application} cannot call "
                   f".github/workflows/release.yml, so no release runs in the guide's order.")


def _repository_protected(args: StackValidationArgs, report: Report) -> None:
    protections = of_type(args, BRANCH_PROTECTION)
    if not protections:
        report("The stack declares no branch protection for the repository.")
    protected = {(_repository(p), str(prop(p, "pattern", ""))) for p in protections}
    deployed: list[tuple[PolicyResource, str, str, str]] = []
    for project in of_type(args, PROJECT):
        git = plain(prop(project, "gitRepository")) or {}
        deployed.append((project, "Vercel", str(dig(git, "repo", "")), str(dig(git, "productionBranch", ""))))
    for service in of_type(args, RAILWAY_SERVICE):
        deployed.append((service, "Railway", str(prop(service, "sourceRepo", "") or ""),
                         str(prop(service, "sourceBranch", "") or "")))
    for resource, host, repo, branch in deployed:
        if repo and (repo, branch) not in protected:
            report(f"{host} deploys {repo}@{branch}, but no branch protection of the stack guards that branch: any "
                   f"push to it would go live unreviewed.", resource.urn)
    environments = {repository_of(e, "repository") for e in of_type(args, ENVIRONMENT)
                    if prop(e, "environment") == "production"}
    if not environments:
        report("The stack declares no 'production' deployment environment with required reviewers.")
        return
    # Rollouts run in this repository's environment, releases in the application repository's.
    for repository in sorted({repo for repo, _ in protected} - environments):
        report(f"{repository} has no 'production' environment: its production jobs would run without reviewers and "
               f"without their secrets.")


_REPOSITORY = Guard("the repository's protections", refused_by="github-repository-protected")
_SCANNING = Guard("the repositories' security settings", refused_by="github-security-scanning")
_SECURITY_GATE = pci("6.3.2", "Software is reviewed for vulnerabilities and known-vulnerable components are "
                              "identified and addressed before release.")

POLICIES = [
    resource_policy(
        "github-branch-protection",
        "The default branch must require CI checks and reviews, for administrators too, with no force pushes.",
        judges=[BRANCH_PROTECTION],
        guard=_REPOSITORY, validate=_branch_protection, severity=Severity.HIGH, framework=_PCI_651,
        config=[MIN_APPROVALS],
        remediation="Set lightspeedpay:github.requiredChecks and requiredApprovals; components/repository.py "
                    "declares the rest.",
        tags=["github", "change-control"]),
    resource_policy(
        "github-production-environment",
        "Production rollouts must wait for a reviewer other than their author, from protected branches only.",
        judges=[ENVIRONMENT], guard=_REPOSITORY, validate=_production_environment, severity=Severity.HIGH,
        framework=pci("6.5.4", "Roles and functions are separated between production and pre-production so "
                               "that only reviewed and approved changes are deployed."),
        remediation="Set lightspeedpay:github.productionReviewers; components/repository.py declares the rest.",
        tags=["github", "change-control"]),
    stack_policy(
        "github-repository-protected",
        "The stack that owns the repositories must protect every branch it deploys and gate production rollouts.",
        validate=_repository_protected, severity=Severity.HIGH, framework=_PCI_651,
        remediation="Keep lightspeedpay:github in the production stack file; components/repository.py protects the "
                    "infrastructure repository and the branch Vercel deploys (vercel.gitRepository, "
                    "vercel.productionBranch); Railway services deploy from one of those two.",
        tags=["github", "change-control"]),
    resource_policy(
        "github-repository-scanning",
        "An adopted repository must be protected from deletion and scan every push for secrets, blocking them.",
        judges=[REPOSITORY], guard=_SCANNING, validate=_repository_scanning, severity=Severity.HIGH,
        framework=pci("6.4.3", "Secrets and credentials are protected from disclosure in code and repositories."),
        remediation="Keep components/repository.py adopting each repository with protect=True and secret scanning "
                    "with push protection on; keep lightspeedpay:github.securityProducts honest about the licences.",
        tags=["github", "security-scanning"]),
    resource_policy(
        "github-dependabot",
        "Dependabot alerts and security updates must stay on for every repository that reaches production.",
        judges=[ALERTS, SECURITY_UPDATES], guard=_SCANNING, validate=_dependabot, severity=Severity.MEDIUM,
        framework=_SECURITY_GATE,
        remediation="Keep both declared with enabled=True for each adopted repository (components/repository.py).",
        tags=["github", "security-scanning"]),
    resource_policy(
        "github-code-scanning-gate",
        "Code scanning must block merges, for everyone, at least on critical security alerts.",
        judges=[RULESET], guard=_SCANNING, validate=_code_scanning_gate, severity=Severity.HIGH,
        framework=_SECURITY_GATE, config=[LOOSEST_GATE],
        remediation="Set lightspeedpay:github.codeScanningSecurityThreshold to critical or stricter; "
                    "components/repository.py declares the ruleset active with no bypass actors.",
        tags=["github", "security-scanning"]),
    stack_policy(
        "github-security-scanning",
        "Every protected repository must be adopted with Dependabot on and code scanning required on each "
        "protected branch.",
        validate=_security_scanning, severity=Severity.HIGH, framework=_SECURITY_GATE,
        remediation="Keep both repositories adopted by components/repository.py (AdoptedRepository), with their "
                    "code-scanning rulesets on the protected branches.",
        tags=["github", "security-scanning"]),
    stack_policy(
        "github-security-licensed",
        "What the stack asks of GitHub must be what the organisation's plan and licences allow on private "
        "repositories.",
        validate=_licensed, severity=Severity.HIGH, framework=_SECURITY_GATE,
        remediation="Declare the organisation's plan and licences in lightspeedpay:github.plan and securityProducts; "
                    "buy GitHub Secret Protection and Code Security (or Enterprise for environment reviewers), or "
                    "make the repository public: without them GitHub refuses the settings.",
        tags=["github", "licensing"]),
    stack_policy(
        "github-release-workflow-shared",
        "The application repository must be able to call this repository's reusable release workflow.",
        validate=_release_workflow_shared, severity=Severity.HIGH, framework=_PCI_651,
        remediation="Keep components/repository.py opening this repository's workflows to the organisation "
                    "(ActionsRepositoryAccessLevel) while the repository is private.",
        tags=["github", "change-control"]),
]
