"""The deployment guide's checklist, item by item, and what enforces each item.

Every item of the guide's Pre-Deployment Checklist, Infrastructure Setup, Security Configuration,
Payment Gateway Configuration and Disaster Recovery sections is listed here with its verbatim text
and at least one of:

- ``policies``: pack policies that fail when the item is violated (by policy name);
- ``declared``: resources the stack must declare; `checklist-resources-declared` fails when one is
  missing (optionally matched to a public hostname the stack exports);
- ``attestation``: a human sign-off (`lightspeedpay:attestations.<id>` in the stack file) that
  `checklist-attestations` requires to be present and current.

`python -m ops.checklist --stack NAME` turns this table and a real offline plan into the checklist
with a status per item. Data only: the policies that read it live in `attestations.py` and
`declared.py`, and this module imports nothing but the standard library, so the pack's own
environment (policies/requirements.txt) needs nothing more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROJECT_TYPE = "vercel:index/project:Project"
DOMAIN_TYPE = "vercel:index/projectDomain:ProjectDomain"


@dataclass(frozen=True)
class AttestationSpec:
    """A human step that is signed off rather than declared."""

    id: str
    what: str
    """What the person signing attests, as a sentence."""
    max_days: int
    """Longest a sign-off may count (validUntil - date); renew it before then."""
    basis: str
    """Why that window."""


@dataclass(frozen=True)
class Declared:
    """A resource the stack must declare for an item to hold."""

    type: str
    what: str
    host_output: str | None = None
    """Stack output holding an https URL; a declared resource's ``domain`` must be its host."""


@dataclass(frozen=True)
class Item:
    id: str
    section: str
    text: str
    """The guide's wording, verbatim."""
    policies: tuple[str, ...] = ()
    declared: tuple[Declared, ...] = ()
    attestation: str | None = None
    note: str = ""
    """Why this is the enforcement, where it is not obvious."""


ATTESTATIONS: dict[str, AttestationSpec] = {spec.id: spec for spec in (
    AttestationSpec("security-scan", "Security scanning (SAST, dependency and VAPT scans) found no open "
                    "critical issue.", 183, "RBI PA guidelines: VAPT reports every six months."),
    AttestationSpec("performance-benchmarks", "Load and latency benchmarks of checkout and the payments API meet "
                    "their targets.", 183, "Capacity changes with traffic; re-run at least twice a year."),
    AttestationSpec("data-privacy-review", "Personal and payment data handling was reviewed against the privacy "
                    "requirements (DPDP Act, RBI storage of payment system data).", 366, "Annual review."),
    AttestationSpec("security-audit", "An external security audit of the platform was completed.", 366,
                    "RBI PA guidelines and PCI DSS: annual external audit."),
    AttestationSpec("regulatory-compliance", "RBI, CERT-In and PCI DSS obligations were checked by compliance.",
                    366, "Annual compliance review reported to the Board."),
    AttestationSpec("payment-processor-agreements", "The Razorpay and PhonePe merchant agreements are signed and "
                    "current for the live accounts.", 366, "Contracts are reviewed yearly."),
    AttestationSpec("database-access-review", "Database roles and who holds them (service role, admin users) "
                    "were reviewed.", 183, "PCI DSS 7.2.4: review access every six months."),
    AttestationSpec("razorpay-webhooks", "The Razorpay dashboard sends the required events to the API's "
                    "webhook URL, and a signed test event was verified.", 366, "Re-verify yearly and on any change."),
    AttestationSpec("phonepe-callbacks", "The PhonePe dashboard calls the API's callback URL, and a test "
                    "callback's signature was verified.", 366, "Re-verify yearly and on any change."),
    AttestationSpec("backup-verification", "A backup was restored into a scratch project and checked, and the "
                    "off-site copy exists.", 183, "Untested backups are not backups; drill twice a year."),
    AttestationSpec("disaster-recovery-plan", "The recovery runbook (application recovery, DNS failover, "
                    "communication templates) was reviewed and rehearsed.", 366, "Annual DR exercise."),
    AttestationSpec("business-continuity-plan", "Manual processing procedures and the emergency contact list "
                    "are current.", 366, "Annual review; contacts change."),
)}
"""Every sign-off the checklist knows. Stack files may only name these ids."""

