"""What "payment data never leaves through error reports" means, for the program and the pack.

Sentry's default server-side scrubber removes values of sensitive-looking *keys* (password,
secret, …) and card numbers in log messages, but it does not touch exception messages
(``$error.value``) and knows nothing of UPI VPAs or Indian account numbers in free text (measured
with sentry-relay, the library Sentry's ingestion runs; docs/error-tracking.md). So each project's
``relayPiiConfig`` must apply rules to ``$string`` (every string, exception messages included) that
catch each class below. A class is covered when a rule applied to free text is of a type that
catches it (``creditcard`` for cards, ``anything``) or is a pattern that finds its sample.

The same module names what else each runtime's Sentry project must have (its DSN and environment
variables, its alert rules), for the component that declares them and the policies that check them.

Standard library only (the pack's venv sees nothing else).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REQUIRED_CLASSES: dict[str, str] = {
    "card": "card 4111 1111 1111 1111 declined",
    "upi": "upi collect failed for bob.k@okaxis",
    "account": "payout to A/C No: 00112233445566 failed",
    "token": "Authorization: Bearer sk_live_FAKEabcdefgh12345",
}
"""Field class → a sample of it inside free text (obviously fake values), which a rule must find."""
CLASS_TYPES: dict[str, frozenset[str]] = {
    "card": frozenset({"creditcard", "anything"}), "upi": frozenset({"anything"}),
    "account": frozenset({"anything"}), "token": frozenset({"anything"}),
}
"""Relay rule types that catch a whole class without a pattern."""
BUILTIN_TYPES: dict[str, str] = {"@creditcard": "creditcard", "@anything": "anything"}
"""Relay's built-in rules (``@creditcard:mask``, ``@anything:remove``, …) by prefix → their type."""
FREE_TEXT_SELECTORS = frozenset({"$string", "**"})
"""Selectors that reach every string, exception messages and log messages included."""
SENSITIVE_FIELD_NAMES: tuple[str, ...] = (
    "card_number", "cardNumber", "cvv", "vpa", "upi_id", "account_number", "accountNumber", "ifsc",
    "token", "access_token", "api_key", "secret", "password", "authorization")
"""Keys whose values Sentry must drop wherever they appear (the project's sensitiveFields)."""
ERROR_TRACKED_RUNTIMES: tuple[str, ...] = ("site", "api", "workers")
"""Every runtime that must report errors (with scrubbing): the Next.js site, the API, the workers."""
DSN_VARIABLES: dict[str, str] = {"site": "NEXT_PUBLIC_SENTRY_DSN", "api": "SENTRY_DSN", "workers": "SENTRY_DSN"}
"""The variable each runtime's Sentry SDK reads its DSN from (the site's is public: Next.js inlines it)."""
ENVIRONMENT_VARIABLES: dict[str, str] = {
    "site": "NEXT_PUBLIC_SENTRY_ENVIRONMENT", "api": "SENTRY_ENVIRONMENT", "workers": "SENTRY_ENVIRONMENT"}
"""The variable each runtime's SDK tags events with: the alert rules filter on it, so it must be the stack's."""
SAMPLE_RATE_VARIABLES: dict[str, str] = {
    "site": "NEXT_PUBLIC_SENTRY_TRACES_SAMPLE_RATE", "api": "SENTRY_TRACES_SAMPLE_RATE",
    "workers": "SENTRY_TRACES_SAMPLE_RATE"}
"""The share of transactions each runtime's SDK sends (tracesSampleRate): above 0, or no p95 alert can fire."""
FIRST_SEEN_CONDITION = "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"
"""The issue-alert condition "a new issue is created"."""
ERROR_SPIKE_AGGREGATE = "count()"
SLOW_TRANSACTIONS_AGGREGATE = "p95(transaction.duration)"


def _selectors(selector: str) -> set[str]:
    return {part.strip() for part in selector.split("||")}


def _rule_type(name: str, rules: Mapping[str, Any]) -> tuple[str, Any] | None:
    """(type, rule) of a rule name as an application refers to it; None when it is not defined."""
    for prefix, kind in BUILTIN_TYPES.items():
        if name.startswith(prefix + ":"):
            return kind, None
    if name.startswith("@"):
        return "builtin", None
    rule = rules.get(name)
    if not isinstance(rule, Mapping):
        return None
    return str(rule.get("type", "")), rule


def undefined_rules(config: Any) -> list[str]:
    """Rule names an application refers to that neither the config nor Relay defines (Sentry's own
    validation accepts them and then scrubs nothing)."""
    if not isinstance(config, Mapping):
        return []
    rules = config.get("rules") or {}
    missing: list[str] = []
    for names in (config.get("applications") or {}).values():
        for name in names if isinstance(names, list) else []:
            if _rule_type(str(name), rules if isinstance(rules, Mapping) else {}) is None:
                missing.append(str(name))
    return sorted(set(missing))


def _finds(rule: Mapping[str, Any], sample: str) -> bool:
    try:
        return re.search(str(rule.get("pattern", "")), sample) is not None
    except re.error:
        return False


def covered_classes(config: Any) -> set[str]:
    """The REQUIRED_CLASSES a relayPiiConfig scrubs in free text."""
    if not isinstance(config, Mapping):
        return set()
    rules = config.get("rules") or {}
    rules = rules if isinstance(rules, Mapping) else {}
    covered: set[str] = set()
    for selector, names in (config.get("applications") or {}).items():
        if not (_selectors(str(selector)) & FREE_TEXT_SELECTORS) or not isinstance(names, list):
            continue
        for name in names:
            found = _rule_type(str(name), rules)
            if found is None:
                continue
            kind, rule = found
            for cls, sample in REQUIRED_CLASSES.items():
                if kind in CLASS_TYPES[cls] or (kind == "pattern" and rule is not None and _finds(rule, sample)):
                    covered.add(cls)
    return covered
