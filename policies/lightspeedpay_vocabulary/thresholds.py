"""Every threshold and vocabulary the program and the pack share, each in this one place.

The pack's own environment (policies/venv) imports nothing outside policies/, so what both sides
need lives here and the program imports it (through `config/vocabulary.py`). Standard library only:
importing this module must cost the program nothing.

Policy config schemas take their defaults from here (`meta.Setting`), the config loader refuses
stack files that contradict the guide's values from here, and the components publish facts that
the policies compare with these same constants.
"""

from __future__ import annotations

from collections.abc import Iterable

# --- the deployment guide's own values (production) --------------------------------------------
GUIDE_WORKER_REPLICAS = (2, 10)
"""Background Jobs: "Configure auto-scaling (min: 2, max: 10 instances)"."""
GUIDE_RUNTIME: dict[str, dict[str, str]] = {
    "site": {},  # NEXT_PUBLIC_API_URL, NEXT_PUBLIC_CHECKOUT_URL, NEXT_PUBLIC_ENV follow the stack's domains
    "api": {"NODE_ENV": "production"},
    "workers": {"JOB_CONCURRENCY": "5", "LOG_LEVEL": "info", "NODE_ENV": "production"},
}
"""The literal values of the guide's "Production Environment Variables", per app."""
GUIDE_SECRETS: dict[str, tuple[str, ...]] = {
    "api": ("DATABASE_URL", "SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY", "JWT_SECRET"),
    "workers": ("DATABASE_URL", "REDIS_URL"),
}
"""The guide's variables whose values are credentials: present, secret, from the stack's own sources."""

# --- stacks and their ESC environments ---------------------------------------------------------
STACKS = ("production", "staging")
ESC_PROJECT = "lightspeedpay"
"""Pulumi ESC project of the stacks' environments: one environment per stack, `lightspeedpay/<stack>`."""


def esc_environment_name(reference: str) -> tuple[str, str]:
    """(ESC project, environment) of an import such as ``lightspeedpay/production@3``; legacy names
    without a project belong to the ``default`` project."""
    name = reference.split("@", 1)[0].strip()
    project, _, environment = name.rpartition("/")
    return project or "default", environment


def foreign_environments(stack: str, references: Iterable[str]) -> list[str]:
    """The ESC imports in ``references`` that belong to another stack: any `lightspeedpay/<x>` but
    `lightspeedpay/<stack>`, and any environment named after another of our stacks. Stacks share no
    secret, so a staging stack importing `lightspeedpay/production` would hand it live keys."""
    foreign = []
    for reference in references:
        project, environment = esc_environment_name(reference)
        if environment == stack:
            continue
        if project == ESC_PROJECT or environment in STACKS:
            foreign.append(reference)
    return foreign


# --- payment gateways ----------------------------------------------------------------------------
RAZORPAY_KEY_PREFIXES = {"live": "rzp_live_", "test": "rzp_test_"}
"""Razorpay key ids say their mode in their prefix (API Keys docs)."""
KEY_MODE_UNVERIFIED = "unverified"
"""A key mode the program could not derive (an offline placeholder stands in for the key)."""


def razorpay_key_mode(key_id: str) -> str | None:
    """'live' or 'test' from a Razorpay key id's prefix; None when it is not a Razorpay key id."""
    for mode, prefix in RAZORPAY_KEY_PREFIXES.items():
        if key_id.startswith(prefix) and len(key_id) > len(prefix):
            return mode
    return None


WEBHOOK_PATHS = ("/webhooks/razorpay", "/webhooks/phonepe")
PHONEPE_CALLBACK_PATH = "/webhooks/phonepe"
RAZORPAY_REQUIRED_EVENTS = ("payment.captured", "payment.failed", "order.paid", "refund.processed", "refund.failed",
                            "payment.dispute.created")

