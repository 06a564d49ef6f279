"""The GitHub workflows keep the pipeline's rules (docs/pipeline.md), and the linters really lint."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness import REPO

GITHUB = REPO / ".github"
VENV_BIN = Path(sys.executable).parent  # the linters come with the test environment (requirements-dev.txt)
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
ACTIONS = sorted((GITHUB / "actions").glob("*/action.yml"))
PINNED = re.compile(r"^(?P<action>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40}) # (?P<tag>v\d+\.\d+\.\d+)$")
PULUMI_ACTION = "$/.github/actions/pulumi"
AWS_OIDC_ACTION = "aws-actions/configure-aws-credentials@"
RELEASE = "release.yml"


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


def jobs() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path in WORKFLOWS:
        for job_id, job in load(path)["jobs"].items():
            yield path.name, job_id, job


def steps_of(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if "runs" in document:
        yield from document["runs"].get("steps", [])
    for job in document.get("jobs", {}).values():
        yield from job.get("steps", [])


def uses_lines() -> list[tuple[str, str]]:
    """(file, the text after `uses:`, comment included) for every step of every workflow and action."""
    found = []
    for path in [*WORKFLOWS, *ACTIONS]:
        for line in path.read_text().splitlines():
            match = re.match(r"^\s*(?:- )?uses: (.+)$", line)
            if match:
                found.append((str(path.relative_to(REPO)), match.group(1).strip()))
    return found


def pin_table() -> set[tuple[str, str, str]]:
    rows = set()
    for line in (GITHUB / "ACTIONS.md").read_text().split("Looked at and deliberately not used")[0].splitlines():
        cells = [c.strip().strip("`") for c in line.split("|")[1:-1]]
        if len(cells) >= 3 and re.fullmatch(r"[0-9a-f]{40}", cells[2]):
            rows.add((cells[0], cells[1], cells[2]))
    return rows


def test_every_action_is_pinned_to_a_commit_recorded_in_the_table() -> None:
    table = pin_table()
    assert len(table) >= 6
    used = set()
    for where, uses in uses_lines():
        if uses.startswith("$/"):
            assert (REPO / uses[2:] / "action.yml").exists(), (where, uses)
            continue
        match = PINNED.match(uses)
        assert match, f"{where}: `uses: {uses}` is not `owner/repo@<full sha> # vX.Y.Z`"
        row = (match["action"], match["tag"], match["sha"])
        assert row in table, f"{where}: {row} is not in .github/ACTIONS.md"
        used.add(row)
    assert used == table, f"rows of .github/ACTIONS.md no workflow uses: {sorted(table - used)}"


def test_our_composite_actions_get_exactly_their_inputs() -> None:
    """actionlint checks the inputs of `./` actions, not of the `$/` (self-repository) form: this does."""
    calls = 0
    for path in WORKFLOWS:
        for step in steps_of(load(path)):
            uses = str(step.get("uses", ""))
            if not uses.startswith("$/"):
                continue
            inputs = load(REPO / uses[2:] / "action.yml").get("inputs", {})
            given = set(step.get("with", {}))
            required = {name for name, spec in inputs.items() if spec.get("required")}
            assert given <= set(inputs), f"{path.name}: {uses} has no input {sorted(given - set(inputs))}"
            assert required <= given, f"{path.name}: {uses} needs {sorted(required - given)}"
            calls += 1
    assert calls >= 8


def test_permissions_are_empty_at_the_top_and_granted_per_job() -> None:
    for path in WORKFLOWS:
        assert load(path)["permissions"] == {}, path.name
    for workflow, job_id, job in jobs():
        permissions = job.get("permissions")
        assert isinstance(permissions, dict) and permissions, f"{workflow} {job_id}: no job-level permissions"
        assert "write-all" not in str(permissions)
        uses = {step.get("uses") for step in job.get("steps", [])}
        # An OIDC token only where the Pulumi CLI runs or the release assumes its AWS role; issues only for
        # the drift issue job.
        oidc = PULUMI_ACTION in uses or any(str(u).startswith(AWS_OIDC_ACTION) for u in uses)
        assert (permissions.get("id-token") == "write") == oidc, (workflow, job_id)
        if "issues" in permissions:
            assert (workflow, job_id, permissions["issues"]) == ("drift.yml", "issue", "write")
        assert job.get("timeout-minutes"), f"{workflow} {job_id}: no timeout"


def test_no_checkout_keeps_credentials() -> None:
    checkouts = [s for path in [*WORKFLOWS, *ACTIONS] for s in steps_of(load(path))
                 if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert len(checkouts) >= 3
    assert all(s.get("with", {}).get("persist-credentials") is False for s in checkouts)


def test_the_pack_runs_only_after_both_virtualenvs_are_built() -> None:
    """The CLI runs a local pack from policies/venv, which only `pulumi install -C policies` builds."""
    composite = load(GITHUB / "actions" / "pulumi" / "action.yml")
    script = "\n".join(s.get("run", "") for s in composite["runs"]["steps"])
    assert script.index("pulumi install\n") < script.index("pulumi install -C policies")
    with_pack = 0
    for workflow, job_id, job in jobs():
        seen_setup = False
        for step in job.get("steps", []):
            seen_setup = seen_setup or step.get("uses") == PULUMI_ACTION
            if "policyPacks" in step.get("with", {}) or "--policy-pack " in step.get("run", ""):
                assert seen_setup, f"{workflow} {job_id}: the pack runs before {PULUMI_ACTION}"
                stack = "staging" if "staging" in str(step) else "production"
                config = step.get("with", {}).get("policyPackConfigs") or step.get("run", "")
                assert f"policies/config/{stack}.json" in config or "policies/config/$STACK.json" in config
                with_pack += 1
    assert with_pack == 5  # two previews, two rollouts, the nightly drift


def test_each_stack_is_updated_by_one_job_at_a_time() -> None:
    for _, job_id, job in jobs():
        if PULUMI_ACTION not in {s.get("uses") for s in job.get("steps", [])}:
            continue
        group = job["concurrency"]["group"]
        assert "production" in group or "staging" in group or "matrix.stack" in group, (job_id, group)
        if job_id.startswith("rollout-"):
            assert job["concurrency"]["cancel-in-progress"] is False  # never cancel an update under way
    assert load(GITHUB / "workflows" / "infrastructure.yml")["jobs"]["rollout-production"]["environment"] == \
        "production"


def test_the_required_checks_are_pull_request_jobs_of_that_name() -> None:
    stack_file = load(REPO / "Pulumi.production.yaml")
    required = stack_file["config"]["lightspeedpay:github"]["requiredChecks"]
    workflow = load(GITHUB / "workflows" / "infrastructure.yml")
    keys: dict[Any, Any] = workflow
    triggers = keys.get(True, {})  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in triggers
    names = {job.get("name", job_id): job for job_id, job in workflow["jobs"].items()}
    for check in required:
        assert check in names, f"required check {check} is no job's name"
        assert "push" not in names[check].get("if", ""), check


def test_the_readme_shows_the_drift_command_as_the_workflow_runs_it() -> None:
    drift = load(GITHUB / "workflows" / "drift.yml")["jobs"]["drift"]
    lines = [line.strip() for step in drift["steps"] for line in step.get("run", "").splitlines()]
    [command] = [line.split(" 2>&1")[0] for line in lines if line.startswith("pulumi preview")]
    assert "--refresh --expect-no-changes" in command
    assert command in (REPO / "README.md").read_text()


def test_one_story_for_backend_and_secrets() -> None:
    assert "backend" not in load(REPO / "Pulumi.yaml")
    for stack in ("production", "staging"):
        assert load(REPO / f"Pulumi.{stack}.yaml")["environment"] == [f"lightspeedpay/{stack}"]
    readme = (REPO / "README.md").read_text()
    assert "file://~" not in readme and "PULUMI_ACCESS_TOKEN: ${{ secrets" not in readme
    for path in WORKFLOWS:
        if path.name != RELEASE:
            assert "secrets." not in path.read_text(), f"{path.name} reads a stored secret"


def test_the_release_reads_secrets_only_in_its_environment_and_only_through_env() -> None:
    """Vercel, Railway, the migration's database and Slack have no OIDC: their tokens are secrets of the
    application repository's GitHub environment, read only by jobs bound to it, only in a step's `env:`."""
    workflow: dict[Any, Any] = load(GITHUB / "workflows" / RELEASE)
    declared = set(workflow[True]["workflow_call"]["secrets"])  # YAML 1.1 reads the key `on` as true
    readers = 0
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            assert "secrets." not in step.get("run", "") and "secrets." not in str(step.get("with", "")), job_id
            used = {m for value in step.get("env", {}).values() for m in re.findall(r"secrets\.(\w+)", str(value))}
            if used:
                assert job.get("environment") == "${{ inputs.stack }}", f"{job_id} reads {used} outside the environment"
                assert used <= declared, (job_id, used - declared)
                readers += 1
    # Slack (prepare, summary), the database (migrate, twice), Vercel (api, frontend: promote and complete), Railway,
    # Checkly (verify)
    assert readers == 10


def test_the_cli_version_is_the_sdk_pin() -> None:
    cli = (GITHUB / "pulumi-version").read_text().strip()
    for requirements in ("requirements.txt", "policies/requirements.txt"):
        assert f"pulumi=={cli}\n" in (REPO / requirements).read_text(), requirements


# --- the linters ./dev test runs really find what they are for -----------------------------------------

UNSAFE = """\
on: pull_request
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""


