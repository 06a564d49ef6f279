"""Gateway keys judged where their plaintext exists: at config load, before anything is declared.

Razorpay key ids carry their mode in their prefix (``rzp_live_`` / ``rzp_test_``), so the program
refuses a production stack running test keys, a staging stack running live keys, and previews given
anything but test keys. PhonePe credentials carry no documented mode marker (UAT and production
differ by host and dashboard, not by the shape of the client id), so for PhonePe what can be checked
is that previews never get production's client id or secret.

The derived facts (never the keys) are published for the policy pack, which sees only ciphertext in
an exported state. Messages never contain a secret value.
"""

from __future__ import annotations

from dataclasses import dataclass

from pulumi.runtime import config as runtime_config

from .errors import ConfigIssue
from .model import StackConfig
from .secrets import SecretSpec, secrets_for
from .vocabulary import thresholds

PREVIEW_PAIRS = (("previewRazorpayKeyId", "razorpayKeyId"), ("previewRazorpayKeySecret", "razorpayKeySecret"),
                 ("previewPhonepeClientId", "phonepeClientId"), ("previewPhonepeClientSecret", "phonepeClientSecret"))
"""Preview credentials and their production counterparts: never the same value."""


@dataclass(frozen=True)
class GatewayKeyFacts:
    razorpay_key_modes: dict[str, str]
    """Vercel target → 'live' | 'test' | 'unverified' (an offline placeholder stood in for the key)."""
    preview_credentials_distinct: bool | str
    """True when every preview credential differs from production's; 'unverified' with placeholders."""


def _plaintext(spec: SecretSpec) -> str | None:
    """The value as the engine handed it over, or None for an offline placeholder (not a key)."""
    value = runtime_config.get_config(spec.full_key)
    return None if value is None or value == spec.offline_placeholder else value


def check_gateway_keys(cfg: StackConfig) -> tuple[GatewayKeyFacts, list[ConfigIssue]]:
    specs = {spec.key: spec for spec in secrets_for(cfg.environment)}
    issues: list[ConfigIssue] = []
    modes: dict[str, str] = {}
    targets = [("production", "razorpayKeyId", cfg.gateways.mode)]
    if "previewRazorpayKeyId" in specs and cfg.vercel.previews is not None:
        targets.append(("preview", "previewRazorpayKeyId", "test"))
    for target, key, expected in targets:
        spec = specs[key]
        value = _plaintext(spec)
        if value is None:
            modes[target] = thresholds.KEY_MODE_UNVERIFIED
            continue
        mode = thresholds.razorpay_key_mode(value)
        prefixes = " or ".join(f"{p}…" for p in thresholds.RAZORPAY_KEY_PREFIXES.values())
        if mode is None:
            issues.append(ConfigIssue(spec.full_key, f"is not a Razorpay key id: it must start with {prefixes}",
                                      has_value=False))
        elif mode != expected:
            issues.append(ConfigIssue(spec.full_key, f"is a Razorpay {mode} key; the {cfg.environment} stack's "
                                                     f"{target} target must use {expected} keys "
                                                     f"({thresholds.RAZORPAY_KEY_PREFIXES[expected]}…)",
                                      has_value=False))
        modes[target] = mode or thresholds.KEY_MODE_UNVERIFIED
    distinct: bool | str = True
    for preview_key, production_key in PREVIEW_PAIRS:
        if preview_key not in specs:
            continue
        preview, production = _plaintext(specs[preview_key]), _plaintext(specs[production_key])
        if preview is None or production is None:
            distinct = thresholds.KEY_MODE_UNVERIFIED
        elif preview == production:
            issues.append(ConfigIssue(specs[preview_key].full_key,
                                      f"must differ from {specs[production_key].full_key}: previews never run with "
                                      f"production's credentials", has_value=False))
            distinct = False
    return GatewayKeyFacts(modes, distinct), issues
