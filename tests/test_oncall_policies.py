"""The on-call, alert-routing and metrics policies through the real analyzer: each refuses its careless edits (the
one per policy in tests/oncall_support.py also runs in tests/test_checklist_enforcement.py) and passes the stack as
declared (both stacks; staging's smaller on-call is its own case)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lightspeedpay_policies import oncall as policy
from ops.resources import PlannedResource
from tests.harness import analyze, plan_violations, resources
from tests.oncall_support import BREAKS, metrics_facts, of, props

POLICIES = [name for name in BREAKS if not name.startswith("declared:")]
STACKS = ("production", "staging")


def messages(stack: str, items: list[PlannedResource], name: str) -> list[str]:
    """The policy's findings, without the description line the analyzer puts first."""
    return [v.message.split("\n", 1)[-1] for v in analyze(stack, items, only=name) if v.policy == name]


def broken(stack: str, name: str, edit: Callable[[list[PlannedResource]], None] | None = None) -> list[str]:
    items = resources(stack)
    (edit or BREAKS[name])(items)
    return messages(stack, items, name)


@pytest.mark.parametrize("stack", STACKS)
def test_the_declared_stacks_pass_every_mandatory_one(stack: str) -> None:
    found = {v.policy: v for v in plan_violations(stack) if v.policy in POLICIES}
    assert {name for name, v in found.items() if v.mandatory} == set()
    # The two findings are advisory and say what they are about.
    assert "oncall-outside-india" in found and "no India region" in found["oncall-outside-india"].message
    assert ("observability-plan-gaps" in found) == (stack == "staging")  # staging has no Observability Plus


def test_a_one_person_rotation_is_refused_in_production_only() -> None:
    [message] = broken("production", "oncall-rotation")
    assert "has 1 member(s); at least 2" in message
    # Staging's rotation is one person by design (policy config minRotationMembers 1).
    assert broken("staging", "oncall-rotation") == []


def test_a_rotation_that_does_not_page_is_refused_in_production_and_allowed_in_staging() -> None:
    low = props(policy.PD_SERVICE, lambda p: p.update(incidentUrgencyRule={"type": "constant", "urgency": "low"}))
    assert any("'low' urgency" in m for m in broken("production", "oncall-rotation", low))
    assert broken("staging", "oncall-rotation", low) == []


def test_an_escalation_policy_of_one_level_or_without_the_rotation_is_refused() -> None:
    def one_level(items: list[PlannedResource]) -> None:
        props(policy.PD_ESCALATION, lambda p: p.update(rules=p["rules"][:1]))(items)

    assert any("one level" in m for m in broken("production", "oncall-rotation", one_level))

    def users_only(items: list[PlannedResource]) -> None:
        for escalation in of(items, policy.PD_ESCALATION):
            escalation.property_dependencies = {
                **escalation.property_dependencies,
                "rules": [u for u in escalation.property_dependencies["rules"] if policy.PD_SCHEDULE not in u]}

    assert any("does not start at an on-call rotation" in m for m in broken("production", "oncall-rotation",
                                                                             users_only))


def test_no_pagerduty_service_at_all_is_refused() -> None:
    def gone(items: list[PlannedResource]) -> None:
        items[:] = [r for r in items if r.type != policy.PD_SERVICE]

    assert broken("production", "oncall-rotation", gone) == [
        "No PagerDuty service is declared: critical alerts have no one on call to reach."]


def test_critical_alerts_ending_at_email_are_refused_naming_the_contact_point() -> None:
    [message] = broken("production", "critical-alerts-not-email-only")
    assert "only send email or Slack: nobody is paged" in message and "alerts (email)" in message


def test_a_rule_overriding_the_routing_to_email_is_refused() -> None:
    def override(p: dict[str, Any]) -> None:
        rules = p["rules"]
        rules[0] = {**rules[0], "notificationSettings": {"contactPoint": "lightspeedpay alerts (email)"}}

    edit = props(policy.G_RULES, override)
    found = broken("production", "critical-alerts-not-email-only", edit)
    assert found == []  # the paging route still exists for the other critical rules ...
    # ... but a rule that bypasses routing to a contact point nobody declared is refused.
    edit = props(policy.G_RULES, lambda p: p["rules"].__setitem__(
        0, {**p["rules"][0], "notificationSettings": {"contactPoint": "somebody's inbox"}}))
    assert any("which this stack does not declare" in m for m in broken("production",
                                                                        "critical-alerts-not-email-only", edit))


def test_a_hand_typed_pagerduty_key_does_not_reach_oncall() -> None:
    found = broken("production", "critical-alerts-reach-oncall")
    assert any("not this stack's on-call integration" in m for m in found)
    assert any("No critical alert route reaches" in m for m in found)


def test_rules_cover_database_queue_and_workers() -> None:
    [message] = broken("production", "alert-rules-cover-platform")
    assert message == "No active critical alert rule watches the queue depth."

    def paused(p: dict[str, Any]) -> None:
        p["rules"] = [{**rule, "isPaused": True} for rule in p["rules"]]

    found = broken("production", "alert-rules-cover-platform", props(policy.G_RULES, paused))
    assert {m.rsplit(" watches ", 1)[1] for m in found} == {
        "the database's metrics endpoint.", "the queue depth.", "the worker count."}


