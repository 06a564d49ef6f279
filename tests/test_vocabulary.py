"""One contract for what the pack reads: shared vocabularies in one place, facts published once."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest

from config.from_pack import facts, thresholds
from lightspeedpay_policies import POLICIES
from ops.resources import STACK_TYPE
from tests.harness import REPO, plan

PUBLISHERS = {facts.STACK: facts.StackFacts, facts.JOBS: facts.JobsFacts, facts.DATABASE: facts.DatabaseFacts,
              facts.WEB_APP: facts.WebAppFacts}


def test_the_program_borrows_the_vocabulary_without_loading_the_pack() -> None:
    """config/from_pack.py is the one bridge; the pack's policies (and pulumi_policy) stay unloaded at plan time."""
    probe = ("import sys, config, config.key_modes, config.from_pack; "
             "print(sorted(m for m in sys.modules if m.startswith(('pulumi_policy', 'lightspeedpay_policies'))))")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == str(["lightspeedpay_policies", "lightspeedpay_policies.facts",
                                         "lightspeedpay_policies.thresholds"])


def test_config_uses_the_packs_own_constants() -> None:
    from config import database, jobs

    assert jobs.RAILWAY_REPLICA_CAP is thresholds.RAILWAY_REPLICA_CAP
    assert database.PITR_WORST_CASE_RPO_MINUTES == thresholds.PITR_WORST_CASE_RPO_MINUTES
    bridges = [path.relative_to(REPO).as_posix() for path in (REPO / "config").glob("*.py")
               if "sys.path" in path.read_text(encoding="utf-8")]
    assert bridges == ["config/from_pack.py"]


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
    with pytest.raises(facts.FactsError, match=re.escape("lack rtoMinutes, restoreDrillMinutes")):
        facts.read(facts.DatabaseFacts, {"production": True, "rpoMinutes": 5})
