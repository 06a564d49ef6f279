"""The one input checker: every refusal names the property and what is allowed, before any request.

`check` runs on every preview and before every create/update; values not known yet (a preview)
are skipped, never refused. Secret values are never echoed, only their rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult

from .values import is_unknown, normalise


@dataclass(frozen=True)
class Rule:
    """What one value accepts: 'int', 'bool', 'str' or 'enum', with bounds, choices or a pattern."""

    kind: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None

    def problem(self, value: Any) -> str | None:
        """None when ``value`` is acceptable, else what is allowed."""
        if self.kind == "bool":
            return None if isinstance(value, bool) else "must be true or false"
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                return "must be a whole number"
            if self.minimum is not None and value < self.minimum:
                return f"must be at least {self.minimum}"
            if self.maximum is not None and value > self.maximum:
                return f"must be at most {self.maximum}"
            return None
        if self.kind == "enum":
            return None if value in self.choices else f"must be one of {list(self.choices)}"
        if not isinstance(value, str):
            return "must be a string"
        if self.pattern and not re.match(self.pattern, value):
            return f"must match {self.pattern}"
        return None


class Checker:
    """Collects `CheckFailure`s for one resource's inputs (already normalised)."""

    def __init__(self, vendor: str, kind: str, news: Mapping[str, Any]) -> None:
        self.label = f"{vendor}:{kind}"
        self.news = normalise(news)
        self.failures: list[CheckFailure] = []

    def fail(self, prop: str, reason: str) -> None:
        self.failures.append(CheckFailure(prop, f"{self.label} {prop}: {reason}"))

    def known(self, prop: str) -> bool:
        return not is_unknown(self.news.get(prop))

    def present(self, prop: str, required: bool, what: str) -> bool:
        """Whether there is a known value to check; a missing required one is a failure."""
        if self.news.get(prop) is None:
            if required:
                self.fail(prop, f"is required ({what})")
            return False
        return self.known(prop)

    def text(self, prop: str, max_length: int = 256, required: bool = True, pattern: str | None = None,
             what: str = "a non-empty string") -> None:
        if not self.present(prop, required, what):
            return
        value = self.news[prop]
        if not isinstance(value, str) or not value.strip():
            self.fail(prop, f"must be {what} (got {value!r})")
        elif len(value) > max_length:
            self.fail(prop, f"must be at most {max_length} characters")
        elif pattern and not re.match(pattern, value):
            self.fail(prop, f"{value!r} is not {what}")

    def secret(self, prop: str, min_length: int, alphanumeric: bool = False, what: str = "") -> None:
        """A credential: checked by its rule only; the value is never part of a message."""
        if not self.present(prop, True, f"a generated secret of at least {min_length} characters"):
            return
        value = self.news[prop]
        if not isinstance(value, str) or len(value) < min_length or (alphanumeric and not value.isalnum()):
            kind = "letters and digits" if alphanumeric else "characters"
            self.fail(prop, f"must be at least {min_length} {kind}{what}")

    def integer(self, prop: str, low: int, high: int, required: bool = False) -> None:
        if self.present(prop, required, f"a whole number in {low}..{high}"):
            self.rule(prop, Rule("int", low, high))

    def boolean(self, prop: str, required: bool = False) -> None:
        if self.present(prop, required, "true or false"):
            self.rule(prop, Rule("bool"))

    def choice(self, prop: str, allowed: Iterable[Any], required: bool = False) -> None:
        options = list(allowed)
        if self.present(prop, required, f"allowed: {', '.join(map(str, options))}") \
                and self.news[prop] not in options:
            self.fail(prop, f"{self.news[prop]!r} is not allowed; allowed: {', '.join(map(str, options))}")

    def rule(self, prop: str, rule: Rule) -> None:
        self.value(prop, self.news.get(prop), rule)

    def value(self, prop: str, value: Any, rule: Rule) -> None:
        """``value`` (e.g. one entry of a map property) against ``rule``, reported under ``prop``."""
        if value is None or is_unknown(value):
            return
        problem = rule.problem(value)
        if problem:
            self.fail(prop, f"{value!r} {problem}")

    def result(self) -> CheckResult:
        return CheckResult(dict(self.news), self.failures)
