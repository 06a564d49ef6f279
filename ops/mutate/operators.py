"""The mutation operators: one table of property patterns and edits.

Each row names which resources (a glob on the type), which properties (a regular expression searched
in the dotted property path, list indexes written as numbers: ``rules.rules.0.active``), which values
(kinds from `KINDS`, ``|``-separated), optionally a condition on the resource's other properties
(``where``), and the edit to apply (a name from `ops.mutate.edits`) with its argument. Rows without a
``path`` change the resource as a whole (delete it, rewire a reference, drop a resource option).
Adding an operator is one row here; a new kind of edit is one function in `edits.py`.

Numbers are pushed one step past the value the stack itself sets (the edge is read from the state
being mutated, never copied here); the unsafe direction is what the row says, both rows where both
directions are unsafe. Regions, hosts and plaintext below are mutation values, not thresholds.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ops.resources import is_secret


@dataclass(frozen=True)
class Operator:
    name: str
    """Unique; the first part of every mutant id it makes."""
    category: str
    """What kind of careless edit it is (the issue's list), for the report."""
    edit: str
    path: str | None = None
    """Regular expression searched in the dotted property path; None: the resource as a whole."""
    kind: str = "any"
    types: str = "*"
    """Globs on the resource type, ``|``-separated."""
    where: tuple[tuple[str, Any], ...] = ()
    """Top-level properties the resource must have (name, value) for the row to apply."""
    arg: Any = None


def _is_cidr(value: Any) -> bool:
    if not isinstance(value, str) or "/" not in value:
        return False
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


NUMERIC_TEXT = re.compile(r"^(\d+)(?:\.(\d+))?(\s*[A-Za-z]*)$")
"""A number written as text, with an optional unit: ``86400``, ``1.2``, ``60s``."""

KINDS: dict[str, Callable[[Any], bool]] = {
    "any": lambda v: True,
    "true": lambda v: v is True,
    "false": lambda v: v is False,
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "numeric": lambda v: isinstance(v, str) and bool(NUMERIC_TEXT.match(v)),
    "string": lambda v: isinstance(v, str),
    "url": lambda v: isinstance(v, str) and v.startswith("https://"),
    "cidr": _is_cidr,
    "cidrs": lambda v: isinstance(v, list) and bool(v) and all(_is_cidr(x) for x in v),
    "list": lambda v: isinstance(v, list) and bool(v),
    "map": lambda v: isinstance(v, dict) and bool(v) and not is_secret(v),
    "secret": is_secret,
    "date": _is_date,
}

PROTECTIVE_WHEN_TRUE = (
    r"(?i)(^|\.)(\w*enabled|\w*enforce\w*|sensitive|\w*protection\w*|protected\w*|\w*verif\w*|active|activated"
    r"|\w*rotation\w*|require\w*|strict|dismiss\w*|prevent\w*|\w*disabled|neg|send\w*|sslExpiry|nosniff"
    r"|include_?subdomains|special)$")
"""Switches that protect while true (``previewDeploymentsDisabled`` too: true keeps previews off)."""

PROTECTIVE_WHEN_FALSE = r"(?i)(^|\.)(allows\w*|\w*bypass|\w*failover|directoryListing|prDeploys|neg)$"
"""Switches that protect while false (a negated firewall condition is unsafe flipped either way)."""

UNSAFE_BELOW = (
    r"(^|\.)(min\w*|replicaBounds\.(min|max)|regions\.[\w-]+|\w*[Rr]etentionDays|retention_days|max_age"
    r"|sslExpiryThreshold|requiredApprovingReviewCount|password_min_length|length|\w*MaxRetries|samplingRate"
    r"|MIN_REPLICAS|MAX_REPLICAS|JOB_CONCURRENCY)$")
"""Numbers whose smaller values are unsafe: replicas, retention, review counts, secret lengths."""

UNSAFE_ABOVE = (
    r"(^|\.)(max(?!_age)\w*|replicaBounds\.max|replicaCap|\w*[Tt]imeout\w*|jwt_exp|\w*reuse_interval|rpo_minutes"
    r"|rto_minutes|frequency|degradedResponseTime|failedRunThreshold|\w*RetentionSeconds|JOB_RETENTION_SECONDS"
    r"|limit|MAX_REPLICAS|JOB_CONCURRENCY)$")
"""Numbers whose larger values are unsafe: token lifetimes, timeouts, recovery objectives, rate limits."""

REGION_KEYS = r"(^|\.)(region|regions|functionDefaultRegions|serverlessFunctionRegion|locations|storeRegion)$"

SCALAR = r"(^|\.)(?!\d+$)[^.]+$"
"""A property that is not a list element (a list of ranges is edited as a whole)."""

ABROAD = {
    "vercel:": "iad1",                            # Vercel's default function region (Washington, D.C.)
    "pulumi-python:dynamic/railway:": "us-west2",  # a Railway region (providers/railway/vocabulary.py REGIONS)
    "lightspeedpay:jobs:": "us-west2",
    "": "us-east-1",                              # AWS/Supabase/Checkly/log store naming
}
"""A region outside India per vendor (longest type prefix wins)."""

WEAKER = {
    "on": "off", "strict": "flexible", "full": "flexible", "active": "disabled",
    "standard_protection_new": "none", "standard_protection": "none", "all_deployments": "none",
    "ON_FAILURE": "NEVER", "ALWAYS": "NEVER", "deny": "log", "challenge": "log", "rate_limit": "log",
}
"""Protection modes and their weaker neighbour (Cloudflare switches, SSL mode, deployment protection,
restart policy, firewall actions, DNSSEC status)."""

GUIDE_VALUES = {"production": "development", "info": "debug", "warn": "debug", "error": "debug"}
"""Runtime values the guide names (NODE_ENV, LOG_LEVEL) set to what a developer has locally."""

SWAPPABLE = r"^(?!(.*\.)?(comment|description|by|targets(\.\d+)?)$)"
"""Not prose, sign-off authors or the vendor's own vocabulary (Vercel's ``targets`` are not stack names)."""

PROGRAM_SECRETS = "pulumi-python:dynamic/*|lightspeedpay:*|pulumi:pulumi:Stack"
"""Where secrecy is the program's doing: dynamic resources, components' and the stack's outputs. (The
bridged SDKs mark their sensitive fields secret themselves, whatever the program passes.)"""

OTHER_HOST = "mutant-host.example"
PLAINTEXT = "mutant-plaintext-not-a-real-secret"

OPERATORS: tuple[Operator, ...] = (
    # Removed from the program: one resource, or a component with everything under it.
    Operator("delete", "delete", "delete"),
    Operator("delete-component", "delete", "delete_component"),
    # A dependency pointed at another resource of the same type.
    Operator("rewire", "reference", "rewire"),
    # Booleans that protect, flipped; protection modes weakened.
    Operator("switch-off", "protective-boolean", "flip", PROTECTIVE_WHEN_TRUE, "true"),
    Operator("switch-on", "protective-boolean", "flip", PROTECTIVE_WHEN_FALSE, "false"),
    Operator("weaken", "protective-boolean", "replace", "", "string", arg=WEAKER),
    Operator("unprotect", "protective-boolean", "unprotect"),
    # Numbers that bound risk, one step past the stack's own value.
    Operator("below-edge", "risk-number", "step", UNSAFE_BELOW, "number|numeric", arg=-1),
    Operator("above-edge", "risk-number", "step", UNSAFE_ABOVE, "number|numeric", arg=+1),
    Operator("tls-below-edge", "risk-number", "step", r"^value$", "numeric",
             types="cloudflare:index/zoneSetting:ZoneSetting", where=(("settingId", "min_tls_version"),), arg=-1),
    Operator("expired", "risk-number", "expire", r"(^|\.)(validUntil|expires\w*)$", "date"),
    # Network ranges widened, allowlists emptied.
    Operator("any-ipv4", "network", "set_first", SCALAR, "cidr|cidrs", arg="0.0.0.0/0"),
    Operator("any-ipv6", "network", "set_first", SCALAR, "cidr|cidrs", arg="::/0"),
    Operator("widen-to-8", "network", "supernet", SCALAR, "cidr|cidrs", arg=8),
    Operator("cidrs-emptied", "network", "set", "", "cidrs", arg=[]),
    Operator("allowlist-emptied", "network", "set", r"(^|\.)(contexts|teams|users|reviewers)$",
             "list", arg=[]),
    # URLs downgraded or pointed at another host; regions moved out of India.
    Operator("http", "url", "http", "", "url"),
    Operator("other-host", "url", "host", "", "url", arg=OTHER_HOST),
    Operator("abroad", "region", "abroad", REGION_KEYS, arg=ABROAD),
    # Secrets made plain.
    Operator("plaintext", "secret", "set", r"^(?!__)", "secret", types=PROGRAM_SECRETS, arg=PLAINTEXT),
    Operator("unsealed", "secret", "unseal", r"(^|\.)sealed[A-Z]\w*$", "map", arg=PLAINTEXT),
    Operator("secret-output-dropped", "secret", "drop_secret_output", types="pulumi-python:dynamic/*", arg=PLAINTEXT),
    Operator("next-public", "secret", "prefix", r"^key$", "string",
             types="vercel:index/projectEnvironmentVariable*", where=(("sensitive", True),), arg="NEXT_PUBLIC_"),
    # Production and staging values swapped; runtime values the guide names changed.
    Operator("env-swap", "environment", "swap", SWAPPABLE, "string"),
    Operator("guide-value", "environment", "replace", r"(^|\.)(NODE_ENV|LOG_LEVEL)$", "string", arg=GUIDE_VALUES),
)
