"""The release workflow keeps the guide's order and runs the real commands (docs/release.md)."""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from graphql import parse, validate

from fakeapis.railway import railway_schema
from ops.release import STAGES, load_facts
from tests.harness import REPO
from tests.vendor_clis import Checker, check_ops, shell_lines, simple_commands

WORKFLOW = REPO / ".github" / "workflows" / "release.yml"
SCRIPTS = REPO / ".github" / "scripts"
TOOLS = "$/.github/actions/release-tools"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return document


def needs(job: dict[str, Any]) -> list[str]:
    value = job.get("needs", [])
    return [value] if isinstance(value, str) else list(value)


def runs(job: dict[str, Any]) -> list[str]:
    """The shell of each step, one logical line per command."""
    return [line.strip() for step in job["steps"] for line in shell_lines(step.get("run", "")) if line.strip()]


def test_the_jobs_run_in_the_guides_order(workflow: dict[str, Any]) -> None:
    jobs = workflow["jobs"]
    assert {job_id: needs(job) for job_id, job in jobs.items()} == {
        "prepare": [], "backup": ["prepare"], "migrate": ["prepare", "backup"], "api": ["prepare", "migrate"],
        "frontend": ["prepare", "api"], "jobs": ["prepare", "frontend"], "verify": ["prepare", "jobs"],
        "summary": ["prepare", "backup", "migrate", "api", "frontend", "jobs", "verify"]}
    # The guide's stages, each one needing the one before it (so no stage starts before its predecessor passed),
    # and the backup point before the migrations.
    assert STAGES == ("migrate", "api", "frontend", "jobs")
    assert "backup" in needs(jobs["migrate"])
    for earlier, later in itertools.pairwise(STAGES):
        assert earlier in needs(jobs[later]), (earlier, later)
    # Only the summary runs after a failure, and nothing skips a failed predecessor.
    assert [job_id for job_id, job in jobs.items() if "if" in job] == ["summary"]
    assert "always()" in jobs["summary"]["if"]
    assert workflow["concurrency"] == {"group": "release-${{ inputs.stack }}", "cancel-in-progress": False}


def test_each_job_runs_its_real_command(workflow: dict[str, Any]) -> None:
    jobs = workflow["jobs"]
    assert 'venv/bin/python -m ops.release --stack "$STACK" --ref "$REF" --github-output "$GITHUB_OUTPUT"' \
        in runs(jobs["prepare"])
    assert any(line.startswith("venv/bin/python -m ops.announce start ") for line in runs(jobs["prepare"]))
    # The status page hook: downtime only inside a declared (announced) maintenance window, before the announcement.
    assert runs(jobs["prepare"]).index(
        'venv/bin/python -m ops.maintenance --stack "$STACK" --minutes "$MAINTENANCE_MINUTES"') == 1
    assert runs(jobs["backup"])[-1] == ".github/scripts/release-backup"
    uses = [s.get("uses", "").split("@")[0] for s in jobs["backup"]["steps"]]
    assert uses[2] == "aws-actions/configure-aws-credentials"
    assert runs(jobs["migrate"]) == ['bash -euo pipefail -c "$MIGRATION_COMMAND"',
                                     'bash -euo pipefail -c "$VERIFY_COMMAND"']
    migrate_env = [s.get("env", {}) for s in jobs["migrate"]["steps"] if "run" in s]
    assert migrate_env[0]["MIGRATION_COMMAND"] == "${{ inputs.migration-command }}"
    assert migrate_env[1]["VERIFY_COMMAND"] == "${{ inputs.migration-verify-command }}"
    for stage, project in (("api", "api-project"), ("frontend", "web-project")):
        lines = runs(jobs[stage])
        assert lines[0].startswith('.github/scripts/release-vercel-promote "$PROJECT" '), stage
        promote_env = jobs[stage]["steps"][1]["env"]
        assert promote_env["PROJECT"] == f"${{{{ needs.prepare.outputs.{project} }}}}"
        # Promote (behind the deployment checks), smoke-test the canary, then complete the rolling release.
        assert lines[1] == f'venv/bin/python -m ops.smoke --stack "$STACK" --stage {stage}'
        assert lines[2] == '.github/scripts/release-vercel-complete "$PROJECT" "$PREVIOUS" "$RELEASED" "$SOAK_MINUTES"'
        complete = jobs[stage]["steps"][3]
        assert complete["if"] == "${{ needs.prepare.outputs.rolling-release == 'true' }}"
        assert complete["env"]["RELEASED"] == "${{ steps.promote.outputs.released }}"
    assert runs(jobs["jobs"])[-1] == '.github/scripts/release-railway-deploy "$SERVICE" "$ENVIRONMENT" "$REF"'
    assert runs(jobs["verify"]) == ['venv/bin/python -m ops.smoke --stack "$STACK"',
                                    ".github/scripts/release-checkly-trigger"]
    assert any("venv/bin/python -m ops.rollback" in line for line in runs(jobs["summary"]))
    assert any(line.startswith("venv/bin/python -m ops.announce finish ") for line in runs(jobs["summary"]))
    # Our tools come from this repository's copy at the workflow's commit, never from the caller's checkout.
    for job_id, job in jobs.items():
        uses = [s.get("uses") for s in job["steps"]]
        if job_id != "migrate":
            assert TOOLS in uses, job_id
            assert all(s.get("working-directory") == "${{ steps.tools.outputs.path }}" for s in job["steps"]
                       if "run" in s and s.get("id") != "restore-point"), job_id


