"""Read a `Pulumi.<stack>.yaml` the way the CLI does, without the CLI.

Used offline (ops) to feed the program the same config the CLI would, and by the program itself to
compare production with staging. Secret values (``{secure: ...}``) cannot be decrypted here; they
are reported as secret keys without values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .model import PROJECT

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class StackFile:
    path: Path
    values: dict[str, Any]
    """Non-secret values by full key (``namespace:key``), as YAML gave them."""
    secure_keys: frozenset[str]
    """Keys whose values are encrypted in the file."""
    environments: tuple[str, ...] = field(default=())
    """Pulumi ESC environments the stack imports (their values are unknown offline)."""
    secure_digests: dict[str, str] = field(default_factory=dict)
    """sha256 of each secret's ciphertext by full key: what a diff can compare without decrypting."""

    def project_values(self) -> dict[str, Any]:
        """Non-secret ``lightspeedpay:*`` values keyed without the namespace."""
        prefix = f"{PROJECT}:"
        return {k[len(prefix):]: v for k, v in self.values.items() if k.startswith(prefix)}


def stack_file_path(stack: str, root: Path = REPO_ROOT) -> Path:
    return root / f"Pulumi.{stack}.yaml"


def normalise_key(key: str, project: str = PROJECT) -> str:
    """Bare keys take the project namespace; legacy ``ns:config:key`` becomes ``ns:key``."""
    parts = key.split(":")
    if len(parts) == 1:
        return f"{project}:{key}"
    if len(parts) == 3 and parts[1] == "config":
        return f"{parts[0]}:{parts[2]}"
    return key


def read_stack_file(path: Path, stack: str | None = None) -> StackFile:
    stack = stack or path.stem.removeprefix("Pulumi.")
    try:
        # libyaml's safe loader when the wheel has it: same documents, a sixth of the time.
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        raise ConfigError.single(stack, str(path), "stack file not found", has_value=False) from None
    except yaml.YAMLError as exc:
        raise ConfigError.single(stack, str(path), f"is not valid YAML: {exc}", has_value=False) from None
    document = document or {}
    if not isinstance(document, dict):
        raise ConfigError.single(stack, str(path), "must be a YAML mapping", has_value=False)
    raw_config = document.get("config") or {}
    if not isinstance(raw_config, dict):
        raise ConfigError.single(stack, f"{path.name}: config", "must be a mapping of keys to values",
                                 has_value=False)
    values: dict[str, Any] = {}
    secure: dict[str, str] = {}
    for key, value in raw_config.items():
        full = normalise_key(str(key))
        if isinstance(value, dict) and set(value) == {"secure"}:
            secure[full] = hashlib.sha256(str(value["secure"]).encode()).hexdigest()
        else:
            values[full] = value
    environments = document.get("environment") or []
    if not isinstance(environments, list):
        environments = []
    return StackFile(path, values, frozenset(secure), tuple(str(e) for e in environments), secure)


def _yaml_scalar(value: object) -> str:
    # The CLI's YAML decoder keeps unquoted timestamps (2026-11-02) as strings; PyYAML makes dates.
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a config value")


def as_engine_config(values: dict[str, Any]) -> dict[str, str]:
    """Values as the CLI hands them to a program: strings, structured values JSON-encoded."""
    out: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, str):
            out[key] = value
        elif isinstance(value, dt.date):
            out[key] = _yaml_scalar(value)
        else:
            out[key] = json.dumps(value, default=_yaml_scalar)
    return out
