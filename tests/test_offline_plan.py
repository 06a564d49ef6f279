"""The offline plan end to end: both stacks plan clean, the CLI's contract (output, exit codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import ConfigError
from ops import check as check_cli
from ops import plan as plan_cli
from ops.offline import run_program
from ops.resources import UNKNOWN
from tests.harness import REPO, analyze, pack, plan, plan_violations, resources

STACKS = ("production", "staging")


@pytest.mark.parametrize("stack", STACKS)
def test_stack_plans_with_no_mandatory_violation(stack: str) -> None:
    run = plan(stack)
    assert [v for v in plan_violations(stack) if v.mandatory] == []
    assert len([r for r in run.resources if r.custom]) > 20


def test_stacks_share_no_vendor_name() -> None:
    # A database role's name is scoped to its own database (project), which the stacks never share.
    scoped = ("pulumi-python:dynamic/supabase:Role",)

    def names(stack: str) -> set[str]:
        return {str(r.inputs.get("name")) for r in plan(stack).resources
                if r.custom and r.inputs.get("name") and r.type not in scoped}

    assert names("production").isdisjoint(names("staging"))


def _refused_keys(stack: str) -> list[str]:
    """The keys the program itself names when run as `pulumi up` (it stops before any resource)."""
    with pytest.raises(ConfigError) as refusal:
        run_program(stack, dry_run=False)
    return [issue.key for issue in refusal.value.issues]


def test_plan_cli_text_and_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    # Staging still holds example values: the plan lists what `pulumi up` would refuse, and stays exit 0.
    assert plan_cli.main(["--stack", "staging"]) == 0
    out = capsys.readouterr().out
    assert "Offline plan of stack 'staging'" in out
    assert "lightspeedpay:edge:VercelWebApp" in out
    section = out.split("Apply blockers (", 1)[1].split("\n\n", 1)[0]
    assert [line.split(" = ", 1)[0].strip() for line in section.splitlines()[1:]] == _refused_keys("staging")
    assert "OK: 0 mandatory" in out


def test_plan_cli_json_never_prints_a_secret(capsys: pytest.CaptureFixture[str]) -> None:
    assert plan_cli.main(["--stack", "production", "--json"]) == 0
    out = capsys.readouterr().out
    document = json.loads(out)
    assert set(document) == {"stack", "resources", "violations", "notVerified", "applyBlockers"}
    assert [b["key"] for b in document["applyBlockers"]] == _refused_keys("production")
    assert {"key": "lightspeedpay:database.allowedCidrs[0]", "value": "203.0.113.0/28"}.items() <= next(
        b for b in document["applyBlockers"] if b["key"] == "lightspeedpay:database.allowedCidrs[0]").items()
    assert document["stack"] == "production"
    first = document["resources"][1]
    assert set(first) == {"urn", "type", "name", "custom", "parent", "inputs"}
    assert "offline-placeholder" not in out and "offline-random" not in out
    provider = next(r for r in document["resources"] if r["type"] == "pulumi:providers:vercel")
    assert provider["inputs"]["apiToken"]["value"] == "[secret]"


def test_export_then_check_round_trip(capsys: pytest.CaptureFixture[str], production_export: Path) -> None:
    export = production_export
    text = export.read_text()
    assert "offline-placeholder" not in text and "offline-random" not in text
    document = json.loads(text)
    assert document["version"] == 3
    types = [r["type"] for r in document["deployment"]["resources"]]
    assert types[0] == "pulumi:pulumi:Stack" and "pulumi:providers:vercel" in types
    capsys.readouterr()
    assert check_cli.main(["--stack", "production", str(export)]) == 0
    assert "Compliance check of stack 'production'" in capsys.readouterr().out


def test_check_refuses_a_mutated_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], production_export: Path
) -> None:
    export = tmp_path / "plan.json"
    document = json.loads(production_export.read_text())
    for resource in document["deployment"]["resources"]:
        if resource["type"] == "cloudflare:index/zoneSetting:ZoneSetting" and resource["inputs"]["settingId"] == "ssl":
            resource["inputs"]["value"] = resource["outputs"]["value"] = "flexible"
    export.write_text(json.dumps(document))
    capsys.readouterr()
    assert check_cli.main(["--stack", "production", str(export)]) == 1
    out = capsys.readouterr().out
    assert "cloudflare-ssl-strict" in out and "FAILED: 1 mandatory" in out


def test_check_refuses_a_file_that_is_not_an_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text(json.dumps({"version": 2, "deployment": {}}))
    assert check_cli.main(["--stack", "production", str(bogus)]) == 2
    assert "version 3" in capsys.readouterr().err


def test_mutated_plan_is_refused_through_the_analyzer() -> None:
    items = resources("production")
    project = next(r for r in items if r.type == "vercel:index/project:Project")
    project.inputs["resourceConfig"]["functionDefaultRegions"] = ["iad1"]
    violations = analyze("production", items, only="vercel-functions-in-india")
    assert any(v.policy == "vercel-functions-in-india" and v.mandatory for v in violations)


def test_repository_layout_is_the_designed_one() -> None:
    for path in (
        "Pulumi.yaml",
        "Pulumi.production.yaml",
        "Pulumi.staging.yaml",
        "__main__.py",
        "components",
        "policies",
        "tests",
        "requirements.txt",
        "config",
        "providers",
        "ops",
        "policies/PulumiPolicy.yaml",
        "policies/__main__.py",
        "policies/requirements.txt",
        "policies/config/production.json",
        "policies/config/staging.json",
        ".ci/run",
    ):
        assert (REPO / path).exists(), path


@pytest.mark.parametrize("stack", STACKS)
def test_a_first_preview_keeps_every_policy_running_and_passing(stack: str) -> None:
    """As the engine's first `pulumi preview` sees the stack: ids and computed outputs unknown.

    A policy that reads an unknown value becomes an advisory "can't run during preview" notice, and one
    that takes "unknown" for "absent" blocks the preview; neither may happen.
    """
    run = run_program(stack, preview=True)
    assert any(UNKNOWN in str(r.inputs) for r in run.resources)
    violations = pack(stack).analyze(run.resources)
    assert [v.policy for v in violations if "can't run policy" in v.message] == []
    assert [v.policy for v in violations if v.mandatory] == []