def test_every_ops_command_of_the_workflow_parses(workflow: dict[str, Any]) -> None:
    """With the step's `env:` values put in (as the runner would), each `python -m ops.…` line parses."""
    sample = {"STACK": "production", "REF": "0" * 40, "RUN_URL": "https://github.com/lightspeedpay/platform/actions/runs/1",
              "ACTOR": "octocat", "MAINTENANCE_MINUTES": "30", "GITHUB_OUTPUT": "/tmp/out",
              "RESTORE_POINT": "1764540000",
              "BACKUP": "success", "MIGRATE": "success", "API": "failure", "FRONTEND": "skipped", "JOBS": "skipped",
              "VERIFY": "skipped"}
    parsed = 0
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            for line in shell_lines(step.get("run", "")):
                if "-m ops." not in line or "${args[@]}" in line:
                    continue
                expanded = re.sub(r"\$\{(\w+):\+([^}]*)\}", lambda m: m.group(2), line)
                expanded = re.sub(r"\$(\w+)", lambda m: sample[m.group(1)], expanded)
                for argv in simple_commands(expanded):
                    if "-m" in argv:
                        assert check_ops(argv[argv.index("-m") - 1:]) == "", argv
                        parsed += 1
    assert parsed == 7


def test_the_job_outputs_are_what_ops_release_writes(workflow: dict[str, Any], tmp_path: Path) -> None:
    from ops import release

    out = tmp_path / "github-output"
    assert release.main(["--stack", "production", "--ref", "a" * 40, "--github-output", str(out)]) == 0
    written = dict(line.split("=", 1) for line in out.read_text().splitlines())
    declared = workflow["jobs"]["prepare"]["outputs"]
    for key, value in declared.items():
        assert value == f"${{{{ steps.facts.outputs.{key} }}}}" and key in written, key
    used = set(re.findall(r"needs\.prepare\.outputs\.([\w-]+)", WORKFLOW.read_text()))
    assert used <= set(declared), used - set(declared)
    assert written["api-hosts"] == "api.lightspeedpay.com" and written["ref"] == "a" * 40


def test_the_release_names_are_the_programs(production_export: Path) -> None:
    """ops.release derives names by the components' rules: they must be the names the program declares."""
    facts = load_facts("production")
    resources = json.loads(production_export.read_text())["deployment"]["resources"]
    names = {(r["type"], (r.get("inputs") or {}).get("name") or (r.get("inputs") or {}).get("project_name"))
             for r in resources}
    assert ("vercel:index/project:Project", facts.api_project) in names
    assert ("vercel:index/project:Project", facts.web_project) in names
    assert ("pulumi-python:dynamic/railway:Service", facts.worker_service) in names
    assert ("pulumi-python:dynamic/railway:Project", facts.railway_project) in names
    assert ("pulumi-python:dynamic/supabase:Project", facts.supabase_project) in names


