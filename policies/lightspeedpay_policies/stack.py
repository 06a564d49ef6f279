"""Stack-wide rules: checks that need several resources at once (AnalyzeStack)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from lightspeedpay_vocabulary.thresholds import foreign_environments

from .gateways import gateway_facts
from .graph import of_type, prop, sources, stack_facts, stack_name, urn_stack
from .meta import Report, pci, rbi_cyber_resilience, stack_policy
from .props import as_list, is_redacted, known, plain
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


def _value(resource: PolicyResource) -> tuple[bool, Any]:
    """(visible, value): visible is False for ciphertext and for a value unknown in a preview."""
    ok, value = known(resource.props, "value")
    return (ok and value is not None and not is_redacted(value)), value


def _previews_isolated(args: StackValidationArgs, report: Report) -> None:
    gateways = None
    by_key: dict[tuple[str, str], dict[str, list[PolicyResource]]] = defaultdict(lambda: defaultdict(list))
    for resource in of_type(args, ENV_VAR):
        ok_key, key = known(resource.props, "key")
        ok_targets, targets = known(resource.props, "targets")
        _, sensitive = known(resource.props, "sensitive")
        if not (ok_key and ok_targets) or not sensitive:
            continue
        for target in as_list(targets):
            by_key[(_project_of(resource), str(key))][str(target)].append(resource)

    for (_, key), by_target in by_key.items():
        production = by_target.get("production", [])
        for preview in by_target.get("preview", []):
            if "production" in as_list(prop(preview, "targets", [])):
                report(f"{key} is one variable for both production and preview; previews need their own "
                       f"test-mode value.", preview.urn)
                continue
            preview_sources = sources(preview, "value")
            visible, value = _value(preview)
            for counterpart in production:
                shared = preview_sources & sources(counterpart, "value")
                if shared:  # proven from dependencies, whatever the values look like
                    report(f"{key} of previews is computed from the same resource as production's "
                           f"({', '.join(sorted(u.rsplit('::', 1)[-1] for u in shared))}); previews get "
                           f"non-production values only.", preview.urn)
                    continue
                seen, production_value = _value(counterpart)
                counterpart_sources = sources(counterpart, "value")
                if visible and seen:
                    if plain(value) == plain(production_value):
                        report(f"{key} gives previews the same value as production; previews get "
                               f"test-mode and non-production values only.", preview.urn)
                elif preview_sources and counterpart_sources:
                    continue  # computed from different resources (separate generators, tokens): proven apart
                elif not preview_sources and not counterpart_sources:
                    # Both come from stack config: the program compared the plaintexts at config load.
                    gateways = gateways if gateways is not None else gateway_facts(args, report)
                    distinct = gateways.preview_credentials_distinct if gateways is not None else None
                    if distinct is False:
                        report(f"{key} gives previews the same value as production (compared at config load).",
                               preview.urn)
                    elif distinct is not True:
                        report.not_verified(f"{key} of previews against production's: neither value can be read "
                                            f"here and the program could not compare them at config load",
                                            preview.urn)
                else:
                    report.not_verified(f"{key} of previews against production's: one comes from stack config and "
                                        f"the other from the stack's resources, and neither value can be read here",
                                        preview.urn)


def _stack_isolation(args: StackValidationArgs, report: Report) -> None:
    facts = stack_facts(args, report)
    stack = stack_name(args)
    if facts is None or not stack:
        return
    for reference in foreign_environments(stack, facts.esc_environments):
        report(f"Stack {stack!r} imports the ESC environment {reference!r}, which belongs to another stack: stacks "
               f"share no secret (a staging stack with production's environment runs live keys).")
    foreign = sorted({urn_stack(r.urn) for r in args.resources} - {stack, ""})
    if foreign:
        report(f"The analysed state mixes resources of other stacks {foreign} into stack {stack!r}.")


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
        remediation="Give the preview target its own test-mode value (lightspeedpay:preview* secrets); "
                    "never reuse the production value.",
        tags=["vercel", "previews", "secrets"]),
    stack_policy(
        "stack-isolation",
        "A stack may import only its own ESC environment and hold only its own resources.",
        validate=_stack_isolation, severity=Severity.CRITICAL,
        framework=pci("6.5.3", "Pre-production environments are separated from production environments and the "
                               "separation is enforced with access controls."),
        remediation="Import only lightspeedpay/<stack> in Pulumi.<stack>.yaml (`pulumi config env rm` the other); "
                    "the program refuses another stack's environment at config load.",
        tags=["stacks", "secrets", "esc"]),
]
