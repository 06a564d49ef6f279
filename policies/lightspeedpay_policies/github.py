"""Repository protection: reviewed changes only, and approved production rollouts."""

from __future__ import annotations

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from lightspeedpay_vocabulary.thresholds import GITHUB_MIN_APPROVALS

from .graph import of_type, prop
from .meta import Guard, Report, integer, pci, resource_policy, stack_policy
from .props import as_list, dig, plain
from .vercel import PROJECT

BRANCH_PROTECTION = "github:index/branchProtection:BranchProtection"
RAILWAY_SERVICE = "pulumi-python:dynamic/railway:Service"
ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
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


def _repository(protection: PolicyResource) -> str:
    """``owner/name`` a BranchProtection applies to (its owner is its provider's)."""
    repository = str(prop(protection, "repositoryId", ""))
    owner = protection.provider.props.get("owner") if protection.provider is not None else None
    return repository if "/" in repository or not owner else f"{owner}/{repository}"


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
    if not any(prop(e, "environment") == "production" for e in of_type(args, ENVIRONMENT)):
        report("The stack declares no 'production' deployment environment with required reviewers.")


_REPOSITORY = Guard("the repository's protections", refused_by="github-repository-protected")

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
]