def test_the_summary_prints_the_rollback_of_what_the_release_changed(workflow: dict[str, Any], tmp_path: Path) -> None:
    """The summary's script, run for real: the API failed its smoke test after the migrations ran."""
    step = next(s for s in workflow["jobs"]["summary"]["steps"] if "ops.rollback" in s.get("run", ""))
    restore_point = int(time.time()) - 600
    summary = tmp_path / "summary.md"
    env = {**os.environ, "STACK": "production", "MIGRATE": "success", "API": "failure", "FRONTEND": "skipped",
           "JOBS": "skipped", "API_PREVIOUS": "dpl_1a2b3c4d5e6f", "FRONTEND_PREVIOUS": "", "JOBS_PREVIOUS": "",
           "API_RELEASED": "dpl_9z8y7x6w5v4u", "FRONTEND_RELEASED": "",
           "RESTORE_POINT": str(restore_point), "GITHUB_STEP_SUMMARY": str(summary)}
    script = step["run"].replace("venv/bin/python", shlex.quote(str(REPO / "venv" / "bin" / "python")))
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    text = summary.read_text()
    assert "vercel rollback dpl_1a2b3c4d5e6f --yes --timeout 5m --scope lightspeedpay" in text
    # The canary the release promoted: aborting its rolling release is the first move.
    assert ("vercel rolling-release abort --project lightspeedpay-api --scope lightspeedpay --dpl dpl_9z8y7x6w5v4u"
            in text)
    assert f"--timestamp {restore_point}" in text
    assert "lightspeedpay-web" not in text and "railway" not in text  # not deployed: nothing to undo
    assert text.index("API:") < text.index("Database:")  # the application first, then the data


def _script_commands() -> list[list[str]]:
    commands = []
    for path in sorted(SCRIPTS.glob("release-*")):
        for line in shell_lines(path.read_text()):
            commands += [argv for argv in simple_commands(line) if argv[0] in ("vercel", "railway") and len(argv) > 1]
    return commands


def test_the_scripts_vendor_commands_are_real() -> None:
    from tests.test_runbooks import require_clis

    require_clis()
    commands = _script_commands()
    checker = Checker()
    assert checker.check_all(commands) == []
    # list, api (the deployment's checks), inspect, promote, rolling-release complete; three `api`s and a list
    assert checker.checked == {"vercel": 5, "railway": 4}


def test_the_railway_documents_validate_against_railways_schema() -> None:
    from ops import rollback

    documents = [argv[2] for argv in _script_commands() if argv[:2] == ["railway", "api"]]
    facts = load_facts("production")
    documents += [argv[2] for line in rollback.rollback_plan(facts, rollback.Known(), ("jobs",))[0].commands
                  for argv in simple_commands(line) if argv[:2] == ["railway", "api"]]
    assert len(documents) == 4  # the token's project, the deploy, its status; the rollback
    for document in documents:
        assert validate(railway_schema(), parse(document)) == [], document


def _stub(directory: Path, name: str, body: str) -> None:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/usr/bin/env bash\n" + body)
    path.chmod(0o755)


@pytest.mark.parametrize("exit_code, expected", [(0, 0), (1, 1)])
def test_the_backup_point_waits_for_the_task_and_reads_its_exit_code(tmp_path: Path, exit_code: int,
                                                                      expected: int) -> None:
    """`aws` is a stand-in recording its calls (no AWS here); the script's own logic runs for real."""
    calls = tmp_path / "calls"
    _stub(tmp_path / "bin", "aws", f'''echo "$*" >> {calls}
case "$2" in
  run-task) echo arn:aws:ecs:ap-south-2:000000000000:task/backups/0123 ;;
  wait) [ -e {tmp_path}/waited ] || {{ touch {tmp_path}/waited; exit 255; }} ;;  # the 10-minute waiter gives up once
  describe-tasks) echo {exit_code} ;;
esac
''')
    env = {"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", "BACKUP_ECS_CLUSTER": "lightspeedpay-backups",
           "BACKUP_TASK_DEFINITION": "arn:aws:ecs:ap-south-2:000000000000:task-definition/backup:7",
           "BACKUP_SUBNETS": "subnet-1,subnet-2", "BACKUP_SECURITY_GROUPS": "sg-1", "STARTED_BY": "release-42"}
    done = subprocess.run([str(SCRIPTS / "release-backup")], env=env, capture_output=True, text=True, timeout=30,
                          check=False)
    assert done.returncode == expected, done.stdout + done.stderr
    made = calls.read_text().splitlines()
    assert made[0] == ("ecs run-task --cluster lightspeedpay-backups --task-definition "
                       "arn:aws:ecs:ap-south-2:000000000000:task-definition/backup:7 --launch-type FARGATE "
                       "--network-configuration awsvpcConfiguration={subnets=[subnet-1,subnet-2],securityGroups=[sg-1],"
                       "assignPublicIp=DISABLED} --started-by release-42 --count 1 --query tasks[0].taskArn "
                       "--output text")
    assert [call.split()[1] for call in made] == ["run-task", "wait", "wait", "describe-tasks"]
    assert "containers[?name=='backup'].exitCode" in made[-1]