_PRE_CODE = "Pre-Deployment Checklist › Code Quality"
_PRE_INFRA = "Pre-Deployment Checklist › Infrastructure"
_PRE_COMPLIANCE = "Pre-Deployment Checklist › Compliance"
_FRONTEND = "Infrastructure Setup › Hosting Configuration › Frontend (Next.js)"
_API = "Infrastructure Setup › Hosting Configuration › API Services"
_JOBS = "Infrastructure Setup › Hosting Configuration › Background Jobs"
_DATABASE = "Infrastructure Setup › Database › Supabase Production Project"
_SEC_API = "Environment Configuration › Security Configuration › API Security"
_SEC_DB = "Environment Configuration › Security Configuration › Database Security"
_SEC_AUTH = "Environment Configuration › Security Configuration › Authentication"
_RAZORPAY = "Payment Gateway Configuration › Razorpay"
_PHONEPE = "Payment Gateway Configuration › PhonePe"
_DR_BACKUP = "Disaster Recovery › Backup Strategy"
_DR_RECOVERY = "Disaster Recovery › Recovery Procedures"
_DR_CONTINUITY = "Disaster Recovery › Business Continuity"

_PROJECT = Declared(PROJECT_TYPE, "a Vercel project")
_SITE_DOMAIN = Declared(DOMAIN_TYPE, "the site's Vercel domain", host_output="siteUrl")
_CHECKOUT_DOMAIN = Declared(DOMAIN_TYPE, "the checkout's Vercel domain", host_output="checkoutUrl")
_API_DOMAIN = Declared(DOMAIN_TYPE, "the API's Vercel domain", host_output="apiUrl")
_FLAGS = Declared("vercel:index/edgeConfig:EdgeConfig", "the feature-flag Edge Config")
_TLS = ("cloudflare-ssl-strict", "cloudflare-min-tls-version", "cloudflare-tls-1-3", "cloudflare-always-use-https",
        "cloudflare-automatic-https-rewrites", "cloudflare-hsts")
_CREDENTIALS = ("vercel-secrets-sensitive", "vercel-no-secret-in-next-public", "vercel-previews-isolated")

