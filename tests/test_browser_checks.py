"""Functional checks after a release (issue 15 item 5): the Playwright scripts as Checkly loads them, what the
stack declares for them, the release's trigger, and `browser-checks-cover-flows` through the real analyzer."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from components.browser_checks import FLOWS, SCRIPTS
from fakeapis.server import FakeServer, Reply
from tests.harness import REPO, analyze, find, mutate, of_policy, plan, plan_violations, refused, resources

CHECK = "checkly:index/check:Check"
GROUP = "checkly:index/checkGroupV2:CheckGroupV2"
TRIGGER = "checkly:index/triggerCheckGroup:TriggerCheckGroup"
SECRET = "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"
POLICY = "browser-checks-cover-flows"
OVERRIDES = {"ENVIRONMENT_URL", "VERCEL_AUTOMATION_BYPASS_SECRET"}
"""What the application repository sets when it runs the same scripts against a deployment (the `e2e` check)."""


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is required (.ci/run installs nodejs)")
        pytest.skip("node is not installed")
    return node


def _group(stack: str) -> dict[str, Any]:
    [group] = [r for r in plan(stack).resources if r.type == GROUP]
    return {v["key"]: v for v in group.inputs["environmentVariables"]}


def test_each_script_compiles_registers_one_test_and_reads_only_what_the_group_gives(tmp_path: Path) -> None:
    files = [str(SCRIPTS / f"{flow}.spec.js") for flow in FLOWS]
    assert sorted(p.name for p in SCRIPTS.glob("*.spec.js")) == sorted(f"{flow}.spec.js" for flow in FLOWS)
    done = subprocess.run([_node(), str(REPO / "tools" / "browser-checks" / "inspect.mjs"), *files],
                          capture_output=True, text=True, timeout=30, check=True)
    declared = set(_group("production"))
    for report in json.loads(done.stdout):
        assert len(report["tests"]) == 1 and report["requires"] == ["@playwright/test"], report
        assert set(report["env"]) <= declared | OVERRIDES, (report["file"], set(report["env"]) - declared)
    broken = tmp_path / "broken.spec.js"
    broken.write_text("const { test } = require('@playwright/test')\ntest('x', async () => { await })\n")
    bad = subprocess.run([_node(), str(REPO / "tools" / "browser-checks" / "inspect.mjs"), str(broken)],
                         capture_output=True, text=True, timeout=30, check=False)
    assert bad.returncode != 0 and "SyntaxError" in bad.stderr


def test_the_flows_are_declared_per_stack_with_a_payment_path_fit_for_its_keys() -> None:
    for stack, mode in (("production", "create-order-only"), ("staging", "test-end-to-end")):
        checks = {r.inputs["name"].rsplit(" ", 2)[-2]: r.inputs for r in plan(stack).resources
                  if r.type == CHECK and r.inputs.get("type") == "BROWSER"}
        assert set(checks) == set(FLOWS)
        for flow, inputs in checks.items():
            assert inputs["script"] == (SCRIPTS / f"{flow}.spec.js").read_text() and f"flow:{flow}" in inputs["tags"]
        variables = _group(stack)
        assert variables["PAYMENT_MODE"]["value"] == mode
        assert variables["SYNTHETIC_MERCHANT_KEY"]["secret"] is True
        assert variables["ADMIN_URLS"]["value"].count("/admin") == 4  # /admin and /api/admin, on the site and the API
    # Production delivers the trigger URL to the release's environment; nothing prints it.
    secret = find(plan("production").resources, SECRET)
    assert secret.inputs["secretName"] == "CHECKLY_RELEASE_CHECKS_URL" and secret.inputs["environment"] == "production"
    trigger = find(plan("production").resources, TRIGGER)
    assert trigger.urn in secret.property_dependencies["value"]
    assert "url" in trigger.additional_secret_outputs
    for stack in ("production", "staging"):
        assert not of_policy(list(plan_violations(stack)), POLICY)
        assert not of_policy(list(plan_violations(stack)), "browser-check-group")


def _refused_flows(items: list[Any], policy: str = POLICY) -> list[str]:
    return refused(items, policy)


def test_a_flow_left_unchecked_or_an_unsafe_payment_path_is_refused() -> None:
    without_admin = [r for r in resources("production") if not r.name.endswith("browser-admin-allowlist")]
    assert _refused_flows(without_admin) == [
        "No active browser check exercises the admin-allowlist flow: a release could break it unnoticed."]

    def variable(props: dict[str, Any], key: str) -> dict[str, Any]:
        listed = props["environmentVariables"]  # the outputs hold the list as one secret (it carries a secret)
        return next(v for v in (listed["value"] if isinstance(listed, dict) else listed) if v["key"] == key)

    def capture(props: dict[str, Any]) -> None:
        variable(props, "PAYMENT_MODE")["value"] = "test-end-to-end"

    assert any("production runs create-order-only" in m
               for m in _refused_flows(mutate("production", GROUP, "", capture), "browser-check-group"))
    # Staging may pay in test mode (policies/config/staging.json); production may not.
    assert not of_policy(analyze("staging", resources("staging"), only="browser-check-group"), "browser-check-group")

    def exposed(props: dict[str, Any]) -> None:
        variable(props, "SYNTHETIC_MERCHANT_KEY")["secret"] = False

    def elsewhere(props: dict[str, Any]) -> None:
        variable(props, "ORDER_URL")["value"] = "https://api.lightspeedpay-staging.com/v1/orders"

    assert any("not a secret Checkly variable" in m
               for m in _refused_flows(mutate("production", GROUP, "", exposed), "browser-check-group"))
    assert any("ORDER_URL is https://api.lightspeedpay-staging.com" in m
               for m in _refused_flows(mutate("production", GROUP, "", elsewhere), "browser-check-group"))
    edited = mutate("production", CHECK, "browser-checkout", lambda p: p.__setitem__("script", p["script"] + "\n//"))
    assert any("does not run the committed checks/browser/checkout.spec.js" in m for m in _refused_flows(edited))
    assert any("No trigger runs the browser checks" in m
               for m in _refused_flows([r for r in resources("production") if r.type != TRIGGER]))
    assert any("reaches no secret of the application repository's 'production' environment" in m
               for m in _refused_flows([r for r in resources("production") if r.type != SECRET]))


def test_the_release_trigger_posts_once_and_never_prints_the_url() -> None:
    script = REPO / ".github" / "scripts" / "release-checkly-trigger"
    replies = [Reply(202, {"testSessionId": "session-1"})]
    with FakeServer(lambda request: replies[0]) as checkly:
        url = f"{checkly.url}/check-groups/42/trigger/trigger-token-not-real"

        def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
            return subprocess.run([str(script)], env={"PATH": "/usr/bin:/bin", **env}, capture_output=True,
                                  text=True, timeout=60, check=False)

        done = run({"CHECKLY_RELEASE_CHECKS_URL": url})
        assert done.returncode == 0, done.stdout + done.stderr
        assert [(r.method, r.path) for r in checkly.requests] == [
            ("POST", "/check-groups/42/trigger/trigger-token-not-real")]
        replies[0] = Reply(401, {"message": "Unauthorized"})
        failed = run({"CHECKLY_RELEASE_CHECKS_URL": url})
        assert failed.returncode == 1 and "HTTP 401" in failed.stdout
        for output in (done, failed):
            assert "trigger-token-not-real" not in output.stdout + output.stderr
    assert run({}).returncode == 2
