"""What Railway accepts and allows: the one definition of each vendor vocabulary and limit.

Config (`config/jobs.py`), the provider and the services read these; nothing here imports the
Pulumi SDK. Sources: Railway's docs (pricing, regions, scaling, restart policy, logs) and the
public GraphQL schema (`schemas/railway/schema.json`).

What the policy pack judges too (the plans' replica caps and log retention, the total-replica limit,
the plan tiers) is not here but in the vocabulary the pack shares with the program
(policies/lightspeedpay_vocabulary/thresholds.py), reached through the program's one bridge to it,
`config.vocabulary`, which also works in the dynamic-provider host (it imports `providers.*` by
reference, from the project directory).
"""

from __future__ import annotations

from config.vocabulary import thresholds

REGIONS = ("us-west2", "us-east4-eqdc4a", "europe-west4-drams3a", "asia-southeast1-eqsg3a")
"""Deployment regions (docs: deployments/regions); none is in India."""

PLANS = tuple(thresholds.RAILWAY_REPLICA_CAP)
"""Workspace plans a stack may declare (those the shared vocabulary gives a replica cap)."""
RESTART_POLICIES = ("ON_FAILURE", "ALWAYS", "NEVER")
BACKUP_KINDS = ("DAILY", "WEEKLY", "MONTHLY")

REPO_PATTERN = r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$"
REGION_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
VARIABLE_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
PATH_PATTERN = r"^/[A-Za-z0-9._/-]*$"
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
"""Project, environment and service names this stack uses (lower-case, digits, dashes)."""
