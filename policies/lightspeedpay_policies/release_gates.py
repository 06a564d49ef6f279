"""Gated promotion: nothing reaches production by itself (issue 15 item 2).

Vercel builds every push to the production branch but assigns the domains only when the release workflow
promotes a deployment whose deployment checks (GitHub checks of the application repository, run against
the deployment) passed, and then first to a share of traffic; Railway deploys a push of a repository-built
service only after the commit's GitHub check suites passed. Each switch back is refused here.
"""

from __future__ import annotations

from collections import defaultdict

from pulumi_policy import ResourceValidationArgs, Severity, StackValidationArgs

from lightspeedpay_vocabulary.thresholds import CANARY_MAX_PERCENT, DEPLOYMENT_CHECKS

from .graph import linked, of_type, prop
from .meta import Guard, Report, flag, integer, pci, resource_policy, stack_policy, strings
from .props import as_list, dig, fields, plain_known, whole
from .vercel import PROJECT

DEPLOYMENT_CHECK = "vercel:index/projectDeploymentCheck:ProjectDeploymentCheck"
ROLLING_RELEASE = "vercel:index/projectRollingRelease:ProjectRollingRelease"
TRIGGER = "pulumi-python:dynamic/railway:DeploymentTrigger"
RAILWAY_SERVICE = "pulumi-python:dynamic/railway:Service"
REQUIRED_CHECKS = strings("requiredChecks", DEPLOYMENT_CHECKS, min_items=1)
ROLLING = flag("rollingRelease", True)
MAX_CANARY = integer("maxCanaryPercent", CANARY_MAX_PERCENT, minimum=1, maximum=99)
_PCI_651 = pci("6.5.1", "Changes to production are made according to established procedures: reviewed, "
                        "approved and tested.")
_GATES = Guard("the promotion gates", refused_by="release-gates-declared")


def _no_auto_promotion(args: ResourceValidationArgs, report: Report) -> None:
    props = fields(args.props, "autoAssignCustomDomains", "gitProviderOptions")
    if props.get("autoAssignCustomDomains") is not False:
        report("Vercel gives the production domains to every production deployment by itself "
               "(autoAssignCustomDomains is not false): a push to the production branch goes live before the "
               "migrations, the smoke tests and the approvals of the release.")
    if dig(props, "gitProviderOptions.createDeployments") is False:
        report("Vercel creates no GitHub Deployments (gitProviderOptions.createDeployments is false): the checks "
               "that feed the deployment checks never start, so no deployment can pass them.")


def _deployment_check(args: ResourceValidationArgs, report: Report) -> None:
    props = fields(args.props, "blocks", "targets", "source")
    if props.get("blocks") != "deployment-alias":
        report(f"The deployment check blocks '{props.get('blocks')}', not 'deployment-alias': a deployment that "
               f"failed it could still be given the production domains.")
    targets = set(as_list(props.get("targets")) or ["production"])  # the API's default
    if not targets & {"production", "all"}:
        report(f"The deployment check applies to {sorted(targets)}, not to production deployments.")
    if dig(props, "source.kind") != "git-provider" or not dig(props, "source.externalCheckName"):
        report("The deployment check is not fed by a named GitHub check (source kind 'git-provider' with "
               "externalCheckName): nothing the release runs decides it.")


def _rolling_release(args: ResourceValidationArgs, report: Report) -> None:
    props = fields(args.props, "advancementType", "stages")
    limit = MAX_CANARY.of(args)
    if props.get("advancementType") != "manual-approval":
        report(f"The rolling release advances '{props.get('advancementType')}': promotion (or rollback) must be "
               f"the release's command after its checks, not a timer.")
    percentages = [whole(stage.get("targetPercentage")) for stage in as_list(props.get("stages"))
                   if isinstance(stage, dict)]
    if not percentages or percentages[-1] != 100:
        report(f"The rolling release's stages {percentages} do not end at 100%.")
    elif percentages[0] > limit:
        report(f"The rolling release sends {percentages[0]}% of production traffic to the new deployment first; "
               f"at most {limit}% may meet an unproven deployment.")


def _waits_for_ci(args: ResourceValidationArgs, report: Report) -> None:
    if args.props.get("checkSuites") is not True:
        report("Railway deploys a push without waiting for the commit's GitHub checks (checkSuites is not true): "
               "a commit whose CI or release failed would still run on the workers.")


