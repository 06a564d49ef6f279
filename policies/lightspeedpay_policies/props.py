"""Small helpers to read engine properties (camelCase names, numbers as floats).

The analyzer hands policies read-only proxies (`Mapping`/`Sequence`, not dict/list) that raise
`UnknownValueError` when a value is not known yet during a preview; these helpers accept both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

REDACTED = "[secret]"
"""What a secret looks like in state the analyzer cannot decrypt (ops.check, policy analyze)."""


def dig(props: Mapping[str, Any], path: str, default: Any = None) -> Any:
    """``dig(props, "resourceConfig.functionDefaultRegions")``; missing → default."""
    value: Any = props
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return default
        value = value[part]
    return value


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return list(value)
    return [value]


_SCALARS = (str, bool, int, float, type(None))
"""Leaves, checked first: most values are, and the Mapping/Sequence checks below are slower ABC checks."""


def plain(value: Any) -> Any:
    """A proxy (or anything) as plain dicts and lists."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [plain(v) for v in value]
    return value


def whole(value: Any) -> Any:
    """Engine numbers are floats; whole ones read better as ints in messages and comparisons."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, Mapping):
        return {k: whole(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [whole(v) for v in value]
    return value


def is_redacted(value: Any) -> bool:
    return value == REDACTED


def known(props: Mapping[str, Any], key: str, default: Any = None) -> tuple[bool, Any]:
    """(True, value) when the value is known; (False, default) while it is unknown in a preview."""
    from pulumi_policy.proxy import UnknownValueError

    try:
        return True, props.get(key, default)
    except UnknownValueError:
        return False, default


def known_items(value: Any) -> dict[str, Any]:
    """A map property's entries whose values are known (a preview leaves computed ones unknown), as plain values."""
    from pulumi_policy.proxy import UnknownValueError

    if not isinstance(value, Mapping):
        return {}
    items: dict[str, Any] = {}
    for key in value:
        try:
            items[str(key)] = plain(value[key])
        except UnknownValueError:
            continue
    return items


def plain_known(value: Any) -> Any:
    """Like `plain`, with every value still unknown in a preview read as None instead of raising."""
    from pulumi_policy.proxy import UnknownValueError

    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, Mapping):
        return {k: plain_known(v) if ok else None for k in list(value) for ok, v in [known(value, k)]}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        items = []
        for index in range(len(value)):
            try:
                items.append(plain_known(value[index]))
            except UnknownValueError:
                items.append(None)
        return items
    return value


def fields(props: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """The named properties as plain values, each unknown part read as None: a resource policy that reads its
    own fields this way still runs in a first preview, where a project or channel id is unknown."""
    return {key: plain_known(known(props, key)[1]) for key in keys}
