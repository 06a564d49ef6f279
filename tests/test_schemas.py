"""Project, stack, policy-pack and policy-config files validate against Pulumi's schemas."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import schemas
from tests.harness import REPO


def _schema(relative: str) -> dict[str, Any]:
    return dict(schemas.load_json("pulumi", *relative.split("/")))


def _validator(relative: str) -> jsonschema.protocols.Validator:
    schema = _schema(relative)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _errors(validator: jsonschema.protocols.Validator, document: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_project_file_validates_and_uses_python_with_a_virtualenv() -> None:
    document = yaml.safe_load((REPO / "Pulumi.yaml").read_text())
    assert _errors(_validator("project.json"), document) == []
    assert document["name"] == "lightspeedpay"
    assert document["runtime"]["name"] == "python"
    assert document["runtime"]["options"]["virtualenv"] == "venv"


def test_project_schema_really_refuses_a_broken_project() -> None:
    assert _errors(_validator("project.json"), {"name": "x", "runtime": {"nmae": "python"}})


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_stack_files_validate(stack: str) -> None:
    document = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())
    assert _errors(_validator("derived/stack.schema.json"), document) == []


def test_stack_schema_really_refuses_a_broken_stack_file() -> None:
    assert _errors(_validator("derived/stack.schema.json"), {"config": {"a:b:c:d": 1}})


def test_policy_pack_project_validates() -> None:
    document = yaml.safe_load((REPO / "policies" / "PulumiPolicy.yaml").read_text())
    assert _errors(_validator("derived/policy-pack-project.schema.json"), document) == []
    assert document["runtime"]["name"] == "python" and document["version"]


@pytest.mark.parametrize("path", sorted((REPO / "policies" / "config").glob("*.json")), ids=lambda p: p.name)
def test_policy_config_files_validate(path: Path) -> None:
    assert _errors(_validator("derived/policy-pack-config.schema.json"), json.loads(path.read_text())) == []


def test_every_stack_has_a_policy_config_file() -> None:
    stacks = {p.name.split(".")[1] for p in REPO.glob("Pulumi.*.yaml")}
    configs = {p.stem for p in (REPO / "policies" / "config").glob("*.json")}
    assert stacks == configs


def _vendored() -> list[Path]:
    return sorted(p for p in schemas.ROOT.rglob("*") if p.suffix in {".json", ".graphql"})


@pytest.mark.parametrize("path", _vendored(), ids=lambda p: str(p.relative_to(schemas.ROOT)))
def test_every_vendored_schema_matches_the_sha256_its_source_note_records(path: Path) -> None:
    # The SOURCE.md of the file's vendor folder (derived/ files are listed in their parent's note).
    note = next(d / "SOURCE.md" for d in path.parents if (d / "SOURCE.md").exists())
    recorded = set(re.findall(r"`([0-9a-f]{64})`", note.read_text(encoding="utf-8")))
    assert hashlib.sha256(path.read_bytes()).hexdigest() in recorded, f"{path.name}: sha256 not in {note}"
    text = note.read_text(encoding="utf-8")
    assert (path.name in text and "Licence" in text) or "licence" in text, f"{note} must name the file and its licence"


def test_the_schema_helper_names_a_missing_file() -> None:
    with pytest.raises(FileNotFoundError, match=r"railway/nope\.json"):
        schemas.schema_path("railway", "nope.json")
