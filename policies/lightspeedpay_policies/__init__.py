"""The LightSpeedPay CrossGuard pack: the deployment guide's checklist as policies.

Importable on its own so the offline plan, the tests and `policies/__main__.py` build the very
same pack. Each module owns one concern and exports POLICIES. What the program must agree on with
the pack (thresholds, the facts records, the placeholder vocabulary) is not here but beside it, in
the standard-library-only `lightspeedpay_vocabulary`, so the program (config/, components/) never
imports this package.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, Policy

from . import (
    attestations,
    aws,
    backups,
    cloudflare,
    database_roles,
    declared,
    dns,
    error_tracking,
    gateways,
    github,
    logs,
    monitoring,
    observability,
    oncall,
    platform,
    railway,
    release_gates,
    runtime,
    stack,
    supabase,
    vercel,
    vercel_firewall,
)

PACK_NAME = "lightspeedpay"

POLICIES: list[Policy] = [
    *cloudflare.POLICIES, *dns.POLICIES, *vercel.POLICIES, *vercel_firewall.POLICIES, *github.POLICIES,
    *railway.POLICIES, *supabase.POLICIES, *runtime.POLICIES, *gateways.POLICIES, *platform.POLICIES,
    *monitoring.POLICIES, *error_tracking.POLICIES,
    *stack.POLICIES, *attestations.POLICIES, *declared.POLICIES, *database_roles.POLICIES,
    *aws.POLICIES, *backups.POLICIES, *logs.POLICIES, *oncall.POLICIES,
    *release_gates.POLICIES, *observability.POLICIES,
]

PACK_KWARGS: dict[str, Any] = {
    "name": PACK_NAME,
    "policies": POLICIES,
    # Mandatory unless a stack's policy config file says otherwise (policies/config/<stack>.json).
    "enforcement_level": EnforcementLevel.MANDATORY,
    "description": "LightSpeedPay security and compliance checklist (PCI DSS 4.0.1, RBI, CERT-In).",
    "display_name": "LightSpeedPay deployment checklist",
    "tags": ["payments", "india", "pci-dss"],
}
