"""Error-tracking policies through the real analyzer: each refuses the careless edit, passes the planned stacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from config import PROJECT
from ops.analysis import PolicyRun
from ops.offline import run_program
from tests.harness import REPO, analyze, find, mutate, of_policy, plan_violations, resources, single

SCRUBBING = "pulumi-python:dynamic/sentry:ProjectScrubbing"
ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
VARIABLES = "pulumi-python:dynamic/railway:Variables"
COMPONENT = "lightspeedpay:observability:ErrorTracking"
POLICIES = ("error-tracking-every-runtime", "sentry-scrubbing-enforced", "sentry-outside-india", "sentry-alerts-routed")
METRIC_ALERT = "sentry:index/sentryMetricAlert:SentryMetricAlert"
ISSUE_ALERT = "sentry:index/sentryIssueAlert:SentryIssueAlert"


def mandatory(stack: str, items: list[Any], policy: str) -> list[str]:
    return [v.message.split("\n", 1)[-1] for v in of_policy(analyze(stack, items, only=policy), policy) if v.mandatory]


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_the_planned_stacks_pass_and_report_where_sentry_stores_events(stack: str) -> None:
    violations = [v for v in plan_violations(stack) if v.policy in POLICIES]
    assert [v for v in violations if v.mandatory] == []
    residency = of_policy(violations, "sentry-outside-india")
    assert len(residency) == 3 and all(v.enforcement == "advisory" and "no India region" in v.message
                                       for v in residency)


@pytest.mark.parametrize(("change", "expected"), [
    (lambda p: p.update(dataScrubber=False), "Sentry's data scrubber is switched off"),
    (lambda p: p.update(dataScrubberDefaults=False), "its default sensitive keys is switched off"),
    (lambda p: p.update(scrubIpAddresses=False), "IP address scrubbing is switched off"),
    (lambda p: p["relayPiiConfig"]["applications"]["$string"].remove("lsp_upi_vpa"), "scrubs ['upi']"),
    (lambda p: p["relayPiiConfig"]["applications"].pop("$string"), "scrubs ['card', 'upi', 'account', 'token']"),
    (lambda p: p["relayPiiConfig"]["rules"].pop("lsp_token"), "rules that are not defined: ['lsp_token']"),
    (lambda p: p["sensitiveFields"].remove("vpa"), "sensitiveFields lacks ['vpa']"),
], ids=["scrubber-off", "defaults-off", "ips-kept", "no-vpa-rule", "no-free-text", "undefined-rule",
        "vpa-key-kept"])
def test_scrubbing_switched_off_or_short_of_a_class_is_refused(change: Any, expected: str) -> None:
    items = mutate("production", SCRUBBING, "workers-scrubbing", change)
    found = mandatory("production", items, "sentry-scrubbing-enforced")
    assert any(expected in message for message in found), found


def _without(items: list[Any], type_: str, name_part: str) -> list[Any]:
    target = find(items, type_, name_part)
    return [r for r in items if r is not target]


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda items: _without(items, SCRUBBING, "errors-workers-scrubbing"),
     "The workers runtime's Sentry project has no pulumi-python:dynamic/sentry:ProjectScrubbing attached"),
    (lambda items: _without(items, ENV_VAR, "web-env-next-public-sentry-dsn"),
     "The site runtime is not given its DSN (NEXT_PUBLIC_SENTRY_DSN"),
    (lambda items: _without(items, ENV_VAR, "api-env-sentry-dsn"), "The api runtime is not given its DSN (SENTRY_DSN"),
    (lambda items: _without(items, "sentry:index/sentryProject:SentryProject", "errors-api"),
     "The api runtime has no Sentry project"),
    (lambda items: _without(items, COMPONENT, "errors"), "declares no lightspeedpay:observability:ErrorTracking"),
], ids=["no-scrubbing", "site-no-dsn", "api-no-dsn", "no-project", "no-component"])
def test_a_runtime_without_tracking_scrubbing_or_its_dsn_is_refused(edit: Any, expected: str) -> None:
    found = mandatory("production", edit(resources("production")), "error-tracking-every-runtime")
    assert any(expected in message for message in found), found


def test_a_dsn_key_of_another_project_is_refused() -> None:
    items = resources("production")
    site = find(items, "sentry:index/sentryProject:SentryProject", "errors-site")
    key = find(items, "sentry:index/sentryKey:SentryKey", "errors-api-key")
    key.property_dependencies = {**key.property_dependencies, "project": [site.urn]}
    found = mandatory("production", items, "error-tracking-every-runtime")
    assert any("The api runtime's DSN key belongs to another Sentry project" in m for m in found), found


def test_the_workers_dsn_must_be_sealed_into_the_worker_itself() -> None:
    def unseal(props: dict[str, Any]) -> None:
        sealed = props["sealedVariables"]
        (sealed.get("value") if "value" in sealed and len(sealed) == 2 else sealed).pop("SENTRY_DSN")

    items = mutate("production", VARIABLES, "worker-variables", unseal)
    found = mandatory("production", items, "error-tracking-every-runtime")
    assert found == ["The workers runtime is not given its DSN (SENTRY_DSN from its Sentry key), so its SDK reports "
                     "nothing."], found


@pytest.mark.parametrize(("type_", "name", "change", "expected"), [
    (METRIC_ALERT, "api-error-spike", lambda p: p.update(triggers=[{**p["triggers"][0], "actions": []}]),
     "Nobody is alerted on an error spike in the api runtime"),
    (METRIC_ALERT, "workers-slow-transactions", lambda p: p.update(triggers=[]),
     "Nobody is alerted on slow transactions in the workers runtime"),
    (ISSUE_ALERT, "site-new-issue", lambda p: p.update(conditions=[{"id": "sentry.rules.conditions.every_event"}]),
     "Nobody is alerted on a new issue in the site runtime"),
    (METRIC_ALERT, "site-error-spike", lambda p: p.update(environment="staging"),
     "watches environment 'staging', not 'production'"),
    (VARIABLES, "worker-variables", lambda p: p["variables"].update(SENTRY_ENVIRONMENT="prod"),
     "The workers runtime does not tag its events with environment 'production': alert rules filtered on it would "
     "never fire (SENTRY_ENVIRONMENT)"),
    (ENV_VAR, "web-env-next-public-sentry-environment", lambda p: p.update(value="preview"),
     "The site runtime does not tag its events with environment 'production': alert rules filtered on it would "
     "never fire (NEXT_PUBLIC_SENTRY_ENVIRONMENT)"),
    (ENV_VAR, "api-env-sentry-traces-sample-rate", lambda p: p.update(value="0"),
     "The api runtime sends no transactions (no sample rate above 0)"),
    ("sentry:index/sentryProject:SentryProject", "errors-workers", lambda p: p.update(teams=[]),
     "No declared Sentry team owns the workers runtime's project"),
], ids=["spike-unrouted", "no-slow-trigger", "no-new-issue", "alert-other-env", "workers-env", "site-env",
        "no-samples", "no-team"])
def test_an_alert_that_reaches_nobody_or_never_fires_is_refused(type_: str, name: str, change: Any,
                                                                 expected: str) -> None:
    found = mandatory("production", mutate("production", type_, name, change), "sentry-alerts-routed")
    assert any(expected in message for message in found), found


def test_an_india_region_would_clear_the_residency_finding(tmp_path: Path) -> None:
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"all": "mandatory", "sentry-outside-india": {"indiaRegions": ["in"]}}))
    pack = PolicyRun("production", PROJECT, config)
    props = find(resources("production"), SCRUBBING, "api-scrubbing").inputs
    assert of_policy(pack.analyze(single(SCRUBBING, {**props, "region": "in"}), stack=False),
                     "sentry-outside-india") == []
    found = of_policy(pack.analyze(single(SCRUBBING, props), stack=False), "sentry-outside-india")
    assert [v.mandatory for v in found] == [True] and "region 'us'" in found[0].message


def test_slack_and_pagerduty_once_named_receive_the_alerts_and_only_spikes_page(tmp_path: Path) -> None:
    """Sentry's Slack and PagerDuty integrations are installed in its UI; named in the stack file, they are routed."""
    document = yaml.safe_load((REPO / "Pulumi.production.yaml").read_text())
    document["config"]["lightspeedpay:errorTracking"].update(
        slackIntegrationId="4101", pagerduty={"integrationId": "4102", "serviceId": "4103"})
    path = tmp_path / "Pulumi.candidate.yaml"
    path.write_text(yaml.safe_dump(document))
    items = run_program("production", config_file=path).resources

    def kinds(name_part: str) -> list[str]:
        return [a["type"] for t in find(items, METRIC_ALERT, name_part).inputs["triggers"] for a in t["actions"]]

    assert kinds("api-error-spike") == ["email", "slack", "pagerduty"]
    assert kinds("api-slow-transactions") == ["email", "slack"]  # slowness warns, never pages
    spike = find(items, METRIC_ALERT, "api-error-spike").inputs["triggers"][0]["actions"][2]
    assert (spike["integrationId"], spike["targetIdentifier"]) == (4102, "4103")
    issue = [a["id"] for a in find(items, ISSUE_ALERT, "site-new-issue").inputs["actions"]]
    assert issue == ["sentry.mail.actions.NotifyEmailAction",
                     "sentry.integrations.slack.notify_action.SlackNotifyServiceAction"]
    # As planned from the repository's stack file (no integration named yet): the team's email only.
    assert kinds_in_plan("api-error-spike") == ["email"]


def kinds_in_plan(name_part: str) -> list[str]:
    return [a["type"] for t in find(resources("production"), METRIC_ALERT, name_part).inputs["triggers"]
            for a in t["actions"]]