# --- edge: Cloudflare, Vercel, GitHub, monitoring ------------------------------------------------
TLS_VERSIONS = ("1.0", "1.1", "1.2", "1.3")
MIN_TLS_VERSION = "1.2"
SSL_MODES = ("off", "flexible", "full", "strict")
HSTS_MIN_MAX_AGE_SECONDS = 31_536_000
CAA_ISSUERS = ("letsencrypt.org",)
VERCEL_APEX_IP = "76.76.21.21"
"""Vercel's anycast address for apex domains (an apex cannot be a CNAME)."""
VERCEL_CNAME = "cname.vercel-dns.com"
VERCEL_CNAME_SUFFIX = "vercel-dns.com"
VERCEL_REGIONS_IN_INDIA = ("bom1",)
VERCEL_MAX_FUNCTION_TIMEOUT_SECONDS = 60
ADMIN_PATHS = ("/admin",)
API_MAX_REQUESTS_PER_MINUTE = 1200
ALLOWLIST_MIN_PREFIX_V4 = 16
ALLOWLIST_MIN_PREFIX_V6 = 32
OWASP_RULES = ("sqli", "xss", "rce", "lfi", "rfi", "gen")
LOG_DRAIN_SOURCES = ("lambda", "edge", "firewall")
ATTACK_MODE_MAX_HOURS = 72
GITHUB_MIN_APPROVALS = 1
GITHUB_PLANS = ("free", "team", "enterprise")
"""GitHub organisation plans. Rulesets and branch protection on private repositories need Team or above;
required reviewers on a private repository's environment need Enterprise (GitHub's plan docs)."""
GITHUB_SECURITY_PRODUCTS = ("secretProtection", "codeSecurity", "advancedSecurity")
"""What an organisation can license for private repositories: GitHub Secret Protection (secret scanning,
push protection), GitHub Code Security (code scanning), or the earlier GitHub Advanced Security (both)."""
CODE_SCANNING_SECURITY_THRESHOLDS = ("none", "critical", "high_or_higher", "medium_or_higher", "all")
"""A code-scanning ruleset's `security_alerts_threshold`, loosest first."""
CODE_SCANNING_LOOSEST_GATE = "critical"
"""The guide's "security scanning completed with no critical issues": a merge must be blocked at least by a
critical security alert."""
REUSABLE_WORKFLOW_ACCESS = ("organization", "enterprise")
"""Actions access levels that let another repository of the organisation call this one's reusable workflows."""
UPTIME_MAX_FREQUENCY_MINUTES = 5
DEPLOYMENT_CHECKS = ("smoke", "e2e")
"""GitHub checks a production deployment must pass before its domains are assigned (Vercel deployment checks)."""
CANARY_MAX_PERCENT = 25
"""A rolling release's first stage: at most this share of production traffic meets an unproven deployment."""
UPTIME_REQUIRED_LOCATION = "ap-south-1"
BROWSER_FLOWS = ("site", "checkout", "admin-allowlist", "payment-path")
"""The critical user flows a release verifies in a browser (checks/browser/<flow>.spec.js, tag `flow:<flow>`)."""
LIVE_PAYMENT_MODE = "create-order-only"
"""The only payment-path mode a stack with live gateway keys may run: an order is created, nothing is captured."""
STATUS_COMPONENTS = ("site", "checkout", "api", "payments")
"""The public components the status page shows; planned maintenance names these."""
SSL_MIN_ALERT_DAYS = 14
"""An SSL monitor must alert at least this many days before a certificate expires (the stack's setting is 21)."""
HEARTBEAT_MAX_SILENCE_MINUTES = 30
"""Longest a background service may be silent (period + grace) before someone is paged."""

# --- logs ----------------------------------------------------------------------------------------
LOG_RETENTION_DAYS = 365
"""PCI DSS 10.5.1: twelve months (CERT-In's 180 days in India is the floor for non-card stacks)."""
CERT_IN_LOG_RETENTION_DAYS = 180
LOG_STORE_REGIONS = ("ap-south-1", "ap-south-2")

