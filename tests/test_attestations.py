"""Sign-offs: well-formed in config, carried into the plan, required and current in production."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from config import PROJECT
from lightspeedpay_policies import checklist
from lightspeedpay_policies.attestations import today
from ops import check as check_cli
from ops import plan as plan_cli
from ops.analysis import PolicyRun, Violation, policy_config_path
from ops.resources import STACK_TYPE, PlannedResource
from tests.harness import REPO, analyze, of_policy, pack, plan, plan_violations, resources

POLICY = "checklist-attestations"


def with_records(stack: str, change: Any) -> list[PlannedResource]:
    """The stack's plan with its exported sign-offs edited: ``change(records)`` edits a copy in place."""
    items = resources(stack)
    root = next(r for r in items if r.type == STACK_TYPE)
    facts = json.loads(json.dumps(root.outputs["facts"]))
    change(facts["attestations"])
    root.outputs = {**root.outputs, "facts": facts}
    return items


def findings(violations: list[Violation], policy: str = POLICY) -> list[str]:
    return [v.message.rsplit("\n", 1)[-1] for v in of_policy(violations, policy)]


def record(date: dt.date, days: int, **extra: str) -> dict[str, str]:
    return {"by": "security@lightspeedpay.com", "date": date.isoformat(), "reference": "TEST-1",
            "validUntil": (date + dt.timedelta(days=days)).isoformat(), **extra}


# --- the program carries them ---------------------------------------------------------------------------

def test_production_exports_every_sign_off_from_its_stack_file() -> None:
    stack_file = yaml.safe_load((REPO / "Pulumi.production.yaml").read_text())["config"]
    configured = stack_file["lightspeedpay:attestations"]
    exported = plan("production").outputs["facts"]["attestations"]
    assert set(exported) == set(configured) == set(checklist.ATTESTATIONS)
    assert exported["security-audit"] == {"by": "security@lightspeedpay.com", "date": "2026-10-15",
                                          "reference": "PLACEHOLDER-AUDIT-0001", "validUntil": "2027-10-14"}
    assert all(r["reference"].startswith("PLACEHOLDER-") for r in exported.values())  # obviously not real
    assert plan("staging").outputs["facts"]["attestations"] == {}


def test_the_stack_resource_carries_them_to_analyze_stack() -> None:
    root = next(r for r in plan("production").resources if r.type == STACK_TYPE)
    assert root.outputs["facts"]["attestations"] == plan("production").outputs["facts"]["attestations"]


# --- config refuses malformed records (exit 2, naming the key) ---------------------------------------

def _stack_file(tmp_path: Path, change: Any) -> Path:
    document = yaml.safe_load((REPO / "Pulumi.production.yaml").read_text())
    change(document["config"]["lightspeedpay:attestations"])
    path = tmp_path / "Pulumi.production.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


@pytest.mark.parametrize(("change", "expected"), [
    (lambda r: r["security-audit"].update(by="the security team"), "attestations.security-audit.by"),
    (lambda r: r["security-audit"].update(date="15/10/2026"), "YYYY-MM-DD"),
    (lambda r: r["security-audit"].update(validUntil="2026-01-01"), "is before the sign-off date"),
    (lambda r: r["security-audit"].pop("reference"), "attestations.security-audit.reference: is required"),
    (lambda r: r["security-audit"].update(expires="2027-01-01"), "attestations.security-audit.expires"),
    (lambda r: r.update(SecurityAudit=r["security-audit"]), "lower kebab-case"),
])
def test_config_refuses_a_malformed_sign_off(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             change: Any, expected: str) -> None:
    path = _stack_file(tmp_path, change)
    assert plan_cli.main(["--stack", "production", "--config-file", str(path)]) == 2
    assert expected in capsys.readouterr().err


def test_unquoted_yaml_dates_read_as_the_cli_reads_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _stack_file(tmp_path, lambda r: r["security-audit"].update(date=dt.date(2026, 10, 15)))
    assert "date: 2026-10-15\n" in path.read_text()  # PyYAML writes a real YAML date, unquoted
    assert plan_cli.main(["--stack", "production", "--config-file", str(path)]) == 0
    capsys.readouterr()


# --- the policy --------------------------------------------------------------------------------------------

def test_clean_production_has_no_finding() -> None:
    violations = list(plan_violations("production"))
    assert findings(violations) == [] and findings(violations, "checklist-attestations-expiring") == []


def test_a_missing_sign_off_is_refused_in_production() -> None:
    violations = analyze("production", with_records("production", lambda r: r.pop("security-audit")), only=POLICY)
    [finding] = findings(violations)
    assert finding.startswith("[attestation security-audit] missing: An external security audit")
    assert all(v.mandatory for v in of_policy(violations, POLICY))