CHECKLIST: tuple[Item, ...] = (
    Item("pre.code.tests-pass", _PRE_CODE, "All tests pass in CI/CD pipeline",
         policies=("github-branch-protection", "github-repository-protected"),
         note="Branch protection on the default branch requires the CI checks before merge."),
    Item("pre.code.reviewed", _PRE_CODE, "Code has been reviewed and approved",
         policies=("github-branch-protection",),
         note="Branch protection requires approving reviews; a rule, not a per-release sign-off."),
    Item("pre.code.security-scan", _PRE_CODE, "Security scanning completed with no critical issues",
         attestation="security-scan"),
    Item("pre.code.benchmarks", _PRE_CODE, "Performance benchmarks meet requirements",
         attestation="performance-benchmarks"),
    Item("pre.code.feature-flags", _PRE_CODE, "All feature flags are properly configured",
         declared=(_FLAGS,),
         note="Flag keys and values are validated in config; the Edge Config holding them is declared."),

    Item("pre.infra.database-backup", _PRE_INFRA, "Database backup completed",
         policies=("supabase-rpo-met", "supabase-pitr-enabled", "supabase-project-hardened")),
    Item("pre.infra.scaling", _PRE_INFRA, "Scaling policies configured",
         policies=("railway-min-replicas", "railway-replicas-within-plan", "vercel-function-limits-explicit")),
    Item("pre.infra.failover", _PRE_INFRA, "Load balancers and failover configured",
         policies=("railway-min-replicas", "vercel-no-function-failover", "supabase-high-availability"),
         note="Vercel and Railway balance load themselves; redundancy is replicas, and cross-region failover "
              "is refused because it leaves India."),
    Item("pre.infra.cdn", _PRE_INFRA, "CDN and caching configured",
         declared=(_SITE_DOMAIN, _CHECKOUT_DOMAIN, _API_DOMAIN), policies=("public-domains-complete",),
         note="Every public hostname is served by Vercel's CDN through a project domain."),
    Item("pre.infra.dns", _PRE_INFRA, "DNS records prepared",
         policies=("public-domains-complete", "cloudflare-dnssec-active", "dns-only-for-vercel",
                   "cloudflare-proxied-ttl-auto")),
    Item("pre.infra.ssl", _PRE_INFRA, "SSL certificates provisioned",
         policies=(*_TLS, "cloudflare-caa-allowlist"),
         note="Vercel issues the certificates; CAA allows only its CA, the zone refuses weak TLS."),

    Item("pre.compliance.data-privacy", _PRE_COMPLIANCE, "Data privacy requirements met",
         policies=("vercel-functions-in-india", "vercel-no-function-failover", "supabase-region-in-india",
                   "railway-outside-india", "railway-no-payment-data-at-rest", "railway-region-allowed",
                   "log-retention"),
         attestation="data-privacy-review"),
    Item("pre.compliance.security-audit", _PRE_COMPLIANCE, "Security audit completed",
         attestation="security-audit"),
    Item("pre.compliance.regulatory", _PRE_COMPLIANCE, "Regulatory compliance checked",
         attestation="regulatory-compliance"),
    Item("pre.compliance.processor-agreements", _PRE_COMPLIANCE, "Payment processor agreements verified",
         attestation="payment-processor-agreements"),

    Item("infra.frontend.deploy", _FRONTEND, "Deploy to Vercel Production",
         declared=(_PROJECT,), policies=("vercel-functions-in-india",)),
    Item("infra.frontend.domain", _FRONTEND, "Configure custom domain: `lightspeedpay.com`",
         declared=(_SITE_DOMAIN,), policies=("vercel-domain-redirects-permanent",)),
    Item("infra.frontend.cdn", _FRONTEND, "Set up CDN and edge caching",
         declared=(_SITE_DOMAIN, _CHECKOUT_DOMAIN), policies=("public-domains-complete",)),
    Item("infra.frontend.previews", _FRONTEND, "Configure automatic preview deployments for PRs",
         policies=("vercel-preview-protection", "vercel-git-fork-protection", "vercel-previews-isolated")),
    Item("infra.frontend.branch-protection", _FRONTEND, "Set up branch protection rules",
         policies=("github-branch-protection", "github-production-environment")),

    Item("infra.api.deploy", _API, "Deploy to Vercel Production",
         declared=(_PROJECT,), policies=("vercel-functions-in-india",)),
    Item("infra.api.domain", _API, "Configure custom domain: `api.lightspeedpay.com`",
         declared=(_API_DOMAIN,)),
    Item("infra.api.function-scaling", _API, "Set up serverless function scaling",
         policies=("vercel-functions-in-india", "vercel-function-limits-explicit"),
         note="Vercel scales functions itself; the pack fixes where they run and their explicit limits."),
    Item("infra.api.rate-limiting", _API, "Configure rate limiting and DDoS protection",
         policies=("vercel-api-rate-limited", "vercel-rate-limit-spares-webhooks", "vercel-owasp-rules",
                   "vercel-api-bots-logged", "vercel-firewall-enabled", "vercel-attack-mode-bounded"),
         note="Vercel mitigates DDoS itself; the pack keeps the firewall, its rules and the incident switch."),

    Item("infra.jobs.deploy", _JOBS, "Deploy to Railway Production",
         policies=("railway-outside-india", "railway-region-allowed"),
         note="Railway has no India region: the data-localisation finding stays visible, never hidden."),
    Item("infra.jobs.autoscaling", _JOBS, "Configure auto-scaling (min: 2, max: 10 instances)",
         policies=("railway-min-replicas", "railway-replicas-within-plan")),
    Item("infra.jobs.health", _JOBS, "Set up health checks and auto-recovery",
         policies=("railway-health-check", "railway-restart-policy")),
    Item("infra.jobs.log-retention", _JOBS, "Configure log retention",
         policies=("railway-logs-shipped", "log-retention")),

    Item("infra.db.high-availability", _DATABASE, "Provision high-availability database",
         policies=("supabase-high-availability",),
         note="HA is a contract entitlement read from the organisation at refresh; offline it is unknown."),
    Item("infra.db.read-replicas", _DATABASE, "Configure read replicas if needed",
         policies=("supabase-region-in-india", "supabase-high-availability")),
    Item("infra.db.backups", _DATABASE, "Set up automated backups (daily)",
         policies=("supabase-rpo-met", "supabase-project-hardened")),
    Item("infra.db.pitr", _DATABASE, "Enable point-in-time recovery",
         policies=("supabase-pitr-enabled",)),
    Item("infra.db.monitoring", _DATABASE, "Configure database monitoring",
         policies=("supabase-audit-logging",),
         note="pgaudit logs feed the log store; query dashboards come with the Supabase project."),

    Item("security.api.rate-limiting", _SEC_API, "Enable rate limiting",
         policies=("vercel-api-rate-limited", "vercel-rate-limit-spares-webhooks")),
    Item("security.api.cors", _SEC_API, "Configure CORS policies",
         policies=("vercel-cors-exact-origins",)),
    Item("security.api.admin-allowlist", _SEC_API, "Set up IP allowlisting for admin endpoints",
         policies=("vercel-projects-guarded", "vercel-allowlists-narrow")),
    Item("security.api.request-logging", _SEC_API, "Enable request logging",
         policies=("vercel-logs-shipped", "log-retention")),

    Item("security.db.network", _SEC_DB, "Restrict network access",
         policies=("supabase-network-restricted", "supabase-project-hardened")),
    Item("security.db.roles", _SEC_DB, "Configure role-based access",
         policies=("database-runtime-roles", "vercel-no-secret-in-next-public", "vercel-secrets-sensitive",
                   "supabase-secret-outputs"),
         attestation="database-access-review",
         note="The service-role key never reaches a browser; who holds which role is a human review."),
    Item("security.db.audit-logging", _SEC_DB, "Enable audit logging",
         policies=("supabase-audit-logging", "supabase-project-hardened")),
    Item("security.db.encryption", _SEC_DB, "Set up encryption for sensitive data",
         policies=("supabase-ssl-enforced", "vercel-secrets-sensitive", "cloudflare-ssl-strict",
                   "cloudflare-min-tls-version"),
         note="Encryption in transit is enforced here; Supabase encrypts at rest by default."),

    Item("security.auth.jwt-expiry", _SEC_AUTH, "Configure JWT expiration",
         policies=("supabase-auth-token-lifetimes",)),
    Item("security.auth.refresh-rotation", _SEC_AUTH, "Set up refresh token rotation",
         policies=("supabase-auth-token-lifetimes",)),
    Item("security.auth.admin-mfa", _SEC_AUTH, "Enable multi-factor authentication for admin users",
         policies=("supabase-mfa-available", "supabase-org-members-mfa", "supabase-password-policy"),
         note="Members' MFA is read from the organisation at refresh; offline it is unknown and not judged."),

    Item("gateways.razorpay.credentials", _RAZORPAY, "Configure production credentials",
         policies=(*_CREDENTIALS, "railway-no-plain-secrets", "supabase-secret-outputs")),
    Item("gateways.razorpay.webhook-url", _RAZORPAY,
         "Set up webhook URL: `https://api.lightspeedpay.com/webhooks/razorpay`",
         declared=(_API_DOMAIN,), policies=("webhook-urls-served",), attestation="razorpay-webhooks",
         note="Razorpay webhooks are set in its dashboard (no merchant API), so the URL is signed off."),
    Item("gateways.razorpay.signature", _RAZORPAY, "Verify webhook signature validation",
         attestation="razorpay-webhooks"),
    Item("gateways.razorpay.events", _RAZORPAY, "Enable required webhooks in Razorpay dashboard",
         policies=("razorpay-webhook-events",), attestation="razorpay-webhooks"),

    Item("gateways.phonepe.credentials", _PHONEPE, "Configure production credentials",
         policies=(*_CREDENTIALS, "railway-no-plain-secrets", "supabase-secret-outputs")),
    Item("gateways.phonepe.callback-url", _PHONEPE,
         "Set up callback URL: `https://api.lightspeedpay.com/webhooks/phonepe`",
         declared=(_API_DOMAIN,), policies=("webhook-urls-served",), attestation="phonepe-callbacks"),
    Item("gateways.phonepe.signature", _PHONEPE, "Verify signature validation",
         attestation="phonepe-callbacks"),
    Item("gateways.phonepe.ip-allowlist", _PHONEPE, "Configure IP allowlisting",
         policies=("phonepe-callback-allowlisted", "vercel-allowlists-narrow")),

    Item("dr.backup.daily", _DR_BACKUP, "Daily database backups",
         policies=("supabase-rpo-met", "supabase-project-hardened")),
    Item("dr.backup.transaction-logs", _DR_BACKUP, "Hourly transaction logs",
         policies=("supabase-pitr-enabled",),
         note="PITR archives the WAL continuously, which is finer than hourly."),
    Item("dr.backup.off-site", _DR_BACKUP, "Off-site backup storage",
         attestation="backup-verification"),
    Item("dr.backup.verification", _DR_BACKUP, "Regular backup verification",
         attestation="backup-verification"),

    Item("dr.recovery.database", _DR_RECOVERY, "Database restoration process",
         policies=("supabase-project-protected",), attestation="backup-verification"),
    Item("dr.recovery.application", _DR_RECOVERY, "Application recovery steps",
         attestation="disaster-recovery-plan"),
    Item("dr.recovery.dns-failover", _DR_RECOVERY, "DNS failover configuration",
         attestation="disaster-recovery-plan"),
    Item("dr.recovery.communication", _DR_RECOVERY, "Communication templates",
         attestation="disaster-recovery-plan"),

    Item("dr.continuity.rpo", _DR_CONTINUITY, "Define RPO (Recovery Point Objective)",
         policies=("supabase-rpo-met",)),
    Item("dr.continuity.rto", _DR_CONTINUITY, "Define RTO (Recovery Time Objective)",
         policies=("supabase-rto-evidenced",)),
    Item("dr.continuity.manual-processing", _DR_CONTINUITY, "Document manual processing procedures",
         attestation="business-continuity-plan"),
    Item("dr.continuity.contacts", _DR_CONTINUITY, "Maintain emergency contact list",
         attestation="business-continuity-plan"),
)