@pytest.fixture(scope="module")
def unsafe_workflow(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    path = root / ".github" / "workflows" / "unsafe.yml"
    path.parent.mkdir(parents=True)
    path.write_text(UNSAFE)
    return root


def lint(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VENV_BIN / command[0]), *command[1:]], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)


def test_actionlint_refuses_a_node20_action_and_passes_ours(unsafe_workflow: Path) -> None:
    found = lint("actionlint", ".github/workflows/unsafe.yml", cwd=unsafe_workflow)
    assert found.returncode == 1 and 'runtime "node20" is deprecated' in found.stdout
    assert lint("actionlint", *(str(p.relative_to(REPO)) for p in WORKFLOWS), cwd=REPO).returncode == 0


def test_zizmor_offline_refuses_unpinned_actions_and_persisted_credentials(unsafe_workflow: Path) -> None:
    found = lint("zizmor", "--offline", "--no-progress", "-q", ".github", cwd=unsafe_workflow)
    assert found.returncode != 0
    for audit in ("unpinned-uses", "artipacked", "template-injection", "excessive-permissions"):
        assert audit in found.stdout, audit
    ours = lint("zizmor", "--offline", "--pedantic", "--no-progress", "-q", ".github", cwd=REPO)
    assert ours.returncode == 0, ours.stdout
