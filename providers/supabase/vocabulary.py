"""The Management API's vocabulary the provider accepts: regions, sizes, add-ons, setting keys.

Taken from the published OpenAPI document (tests compare these against it, so a spec change that
drops a value fails a test instead of a deploy). Each managed setting has a rule so `check` can
refuse a bad value with the key, the value and what is allowed, before any request is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

DEFAULT_API_URL = "https://api.supabase.com"
API_URL_ENV = "SUPABASE_API_URL"
TOKEN_ENV = "SUPABASE_ACCESS_TOKEN"
TOKEN_CONFIG_KEY = "lightspeedpay:supabaseAccessToken"
"""Asked for with its namespace: the host prefixes a bare key with PULUMI_PROJECT, which it may lack."""

REF_PATTERN = re.compile(r"^[a-z]{20}$")
SLUG_PATTERN = re.compile(r"^[\w-]+$")

REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ap-east-1", "ap-southeast-1", "ap-northeast-1",
    "ap-northeast-2", "ap-southeast-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "eu-central-1",
    "eu-central-2", "ca-central-1", "ap-south-1", "sa-east-1",
)
INSTANCE_SIZES = (
    "nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge",
    "16xlarge",
)
"""Sizes a project can be created with and (except nano, the no-add-on default) resized to."""
COMPUTE_PREFIX = "ci_"
PITR_DAYS = (7, 14, 28)

PROJECT_READY = "ACTIVE_HEALTHY"
PROJECT_FAILED = ("INIT_FAILED", "REMOVED", "GOING_DOWN", "INACTIVE", "PAUSE_FAILED", "RESTORE_FAILED")
"""Statuses a project waiting to become healthy never leaves on its own."""
PROJECT_GONE = ("REMOVED", "GOING_DOWN")

PASSWORD_CHARACTERS = {
    "": "",
    "letters_digits": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789",
    "lower_upper_letters_digits": "abcdefghijklmnopqrstuvwxyz:ABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789",
    "lower_upper_letters_digits_symbols":
        "abcdefghijklmnopqrstuvwxyz:ABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789:!@#$%^&*()_+-=[]{};'\\\\:\"|<>?,./`~",
}
"""Config names → the API's `password_required_characters` values (exactly the spec's enum)."""

PGAUDIT_CLASSES = ("read", "write", "function", "role", "ddl", "misc", "misc_set", "all")
ROLE_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
DURATION = r"^(-?[0-9]+(?:\.[0-9]+)?)(us|ms|s|min|h|d)?$"
MEMORY = r"^[0-9]+(kB|MB|GB|TB)?$"


@dataclass(frozen=True)
class Rule:
    """What one managed setting accepts."""

    kind: str
    """'int', 'bool', 'str' or 'enum'."""
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


AUTH_RULES: dict[str, Rule] = {
    "jwt_exp": Rule("int", 30, 604_800),
    "refresh_token_rotation_enabled": Rule("bool"),
    "security_refresh_token_reuse_interval": Rule("int", 0, 2_147_483_647),
    "mfa_totp_enroll_enabled": Rule("bool"),
    "mfa_totp_verify_enabled": Rule("bool"),
    "mfa_web_authn_enroll_enabled": Rule("bool"),
    "mfa_web_authn_verify_enabled": Rule("bool"),
    "mfa_phone_enroll_enabled": Rule("bool"),
    "mfa_phone_verify_enabled": Rule("bool"),
    "mfa_max_enrolled_factors": Rule("int", 0, 2_147_483_647),
    "password_min_length": Rule("int", 6, 32_767),
    "password_required_characters": Rule("enum", choices=tuple(PASSWORD_CHARACTERS.values())),
    "password_hibp_enabled": Rule("bool"),
    "sessions_timebox": Rule("int", 0, 2_147_483_647),
    "sessions_inactivity_timeout": Rule("int", 0, 2_147_483_647),
}
"""Auth (GoTrue) settings the provider manages; anything else is left to the dashboard."""

POSTGRES_RULES: dict[str, Rule] = {
    "statement_timeout": Rule("str", pattern=DURATION),
    "track_commit_timestamp": Rule("bool"),
    "max_connections": Rule("int", 1, 262_143),
    "work_mem": Rule("str", pattern=MEMORY),
    "maintenance_work_mem": Rule("str", pattern=MEMORY),
    "effective_cache_size": Rule("str", pattern=MEMORY),
    "shared_buffers": Rule("str", pattern=MEMORY),
    "max_slot_wal_keep_size": Rule("str", pattern=r"^(-1|[0-9]+(kB|MB|GB|TB)?)$"),
    "wal_keep_size": Rule("str", pattern=MEMORY),
}

POOLER_RULES: dict[str, Rule] = {
    "pool_mode": Rule("enum", choices=("transaction", "session")),
    "default_pool_size": Rule("int", 0, 3000),
}
