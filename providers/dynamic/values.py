"""Engine values made comparable, and the unknowns of a preview.

The engine hands a provider numbers as floats (3 → 3.0), drops keys whose value is None and, in a
preview, passes `Unknown` placeholders (or the unknown sentinel string) for values not known yet.
Every comparison in the providers goes through `normalise` and `is_unknown`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.output import Unknown

UNKNOWN_TEXT = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's wire sentinel for an unknown value."""
PROVIDER_KEY = "__provider"


def is_unknown(value: Any) -> bool:
    """True when ``value`` (or anything inside it) is not known yet."""
    if isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN_TEXT):
        return True
    if isinstance(value, Mapping):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(is_unknown(v) for v in value)
    return False


def normalise(value: Any) -> Any:
    """Integral floats as ints; mappings as dicts without None values or ``__provider``."""
    if value is None or isinstance(value, bool | str | Unknown):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): normalise(v) for k, v in value.items() if v is not None and k != PROVIDER_KEY}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    return value


def compact(values: Mapping[str, Any]) -> dict[str, Any]:
    """Without the keys set to None (vendors read an explicit null as "unset")."""
    return {k: v for k, v in values.items() if v is not None}
