"""Example values a stack file may still hold, and the refusal to apply them.

A preview plans with them (the pack's `no-placeholder-values` reports each one); applying would hand a
vendor a documentation network or an example account id, so `pulumi up` stops before any resource is
registered and names every such key. The vocabulary itself is shared with the pack (config/vocabulary.py).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from .errors import ConfigError, ConfigIssue
from .model import PROJECT
from .vocabulary import placeholders

NEVER_SENT = frozenset({"attestations"})
"""Top-level keys no vendor ever receives. Sign-off records are exported for the pack and for audits
only: a placeholder reference there is reported (the pack, ops.checklist) but does not block an apply."""

REFUSAL = "still holds example values, and `pulumi up` applies nothing until they are replaced (previews still run)"


def apply_blockers(values: Mapping[str, Any], hidden: Collection[str] = ()) -> list[ConfigIssue]:
    """One issue per example value in ``values`` (top-level key → decoded value) that would reach a
    vendor. Values under the ``hidden`` keys (sections stored as secrets) are named, never shown."""
    issues = []
    for key in sorted(values):
        if key in NEVER_SENT:
            continue
        for path, value, kind in placeholders.found_in(values[key], f"{PROJECT}:{key}"):
            issues.append(ConfigIssue(path, f"an example value ({kind}); set the real one",
                                      value, has_value=key not in hidden))
    return issues


def refuse_to_apply(stack: str, blockers: list[ConfigIssue]) -> None:
    if blockers:
        raise ConfigError(stack, blockers, summary=REFUSAL)
