"""The on-call and metrics resources of both stacks under Pulumi's mocks: what is declared from config, and where
each secret goes (sealed, never plain)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.dashboards import PROMETHEUS_UID
from lightspeedpay_policies import oncall as policy
from ops.resources import PlannedResource, is_secret
from tests.harness import plan

STACKS = ("production", "staging")
AUTOSCALER_VARIABLES = "pulumi-python:dynamic/railway:Variables"


def of(stack: str, type_: str) -> list[PlannedResource]:
    return [r for r in plan(stack).resources if r.type == type_]


def depends_on(resource: PlannedResource, prop: str, type_: str) -> bool:
    return any(f"{type_}::" in urn for urn in resource.property_dependencies.get(prop, []))


@pytest.mark.parametrize(("stack", "members", "urgency"), [("production", 2, "high"), ("staging", 1, "low")])
def test_the_rotation_is_the_stack_files_members(stack: str, members: int, urgency: str) -> None:
    users = of(stack, policy.PD_USER)
    assert len(users) == members and all(u.inputs["email"].startswith("PLACEHOLDER-") for u in users)
    [schedule] = of(stack, policy.PD_SCHEDULE)
    [layer] = schedule.inputs["layers"]
    assert layer["rotationTurnLengthSeconds"] == 7 * 86_400 and len(layer["users"]) == members
    assert schedule.inputs["timeZone"] == "Asia/Kolkata"
    [escalation] = of(stack, policy.PD_ESCALATION)
    first, everyone = escalation.inputs["rules"]
    assert [t["type"] for t in first["targets"]] == ["schedule_reference"]
    assert [t["type"] for t in everyone["targets"]] == ["user_reference"] * members
    [service] = of(stack, policy.PD_SERVICE)
    assert service.inputs["incidentUrgencyRule"] == {"type": "constant", "urgency": urgency}
    assert depends_on(service, "escalationPolicy", policy.PD_ESCALATION)
    [provider] = of(stack, policy.PD_PROVIDER)
    assert provider.inputs["serviceRegion"] == "eu"


@pytest.mark.parametrize("stack", STACKS)
def test_the_events_key_is_secret_and_reaches_the_paging_contact_point(stack: str) -> None:
    [integration] = of(stack, policy.PD_INTEGRATION)
    assert integration.inputs["type"] == "events_api_v2_inbound_integration"
    assert "integrationKey" in integration.additional_secret_outputs
    assert is_secret(integration.outputs["integrationKey"])
    paging = next(p for p in of(stack, policy.G_CONTACT) if p.inputs.get("pagerduties"))
    [target] = paging.inputs["pagerduties"]
    assert is_secret(target["integrationKey"]) and target["severity"] == "critical"
    assert depends_on(paging, "pagerduties", policy.PD_INTEGRATION)


@pytest.mark.parametrize("stack", STACKS)
def test_grafana_scrapes_the_stacks_own_database_with_its_key_sealed(stack: str) -> None:
    [job] = of(stack, policy.G_SCRAPE)
    project = "lightspeedpay-production" if stack == "production" else "lightspeedpay-staging"
    assert job.inputs["url"].endswith(".supabase.co/customer/v1/privileged/metrics")
    assert job.inputs["authenticationMethod"] == "basic" and job.inputs["authenticationBasicUsername"] == "service_role"
    assert is_secret(job.inputs["authenticationBasicPassword"])
    assert depends_on(job, "authenticationBasicPassword", "pulumi-python:dynamic/supabase:Project")
    assert job.inputs["scrapeIntervalSeconds"] == (60 if stack == "production" else 120)
    [grafana] = of(stack, policy.G_STACK)
    assert grafana.inputs["regionSlug"] == "prod-ap-south-1" and grafana.inputs["deleteProtection"] is True
    assert project  # the scrape job is named per stack
    assert job.inputs["name"] == ("lightspeedpay" if stack == "production" else "lightspeedpay-staging") + "-supabase"


@pytest.mark.parametrize("stack", STACKS)
def test_the_autoscaler_gets_a_write_only_metrics_token_sealed(stack: str) -> None:
    [policy_resource] = of(stack, "grafana:cloud/accessPolicy:AccessPolicy")
    assert policy_resource.inputs["scopes"] == ["metrics:write"]
    assert [r["type"] for r in policy_resource.inputs["realms"]] == ["stack"]
    variables = next(v for v in of(stack, AUTOSCALER_VARIABLES) if "autoscaler" in v.name)
    sealed = variables.inputs["sealedVariables"]
    assert {"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_HEADERS"} <= set(sealed)
    assert not any(key.startswith("OTEL_EXPORTER_OTLP_METRICS") for key in variables.inputs["variables"])
    header = sealed["OTEL_EXPORTER_OTLP_METRICS_HEADERS"]
    assert is_secret(header) and header["value"].startswith("Authorization=Basic%20")
    endpoint = sealed["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]
    assert (endpoint["value"] if is_secret(endpoint) else endpoint).endswith(".grafana.net/otlp/v1/metrics")


@pytest.mark.parametrize("stack", STACKS)
def test_dashboards_and_rules_as_code(stack: str) -> None:
    dashboards = {d.name.rsplit("-", 1)[1]: json.loads(d.inputs["configJson"]) for d in of(stack, policy.G_DASHBOARD)}
    assert set(dashboards) == {"database", "workers"}
    for model in dashboards.values():
        assert model["uid"].startswith("lightspeedpay") and model["panels"]
        assert {p["datasource"]["uid"] for p in model["panels"]} == {PROMETHEUS_UID}
    [group] = of(stack, policy.G_RULES)
    severities: dict[str, Any] = {r["name"]: r["labels"]["severity"] for r in group.inputs["rules"]}
    assert [name for name, s in severities.items() if s == "critical"] == [
        "Database metrics endpoint down", "Database disk nearly full", "Job queue backing up",
        "Workers below their minimum"]
    for rule in group.inputs["rules"]:
        assert rule["condition"] == "C" and rule["noDataState"] == "Alerting"
        assert [d["refId"] for d in rule["datas"]] == ["A", "C"]


@pytest.mark.parametrize(("stack", "custom"), [("production", 2), ("staging", 0)])
def test_vercel_rules_follow_the_plan(stack: str, custom: int) -> None:
    [built_in] = of(stack, policy.V_ALERT_RULE)
    assert {t["type"] for t in built_in.inputs["triggers"]} == {"error_anomaly", "usage_anomaly"}
    assert built_in.inputs["ruleScope"]["type"] == "include"
    assert len(of(stack, policy.V_CUSTOM_RULE)) == custom
    assert len(of(stack, policy.V_SLACK_LINK)) == 1 + custom


@pytest.mark.parametrize("stack", STACKS)
def test_every_checkly_monitor_pages_through_the_oncall_channel(stack: str) -> None:
    [channel] = [c for c in of(stack, policy.C_CHANNEL) if c.inputs.get("pagerduty")]
    assert is_secret(channel.inputs["pagerduty"]["serviceKey"])
    assert depends_on(channel, "pagerduty", policy.PD_INTEGRATION)
    assert (channel.inputs["sendFailure"], channel.inputs["sendRecovery"], channel.inputs["sendDegraded"]) == (
        True, True, False)  # degradations stay with email and Slack
    monitors = [*of(stack, policy.C_CHECK), *of(stack, policy.C_SSL), *of(stack, policy.C_HEARTBEAT)]
    assert len(monitors) >= 8
    for monitor in monitors:
        assert channel.urn in monitor.property_dependencies["alertChannelSubscriptions"], monitor.name
