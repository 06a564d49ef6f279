"""One planned (or deployed) resource, in the engine's own encoding, and how secrets are shown.

Properties are kept as the JSON form of the engine's protobuf `Struct` (camelCase names, secrets as
``{"4dabf…": "1b47…", "value": …}``), because that is exactly what the engine hands the analyzer.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
REDACTED = "[secret]"
STACK_TYPE = "pulumi:pulumi:Stack"
# What an offline export writes instead of a ciphertext: the same for every secret, so never comparable.
OFFLINE_CIPHERTEXT = base64.b64encode(b"offline-plan: value not exported").decode()


@dataclass
class PlannedResource:
    urn: str
    type: str
    name: str
    custom: bool
    id: str = ""
    parent: str = ""
    provider: str = ""
    """Provider reference ``<provider urn>::<provider id>``, or empty."""
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    protect: bool = False
    import_id: str = ""
    """The `import_` resource option: the existing object the resource adopts ("" for none)."""
    ignore_changes: list[str] = field(default_factory=list)
    delete_before_replace: bool | None = None
    additional_secret_outputs: list[str] = field(default_factory=list)
    source_file: str = ""
    """Repository-relative file that declares the resource ("" when unknown or not the project's code)."""
    source_line: int = 0

    @property
    def is_provider(self) -> bool:
        return self.type.startswith("pulumi:providers:")

    @property
    def provider_urn(self) -> str:
        return self.provider.rsplit("::", 1)[0] if self.provider else ""


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def map_secrets(value: Any, fn: Callable[[dict[str, Any]], Any]) -> Any:
    """Rebuild ``value`` with every secret envelope replaced by ``fn(envelope)``."""
    if is_secret(value):
        return fn(value)
    if isinstance(value, dict):
        return {k: map_secrets(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [map_secrets(v, fn) for v in value]
    return value


def redact(value: Any) -> Any:
    """Secrets stay wrapped, their values replaced: safe to print or write anywhere."""
    return map_secrets(value, lambda _: {SIG_KEY: SECRET_SIG, "value": REDACTED})


def to_state_secret(value: Any) -> Any:
    """The export encoding of a secret: ciphertext only (nothing to decrypt offline)."""
    return map_secrets(value, lambda _: {SIG_KEY: SECRET_SIG, "ciphertext": OFFLINE_CIPHERTEXT})


def from_state_secret(value: Any) -> Any:
    """State secrets back to engine envelopes: ciphertext becomes the redacted marker."""
    def convert(envelope: dict[str, Any]) -> Any:
        if "plaintext" in envelope:  # `pulumi stack export --show-secrets`
            return {SIG_KEY: SECRET_SIG, "value": json.loads(envelope["plaintext"])}
        if "value" in envelope:
            return envelope
        return {SIG_KEY: SECRET_SIG, "value": REDACTED}
    return map_secrets(value, convert)


def tidy_numbers(value: Any) -> Any:
    """Struct turns every number into a float; show integral ones as ints for people."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: tidy_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [tidy_numbers(v) for v in value]
    return value


_NOT_OURS = ("venv", ".venv", "site-packages")


def project_path(uri: str, root: Path) -> str:
    """The SDK's source position (``file:///abs/path``) as a path relative to the project, or "".

    The SDK records the caller of the third ``__init__`` on the stack. For resources our components
    declare that is our own file and line; for provider resources it is the provider SDK's own
    ``provider.py`` and for the root stack the SDK's runtime, which are not the project's code.
    """
    parts = urlsplit(uri)
    if parts.scheme != "file" or not parts.path:
        return ""
    try:
        relative = Path(unquote(parts.path)).resolve().relative_to(root.resolve())
    except ValueError:
        return ""
    if any(part in _NOT_OURS for part in relative.parts):
        return ""
    return relative.as_posix()
