"""The checklist table is the guide, verbatim and complete, and every name in it is accounted for."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from lightspeedpay_policies import POLICIES, checklist
from ops import checklist as checklist_cli
from tests.harness import REPO

GUIDE_SECTIONS = (
    "Pre-Deployment Checklist", "Infrastructure Setup", "Environment Configuration", "Payment Gateway Configuration",
    "Monitoring and Alerting", "Deployment Process", "Disaster Recovery", "Release Communication",
    "Documentation Updates",
)
"""Every section of the guide, in its order: the checklist module must carry each one's requirements."""


def guide_path() -> Path:
    """The deployment guide is the platform team's document, not part of this repository. Checked
    against it where a copy is at hand (``$LSP_DEPLOYMENT_GUIDE``, or the team's checkout layout with
    the guide beside this repository); the checklist module carries the guide's items either way."""
    configured = os.environ.get("LSP_DEPLOYMENT_GUIDE")
    path = Path(configured) if configured else REPO.parent / "shared" / "deployment-guide.md"
    if not path.is_file():
        if configured:
            pytest.fail(f"LSP_DEPLOYMENT_GUIDE names {path}, which is not a file")
        pytest.skip("the deployment guide is not beside this clone (set LSP_DEPLOYMENT_GUIDE to check the "
                    "checklist against it)")
    return path


def guide_items(text: str) -> list[tuple[str, str]]:
    """(section path, requirement) for every bullet of the guide and every line of its variable blocks."""
    h2 = h3 = group = ""
    items = []
    in_block = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_block = not in_block
        elif in_block:
            if line.strip():
                items.append((" › ".join(p for p in (h2, h3, group) if p), line.strip()))
        elif line.startswith("## "):
            h2, h3, group = line[3:].strip(), "", ""
        elif line.startswith("### "):
            h3, group = line[4:].strip(), ""
        elif match := re.match(r"^(?:\d+\. )?\*\*(.+)\*\*\s*$", line):
            group = match.group(1)
        elif match := re.match(r"^\s*- (?:\[ \] )?(.+?)\s*$", line):
            items.append((" › ".join(p for p in (h2, h3, group) if p), match.group(1)))
    return items


def test_the_checklist_is_every_requirement_of_the_guide_verbatim_and_in_order() -> None:
    expected = guide_items(guide_path().read_text(encoding="utf-8"))
    assert {section.split(" › ")[0] for section, _ in expected} == set(GUIDE_SECTIONS)
    assert [(item.section, item.text) for item in checklist.CHECKLIST] == expected


def test_the_checklist_carries_every_section_of_the_guide() -> None:
    """Without the guide at hand: every section is there, in order, each with requirements of its own."""
    seen = list(dict.fromkeys(item.section.split(" › ")[0] for item in checklist.CHECKLIST))
    assert seen == list(GUIDE_SECTIONS)
    assert len(checklist.CHECKLIST) == 137  # a guide edit must be reflected in the table
    variables = [item for item in checklist.CHECKLIST if item.section.startswith("Environment Configuration › "
                                                                                  "Production Environment Variables")]
    assert [item.text.split("=", 1)[0] for item in variables] == [
        "NEXT_PUBLIC_API_URL", "NEXT_PUBLIC_CHECKOUT_URL", "NEXT_PUBLIC_ENV", "DATABASE_URL", "SUPABASE_URL",
        "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY", "JWT_SECRET", "NODE_ENV", "DATABASE_URL", "REDIS_URL",
        "JOB_CONCURRENCY", "LOG_LEVEL", "NODE_ENV"]
    assert all(item.variable for item in variables)


def test_only_user_documentation_and_announcements_are_not_infrastructure() -> None:
    sections = {item.section for item in checklist.CHECKLIST if item.not_infrastructure}
    assert sections == set(checklist.NOT_INFRASTRUCTURE_SECTIONS)
    for item in checklist.CHECKLIST:
        # In those sections an item is either enforced (planned maintenance notifications, from the stack's own
        # declarations) or not infrastructure, with the reason.
        if item.section in checklist.NOT_INFRASTRUCTURE_SECTIONS and not (item.policies or item.declared):
            assert item.not_infrastructure.endswith("."), item.id