def test_the_backup_point_refuses_missing_settings() -> None:
    done = subprocess.run([str(SCRIPTS / "release-backup")], env={"PATH": "/usr/bin:/bin"}, capture_output=True,
                          text=True, timeout=30, check=False)
    assert done.returncode == 2 and "BACKUP_ECS_CLUSTER is not set" in done.stdout


def _vercel_stub(tmp_path: Path, checks: str) -> Path:
    calls = tmp_path / "calls"
    _stub(tmp_path / "tools" / "vendor-clis" / "node_modules" / ".bin", "vercel", f'''echo "$*" >> {calls}
case "$1" in
  list) echo '{{"deployments": [{{"id": "dpl_new0000001", "state": "READY"}}]}}' ;;
  api) echo '{checks}' ;;
  inspect) echo '{{"id": "dpl_old0000001"}}' ;;
esac
''')
    return calls


def _promote(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "VERCEL_SCOPE": "lightspeedpay", "GITHUB_OUTPUT": str(tmp_path / "github-output"),
           "VERCEL_TOKEN": "test-token-not-real", "CHECKS_WAIT_SECONDS": "0"}
    script = [str(SCRIPTS / "release-vercel-promote"), "lightspeedpay-api", "api.lightspeedpay.com", "b" * 40]
    return subprocess.run(script, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30, check=False)


def test_the_vercel_stage_records_the_rollback_target_then_promotes(tmp_path: Path) -> None:
    """The promotion script with a stand-in CLI: what it asks Vercel, what it records, that it promotes."""
    calls = _vercel_stub(tmp_path, '{"checksState": "completed", "checksConclusion": "succeeded"}')
    done = _promote(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "github-output").read_text().splitlines() == ["released=dpl_new0000001",
                                                                     "previous=dpl_old0000001"]
    made = calls.read_text().splitlines()
    assert made == [f"list lightspeedpay-api --environment production --status READY --meta githubCommitSha={'b' * 40} "
                    "--format json --scope lightspeedpay --non-interactive",
                    "api /v13/deployments/dpl_new0000001 --scope lightspeedpay --non-interactive",
                    "inspect api.lightspeedpay.com --format json --scope lightspeedpay --non-interactive",
                    "promote dpl_new0000001 --yes --timeout 10m --scope lightspeedpay --non-interactive"]
    assert "test-token-not-real" not in done.stdout + done.stderr + "\n".join(made)  # the token stays in the env


@pytest.mark.parametrize(("checks", "why"), [
    ('{"checksState": "completed", "checksConclusion": "failed"}', "deployment checks ended failed"),
    ('{"checksState": "running"}', "still 'running' after 0s"),
    ('{"readyState": "READY"}', "has no deployment checks"),
], ids=["failed", "still running", "none registered"])
def test_a_deployment_that_has_not_passed_its_checks_is_not_promoted(tmp_path: Path, checks: str, why: str) -> None:
    calls = _vercel_stub(tmp_path, checks)
    done = _promote(tmp_path)
    assert done.returncode == 1 and why in done.stdout, done.stdout + done.stderr
    assert [line.split()[0] for line in calls.read_text().splitlines()] == ["list", "api"]  # nothing promoted


def test_the_rolling_release_is_completed_after_the_soak(tmp_path: Path) -> None:
    calls = _vercel_stub(tmp_path, "{}")
    env = {"PATH": "/usr/bin:/bin", "VERCEL_SCOPE": "lightspeedpay", "VERCEL_TOKEN": "test-token-not-real"}
    script = str(SCRIPTS / "release-vercel-complete")
    done = subprocess.run([script, "lightspeedpay-api", "dpl_old0000001", "dpl_new0000001", "0"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert calls.read_text().splitlines() == [
        "rolling-release complete --project lightspeedpay-api --dpl dpl_new0000001 --scope lightspeedpay "
        "--non-interactive"]
    # Nothing was promoted (the deployment already served the domains): nothing to complete.
    calls.unlink()
    same = subprocess.run([script, "lightspeedpay-api", "dpl_new0000001", "dpl_new0000001", "0"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=30, check=False)
    assert same.returncode == 0 and not calls.exists()