def test_a_stack_without_any_sign_off_is_refused_once_per_required_step() -> None:
    violations = analyze("production", with_records("production", lambda r: r.clear()), only=POLICY)
    assert sorted(checklist.tags_in("\n".join(findings(violations)))) == \
        [("attestation", key) for key in sorted(checklist.ATTESTATIONS)]


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda r: r.update({"security-audit": record(dt.date(1999, 6, 1), 200)}), "expired on 1999-12-18"),
    (lambda r: r.update({"security-audit": record(today() + dt.timedelta(days=10), 100)}),
     "sign-offs cannot be made in advance"),
    (lambda r: r.update({"security-scan": record(today(), 365)}), "at most 183 are allowed"),
    (lambda r: r["security-audit"].pop("reference"), "lacks reference"),
    (lambda r: r["security-audit"].update(validUntil="soon"), "must be dates written YYYY-MM-DD"),
    (lambda r: r.update({"security-audit": "done"}), "must be a mapping"),
    (lambda r: r.update({"secuirty-audit": record(today(), 30)}), "is not an attestation the checklist knows"),
])
def test_a_bad_sign_off_is_refused(edit: Any, expected: str) -> None:
    violations = analyze("production", with_records("production", edit), only=POLICY)
    assert any(expected in f for f in findings(violations)), findings(violations)
    assert of_policy(violations, POLICY) and all(v.mandatory for v in of_policy(violations, POLICY))


def test_the_last_valid_day_still_counts() -> None:
    last_day = record(today() - dt.timedelta(days=300), 300)
    violations = analyze("production", with_records("production", lambda r: r.update({"security-audit": last_day})),
                         only=POLICY)
    assert findings(violations) == []


def test_no_stack_resource_means_no_sign_off() -> None:
    items = [r for r in resources("production") if r.type != STACK_TYPE]
    assert any("No pulumi:pulumi:Stack" in f for f in findings(analyze("production", items, only=POLICY)))


def test_staging_requires_none_and_only_warns_about_a_bad_one() -> None:
    assert findings(list(plan_violations("staging"))) == []
    violations = analyze("staging", with_records(
        "staging", lambda r: r.update({"security-audit": record(dt.date(2020, 1, 1), 30)})), only=POLICY)
    assert any("expired" in f for f in findings(violations))
    assert not any(v.mandatory for v in violations)


def _run(tmp_path: Path, overrides: dict[str, Any]) -> PolicyRun:
    """Production's policy config with ``overrides`` on top and every policy they do not name disabled."""
    config = json.loads(policy_config_path("production").read_text())
    config.update({name: "disabled" for name in pack("production").policy_names() if name not in overrides})
    config.pop("all", None)
    config.update(overrides)
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(config))
    return PolicyRun("production", PROJECT, path)


def test_as_of_judges_expiry_on_another_day(tmp_path: Path) -> None:
    run = _run(tmp_path, {"all": "mandatory", POLICY: {"asOf": "2027-06-01"}})
    expired = {key for f in findings(run.analyze(resources("production")))
               for kind, key in checklist.tags_in(f) if kind == "attestation"}
    assert expired == {"security-scan", "performance-benchmarks", "database-access-review", "backup-verification",
                       "rollback-plan"}


def test_sign_offs_about_to_expire_are_a_warning_only(tmp_path: Path) -> None:
    run = _run(tmp_path, {"all": "mandatory", POLICY: {"asOf": "2027-05-01"},
                          "checklist-attestations-expiring": {"enforcementLevel": "advisory", "asOf": "2027-05-01"}})
    violations = run.analyze(resources("production"))
    assert findings(violations) == []
    expiring = findings(violations, "checklist-attestations-expiring")
    assert {key for f in expiring for _, key in checklist.tags_in(f)} == {
        "security-scan", "performance-benchmarks", "database-access-review", "backup-verification", "rollback-plan"}
    assert "expires on 2027-05-02, in 1 day(s)" in "\n".join(expiring)
    assert not any(v.mandatory for v in violations)


def test_repository_policy_config_keeps_the_warning_advisory_in_production() -> None:
    config = json.loads((REPO / "policies/config/production.json").read_text())
    assert config["checklist-attestations-expiring"] == "advisory"
    assert POLICY not in config  # mandatory through "all"


def test_an_audit_of_an_export_sees_the_sign_offs(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 production_export: Path) -> None:
    export = tmp_path / "plan.json"
    document = json.loads(production_export.read_text())
    root = next(r for r in document["deployment"]["resources"] if r["type"] == STACK_TYPE)
    assert set(root["outputs"]["facts"]["attestations"]) == set(checklist.ATTESTATIONS)
    del root["outputs"]["facts"]["attestations"]["payment-processor-agreements"]
    export.write_text(json.dumps(document))
    capsys.readouterr()
    assert check_cli.main(["--stack", "production", str(export)]) == 1
    assert "[attestation payment-processor-agreements] missing" in capsys.readouterr().out


def test_an_impossible_as_of_is_reported_not_crashed_on(tmp_path: Path) -> None:
    run = _run(tmp_path, {"all": "mandatory", POLICY: {"asOf": "2027-02-30"}})
    assert any("is not a calendar date" in f for f in findings(run.analyze(resources("production"))))