PENDING_POLICIES: frozenset[str] = frozenset()
"""Policy names the checklist maps items to that are not in the pack yet (being written now).

The tooling shows their items as "not yet covered". tests/test_checklist.py fails when a mapped name
is neither in the pack nor listed here, and when a listed name has landed: shrink this set as the
Railway, Supabase and edge policies arrive (renaming the mapping if a policy got another name).
"""

NOT_GUIDE_ITEMS: dict[str, str] = {
    "explicit-providers": "How credentials reach the providers; engineering hygiene, not a guide item.",
    "checklist-attestations-expiring": "Early warning for the attestations of the items above.",
    "no-placeholder-values": "Guards the stack files' example values; advisory until the real values are in.",
    "api-and-workers-share-database": "Consistency of the wiring between the API, the workers and the database.",
    "uptime-check-alerting": "Monitoring and Alerting section (uptime checks), outside the five traced sections.",
    "uptime-checks-cover-endpoints": "Monitoring and Alerting section (uptime checks), outside the five traced "
                                     "sections.",
}
"""Pack policies deliberately tied to no guide item, with the reason. Every other policy maps to one."""

ENFORCERS = ("checklist-attestations", "checklist-resources-declared")
"""The pack policies that enforce ``attestation`` and ``declared`` entries."""