def test_the_database_url_template_is_superseded_by_least_privilege_roles() -> None:
    for item in checklist.CHECKLIST:
        if item.text.startswith("DATABASE_URL="):
            assert "postgres:[PASSWORD]" in item.text
            assert checklist.DATABASE_ROLES in item.policies
            assert "Superseded" in item.note and "least-privilege" in item.note


def test_every_mapped_policy_is_in_the_pack_or_explicitly_pending() -> None:
    in_pack = {p.name for p in POLICIES}
    missing = checklist.mapped_policies() - in_pack
    unknown = missing - checklist.PENDING_POLICIES
    landed = checklist.PENDING_POLICIES & in_pack
    assert not unknown, f"the checklist maps to policies that exist nowhere (typo, or add to PENDING_POLICIES): " \
                        f"{sorted(unknown)}"
    assert not landed, f"these policies are in the pack now; remove them from PENDING_POLICIES: {sorted(landed)}"
    assert missing == checklist.PENDING_POLICIES, \
        f"PENDING_POLICIES lists names no item maps to: {sorted(checklist.PENDING_POLICIES - missing)}"


def test_every_pack_policy_traces_to_an_item_or_says_why_not() -> None:
    in_pack = {p.name for p in POLICIES}
    untraced = in_pack - checklist.mapped_policies() - set(checklist.NOT_GUIDE_ITEMS)
    assert not untraced, f"map these policies to checklist items (or give a reason in NOT_GUIDE_ITEMS): " \
                         f"{sorted(untraced)}"
    assert set(checklist.NOT_GUIDE_ITEMS) <= in_pack
    assert set(checklist.ENFORCERS) <= in_pack


def test_every_attestation_is_used_and_has_a_sane_window() -> None:
    used = {item.attestation for item in checklist.CHECKLIST if item.attestation}
    assert used == set(checklist.ATTESTATIONS)
    for spec in checklist.ATTESTATIONS.values():
        assert 30 <= spec.max_days <= 366 and spec.what.endswith(".") and spec.basis


def test_a_malformed_table_is_refused_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    item = checklist.CHECKLIST[0]
    monkeypatch.setattr(checklist, "CHECKLIST", (*checklist.CHECKLIST, item))
    with pytest.raises(ValueError, match="unique"):
        checklist._check_table()
    monkeypatch.setattr(checklist, "CHECKLIST", (checklist.Item("x.y", "S", "Something"),))
    with pytest.raises(ValueError, match="no enforcement"):
        checklist._check_table()
    monkeypatch.setattr(checklist, "CHECKLIST", (checklist.Item("x.y", "S", "Something", not_infrastructure="Why."),))
    with pytest.raises(ValueError, match="only user documentation"):
        checklist._check_table()
    monkeypatch.setattr(checklist, "CHECKLIST", (checklist.Item("x.y", "S", "Something", attestation="nope"),))
    with pytest.raises(ValueError, match="unknown attestation"):
        checklist._check_table()


def test_violation_tags_round_trip() -> None:
    message = "Description of the policy.\n" + checklist.tagged("attestation", "security-audit", "missing")
    assert checklist.tags_in(message) == [("attestation", "security-audit")]
    assert checklist.tags_in("no tag here") == []


