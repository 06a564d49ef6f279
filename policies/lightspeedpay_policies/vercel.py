"""Vercel projects and their environment: placement in India, protected previews, secret hygiene."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from lightspeedpay_vocabulary.scrubbing import DSN_VARIABLES
from lightspeedpay_vocabulary.thresholds import VERCEL_REGIONS_IN_INDIA

from .meta import Guard, Report, flag, pci, rbi_localisation, resource_policy, strings
from .props import as_list, dig

PROJECT = "vercel:index/project:Project"
ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
ENV_VARS = "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables"

SECRET_NAME = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|SERVICE_ROLE|DATABASE_URL|DB_URL|REDIS_URL|API_KEY|"
    r"KEY_SECRET|WEBHOOK|CREDENTIAL|DSN|CLIENT_ID)", re.IGNORECASE)
"""Names that carry credentials. CLIENT_ID is included: gateway client ids pair with their secrets."""
PUBLIC_BY_DESIGN = frozenset({DSN_VARIABLES["site"]})
"""Browser variables whose credential-like name is public by design: a Sentry browser DSN only lets a
client send events (Sentry's docs: "DSNs are safe to keep public"); its abuse is capped by the key's rate limit."""


def _env_entries(args: ResourceValidationArgs) -> list[Mapping[str, Any]]:
    """Every variable a resource sets: one for ProjectEnvironmentVariable, many for the bulk form.

    Only names, targets and flags are read, never values: a generated value is unknown during a
    preview and reading it would turn the policy into a "can't run during preview" notice.
    """
    if args.resource_type == ENV_VAR:
        return [args.props]
    if args.resource_type == ENV_VARS:
        return as_list(args.props.get("variables"))
    if args.resource_type == PROJECT:
        return as_list(args.props.get("environments"))
    return []


def _functions_in_india(args: ResourceValidationArgs, report: Report) -> None:
    allowed = list(ALLOWED_REGIONS.of(args))
    regions = as_list(dig(args.props, "resourceConfig.functionDefaultRegions"))
    legacy = args.props.get("serverlessFunctionRegion")
    if not regions and not legacy:
        report(f"No function region is set, so Vercel runs functions in iad1 (USA); set {allowed}.")
    outside = [r for r in regions + as_list(legacy) if r not in allowed]
    if outside:
        report(f"Functions run in {outside}; allowed regions are {allowed}.")


def _pr_previews(args: ResourceValidationArgs, report: Report) -> None:
    if PREVIEWS_REQUIRED.of(args) and args.props.get("previewDeploymentsDisabled"):
        report("Preview deployments are disabled: pull requests would reach production unseen.")


def _no_failover(args: ResourceValidationArgs, report: Report) -> None:
    failover = args.props.get("functionFailover")
    if failover is None:
        report("functionFailover is not set explicitly; set it to false.")
    elif failover:
        report("functionFailover is on: an outage in bom1 would process payments outside India.")


def _previews_protected(args: ResourceValidationArgs, report: Report) -> None:
    deployment_type = dig(args.props, "vercelAuthentication.deploymentType")
    other = args.props.get("passwordProtection") or args.props.get("trustedIps")
    if (deployment_type in (None, "none")) and not other:
        report(f"Deployment protection is {deployment_type or 'unset'}; previews would be public.")


def _fork_protection(args: ResourceValidationArgs, report: Report) -> None:
    if args.props.get("gitForkProtection") is False:
        report("gitForkProtection is off: pull requests from forks would deploy with project secrets.")


def _secrets_sensitive(args: ResourceValidationArgs, report: Report) -> None:
    for entry in _env_entries(args):
        key = str(entry.get("key", ""))
        if key.startswith("NEXT_PUBLIC_") or not SECRET_NAME.search(key):
            continue
        targets = as_list(entry.get("targets")) or as_list(entry.get("target"))
        if not entry.get("sensitive"):
            report(f"{key} carries a credential but is not sensitive (readable in the dashboard and API).")
        if "development" in targets:
            report(f"{key} targets development; credentials go to production and preview only.")


def _next_public(args: ResourceValidationArgs, report: Report) -> None:
    for entry in _env_entries(args):
        key = str(entry.get("key", ""))
        if not key.startswith("NEXT_PUBLIC_"):
            continue
        if entry.get("sensitive") or (SECRET_NAME.search(key.removeprefix("NEXT_PUBLIC_"))
                                      and key not in PUBLIC_BY_DESIGN):
            report(f"{key} looks secret, but NEXT_PUBLIC_ variables are inlined into the browser bundle.")


_RBI = rbi_localisation()
ALLOWED_REGIONS = strings("allowedRegions", VERCEL_REGIONS_IN_INDIA, min_items=1)
PREVIEWS_REQUIRED = flag("required", True)
_PROJECTS = Guard("every Vercel project", refused_by="runtime-environment")
_VARIABLES = Guard("every environment variable", harmless="a credential that is not declared is not exposed; "
                   "runtime-environment requires the guide's variables")

POLICIES = [
    resource_policy(
        "vercel-functions-in-india",
        "Serverless functions of every Vercel project must run only in allowed Indian regions.",
        judges=[PROJECT], guard=_PROJECTS, validate=_functions_in_india, severity=Severity.CRITICAL, framework=_RBI,
        config=[ALLOWED_REGIONS],
        remediation="Set lightspeedpay:vercel.functions.regions to [bom1] (Mumbai). Do not use the "
                    "deprecated serverlessFunctionRegion.",
        tags=["vercel", "data-localisation"]),
    resource_policy(
        "vercel-no-function-failover",
        "Vercel function failover must be explicitly off, because failover leaves India.",
        judges=[PROJECT], guard=_PROJECTS, validate=_no_failover, severity=Severity.HIGH, framework=_RBI,
        remediation="Set lightspeedpay:vercel.functions.failover to false; handle a regional outage with "
                    "the incident runbook instead of silent processing abroad.",
        tags=["vercel", "data-localisation"]),
    resource_policy(
        "vercel-preview-protection",
        "Every Vercel project must protect its preview deployments.",
        judges=[PROJECT], guard=_PROJECTS, validate=_previews_protected, severity=Severity.HIGH,
        framework=pci("6.5.3", "Pre-production environments are separated from production and the "
                               "separation is enforced with access controls."),
        remediation="Set lightspeedpay:vercel.previewProtection to standard_protection_new (or "
                    "all_deployments); never 'none'.",
        tags=["vercel", "previews"]),
    resource_policy(
        "vercel-git-fork-protection",
        "Git fork protection must stay on for every Vercel project.",
        judges=[PROJECT], guard=_PROJECTS, validate=_fork_protection, severity=Severity.HIGH,
        framework=pci("6.5.4", "Only reviewed and approved changes are deployed."),
        remediation="Keep git_fork_protection=True on vercel.Project.", tags=["vercel", "previews"]),
    resource_policy(
        "vercel-secrets-sensitive",
        "Environment variables that carry credentials must be sensitive and never target development.",
        judges=[ENV_VAR, ENV_VARS, PROJECT], guard=_VARIABLES, validate=_secrets_sensitive, severity=Severity.CRITICAL,
        framework=pci("8.6.2", "Credentials are not hard coded or exposed in configuration files."),
        remediation="Declare the variable with sensitive=True and targets production and/or preview only "
                    "(components/app_env.py does this for every secret).",
        tags=["vercel", "secrets"]),
    resource_policy(
        "vercel-no-secret-in-next-public",
        "No secret may be exposed to the browser through a NEXT_PUBLIC_ variable.",
        judges=[ENV_VAR, ENV_VARS, PROJECT], guard=_VARIABLES, validate=_next_public, severity=Severity.CRITICAL,
        framework=pci("8.6.2", "Credentials are not hard coded or exposed in configuration files."),
        remediation="Rename the variable without the NEXT_PUBLIC_ prefix and read it server-side only.",
        tags=["vercel", "secrets"]),
    resource_policy(
        "vercel-pr-previews",
        "Every pull request must get a preview deployment where the stack builds previews.",
        judges=[PROJECT], guard=_PROJECTS, validate=_pr_previews, severity=Severity.MEDIUM,
        framework=pci("6.5.1", "Changes are reviewed and tested before they reach production."),
        config=[PREVIEWS_REQUIRED],
        remediation="Keep lightspeedpay:vercel.previewDeployments true in production (previews point at staging "
                    "endpoints with test-mode values); a stack without previews sets required: false in "
                    "policies/config/<stack>.json.",
        tags=["vercel", "previews"]),
]
