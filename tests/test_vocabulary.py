"""One contract for what the pack reads: shared vocabularies in one place (policies/lightspeedpay_vocabulary/),
one bridge to them from the program (config/vocabulary.py), facts published once."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from config.vocabulary import facts, thresholds
from lightspeedpay_policies import POLICIES
from ops.resources import STACK_TYPE
from tests.harness import REPO, plan

VOCABULARY = REPO / "policies" / "lightspeedpay_vocabulary"
PUBLISHERS = {facts.STACK: facts.StackFacts, facts.JOBS: facts.JobsFacts, facts.DATABASE: facts.DatabaseFacts,
              facts.WEB_APP: facts.WebAppFacts, facts.BACKUPS: facts.BackupFacts, facts.LOG_STORE: facts.LogStoreFacts}


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return names | {node.module for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module and not node.level}


def test_the_program_never_imports_the_pack_and_has_one_bridge_to_the_vocabulary() -> None:
    """The program (__main__.py, config/, components/, and the providers the engine's host loads) reaches
    what it shares with the pack only through config/vocabulary.py, and loading it loads the vocabulary
    and nothing of the pack or pulumi_policy."""
    program = [REPO / "__main__.py", *(REPO / "config").glob("*.py"), *(REPO / "components").glob("*.py"),
               *(REPO / "providers").rglob("*.py")]
    for path in program:
        pack = {name for name in _imported(path) if name.startswith(("lightspeedpay_policies", "pulumi_policy"))}
        assert pack == set(), path.name
    bridges = sorted(path.relative_to(REPO).as_posix() for path in program
                     if "sys.path" in path.read_text(encoding="utf-8")
                     or any(name.startswith("lightspeedpay_vocabulary") for name in _imported(path)))
    assert bridges == ["config/vocabulary.py"]
    # In a fresh interpreter (this one has the pack loaded): the whole config layer, as a plan loads it.
    probe = ("import json, sys, config, config.key_modes, config.placeholders, config.vocabulary; "
             "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('lightspeedpay_', 'pulumi_policy')))))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True,
                         timeout=120).stdout
    assert json.loads(out) == ["lightspeedpay_vocabulary", "lightspeedpay_vocabulary.facts",
                               "lightspeedpay_vocabulary.oncall", "lightspeedpay_vocabulary.placeholders",
                               "lightspeedpay_vocabulary.scrubbing",
                               "lightspeedpay_vocabulary.thresholds"]


def test_the_vocabulary_is_stdlib_only() -> None:
    for module in VOCABULARY.glob("*.py"):
        imported = {name.split(".")[0] for name in _imported(module)}
        assert imported - {"__future__"} <= sys.stdlib_module_names, module.name


def _literal_constants(path: Path) -> list[tuple[str, Any]]:
    """(NAME, value) of each module-level constant assigned a literal."""
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and target.id.isupper():
                try:
                    found.append((target.id, ast.literal_eval(value)))
                except ValueError:
                    continue
    return found


def _comparable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple | frozenset | set) else value


def test_no_shared_vocabulary_is_copied_anywhere_else() -> None:
    """Each list or table the pack shares with the program is written once, in the vocabulary: config,
    components, the providers, ops and the pack's own modules import it (a copy would drift)."""
    shared = {name: _comparable(value) for name, value in vars(thresholds).items()
              if name.isupper() and isinstance(value, tuple | dict) and len(value) > 1}
    modules = [REPO / "__main__.py", *(REPO / "config").glob("*.py"), *(REPO / "components").glob("*.py"),
               *(REPO / "providers").rglob("*.py"), *(REPO / "ops").rglob("*.py"),
               *(REPO / "policies" / "lightspeedpay_policies").glob("*.py")]
    copies = [f"{path.relative_to(REPO)}: {name} = {shared_name}" for path in modules
              for name, value in _literal_constants(path)
              for shared_name, shared_value in shared.items() if _comparable(value) == shared_value]
    assert copies == []


def test_policies_read_their_config_one_way() -> None:
    """Every threshold is a meta.Setting (its default from thresholds.py); no literal fallback anywhere."""
    sources = {path.name: path.read_text(encoding="utf-8")
               for path in (REPO / "policies" / "lightspeedpay_policies").glob("*.py")}
    offenders = sorted(name for name, text in sources.items() if name != "meta.py" and "get_config()" in text)
    assert offenders == []
    for policy in POLICIES:
        schema = policy.config_schema.properties if policy.config_schema else {}
        for key, fragment in schema.items():
            assert "type" in fragment, f"{policy.name}.{key}"


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_every_publisher_publishes_its_record(stack: str) -> None:
    published: dict[str, list[Any]] = {}
    for resource in plan(stack).resources:
        record = PUBLISHERS.get(resource.type)
        if record is not None:
            published.setdefault(resource.type, []).append(facts.read(record, resource.outputs[facts.FACTS_KEY]))
    assert set(published) == set(PUBLISHERS)
    assert sorted(f.role for f in published[facts.WEB_APP]) == ["api", "site"]
    [jobs] = published[facts.JOBS]
    worker = next(r for r in plan(stack).resources if r.urn == jobs.worker_service)
    assert worker.type == "pulumi-python:dynamic/railway:Service" and worker.name.endswith("-jobs-worker")
    [stack_facts] = published[STACK_TYPE]
    assert stack_facts.environment == stack and stack_facts.esc_environments == list(plan(stack).environments)


def test_a_missing_field_is_named() -> None:
    with pytest.raises(facts.FactsError, match=re.escape("lack rpoMinutes, rtoMinutes")):
        facts.read(facts.DatabaseFacts, {"production": True})
