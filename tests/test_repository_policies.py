"""Both repositories adopted and scanned (issue 15 item 1): what the program registers for GitHub, and each
repository policy refusing the careless edit and passing the planned stack, through the real analyzer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.harness import analyze, find, mutate, of_policy, plan, plan_violations, refused, resources

REPOSITORY = "github:index/repository:Repository"
ALERTS = "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts"
UPDATES = "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates"
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
ACCESS = "github:index/actionsRepositoryAccessLevel:ActionsRepositoryAccessLevel"
ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
PROTECTION = "lightspeedpay:repository:RepositoryProtection"
POLICIES = ("github-repository-scanning", "github-dependabot", "github-code-scanning-gate", "github-security-scanning",
            "github-security-licensed", "github-release-workflow-shared")


def test_both_repositories_are_adopted_protected_and_leave_the_teams_settings_alone() -> None:
    adopted = {r.inputs["name"]: r for r in plan("production").resources if r.type == REPOSITORY}
    assert set(adopted) == {"infrastructure", "platform"}
    for name, repository in adopted.items():
        assert repository.import_id == name and repository.protect
        assert {"allowMergeCommit", "deleteBranchOnMerge", "squashMergeCommitTitle"} <= set(repository.ignore_changes)
        assert repository.inputs["visibility"] == "private" and repository.inputs["archived"] is False
        analysis = repository.inputs["securityAndAnalysis"]
        # Split licensing (Secret Protection + Code Security): advanced_security must not be sent at all.
        assert "advancedSecurity" not in analysis
        assert {k: v["status"] for k, v in analysis.items()} == {
            "codeSecurity": "enabled", "secretScanning": "enabled", "secretScanningPushProtection": "enabled"}
    gates = {r.inputs["repository"]: r.inputs for r in plan("production").resources if r.type == RULESET}
    assert gates["platform"]["conditions"]["refName"]["includes"] == ["refs/heads/main"]
    assert gates["platform"]["rules"]["requiredCodeScanning"]["requiredCodeScanningTools"] == [
        {"tool": "CodeQL", "securityAlertsThreshold": "high_or_higher", "alertsThreshold": "errors"}]
    [access] = [r.inputs for r in plan("production").resources if r.type == ACCESS]
    assert access == {"repository": "infrastructure", "accessLevel": "organization"}
    assert not [r for r in plan("staging").resources if r.type.startswith("github:")]
    assert not [v for v in plan_violations("production") if v.policy in POLICIES]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["securityAndAnalysis"].__setitem__("secretScanning", {"status": "disabled"}), "Secret scanning"),
        (lambda p: p["securityAndAnalysis"].pop("secretScanningPushProtection"), "Push protection"),
        (lambda p: p.__setitem__("archived", True), "archived"),
    ],
    ids=["scanning off", "no push protection", "archived"],
)
def test_weakened_repository_isrefused(change: Callable[[dict[str, Any]], None], message: str) -> None:
    messages = refused(mutate("production", REPOSITORY, "application", change), "github-repository-scanning")
    assert any(message in m for m in messages)


def test_an_unprotected_repository_isrefused() -> None:
    items = resources("production")
    find(items, REPOSITORY, "infrastructure").protect = False
    assert any("not protected" in m for m in refused(items, "github-repository-scanning"))


def test_dependabot_switched_off_isrefused() -> None:
    refused(mutate("production", ALERTS, "application", lambda p: p.__setitem__("enabled", False)),
             "github-dependabot")
    refused(mutate("production", UPDATES, "infrastructure", lambda p: p.__setitem__("enabled", False)),
             "github-dependabot")


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p["rules"]["requiredCodeScanning"]["requiredCodeScanningTools"][0].__setitem__(
            "securityAlertsThreshold", "none"),
        lambda p: p.__setitem__("enforcement", "evaluate"),
        lambda p: p.__setitem__("bypassActors", [{"actorType": "OrganizationAdmin", "bypassMode": "always"}]),
    ],
    ids=["threshold none", "evaluate only", "bypass"],
)
def test_weakened_code_scanning_gate_isrefused(change: Callable[[dict[str, Any]], None]) -> None:
    refused(mutate("production", RULESET, "application", change), "github-code-scanning-gate")


@pytest.mark.parametrize(
    ("dropped", "name", "message"),
    [
        (RULESET, "application", "Nothing requires code scanning before a merge into lightspeedpay/platform@main"),
        (ALERTS, "infrastructure", "lightspeedpay/infrastructure has no Dependabot alerts"),
        (REPOSITORY, "application", "lightspeedpay/platform is protected but not adopted"),
    ],
    ids=["no gate", "no alerts", "not adopted"],
)
def test_a_deleted_scanning_resource_isrefused(dropped: str, name: str, message: str) -> None:
    items = [r for r in resources("production") if not (r.type == dropped and name in r.name)]
    assert any(message in m for m in refused(items, "github-security-scanning"))
    # The gate must cover the protected branch, not just exist.
    moved = mutate("production", RULESET, "application",
                   lambda p: p["conditions"]["refName"].__setitem__("includes", ["refs/heads/develop"]))
    refused(moved, "github-security-scanning")


def _organisation(change: Callable[[dict[str, Any]], None]) -> list[Any]:
    items = resources("production")
    change(find(items, PROTECTION).outputs["facts"])
    return items


def test_what_the_licences_do_not_cover_is_a_finding() -> None:
    messages = refused(_organisation(lambda f: f.__setitem__("securityProducts", [])), "github-security-licensed")
    assert sum("needs GitHub Secret Protection" in m for m in messages) == 2
    assert sum("needs GitHub Code Security" in m for m in messages) == 2
    team = refused(_organisation(lambda f: f.__setitem__("plan", "team")), "github-security-licensed")
    assert sum("need GitHub Enterprise" in m for m in team) == 2 and len(team) == 2
    assert any("need GitHub Team or Enterprise" in m
               for m in refused(_organisation(lambda f: f.__setitem__("plan", "free")), "github-security-licensed"))
    # The legacy bundle covers both; a public repository needs neither.
    legacy = _organisation(lambda f: f.__setitem__("securityProducts", ["advancedSecurity"]))
    assert not of_policy(analyze("production", legacy, only="github-security-licensed"), "github-security-licensed")
    public = _organisation(lambda f: f.__setitem__("securityProducts", []))
    for repository in [r for r in public if r.type == REPOSITORY]:
        repository.inputs["visibility"] = repository.outputs["visibility"] = "public"
    assert not of_policy(analyze("production", public, only="github-security-licensed"), "github-security-licensed")


def test_the_release_workflow_must_stay_callable_and_reviewed() -> None:
    no_access = [r for r in resources("production") if r.type != ACCESS]
    assert any("cannot call .github/workflows/release.yml" in m
               for m in refused(no_access, "github-release-workflow-shared"))
    refused(mutate("production", ACCESS, "", lambda p: p.__setitem__("accessLevel", "none")),
             "github-release-workflow-shared")
    # Releases run in the application repository's `production` environment: it is required like this one's.
    no_environment = [r for r in resources("production")
                      if not (r.type == ENVIRONMENT and "application" in r.name)]
    [message] = refused(no_environment, "github-repository-protected")
    assert message == ("lightspeedpay/platform has no 'production' environment: its production jobs "
                                       "would run without reviewers and without their secrets.")
