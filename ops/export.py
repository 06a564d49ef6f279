"""Read and write `pulumi stack export` documents (deployment version 3).

`ops.plan --export` writes the planned resources in this format (what `pulumi policy analyze
--file` and `ops.check` read); `ops.check` also reads real exports of a deployed stack.
Secrets are written as ciphertext-only envelopes: the plaintext never reaches the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from .resources import STACK_TYPE, PlannedResource, from_state_secret, tidy_numbers, to_state_secret

DEPLOYMENT_VERSION = 3


class ExportError(Exception):
    """The file is not a usable stack export."""


def to_document(resources: list[PlannedResource], stack_outputs: dict[str, Any] | None = None) -> dict[str, Any]:
    version = f"v{metadata.version('pulumi')}"
    entries = []
    for resource in resources:
        outputs = resource.outputs
        if resource.type == STACK_TYPE and stack_outputs is not None:
            outputs = stack_outputs
        entry: dict[str, Any] = {
            "urn": resource.urn,
            "custom": resource.custom,
            "type": resource.type,
            "inputs": tidy_numbers(to_state_secret(resource.inputs)),
            "outputs": tidy_numbers(to_state_secret(outputs)),
        }
        if resource.id:
            entry["id"] = resource.id
        if resource.parent:
            entry["parent"] = resource.parent
        if resource.provider:
            entry["provider"] = resource.provider
        if resource.protect:
            entry["protect"] = True
        if resource.dependencies:
            entry["dependencies"] = resource.dependencies
        if resource.property_dependencies:
            entry["propertyDependencies"] = resource.property_dependencies
        if resource.additional_secret_outputs:
            entry["additionalSecretOutputs"] = resource.additional_secret_outputs
        if resource.ignore_changes:
            entry["ignoreChanges"] = resource.ignore_changes
        if resource.source_file:
            # The engine's form: project:///<path relative to the project>#<line> (Python sends no column).
            entry["sourcePosition"] = f"project:///{resource.source_file}#{resource.source_line}"
        entries.append(entry)
    return {
        "version": DEPLOYMENT_VERSION,
        "deployment": {
            "manifest": {
                "time": dt.datetime.now(dt.UTC).isoformat(),
                "magic": hashlib.sha256(version.encode()).hexdigest(),
                "version": version,
            },
            "resources": entries,
        },
    }


def write_export(path: Path, resources: list[PlannedResource], stack_outputs: dict[str, Any] | None) -> None:
    path.write_text(json.dumps(to_document(resources, stack_outputs), indent=2) + "\n", encoding="utf-8")


def _source(position: str) -> tuple[str, int]:
    """``project:///components/web_app.py#58`` (or ``#58,5``) → ("components/web_app.py", 58)."""
    if not position.startswith("project:///"):
        return "", 0
    location, _, fragment = position.removeprefix("project:///").rpartition("#")
    line = fragment.split(",", 1)[0]
    if not location or not line.isdigit() or any(p in ("venv", ".venv", "site-packages", "..")
                                                  for p in location.split("/")):
        return "", 0
    return location, int(line)


def read_export(path: Path) -> list[PlannedResource]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportError(f"{path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise ExportError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("version") != DEPLOYMENT_VERSION:
        found = document.get("version") if isinstance(document, dict) else None
        raise ExportError(f"{path}: expected a `pulumi stack export` document with version "
                          f"{DEPLOYMENT_VERSION}, got version {found!r}")
    resources = (document.get("deployment") or {}).get("resources") or []
    planned = []
    for index, entry in enumerate(resources):
        if not isinstance(entry, dict) or not all(k in entry for k in ("urn", "type")):
            raise ExportError(f"{path}: deployment.resources[{index}] needs at least 'urn' and 'type'")
        if entry.get("delete") or entry.get("pendingReplacement"):
            continue  # leftovers of a replacement, not part of the stack
        source_file, source_line = _source(str(entry.get("sourcePosition", "")))
        planned.append(PlannedResource(
            urn=entry["urn"], type=entry["type"], name=entry["urn"].rsplit("::", 1)[-1],
            custom=bool(entry.get("custom")), id=str(entry.get("id", "")),
            parent=entry.get("parent", ""), provider=entry.get("provider", ""),
            dependencies=list(entry.get("dependencies") or []),
            property_dependencies=dict(entry.get("propertyDependencies") or {}),
            inputs=from_state_secret(entry.get("inputs") or {}),
            outputs=from_state_secret(entry.get("outputs") or {}),
            protect=bool(entry.get("protect")),
            ignore_changes=list(entry.get("ignoreChanges") or []),
            additional_secret_outputs=list(entry.get("additionalSecretOutputs") or []),
            source_file=source_file, source_line=source_line,
        ))
    return planned
