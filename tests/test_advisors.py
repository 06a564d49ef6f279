"""`python -m ops.advisors` against the spec-checking Supabase fake: the requests it sends, what it prints, its exit
codes; and the workflow that schedules it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.observability import ADVISORS_WORKFLOW, advisors_schedule
from fakeapis.server import FakeServer
from fakeapis.supabase import TOKEN, FakeSupabase
from ops import advisors
from tests.harness import REPO, plan
from tests.supabase_support import supabase_api_fixture, supabase_server_fixture  # noqa: F401

PROJECT = "lightspeedpay-production"  # lightspeedpay:database.projectName of the production stack file


def lint(name: str, level: str, category: str = "SECURITY", **extra: Any) -> dict[str, Any]:
    """An advisor lint in the shape of the spec's V1ProjectAdvisorsResponse (the fake checks its replies)."""
    return {"name": name, "title": name.replace("_", " ").capitalize(), "level": level, "facing": "EXTERNAL",
            "categories": [category], "description": f"{name} description", "detail": f"{name} detail",
            "remediation": f"https://supabase.com/docs/guides/database/database-linter?lint={name}",
            "cache_key": f"{name}_public_payments", "metadata": {"schema": "public", "name": "payments",
                                                                  "type": "table"}, **extra}


@pytest.fixture(name="api")
def api_fixture(supabase_api: tuple[FakeSupabase, FakeServer], monkeypatch: pytest.MonkeyPatch) -> FakeSupabase:
    fake, _server = supabase_api
    monkeypatch.setenv("SUPABASE_ACCESS_TOKEN", TOKEN)
    return fake


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = advisors.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_critical_findings_fail_with_a_line_each(api: FakeSupabase, capsys: pytest.CaptureFixture[str]) -> None:
    project = api.add_project(PROJECT)
    api.add_project("lightspeedpay-production-old")  # a name that contains the real one is not it
    project.advisors["security"] = [lint("rls_disabled_in_public", "ERROR"), lint("auth_otp_long_expiry", "WARN")]
    project.advisors["performance"] = [lint("unindexed_foreign_keys", "INFO", "PERFORMANCE"),
                                       lint("auth_rls_initplan", "ERROR", "PERFORMANCE")]
    code, out, err = run(capsys, "--stack", "production")
    assert code == 1, err
    lines = out.splitlines()
    assert lines[0].startswith("ERROR performance auth_rls_initplan: Auth rls initplan. auth_rls_initplan detail")
    assert lines[1].startswith("ERROR security rls_disabled_in_public:")
    assert lines[-1] == f"production ({project.ref}): 2 failing finding(s), 2 other (WARN/INFO) finding(s)."
    assert TOKEN not in out + err
    paths = [r.path.split("?")[0] for r in api.requests]
    assert paths == ["/v1/organizations/lightspeedpay/projects", f"/v1/projects/{project.ref}/advisors/performance",
                     f"/v1/projects/{project.ref}/advisors/security"]
    assert all(r.method == "GET" for r in api.requests)  # a check, never a change


def test_warnings_alone_pass_and_json_lists_them(api: FakeSupabase, capsys: pytest.CaptureFixture[str]) -> None:
    project = api.add_project(PROJECT)
    project.advisors["security"] = [lint("auth_leaked_password_protection", "WARN")]
    code, out, _err = run(capsys, "--stack", "production", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["ref"] == project.ref and document["failing"] == []
    assert document["counts"] == {"WARN": 1}
    assert document["findings"][0]["name"] == "auth_leaked_password_protection"


def test_ref_skips_the_lookup(api: FakeSupabase, capsys: pytest.CaptureFixture[str]) -> None:
    project = api.add_project("named-otherwise")
    code, _out, _err = run(capsys, "--stack", "staging", "--ref", project.ref)
    assert code == 0
    assert api.requests[0].path == f"/v1/projects/{project.ref}/advisors/performance"


def test_a_read_that_fails_does_not_pass(api: FakeSupabase, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    api.add_project(PROJECT)
    monkeypatch.setenv("SUPABASE_ACCESS_TOKEN", "test-token-revoked-not-real")
    code, out, err = run(capsys, "--stack", "production")
    assert code == 1 and out == ""
    assert "could not read the advisors, so the check does not pass" in err
    assert "test-token-revoked-not-real" not in err


@pytest.mark.parametrize(("argv", "token", "expected"), [
    ([], True, "the following arguments are required: --stack"),
    (["--stack", "nowhere"], True, "unknown stack 'nowhere'"),
    (["--stack", "production"], False, "SUPABASE_ACCESS_TOKEN is not set"),
    (["--stack", "production", "--ref", "NOT-A-REF"], True, "is not a Supabase ref"),
    (["--stack", "production"], True, "no project named 'lightspeedpay-production'"),
])
def test_bad_usage_is_exit_2_and_reads_nothing(api: FakeSupabase, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch, argv: list[str], token: bool,
                                               expected: str) -> None:
    if not token:
        monkeypatch.delenv("SUPABASE_ACCESS_TOKEN")
    code, _out, err = run(capsys, *argv)
    assert code == 2 and expected in err
    assert not [r for r in api.requests if "/advisors/" in r.path]


def test_the_workflow_schedules_the_check_daily_for_both_stacks() -> None:
    workflow = yaml.safe_load((REPO / ADVISORS_WORKFLOW).read_text())
    job = workflow["jobs"]["advisors"]
    assert job["strategy"]["matrix"]["stack"] == ["production", "staging"]
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    [step] = [s for s in job["steps"] if "run" in s]
    assert 'python -m ops.advisors --stack "$STACK"' in step["run"] and "set -o pipefail" in step["run"]
    # What the program publishes for the pack is what GitHub runs.
    assert advisors_schedule(REPO) == [entry["cron"] for entry in workflow[True]["schedule"]] == ["0 2 * * *"]
    metrics = next(r for r in plan("production").resources if r.type == "lightspeedpay:metrics:Metrics")
    assert metrics.outputs["facts"]["advisorsSchedule"] == ["0 2 * * *"]


def test_no_workflow_or_no_schedule_publishes_none(tmp_path: Path) -> None:
    assert advisors_schedule(tmp_path) == []
    path = tmp_path / ADVISORS_WORKFLOW
    path.parent.mkdir(parents=True)
    path.write_text("name: advisors\non:\n  workflow_dispatch:\njobs: {}\n")
    assert advisors_schedule(tmp_path) == []
