"""Read and write `pulumi stack export` documents (deployment version 3).

`ops.plan --export` writes the planned resources in this format (what `pulumi policy analyze
--file` and `ops.check` read); `ops.check` also reads real exports of a deployed stack.
Secrets are written as ciphertext-only envelopes: the plaintext never reaches the file. Offline
there is no ciphertext to write, so each envelope may also carry a ``fingerprint``: a sha256 of where
the secret comes from (the stack file's `secure:` ciphertext, the ESC environments, or — for values
the program derives — the offline stand-in it computed), which `ops.diff` compares. Never the value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from config.secrets import SecretSpec
from config.stackfile import StackFile, read_stack_file, stack_file_path

from .resources import STACK_TYPE, PlannedResource, from_state_secret, map_secrets, tidy_numbers, to_state_secret

if TYPE_CHECKING:
    from .offline import ProgramRun

DEPLOYMENT_VERSION = 3
FINGERPRINT_KEY = "fingerprint"

Fingerprint = Callable[[Any], str]


class ExportError(Exception):
    """The file is not a usable stack export."""


def secret_sources(stack_file: StackFile, keys: Iterable[str]) -> dict[str, str]:
    """Each offline placeholder → where the real secret comes from, as a comparable string (never a value).

    A key the stack file sets is taken from there, else from the imported ESC environments. A `secure:`
    value is known by its ciphertext's sha256 (`pulumi config set --secret` writes a new one even for
    the same value, so a re-set reads as changed); an ESC value by the environments imported (the same
    reference opens the same value at apply time, whatever the environment holds then).
    """
    sources = {}
    for key in keys:
        if key in stack_file.secure_digests:
            where = f"secure {key} sha256:{stack_file.secure_digests[key]}"
        elif stack_file.environments:
            where = f"esc {key} from {','.join(stack_file.environments)}"
        else:
            where = f"unset {key}"
        sources[SecretSpec(key.split(":", 1)[-1], "", "").offline_placeholder] = where
    return sources


def fingerprinter(sources: Mapping[str, str]) -> Fingerprint:
    """sha256 of a secret's offline stand-in with every placeholder replaced by its source.

    The stand-in holds no real secret (placeholders, mock outputs, non-secret config), so the digest
    reveals nothing; it changes when a source changes or the program derives the value differently.
    """
    pattern = re.compile("|".join(re.escape(p) for p in sorted(sources, key=len, reverse=True)) or "(?!)")

    def fingerprint(value: Any) -> str:
        text = json.dumps(tidy_numbers(value), sort_keys=True, separators=(",", ":"))
        text = pattern.sub(lambda match: f"<{sources[match.group()]}>", text)
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()

    return fingerprint


def _seal(value: Any, fingerprint: Fingerprint | None) -> Any:
    if fingerprint is None:
        return to_state_secret(value)
    return map_secrets(value, lambda envelope: {
        **to_state_secret(envelope), FINGERPRINT_KEY: fingerprint(envelope.get("value"))})


def to_document(resources: list[PlannedResource], stack_outputs: dict[str, Any] | None = None,
                fingerprint: Fingerprint | None = None) -> dict[str, Any]:
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
            "inputs": tidy_numbers(_seal(resource.inputs, fingerprint)),
            "outputs": tidy_numbers(_seal(outputs, fingerprint)),
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


def write_export(path: Path, resources: list[PlannedResource], stack_outputs: dict[str, Any] | None,
                 fingerprint: Fingerprint | None = None) -> None:
    document = to_document(resources, stack_outputs, fingerprint)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def write_plan_export(path: Path, run: ProgramRun, config_file: Path | None = None) -> None:
    """`ops.plan --export`: the planned resources, each secret fingerprinted by its source."""
    stack_file = read_stack_file(config_file or stack_file_path(run.stack), run.stack)
    write_export(path, run.resources, run.outputs, fingerprinter(secret_sources(stack_file, run.placeholders)))


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


def read_export(path: Path, decode_secrets: bool = True) -> list[PlannedResource]:
    """The resources of an export; secrets as `[secret]` envelopes, or as stored when not ``decode_secrets``."""
    decode = from_state_secret if decode_secrets else (lambda value: value)
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
            inputs=decode(entry.get("inputs") or {}),
            outputs=decode(entry.get("outputs") or {}),
            protect=bool(entry.get("protect")),
            ignore_changes=list(entry.get("ignoreChanges") or []),
            additional_secret_outputs=list(entry.get("additionalSecretOutputs") or []),
            source_file=source_file, source_line=source_line,
        ))
    return planned