_TAG = re.compile(r"^\[(attestation|item) ([a-z0-9.-]+)\] ", re.MULTILINE)


def tagged(kind: str, key: str, text: str) -> str:
    """A violation message that names the attestation or item it is about (ops.checklist reads it)."""
    return f"[{kind} {key}] {text}"


def tags_in(message: str) -> list[tuple[str, str]]:
    """Every ``(kind, key)`` a violation message names."""
    return [(m.group(1), m.group(2)) for m in _TAG.finditer(message)]


def mapped_policies() -> set[str]:
    names = {name for item in CHECKLIST for name in item.policies}
    if any(item.attestation for item in CHECKLIST):
        names.add("checklist-attestations")
    if any(item.declared for item in CHECKLIST):
        names.add("checklist-resources-declared")
    return names


def _check_table() -> None:
    """Refuse a malformed table at import, so a typo cannot silently drop an item's enforcement."""
    ids = [item.id for item in CHECKLIST]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"checklist item ids must be unique: {duplicates}")
    for item in CHECKLIST:
        if not (item.policies or item.declared or item.attestation):
            raise ValueError(f"checklist item {item.id} has no enforcement")
        if item.attestation and item.attestation not in ATTESTATIONS:
            raise ValueError(f"checklist item {item.id} names unknown attestation {item.attestation!r}")


_check_table()
