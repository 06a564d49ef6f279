"""Config layer: what a stack wants, validated before any resource is declared."""

from .errors import ConfigError, ConfigIssue
from .loader import StackSecrets, load_esc_environments, load_stack_config, load_stack_secrets
from .model import PROJECT, StackConfig
from .secrets import SECRETS, SecretSpec, secrets_for

__all__ = [
    "PROJECT", "SECRETS", "ConfigError", "ConfigIssue", "SecretSpec", "StackConfig", "StackSecrets",
    "load_esc_environments", "load_stack_config", "load_stack_secrets", "secrets_for",
]
