"""Every command of the runbooks is real (docs/release.md): our own commands parse with their own parsers,
vendor commands exist with those flags in the pinned CLIs (or in the lists read from the CLIs' source)."""

from __future__ import annotations

import json
import os
import re

import pytest

from ops import rollback
from ops.release import load_facts
from tests import vendor_clis
from tests.harness import REPO
from tests.vendor_clis import Checker, shell_lines, simple_commands

pytestmark = pytest.mark.xdist_group("vendor-clis")  # one worker asks the CLIs, once, and caches the answers
RUNBOOKS = REPO / "docs" / "runbooks"
EXPECTED = ("deployment", "rollback", "database-restore", "incident", "secret-rotation", "dns-failover")
_FENCE = re.compile(r"^([ \t]*)```(\w*)\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"`([^`\n]+)`")


def commands_of(markdown: str) -> list[list[str]]:
    """The simple commands of a Markdown page: every line of its bash/sh code blocks, and every inline code
    span that starts with a program the checker knows."""
    found: list[list[str]] = []
    for _, language, body in _FENCE.findall(markdown):
        if language in ("bash", "sh", "shell", ""):
            for line in shell_lines("\n".join(part.strip() for part in body.splitlines())):
                found += list(simple_commands(line))
    prose = _FENCE.sub("", markdown)
    checker = Checker()
    for span in _INLINE.findall(prose):
        if span.split(" ")[0] in (*vendor_clis.CHECKED, "python", "venv/bin/python", "./dev") and " " in span:
            found += [argv for argv in simple_commands(span) if checker.program(argv)]
    return found


def require_clis() -> None:
    if not vendor_clis.installed():
        if os.environ.get("CI"):
            pytest.fail("the vendor CLIs of tools/vendor-clis are not installed (./dev installs them with npm ci)")
        pytest.skip("the vendor CLIs are not installed (npm missing): ./dev setup installs them")


@pytest.fixture(scope="module")
def runbook_check() -> tuple[Checker, list[str]]:
    require_clis()
    commands = [argv for name in EXPECTED for argv in commands_of((RUNBOOKS / f"{name}.md").read_text())]
    checker = Checker()
    return checker, checker.check_all(commands)


def test_the_runbooks_exist_and_are_linked() -> None:
    assert sorted(p.stem for p in RUNBOOKS.glob("*.md")) == sorted(EXPECTED)
    readme, release = (REPO / "README.md").read_text(), (REPO / "docs" / "release.md").read_text()
    for name in EXPECTED:
        assert f"docs/runbooks/{name}.md" in readme and f"runbooks/{name}.md" in release, name


def test_every_runbook_command_is_real(runbook_check: tuple[Checker, list[str]]) -> None:
    checker, problems = runbook_check
    assert problems == []
    # Each kind is really exercised (a checker that silently saw nothing would pass too).
    assert checker.checked["vercel"] >= 15 and checker.checked["supabase"] >= 3
    assert checker.checked["pulumi"] >= 10 and checker.checked["railway"] >= 2
    assert checker.checked["ops"] >= 10


def test_the_checker_refuses_what_is_not_real() -> None:
    require_clis()
    bad = [
        "vercel rollback dpl_x --yes --bogus-flag",                    # a flag the command lacks
        "vercel rolling-release abort --deployment dpl_x",             # --dpl is the flag
        "vercel rollbak dpl_x",                                        # no such command
        "supabase backups restore --project-ref x --time 1",           # --timestamp is the flag
        "supabase backups undo --project-ref x",                       # no such subcommand
        "pulumi stack rollback --stack x",                             # not in the reference list
        "pulumi up --stack x --policypack policies",                   # misspelt flag
        "railway redeploy --service x --force",                        # no such flag
        "python -m ops.rollback --stack production --stage web",       # not a choice of its parser
        "python -m ops.nothing --stack production",                    # no such module
        "./dev deploy",                                                # ./dev has no such command
    ]
    commands = [argv for line in bad for argv in simple_commands(line)]
    problems = Checker().check_all(commands)
    assert len(problems) == len(bad), "\n".join(problems)


def test_the_vercel_command_table_is_what_the_cli_prints(runbook_check: tuple[Checker, list[str]]) -> None:
    """The table the checks use is the installed CLI's: a real `vercel promote --help` lists the same options."""
    answers = json.loads(vendor_clis.CACHE.read_text())
    lock = json.loads((vendor_clis.VENDOR / "package-lock.json").read_text())
    assert answers["vercel"]["table"]["version"] == lock["packages"]["node_modules/vercel"]["version"]
    printed = answers["vercel"]["promote_help"]
    options = printed.split("Options:")[1].split("Global Options:")[0]
    shown = set(re.findall(r"--([a-z][\w-]*)", options))
    table = vendor_clis.vercel_tree(answers).subcommands["promote"]
    own = {name for name in table.flags if name not in {o["name"] for o in answers["vercel"]["table"]["global"]}}
    assert shown == own == {"timeout", "yes"}
    assert answers["vercel"]["table"]["undefined"] == ["help", "sandbox"]  # no command we use is missing
    names = {c["name"] for c in answers["vercel"]["table"]["commands"]}
    assert {"promote", "rollback", "rolling-release", "list", "inspect", "firewall", "redeploy"} <= names


def test_the_vendor_clis_are_pinned_exactly() -> None:
    for folder in ("vendor-clis", "railway-cli"):
        package = json.loads((REPO / "tools" / folder / "package.json").read_text())
        lock = json.loads((REPO / "tools" / folder / "package-lock.json").read_text())
        for name, version in package["dependencies"].items():
            assert re.fullmatch(r"\d+\.\d+\.\d+", version), (name, version)
            assert lock["packages"][f"node_modules/{name}"]["version"] == version
            assert lock["packages"][f"node_modules/{name}"]["integrity"].startswith("sha512-")
    railway = json.loads((REPO / "tools" / "railway-cli" / "package.json").read_text())["dependencies"]["@railway/cli"]
    reference = vendor_clis.reference("railway")
    assert reference["describe"].lstrip("v").rsplit(".", 1)[0] == railway.rsplit(".", 1)[0]  # same minor release
    for cli in ("pulumi", "railway"):
        document = vendor_clis.reference(cli)
        assert re.fullmatch(r"[0-9a-f]{40}", document["commit"]) and document["commands"]
        for path, command in document["commands"].items():
            assert command["source"] and command["flags"], (cli, path)


def test_the_rollback_runbook_shows_what_ops_rollback_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert rollback.main(["--stack", "production"]) == 0
    printed = {line.split("   #")[0].strip() for line in capsys.readouterr().out.splitlines()
               if line and not line.startswith("#")}
    section = (RUNBOOKS / "rollback.md").read_text().split("## The commands")[1].split("## After")[0]
    shown = {line.strip() for _, _, body in _FENCE.findall(section) for line in body.splitlines() if line.strip()}
    key = ("railway", "vercel rolling-release", "vercel list", 'vercel rollback "', "supabase backups restore",
           "pulumi stack history", "pulumi up", "git checkout")
    runbook_commands = {line for line in shown if line.startswith(key)}
    assert len(runbook_commands) >= 10
    assert runbook_commands <= printed, sorted(runbook_commands - printed)


def test_every_rollback_command_printed_is_real() -> None:
    require_clis()
    commands = []
    for stack in ("production", "staging"):
        facts = load_facts(stack)
        recorded = rollback.Known(previous={"api": "dpl_1a2b3c4d5e6f", "frontend": "dpl_6f5e4d3c2b1a",
                                            "jobs": "0b9c2a51-5e4f-4b4e-9d0a-2f1e3c4d5a6b"},
                                  released={"api": "dpl_99aa88bb77cc"}, restore_point=1_764_540_000)
        for known in (rollback.Known(), recorded):
            for action in rollback.rollback_plan(facts, known):
                commands += [argv for line in action.commands for argv in simple_commands(line)]
    checker = Checker()
    assert checker.check_all(commands) == []
    assert {"vercel", "supabase", "railway", "pulumi"} <= set(checker.checked)


def test_the_restore_runbook_states_each_stacks_rpo_and_rto() -> None:
    text = (RUNBOOKS / "database-restore.md").read_text()
    for stack in ("production", "staging"):
        facts = load_facts(stack)
        row = next(line for line in text.splitlines() if line.startswith(f"| {stack} |"))
        assert f"| {facts.rpo_minutes} min |" in row and f"| {facts.rto_minutes} min |" in row, row
        assert ("PITR" in row) == bool(facts.pitr_days)


def test_the_incident_and_rotation_runbooks_cover_what_the_issue_asks() -> None:
    incident = (RUNBOOKS / "incident.md").read_text()
    assert "vercel firewall attack-mode enable" in incident and "within 6 hours" in incident
    assert "attackChallengeUntilMs" in incident  # the stack must agree, or the next `pulumi up` undoes it
    rotation = (RUNBOOKS / "secret-rotation.md").read_text()
    for needed in ("JWT_SECRET", "razorpayWebhookSecret", "razorpayKeySecret", "supabaseAccessToken",
                   "--run-program", "run `pulumi up` first"):
        assert needed in rotation, needed
