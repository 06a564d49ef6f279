"""Stack-wide rules: checks that need several resources at once (AnalyzeStack)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from .meta import Report, pci, rbi_cyber_resilience, stack_policy
from .props import as_list, is_redacted, known
from .vercel import ENV_VAR

_NOT_PROVIDER_MANAGED = ("pulumi", "lightspeedpay")
"""Packages with no provider of their own: the stack, component resources, provider resources."""


def _package(resource: PolicyResource) -> str:
    return resource.resource_type.split(":", 1)[0]


def _explicit_providers(args: StackValidationArgs, report: Report) -> None:
    for resource in args.resources:
        package = _package(resource)
        if package in _NOT_PROVIDER_MANAGED or package.startswith("pulumi-python"):
            continue
        provider = resource.provider
        if provider is None or provider.name.startswith("default"):
            report(f"{resource.resource_type} '{resource.name}' uses the default {package} provider, which "
                   f"reads ambient credentials; pass the stack's explicit provider.", resource.urn)


def _project_of(resource: PolicyResource) -> str:
    deps = resource.property_dependencies.get("projectId") or []
    if deps:
        return deps[0].urn
    _, project_id = known(resource.props, "projectId")
    return str(project_id)


def _previews_isolated(args: StackValidationArgs, report: Report) -> None:
    live_prefixes = tuple(args.get_config().get("livePrefixes", ["rzp_live_"]))
    values: dict[tuple[str, str], dict[str, list[tuple[PolicyResource, Any]]]] = defaultdict(
        lambda: defaultdict(list))
    for resource in args.resources:
        if resource.resource_type != ENV_VAR:
            continue
        ok_key, key = known(resource.props, "key")
        ok_targets, targets = known(resource.props, "targets")
        _, sensitive = known(resource.props, "sensitive")
        if not (ok_key and ok_targets) or not sensitive:
            continue
        ok_value, value = known(resource.props, "value")
        for target in as_list(targets):
            values[(_project_of(resource), str(key))][target].append(
                (resource, value if ok_value else None))

    for (_, key), by_target in values.items():
        production = {v for _, v in by_target.get("production", []) if v is not None and not is_redacted(v)}
        for resource, value in by_target.get("preview", []):
            if "production" in as_list(resource.props.get("targets")):
                report(f"{key} is one variable for both production and preview; previews need their own "
                       f"test-mode value.", resource.urn)
                continue
            if value is None or is_redacted(value):
                continue
            if value in production:
                report(f"{key} gives previews the same value as production; previews get "
                       f"test-mode and non-production values only.", resource.urn)
            if isinstance(value, str) and value.startswith(live_prefixes):
                report(f"{key} gives previews a live gateway credential.", resource.urn)


POLICIES = [
    stack_policy(
        "explicit-providers",
        "Every provider-managed resource must use the stack's explicit provider, never a default one.",
        validate=_explicit_providers, severity=Severity.HIGH,
        framework=rbi_cyber_resilience(
            "Access to environments is based on need-to-know and least privilege."),
        remediation="Create the resource with opts=ResourceOptions(provider=...) or as a child of a component "
                    "given providers=[...]; keep pulumi:disable-default-providers in Pulumi.yaml.",
        tags=["providers", "credentials"]),
    stack_policy(
        "vercel-previews-isolated",
        "Preview deployments must never receive a production or live-mode secret.",
        validate=_previews_isolated, severity=Severity.CRITICAL,
        framework=pci("6.5.5", "Live data and credentials are not used in pre-production environments."),
        config={"livePrefixes": {"type": "array", "items": {"type": "string"}, "default": ["rzp_live_"]}},
        remediation="Give the preview target its own test-mode value (lightspeedpay:preview* secrets); "
                    "never reuse the production value.",
        tags=["vercel", "previews", "secrets"]),
]
