"""The repository's example values: what a stack file holds until the team knows the real value.

The pack's `no-placeholder-values` reports them on every plan; the program refuses to apply the ones
that would reach a vendor (`pulumi up` stops before registering any resource). Both ask here.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping, Sequence

DOCUMENTATION_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",  # RFC 5737 (IPv4 examples)
    "2001:db8::/32",                                        # RFC 3849 (IPv6 examples)
))
"""Ranges reserved for documentation: examples in a file, never anyone's real egress."""

PLACEHOLDER_TEXT = re.compile(r"^(PLACEHOLDER-|00000000-0000-4000-8000-|0{11}[0-9]$|sha256:0{64}$|age1q{52})",
                              re.IGNORECASE)
"""Example ids and references: ``PLACEHOLDER-…`` text and the all-zero ids of the stack files (UUIDs, AWS account
ids, image digests, and the age public key of 32 zero bytes, to which nothing can be encrypted)."""


_NETWORK_SHAPED = re.compile(r"^[0-9A-Fa-f:.]+(%[^/\s]+)?(/[0-9A-Fa-f:.]+)?$")
"""Everything `ipaddress.ip_network` can parse has this shape (an address, an optional IPv6 scope, an optional
prefix length or netmask); what does not is no network."""


def placeholder_kind(value: object) -> str | None:
    """What kind of example ``value`` is (for a message), or None when it is not one."""
    if not isinstance(value, str):
        return None
    if PLACEHOLDER_TEXT.match(value):
        return "a placeholder id or reference"
    if not _NETWORK_SHAPED.match(value):
        return None  # most strings: no exception raised and caught to learn that
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
    for documentation in DOCUMENTATION_NETWORKS:
        if network.version == documentation.version and network.subnet_of(documentation):  # type: ignore[arg-type]
            return f"a documentation network, {'RFC 5737' if network.version == 4 else 'RFC 3849'}"
    return None


Skipped = type[BaseException] | tuple[type[BaseException], ...]


def found_in(value: object, path: str = "", unknown: Skipped = ()) -> Iterator[tuple[str, str, str]]:
    """Every example value below ``value``: (its path such as ``rules[0].values[1]``, the value, its kind).

    Items that raise ``unknown`` when read are skipped: the pack passes pulumi_policy's
    UnknownValueError, raised by values a preview does not know yet.
    """
    found: list[tuple[str, str, str]] = []
    _walk(value, (None, path) if path else None, unknown, found)
    return iter(found)


_Where = tuple["_Where | None", "str | int"] | None
"""A value's place as (its parent's place, its key or index): spelled out only for what is found, since the
walk visits every value of every resource."""


def _spelled(where: _Where) -> str:
    parts: list[str | int] = []
    while where is not None:
        where, part = where
        parts.append(part)
    text = ""
    for part in reversed(parts):
        text = f"{text}[{part}]" if isinstance(part, int) else f"{text}.{part}" if text else part
    return text


def _walk(value: object, where: _Where, unknown: Skipped, found: list[tuple[str, str, str]]) -> None:
    if isinstance(value, str):
        kind = placeholder_kind(value)
        if kind is not None:
            found.append((_spelled(where), value, kind))
    elif isinstance(value, (bool, int, float)) or value is None:
        return  # a leaf, known without the slower Mapping/Sequence checks
    elif isinstance(value, Mapping):
        for key in list(value):
            try:
                item = value[key]
            except unknown:
                continue
            _walk(item, (where, str(key)), unknown, found)
    elif isinstance(value, Sequence):
        for index in range(len(value)):
            try:
                item = value[index]
            except unknown:
                continue
            _walk(item, (where, index), unknown, found)