# --- background jobs on Railway --------------------------------------------------------------------
RAILWAY_REPLICA_CAP = {"hobby": 6, "pro": 42, "enterprise": 50}
"""Per-service replica caps by workspace plan (Railway pricing docs); its keys are the plans a stack may declare."""
RAILWAY_MAX_TOTAL_REPLICAS = 50
"""Across regions, per service, whatever the plan (the Railway CLI's MAX_TOTAL_REPLICAS)."""
RAILWAY_LIVE_PLAN_TIER = {"FREE": 0, "HOBBY": 1, "PRO": 2}
"""Railway's API `Plan` enum, ranked; an Enterprise workspace reports PRO."""
RAILWAY_DECLARED_PLAN_TIER = {"hobby": 1, "pro": 2, "enterprise": 2}
"""The live tier each declared plan needs (the provider checks it before creating; the pack on refreshed state)."""
RAILWAY_LOG_RETENTION_DAYS = {"hobby": 7, "pro": 30, "enterprise": 90}
"""How long Railway itself keeps logs, by plan; longer retention needs the log store."""
RAILWAY_REVIEWED_REGIONS = ("asia-southeast1-eqsg3a",)
"""Railway has no India region; Singapore is the reviewed one (nearest to India and to ap-south-1)."""
RAILWAY_HEALTHCHECK_MAX_TIMEOUT_SECONDS = 300
MAX_JOB_RETENTION_SECONDS = 86_400
"""RBI: data processed abroad is deleted there within one business day or 24 hours."""
AUTOSCALER_BOUND_VARIABLES = ("MIN_REPLICAS", "MAX_REPLICAS")

# --- the database on Supabase ----------------------------------------------------------------------
SUPABASE_REGIONS_IN_INDIA = ("ap-south-1",)
PITR_RETENTION_DAYS = (7, 14, 28)
PITR_WORST_CASE_RPO_MINUTES = 2
"""Supabase archives WAL at least every 2 minutes, so PITR loses at most about 2 minutes."""
DAILY_BACKUP_WORST_CASE_RPO_MINUTES = 24 * 60
"""Without PITR the newest restorable point is the last daily backup: up to a day of data lost."""
BACKUP_MAX_AGE_HOURS = 26
"""A daily backup plus two hours of slack: an older newest backup means backups stopped."""
MAX_JWT_EXPIRY_SECONDS = 3600
MAX_REFRESH_REUSE_SECONDS = 10
MIN_PASSWORD_LENGTH = 12
PGAUDIT_CLASSES = ("ddl", "write")
PGAUDIT_ROLES = ("postgres",)
SUPABASE_OWN_ROLES = (
    "postgres", "supabase_admin", "supabase_auth_admin", "supabase_storage_admin", "supabase_realtime_admin",
    "supabase_replication_admin", "supabase_read_only_user", "authenticator", "anon", "authenticated",
    "service_role", "dashboard_user", "pgbouncer", "pgsodium_keyholder", "pgsodium_keyiduser", "pgsodium_keymaker",
)
"""Roles Supabase creates and owns: an application never connects as (or declares) one of them."""
DATABASE_ROLE_PRIVILEGES = ("select", "insert", "update", "delete")
"""Table privileges an application's database role may hold (never truncate, references or trigger)."""
DATABASE_ROLE_MEMBERSHIPS = ("pg_read_all_data",)
"""Predefined Postgres roles an application's role may be granted: reading every table and schema, which
pg_dump needs, so only for a read-only backup role (never a runtime's)."""
MIN_READ_REPLICAS = 1
OPEN_NETWORKS = ("0.0.0.0/0", "::/0")

# --- reporting ---------------------------------------------------------------------------------------
NOT_VERIFIED = "not verified:"
"""Starts every not-verified diagnostic of the pack (meta.NotVerifiedError); ops reads the items back."""

# --- checklist sign-offs -----------------------------------------------------------------------------
ATTESTATION_WARN_DAYS = 30
