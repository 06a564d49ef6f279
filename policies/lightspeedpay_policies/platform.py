"""Example values the repository ships in its stack files: never to reach a live environment."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from .meta import Report, rbi_cyber_resilience, stack_policy
from .props import known

DOCUMENTATION_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"))
"""RFC 5737 / RFC 3849 ranges: examples in a file, never anyone's real egress."""
PLACEHOLDER_TEXT = re.compile(r"^(PLACEHOLDER-|00000000-0000-4000-8000-)", re.IGNORECASE)


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every known scalar below ``value`` with its path; unknown values (a preview) are skipped."""
    if isinstance(value, Mapping):
        for key in list(value):
            ok, item = known(value, key)
            if ok:
                yield from _leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)) or (hasattr(value, "__getitem__") and hasattr(value, "__len__")
                                              and not isinstance(value, str)):
        for index in range(len(value)):
            try:
                item = value[index]
            except UnknownValueError:
                continue
            yield from _leaves(item, f"{path}[{index}]")
    else:
        yield path, value


def is_placeholder(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if PLACEHOLDER_TEXT.match(value):
        return True
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return any(network.version == doc.version and network.subnet_of(doc)  # type: ignore[arg-type]
               for doc in DOCUMENTATION_NETWORKS)


def _placeholders(args: StackValidationArgs, report: Report) -> None:
    for resource in args.resources:
        found = sorted({f"{path} = {value}" for path, value in _leaves(resource.props) if is_placeholder(value)})
        if found:
            shown = "; ".join(found[:4]) + (f"; and {len(found) - 4} more" if len(found) > 4 else "")
            report(f"{resource.name} still holds example values from the repository: {shown}. Replace them in "
                   f"the stack file with the real ones before rolling out.", resource.urn)


POLICIES = [
    stack_policy(
        "no-placeholder-values",
        "No resource may carry the repository's example values (documentation IP ranges, placeholder ids or "
        "sign-off references).",
        validate=_placeholders, severity=Severity.HIGH,
        framework=rbi_cyber_resilience("Default settings are deactivated and changed before they are rolled out "
                                       "to the live environment."),
        remediation="Replace the documentation CIDRs (firewall.adminAllowedCidrs, database.allowedCidrs), the "
                    "Checkly account id and the PLACEHOLDER-… attestation references in the stack file; then "
                    "make this policy mandatory in policies/config/<stack>.json.",
        tags=["configuration"]),
]
