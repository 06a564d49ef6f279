"""What the Supabase Management API accepts: the one definition of each vendor vocabulary.

Taken from the published OpenAPI document (tests compare these against it, so a spec change that
drops a value fails a test instead of a deploy) and Supabase's docs. Config (`config/database.py`)
validates stack files against these; each managed setting has a `Rule` so `check` can refuse a
bad value with the key, the value and what is allowed, before any request is sent.

What the policy pack judges too (PITR retentions and worst-case RPOs, Supabase's own roles, the
table privileges and predefined roles an application role may hold) is in the vocabulary the pack
shares with the program, policies/lightspeedpay_vocabulary/thresholds.py, which the providers reach
through the program's one bridge, `config.vocabulary` (`thresholds.PITR_RETENTION_DAYS`, …).
"""

from __future__ import annotations

import re

from providers.dynamic.checks import Rule

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
"""Sizes a project can be created with and (except nano, the no-add-on default) resized to, smallest first."""
COMPUTE_PREFIX = "ci_"
PITR_MIN_SIZE = "small"
"""PITR needs at least the Small compute add-on (docs: PITR)."""
READ_REPLICA_MIN_SIZE = "small"
READ_REPLICAS_BELOW_XLARGE = 2
"""Up to 2 replicas below the XL compute size, up to 5 at XL or above (docs: read replicas)."""
READ_REPLICAS_MAX = 5
POSTGRES_MAJOR_VERSIONS = (15, 16, 17)
"""Majors a project may run for this stack (read replicas need 15+); Supabase creates its current default."""
MIN_PASSWORD_LENGTH = 16

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
"""A Postgres duration as the API's spec writes it (statement_timeout; default unit ms)."""
MEMORY = r"^[0-9]+(kB|MB|GB|TB)?$"
SCHEDULE_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"
"""The daily backup time, HH:MM:SS in UTC."""


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

POSTGRES_KEYS = (
    "effective_cache_size", "logical_decoding_work_mem", "maintenance_work_mem", "track_activity_query_size",
    "max_connections", "max_locks_per_transaction", "max_parallel_maintenance_workers", "max_parallel_workers",
    "max_parallel_workers_per_gather", "max_replication_slots", "max_slot_wal_keep_size",
    "max_standby_archive_delay", "max_standby_streaming_delay", "max_wal_size", "max_wal_senders",
    "max_worker_processes", "session_replication_role", "shared_buffers", "statement_timeout",
    "track_commit_timestamp", "wal_keep_size", "wal_sender_timeout", "work_mem", "checkpoint_timeout",
    "hot_standby_feedback",
)
"""Every override the Postgres config PUT accepts (`UpdatePostgresConfigBody` without restart_database)."""
POSTGRES_RESTART_KEYS = frozenset({
    "max_connections", "shared_buffers", "max_locks_per_transaction", "max_worker_processes", "max_wal_senders",
    "max_replication_slots", "track_commit_timestamp", "track_activity_query_size",
})
"""Of those, the ones Postgres reads only at start ("postmaster" context, PostgreSQL docs, runtime config)."""

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
