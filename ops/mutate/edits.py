"""The edits the operator table names: each turns one property value into its mutated variants.

An edit gets the value, the row's argument and where the value sits, and returns the variants it
makes (usually one, none when it does not apply to that value). A variant may change several paths
(moving a secret out of a sealed map deletes it there and adds it to the plain one).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from config.stackfile import REPO_ROOT, read_stack_file

from .operators import NUMERIC_TEXT

PropPath = tuple[str | int, ...]
DELETE = object()
"""A change that removes the property."""


@dataclass(frozen=True)
class Context:
    """What edits need to know beyond the value: the pinned day and the other stack's values."""

    today: dt.date
    swap: Callable[[str], str] = field(default=lambda value: value)
    """The value as the other environment's stack file would give it (production ↔ staging)."""


@dataclass(frozen=True)
class Site:
    type: str
    path: PropPath
    context: Context


@dataclass(frozen=True)
class Variant:
    detail: str
    """The edit as a reviewer reads it: ``true → false``."""
    changes: dict[PropPath, Any]
    suffix: PropPath = ()
    """Extra path for the mutant id when one value yields several variants."""


Edit = Callable[[Any, Any, Site], list[Variant]]


def _pairs(ours: Any, theirs: Any, found: dict[str, str]) -> None:
    """Strings that differ at the same place in two stack files' config."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in ours.keys() & theirs.keys():
            _pairs(ours[key], theirs[key], found)
    elif isinstance(ours, list) and isinstance(theirs, list):
        for mine, other in zip(ours, theirs, strict=False):
            _pairs(mine, other, found)
    elif isinstance(ours, str) and isinstance(theirs, str) and ours != theirs:
        found.setdefault(ours, theirs)


def environment_swap(stack: str, root: Path = REPO_ROOT) -> Callable[[str], str]:
    """Replace, inside any text, each value of ``stack``'s file by what the other stack files set there.

    Derived from the stack files themselves (production's ``lightspeedpay.com`` → staging's
    ``lightspeedpay-staging.com``, ``live`` → ``test``, …); whole tokens only, longest first.
    """
    ours = read_stack_file(root / f"Pulumi.{stack}.yaml", stack).values
    found: dict[str, str] = {}
    for other in sorted(root.glob("Pulumi.*.yaml")):
        if other.name != f"Pulumi.{stack}.yaml" and other.name.count(".") == 2:
            _pairs(ours, read_stack_file(other).values, found)
    if not found:
        return lambda value: value
    tokens = sorted(found, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w.-])(" + "|".join(re.escape(t) for t in tokens) + r")(?![\w-])")
    return lambda value: pattern.sub(lambda m: found[m.group(1)], value)


def show(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Mapping) and "4dabf18193072939515e22adb298388d" in value:
        return "[secret]"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _one(site: Site, old: Any, new: Any) -> list[Variant]:
    if new == old and type(new) is type(old):
        return []
    return [Variant(f"{show(old)} → {show(new)}", {site.path: new})]


def flip(value: Any, _arg: Any, site: Site) -> list[Variant]:
    return _one(site, value, not value)


def _step_number(value: float, delta: int) -> float | None:
    if isinstance(value, int) or value.is_integer():
        new: float = int(value) + delta
    else:
        decimals = len(repr(value).split(".")[1])
        new = round(value + delta * 10 ** -decimals, decimals)
    return new if new >= 0 else None


def _step_text(value: str, delta: int) -> str | None:
    match = NUMERIC_TEXT.match(value)
    if not match:
        return None
    whole, fraction, unit = match.group(1), match.group(2) or "", match.group(3)
    number = int(whole + fraction) + delta
    if number < 0:
        return None
    digits = str(number).rjust(len(fraction) + 1, "0")
    if not fraction:
        return f"{digits}{unit}"
    return f"{digits[:-len(fraction)]}.{digits[-len(fraction):]}{unit}"


def step(value: Any, delta: Any, site: Site) -> list[Variant]:
    """One step past the value the stack sets: ±1, or ±1 in the last digit written (``1.2`` → ``1.1``)."""
    new = _step_text(value, delta) if isinstance(value, str) else _step_number(value, delta)
    return [] if new is None else _one(site, value, new)


def set_value(value: Any, new: Any, site: Site) -> list[Variant]:
    return _one(site, value, new)


def set_first(value: Any, new: Any, site: Site) -> list[Variant]:
    """A range (or the first of a list of ranges) replaced."""
    if isinstance(value, list):
        return [] if value[0] == new else [Variant(f"{show(value[0])} → {show(new)}", {site.path: [new, *value[1:]]})]
    return _one(site, value, new)


def supernet(value: Any, prefix: Any, site: Site) -> list[Variant]:
    first = value[0] if isinstance(value, list) else value
    network = ipaddress.ip_network(first, strict=False)
    if network.prefixlen <= prefix:
        return []
    wider = str(network.supernet(new_prefix=prefix))
    return set_first(value, wider, site)


def http(value: Any, _arg: Any, site: Site) -> list[Variant]:
    return _one(site, value, "http://" + value.removeprefix("https://"))


def host(value: Any, other: Any, site: Site) -> list[Variant]:
    parts = urlsplit(value)
    return _one(site, value, urlunsplit(parts._replace(netloc=other)))


def abroad(value: Any, regions: Any, site: Site) -> list[Variant]:
    prefix = max((p for p in regions if site.type.startswith(p)), key=len)
    region = regions[prefix]
    if isinstance(value, list):
        return _one(site, value, [region])
    if isinstance(value, dict):
        count = sum(v for v in value.values() if isinstance(v, int | float) and not isinstance(v, bool))
        return _one(site, value, {region: count or 1})
    if isinstance(value, str):
        return _one(site, value, region)
    return []


def replace(value: Any, mapping: Any, site: Site) -> list[Variant]:
    return _one(site, value, mapping[value]) if value in mapping else []


def prefix(value: Any, text: Any, site: Site) -> list[Variant]:
    return [] if value.startswith(text) else _one(site, value, text + value)


def swap(value: Any, _arg: Any, site: Site) -> list[Variant]:
    return _one(site, value, site.context.swap(value))


def expire(value: Any, _arg: Any, site: Site) -> list[Variant]:
    return _one(site, value, (site.context.today - dt.timedelta(days=1)).isoformat())


def unseal(value: Any, plaintext: Any, site: Site) -> list[Variant]:
    """Each entry of a sealed map moved to its plain sibling (``sealedVariables`` → ``variables``)."""
    sealed = str(site.path[-1])
    plain = sealed[len("sealed")].lower() + sealed[len("sealed") + 1:]
    sibling = (*site.path[:-1], plain)
    return [Variant(f"{key} moved from {sealed} to {plain}, in plain text",
                    {(*site.path, key): DELETE, (*sibling, key): plaintext}, suffix=(key,))
            for key in value]


EDITS: dict[str, Edit] = {
    "flip": flip, "step": step, "set": set_value, "set_first": set_first, "supernet": supernet, "http": http,
    "host": host, "abroad": abroad, "replace": replace, "prefix": prefix, "swap": swap, "expire": expire,
    "unseal": unseal,
}