def _statuses(capsys: pytest.CaptureFixture[str], stack: str) -> dict[str, dict[str, Any]]:
    assert checklist_cli.main(["--stack", stack, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["stack"] == stack
    return {item["id"]: item for item in document["items"]}


def test_production_checklist_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    items = _statuses(capsys, "production")
    assert len(items) == len(checklist.CHECKLIST)
    assert set(checklist_cli.STATES) - {"not required"} >= {i["status"] for i in items.values()}
    # Every sign-off in the stack file is a placeholder: shown as such, never "attested until".
    audit = items["pre.compliance.security-audit"]
    assert audit["status"] == "placeholder sign-off" and audit["until"] is None
    [sign_off] = [e for e in audit["enforcedBy"] if e["what"].startswith("attestation security-audit:")]
    assert sign_off["status"] == "placeholder sign-off"
    assert sign_off["findings"] == ["reference PLACEHOLDER-AUDIT-0001 is a placeholder id or reference, not evidence: "
                                    "record the real one in lightspeedpay:attestations.security-audit"]
    assert not [i for i in items.values() if i["status"] == "attested"]
    assert items["infra.api.domain"]["status"] == "passes"
    assert items["infra.frontend.previews"]["status"] == "passes"
    assert items["infra.frontend.branch-protection"]["status"] == "passes"
    assert items["env.jobs.concurrency"]["status"] == "passes"
    # The least-privilege roles pass the superseded DATABASE_URL template.
    assert items["env.api.database-url"]["status"] == "passes"
    assert items["env.jobs.database-url"]["status"] == "passes"
    # The database is monitored (scrape, critical rules, scheduled advisors) and someone is on call.
    assert items["infra.db.monitoring"]["status"] == "passes"
    assert items["monitoring.alert.on-call"]["status"] == "passes"
    # Not yet covered, each with its reason: offline no backup has been read from Supabase.
    assert items["pre.infra.database-backup"]["status"] == "not yet covered"
    backups = items["pre.infra.database-backup"]["enforcedBy"][0]
    assert backups["status"] == "not yet covered" and "not verified here" in backups["what"]
    assert items["docs.user.faq"]["status"] == "not infrastructure"
    assert items["monitoring.app.sentry"]["status"] == "passes"


def test_staging_needs_no_sign_offs(capsys: pytest.CaptureFixture[str]) -> None:
    items = _statuses(capsys, "staging")
    assert items["pre.compliance.security-audit"]["status"] == "not required"
    assert items["infra.frontend.domain"]["status"] == "passes"


def _real_sign_offs(tmp_path: Path) -> Path:
    """Production's stack file with every sign-off's placeholder reference replaced by a real-looking one."""
    text = re.sub(r"reference: PLACEHOLDER-([A-Z]+-\d+)", r"reference: EVIDENCE-\1", (REPO / "Pulumi.production.yaml")
                  .read_text())
    path = tmp_path / "Pulumi.production.yaml"
    path.write_text(text)
    return path


def test_checklist_text_and_markdown(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stack_file = _real_sign_offs(tmp_path)
    assert checklist_cli.main(["--stack", "production", "--config-file", str(stack_file)]) == 0
    text = capsys.readouterr().out
    assert re.search(r"ATTESTED UNTIL 2027-10-14 +Security audit completed", text)
    assert re.search(r"PASSES +Set up automated backups \(daily\)|NOT YET COVERED +Set up automated backups", text)
    assert re.search(r"FAILS \(ADVISORY\) +Deploy to Railway Production", text)
    assert re.search(r"NOT INFRASTRUCTURE +Update user guides", text)
    assert "137 items:" in text and " 0 placeholder sign-offs" in text
    assert checklist_cli.main(["--stack", "production", "--config-file", str(stack_file), "--markdown"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("### Deployment checklist: `production`")
    assert "| 📝 | Security audit completed | attested until 2027-10-14 |" in markdown
    assert markdown.count("| | Item | Status | Enforced by |") == len({i.section for i in checklist.CHECKLIST})


def test_checklist_refuses_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert checklist_cli.main(["--stack", "nowhere"]) == 2
    assert "stack file not found" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"checklist-attestations": {"required": ["secuirty-audit"]}}))
    assert checklist_cli.main(["--stack", "production", "--policy-config", str(bad)]) == 2
    assert "checklist-attestations.required" in capsys.readouterr().err


def test_the_static_mapping_lists_every_item_and_marks_pending_policies(capsys: pytest.CaptureFixture[str]) -> None:
    assert checklist_cli.main(["--mapping"]) == 0
    mapping = capsys.readouterr().out
    for item in checklist.CHECKLIST:
        assert f"| {item.text} |" in mapping
    for name in checklist.PENDING_POLICIES:
        assert f"`{name}` ⏳" in mapping
    assert "`cloudflare-ssl-strict`," in mapping and "`cloudflare-ssl-strict` ⏳" not in mapping
    assert "not infrastructure: User documentation." in mapping and "not yet covered: " in mapping
