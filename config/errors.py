"""The one error type the config layer raises, with messages a person can act on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class ConfigIssue:
    """One problem with one setting: where it is, what it holds and what is allowed."""

    key: str
    """Full config key with a dotted path inside it, e.g. ``lightspeedpay:jobs.maxReplicas``."""
    message: str
    """What is wrong and what is allowed."""
    value: object = None
    """The offending value (never a secret: secrets are not validated by value here)."""
    has_value: bool = True

    def render(self) -> str:
        if self.has_value:
            return f"{self.key} = {_show(self.value)}: {self.message}"
        return f"{self.key}: {self.message}"


class ConfigError(pulumi.RunError):
    """Stack configuration is invalid; raised before any resource is declared."""

    def __init__(self, stack: str, issues: Sequence[ConfigIssue], summary: str = "has invalid configuration") -> None:
        self.stack = stack
        self.issues = list(issues)
        lines = [f"stack '{stack}' {summary} ({len(self.issues)} problem(s)):"]
        lines += [f"  - {issue.render()}" for issue in self.issues]
        super().__init__("\n".join(lines))

    @classmethod
    def single(cls, stack: str, key: str, message: str, value: object = None,
               has_value: bool = True) -> ConfigError:
        return cls(stack, [ConfigIssue(key, message, value, has_value)])


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def join_allowed(values: Iterable[object]) -> str:
    return ", ".join(repr(v) for v in values)