def _gates_declared(args: StackValidationArgs, report: Report) -> None:
    required = REQUIRED_CHECKS.of(args)
    checks: dict[str, set[str]] = defaultdict(set)
    for check in of_type(args, DEPLOYMENT_CHECK):
        project = linked(check, "projectId", PROJECT)
        if project is not None:
            checks[project.urn].add(str(dig(plain_known(prop(check, "source", {})) or {}, "externalCheckName", "")))
    rolled = {project.urn for project in (linked(r, "projectId", PROJECT) for r in of_type(args, ROLLING_RELEASE))
              if project is not None}
    for project in of_type(args, PROJECT):
        name = prop(project, "name", project.name)
        missing = [check for check in required if check not in checks[project.urn]]
        if missing:
            report(f"{name} has no deployment check for {missing}: a production deployment could be promoted "
                   f"without them.", project.urn)
        if ROLLING.of(args) and project.urn not in rolled:
            report(f"{name} has no rolling release: a release would move all production traffic at once.",
                   project.urn)
    gated: set[str] = set()
    for trigger in of_type(args, TRIGGER):
        service = linked(trigger, "serviceId", RAILWAY_SERVICE)
        if service is None:
            continue
        gated.add(service.urn)
        follows = (prop(trigger, "repository"), prop(trigger, "branch"))
        builds = (prop(service, "sourceRepo"), prop(service, "sourceBranch"))
        if follows != builds:
            name = prop(service, "name", service.name)
            report(f"The deployment trigger of {name} follows {follows[0]}@{follows[1]}, but the service is built "
                   f"from {builds[0]}@{builds[1]}: the gate watches another branch.", trigger.urn)
    for service in of_type(args, RAILWAY_SERVICE):
        if prop(service, "sourceRepo") and service.urn not in gated:
            report(f"Railway service {prop(service, 'name', service.name)} deploys every push of "
                   f"{prop(service, 'sourceRepo')} with no \"Wait for CI\" gate declared.", service.urn)


POLICIES = [
    resource_policy(
        "vercel-no-auto-promotion",
        "Vercel must never give the production domains to a deployment by itself; the release promotes it.",
        judges=[PROJECT], guard=Guard("a Vercel project", refused_by="runtime-environment"),
        validate=_no_auto_promotion, severity=Severity.HIGH, framework=_PCI_651,
        remediation="Keep auto_assign_custom_domains=False and GitHub Deployments on in components/web_app.py; "
                    "promote with the release workflow (vercel promote).",
        tags=["vercel", "release"]),
    resource_policy(
        "vercel-deployment-check-blocking",
        "Every deployment check must block the production domains until its GitHub check has passed.",
        judges=[DEPLOYMENT_CHECK], guard=_GATES, validate=_deployment_check, severity=Severity.HIGH,
        framework=_PCI_651,
        remediation="Declare checks through lightspeedpay:vercel.deploymentChecks; components/web_app.py makes "
                    "each block 'deployment-alias' on production, fed by the GitHub check of that name.",
        tags=["vercel", "release"]),
    resource_policy(
        "vercel-rolling-release-staged",
        "A rolling release must start with a small share of traffic and advance only by command.",
        judges=[ROLLING_RELEASE], guard=_GATES, validate=_rolling_release, severity=Severity.MEDIUM,
        framework=_PCI_651, config=[MAX_CANARY],
        remediation="Set lightspeedpay:vercel.rollingRelease.canaryPercent within the limit; components/web_app.py "
                    "declares manual approval ending at 100%.",
        tags=["vercel", "release"]),
    resource_policy(
        "railway-waits-for-ci",
        "Railway must deploy a push only after the commit's GitHub checks have passed.",
        judges=[TRIGGER], guard=_GATES, validate=_waits_for_ci, severity=Severity.HIGH, framework=_PCI_651,
        remediation="Keep check_suites=True on the services' DeploymentTrigger in components/jobs.py.",
        tags=["railway", "release"]),
    stack_policy(
        "release-gates-declared",
        "Every Vercel project must have its deployment checks and rolling release, and every repository-built "
        "Railway service its CI gate.",
        validate=_gates_declared, severity=Severity.HIGH, framework=_PCI_651,
        config=[REQUIRED_CHECKS, ROLLING],
        remediation="Keep lightspeedpay:vercel.deploymentChecks and rollingRelease; components/web_app.py and "
                    "components/jobs.py declare the gates from them.",
        tags=["release"]),
]
