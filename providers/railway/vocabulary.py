"""What Railway accepts and allows: the one definition of each vendor vocabulary and limit.

Config (`config/jobs.py`), the provider and the services read these; nothing here imports the
Pulumi SDK. Sources: Railway's docs (pricing, regions, scaling, restart policy, logs) and the
public GraphQL schema (`schemas/railway/schema.json`).

The policy pack runs in its own virtualenv and cannot import this package: it keeps copies of
the plan caps and tiers (`policies/lightspeedpay_policies/railway.py`), which
tests/test_railway_vocabulary.py holds equal to these.
"""

from __future__ import annotations

REGIONS = ("us-west2", "us-east4-eqdc4a", "europe-west4-drams3a", "asia-southeast1-eqsg3a")
"""Deployment regions (docs: deployments/regions); none is in India."""

PLANS = ("hobby", "pro", "enterprise")
"""Workspace plans a stack may declare."""
PLAN_REPLICA_CAPS = {"hobby": 6, "pro": 42, "enterprise": 50}
"""Replicas per service, by plan (docs: pricing/plans)."""
PLAN_LOG_RETENTION_DAYS = {"hobby": 7, "pro": 30, "enterprise": 90}
"""How long Railway itself keeps logs, by plan (docs: observability/logs)."""
LIVE_PLAN_TIER = {"FREE": 0, "HOBBY": 1, "PRO": 2}
"""The API's `Plan` enum; an Enterprise workspace reports PRO."""
DECLARED_PLAN_TIER = {"hobby": 1, "pro": 2, "enterprise": 2}

MAX_TOTAL_REPLICAS = 50
"""Across regions, per service (the CLI's MAX_TOTAL_REPLICAS)."""
RESTART_POLICIES = ("ON_FAILURE", "ALWAYS", "NEVER")
BACKUP_KINDS = ("DAILY", "WEEKLY", "MONTHLY")
INSTANCE_ROLES = ("worker", "autoscaler", "service")
"""What a service instance is for (ours, not Railway's): policies apply per role."""

REPO_PATTERN = r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$"
REGION_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
VARIABLE_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
PATH_PATTERN = r"^/[A-Za-z0-9._/-]*$"
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
"""Project, environment and service names this stack uses (lower-case, digits, dashes)."""