def _setter(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda p: p.update({key: value})


def test_the_scrape_job_must_read_the_projects_endpoint_with_its_own_key() -> None:
    assert broken("production", "database-metrics-scraped") == [
        "Scrape job 'lightspeedpay-supabase' is disabled."]

    def typed_key(items: list[PlannedResource]) -> None:
        for job in of(items, policy.G_SCRAPE):
            job.property_dependencies = {**job.property_dependencies, "authenticationBasicPassword": []}

    assert any("does not authenticate with the project's own key" in m
               for m in broken("production", "database-metrics-scraped", typed_key))
    path = "/customer/v1/privileged/metrics"
    for url in (f"https://example.test{path}", f"http://abc.supabase.co{path}", "https://abc.supabase.co/metrics"):
        wrong = props(policy.G_SCRAPE, _setter("url", url))
        assert any("not the project's metrics endpoint over HTTPS" in m
                   for m in broken("production", "database-metrics-scraped", wrong)), url


def test_the_autoscalers_metrics_token_stays_sealed_and_write_only() -> None:
    assert any("is in its plain variables" in m for m in broken("production", "worker-metrics-pushed"))
    wider = props("grafana:cloud/accessPolicy:AccessPolicy", lambda p: p.update(scopes=["metrics:write", "logs:read"]))
    assert any("more than ['metrics:write']" in m for m in broken("production", "worker-metrics-pushed", wider))

    def typed(items: list[PlannedResource]) -> None:
        for variables in [r for r in items if r.type.endswith("railway:Variables") and "autoscaler" in r.name]:
            variables.property_dependencies = {
                **variables.property_dependencies,
                "sealedVariables": [u for u in variables.property_dependencies["sealedVariables"]
                                    if "accessPolicyToken" not in u]}

    assert any("own write-only metrics token" in m for m in broken("production", "worker-metrics-pushed", typed))


def test_metrics_outside_india_are_refused() -> None:
    [message] = broken("production", "metrics-region-in-india")
    assert "'prod-us-central-0', outside India" in message


def test_vercel_rules_must_notify_and_exist_as_the_plan_allows() -> None:
    assert any("notifies no one" in m for m in broken("production", "api-alert-rules"))

    def no_custom(items: list[PlannedResource]) -> None:
        items[:] = [r for r in items if r.type != policy.V_CUSTOM_RULE]

    assert any("has Observability Plus, yet" in m for m in broken("production", "api-alert-rules", no_custom))
    # Staging has no Observability Plus: the built-in rule alone passes there.
    assert broken("staging", "api-alert-rules", lambda items: None) == []


def test_the_advisors_check_must_run_at_least_daily() -> None:
    assert any("is not scheduled" in m for m in broken("production", "advisors-check-scheduled"))
    weekly = metrics_facts(lambda f: f.update(advisorsSchedule=["0 2 * * 1"]))
    assert any("less often than every 24 hours" in m for m in broken("production", "advisors-check-scheduled",
                                                                     weekly))
    twice = metrics_facts(lambda f: f.update(advisorsSchedule=["0 2,14 * * *"]))
    assert broken("production", "advisors-check-scheduled", twice) == []


def test_the_plan_gap_is_reported_when_observability_plus_is_missing() -> None:
    [message] = broken("production", "observability-plan-gaps")
    assert "Without Vercel Observability Plus" in message


def test_every_public_hostname_is_watched_and_pages_oncall() -> None:
    [message] = broken("production", "public-hostnames-watched")
    assert message.startswith("When api.lightspeedpay.com is down, its uptime check alerts nobody on call")

    def no_ssl_for_www(items: list[PlannedResource]) -> None:
        items[:] = [r for r in items if not (r.type == policy.C_SSL and "www" in r.name)]

    assert broken("production", "public-hostnames-watched", no_ssl_for_www) == [
        "www.lightspeedpay.com is public but has no active SSL monitor."]

    def checkout_unchecked(items: list[PlannedResource]) -> None:
        props(policy.C_CHECK, lambda p: p.update(activated=False) if "checkout" in str(p.get("name")) else None)(items)

    assert broken("production", "public-hostnames-watched", checkout_unchecked) == [
        "checkout.lightspeedpay.com is public but has no active uptime check."]


def test_a_heartbeat_that_pages_nobody_is_refused() -> None:
    def heartbeat_to_email_only(items: list[PlannedResource]) -> None:
        for heartbeat in of(items, policy.C_HEARTBEAT):
            heartbeat.property_dependencies = {**heartbeat.property_dependencies, "alertChannelSubscriptions": [
                u for u in heartbeat.property_dependencies["alertChannelSubscriptions"] if "pagerduty" not in u]}

    found = broken("production", "critical-alerts-reach-oncall", heartbeat_to_email_only)
    assert found and all("alerts nobody on call" in m for m in found)
