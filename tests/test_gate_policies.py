"""Gated promotion (issue 15 item 2): what the program declares for Vercel and Railway, and each gate policy
refusing its switch back and passing the planned stacks, through the real analyzer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.harness import analyze, mutate, of_policy, plan, plan_violations, refused, resources

PROJECT = "vercel:index/project:Project"
CHECK = "vercel:index/projectDeploymentCheck:ProjectDeploymentCheck"
ROLLING = "vercel:index/projectRollingRelease:ProjectRollingRelease"
TRIGGER = "pulumi-python:dynamic/railway:DeploymentTrigger"
POLICIES = ("vercel-no-auto-promotion", "vercel-deployment-check-blocking", "vercel-rolling-release-staged",
            "railway-waits-for-ci", "release-gates-declared")


def _of(stack: str, type_: str) -> list[Any]:
    return [r for r in plan(stack).resources if r.type == type_]


def test_both_stacks_are_gated_and_production_rolls_out_to_a_tenth_first() -> None:
    for stack in ("production", "staging"):
        for project in _of(stack, PROJECT):
            assert project.inputs["autoAssignCustomDomains"] is False
            assert project.inputs["gitProviderOptions"] == {"createDeployments": True}
        checks = _of(stack, CHECK)
        assert sorted(c.inputs["source"]["externalCheckName"] for c in checks) == ["e2e", "e2e", "smoke", "smoke"]
        for check in checks:
            assert check.inputs["blocks"] == "deployment-alias" and check.inputs["targets"] == ["production"]
            assert check.inputs["requires"] == "deployment-url" and check.inputs["isRerequestable"] is False
        triggers = {t.inputs["repository"]: t.inputs for t in _of(stack, TRIGGER)}
        assert set(triggers) == {"lightspeedpay/platform", "lightspeedpay/infrastructure"}
        assert all(t["checkSuites"] is True for t in triggers.values())
        assert not [v for v in plan_violations(stack) if v.policy in POLICIES]
    rollouts = _of("production", ROLLING)
    assert len(rollouts) == 2 and not _of("staging", ROLLING)
    assert all(r.inputs["advancementType"] == "manual-approval" for r in rollouts)
    assert [s["targetPercentage"] for s in rollouts[0].inputs["stages"]] == [10, 100]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.__setitem__("autoAssignCustomDomains", True), "autoAssignCustomDomains is not false"),
        (lambda p: p.pop("autoAssignCustomDomains"), "autoAssignCustomDomains is not false"),
        (lambda p: p["gitProviderOptions"].__setitem__("createDeployments", False), "createDeployments is false"),
    ],
    ids=["switched back", "left to the default", "no GitHub deployments"],
)
def test_automatic_promotion_switched_back_isrefused(change: Callable[[dict[str, Any]], None], message: str) -> None:
    for stack in ("production", "staging"):
        assert any(message in m for m in refused(mutate(stack, PROJECT, "api-project", change),
                                                  "vercel-no-auto-promotion", stack))


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.__setitem__("blocks", "none"),
        lambda p: p.__setitem__("targets", ["preview"]),
        lambda p: p.__setitem__("source", {"kind": "webhook"}),
    ],
    ids=["not blocking", "previews only", "not fed by a GitHub check"],
)
def test_a_deployment_check_that_does_not_gate_isrefused(change: Callable[[dict[str, Any]], None]) -> None:
    refused(mutate("production", CHECK, "web-deployment-check-e2e", change), "vercel-deployment-check-blocking")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.__setitem__("advancementType", "automatic"), "advances 'automatic'"),
        (lambda p: p["stages"][0].__setitem__("targetPercentage", 50), "sends 50% of production traffic"),
        (lambda p: p.__setitem__("stages", [{"targetPercentage": 10}]), "do not end at 100%"),
    ],
    ids=["on a timer", "half the traffic first", "never completes"],
)
def test_a_loose_rolling_release_isrefused(change: Callable[[dict[str, Any]], None], message: str) -> None:
    assert any(message in m for m in refused(mutate("production", ROLLING, "api", change),
                                              "vercel-rolling-release-staged"))


def test_railway_deploying_without_waiting_for_ci_isrefused() -> None:
    assert refused(mutate("production", TRIGGER, "worker", lambda p: p.__setitem__("checkSuites", False)),
                    "railway-waits-for-ci")


def test_a_deleted_gate_isrefused() -> None:
    without_check = [r for r in resources("production") if not (r.type == CHECK and r.name.endswith("api-deployment-"
                                                                                                      "check-smoke"))]
    assert refused(without_check, "release-gates-declared") == [
        "lightspeedpay-api has no deployment check for ['smoke']: a production deployment could be promoted without "
        "them."]
    without_rollout = [r for r in resources("production") if not (r.type == ROLLING and "web" in r.name)]
    assert refused(without_rollout, "release-gates-declared") == [
        "lightspeedpay-web has no rolling release: a release would move all production traffic at once."]
    without_trigger = [r for r in resources("staging") if not (r.type == TRIGGER and "worker" in r.name)]
    assert refused(without_trigger, "release-gates-declared", "staging") == [
        "Railway service lightspeedpay-staging-worker deploys every push of lightspeedpay/platform with no \"Wait "
        "for CI\" gate declared."]
    # Staging asks for no rolling release (policies/config/staging.json); everything else is the same.
    assert not of_policy(analyze("staging", resources("staging"), only="release-gates-declared"),
                         "release-gates-declared")
