"""Careless edits of the on-call, routing and metrics resources of a plan (shared by the policy tests and the
checklist's BREAKS): each one is what a hurried change to components/oncall.py or components/metrics.py could do."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from lightspeedpay_policies import oncall as policy
from lightspeedpay_vocabulary.facts import METRICS
from ops.resources import PlannedResource, is_secret

Edit = Callable[[list[PlannedResource]], None]


def of(items: list[PlannedResource], type_: str) -> list[PlannedResource]:
    found = [r for r in items if r.type == type_]
    assert found, f"the plan declares no {type_}"
    return found


def props(type_: str, change: Callable[[dict[str, Any]], None]) -> Edit:
    """Edit the inputs and outputs of every resource of ``type_``."""
    def apply(items: list[PlannedResource]) -> None:
        for resource in of(items, type_):
            change(resource.inputs)
            change(resource.outputs)
    return apply


def drop(type_: str) -> Edit:
    def apply(items: list[PlannedResource]) -> None:
        of(items, type_)
        items[:] = [r for r in items if r.type != type_]
    return apply


def metrics_facts(change: Callable[[dict[str, Any]], None]) -> Edit:
    def apply(items: list[PlannedResource]) -> None:
        component = of(items, METRICS)[0]
        published = copy.deepcopy(component.outputs["facts"])
        change(published)
        component.outputs = {**component.outputs, "facts": published}
    return apply


def one_person_rotation(items: list[PlannedResource]) -> None:
    """The schedule rotates through its first member only."""
    for schedule in of(items, policy.PD_SCHEDULE):
        users = [u for u in schedule.property_dependencies["layers"] if f"{policy.PD_USER}::" in u]
        schedule.property_dependencies = {**schedule.property_dependencies, "layers": users[:1]}


def critical_to_email(items: list[PlannedResource]) -> None:
    """Every route, the critical ones too, ends at the email contact point."""
    email = next(r for r in of(items, policy.G_CONTACT) if r.inputs.get("emails"))
    for routing in of(items, policy.G_ROUTING):
        for where in (routing.inputs, routing.outputs):
            where["policies"] = [{**p, "contactPoint": email.inputs["name"]} for p in where["policies"]]


def typed_pagerduty_key(items: list[PlannedResource]) -> None:
    """The paging contact point holds a key typed into it, not the on-call integration's (no dependency)."""
    for point in of(items, policy.G_CONTACT):
        point.property_dependencies = {**point.property_dependencies, "pagerduties": []}


def queue_rule_demoted(items: list[PlannedResource]) -> None:
    """The queue-depth rule no longer pages (severity warning)."""
    def change(p: dict[str, Any]) -> None:
        for rule in p["rules"]:
            if "queue" in rule["name"].lower():
                rule["labels"] = {**rule["labels"], "severity": "warning"}
    props(policy.G_RULES, change)(items)


def metrics_header_in_plain(items: list[PlannedResource]) -> None:
    """The metrics header moved from the autoscaler's sealed variables to its plain ones."""
    for variables in [r for r in items if r.type.endswith("railway:Variables") and "autoscaler" in r.name]:
        for where in (variables.inputs, variables.outputs):
            where["variables"] = {**where["variables"], "OTEL_EXPORTER_OTLP_METRICS_HEADERS":
                                  "Authorization=Basic%20test-not-real"}
            sealed = where["sealedVariables"]
            inner = sealed["value"] if is_secret(sealed) else sealed  # outputs keep the whole map secret
            inner.pop("OTEL_EXPORTER_OTLP_METRICS_HEADERS")


def api_check_without_oncall(items: list[PlannedResource]) -> None:
    """The API's uptime check no longer routes to the on-call service's PagerDuty channel."""
    for check in [r for r in of(items, policy.C_CHECK) if r.name.endswith("uptime-api")]:
        check.property_dependencies = {**check.property_dependencies, "alertChannelSubscriptions": [
            u for u in check.property_dependencies["alertChannelSubscriptions"] if "pagerduty" not in u]}


BREAKS: dict[str, Edit] = {
    "oncall-rotation": one_person_rotation,
    "critical-alerts-not-email-only": critical_to_email,
    "critical-alerts-reach-oncall": typed_pagerduty_key,
    "alert-rules-cover-platform": queue_rule_demoted,
    "worker-metrics-pushed": metrics_header_in_plain,
    "public-hostnames-watched": api_check_without_oncall,
    "database-metrics-scraped": props(policy.G_SCRAPE, lambda p: p.update(enabled=False)),
    "metrics-region-in-india": props(policy.G_STACK, lambda p: p.update(regionSlug="prod-us-central-0")),
    "api-alert-rules": drop(policy.V_SLACK_LINK),
    "advisors-check-scheduled": metrics_facts(lambda f: f.update(advisorsSchedule=[])),
    "oncall-outside-india": lambda items: None,  # reported on every plan: PagerDuty has no India region
    "observability-plan-gaps": metrics_facts(lambda f: f.update(vercelObservabilityPlus=False)),
    f"declared:{policy.G_STACK}": drop(policy.G_STACK),
    f"declared:{policy.G_DASHBOARD}": drop(policy.G_DASHBOARD),
}
"""Policy (or ``declared:<type>``) → the edit that breaks it, for tests/test_checklist_enforcement.py."""
