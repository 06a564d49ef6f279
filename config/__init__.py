"""Config layer: what a stack wants, validated before any resource is declared.

The names below load on first use (PEP 562), so importing ``config.vocabulary`` alone (the one
bridge to the vocabulary shared with the pack) costs nothing else: the dynamic-provider host, which
imports `providers.*` by reference, reaches the shared vocabulary through it without loading the
stack model (which itself validates against the providers' vendor vocabularies).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import ConfigError, ConfigIssue
    from .loader import StackSecrets, load_esc_environments, load_stack_config, load_stack_secrets
    from .model import PROJECT, StackConfig
    from .secrets import SECRETS, SecretSpec, secrets_for

_HOMES = {
    "ConfigError": "errors", "ConfigIssue": "errors", "StackSecrets": "loader", "load_esc_environments": "loader",
    "load_stack_config": "loader", "load_stack_secrets": "loader", "PROJECT": "model", "StackConfig": "model",
    "SECRETS": "secrets", "SecretSpec": "secrets", "secrets_for": "secrets",
}

__all__ = [
    "PROJECT", "SECRETS", "ConfigError", "ConfigIssue", "SecretSpec", "StackConfig", "StackSecrets",
    "load_esc_environments", "load_stack_config", "load_stack_secrets", "secrets_for",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'config' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{home}", __name__), name)
