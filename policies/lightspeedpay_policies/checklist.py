"""The deployment guide, requirement by requirement, and what the code does about each.

Every requirement of the guide is listed here in the guide's order, with its verbatim text: every
bullet of every section (checklists, hosting, database, security, gateways, monitoring, deployment
steps, post-deployment checks, disaster recovery, release communication, documentation) and every
line of its production environment variables. Each item says what stands behind it:

- ``policies``: pack policies that fail when the item is violated (by policy name); ``variable``
  narrows `runtime-environment`'s findings to the one guide variable the item is;
- ``declared``: resources the stack must declare; `checklist-resources-declared` fails when one is
  missing (optionally matched to a public hostname the stack publishes);
- ``attestation``: a human sign-off (`lightspeedpay:attestations.<id>` in the stack file) that
  `checklist-attestations` requires to be present and current;
- ``not_covered``: why nothing in this repository does it yet (shown as "not yet covered");
- ``not_infrastructure``: why it is not the infrastructure's to do; allowed only for user
  documentation and the content of external announcements.

An item passes only on what the code does. `python -m ops.checklist --stack NAME` turns this table
and a real offline plan into the checklist with a status per item. Data only, standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROJECT_TYPE = "vercel:index/project:Project"
DOMAIN_TYPE = "vercel:index/projectDomain:ProjectDomain"
RUNTIME = "runtime-environment"


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
    host_role: str | None = None
    """A role of the stack's published domains (site, checkout, api); a declared resource's ``domain`` must be
    that hostname."""


@dataclass(frozen=True)
class Item:
    id: str
    section: str
    text: str
    """The guide's wording, verbatim."""
    policies: tuple[str, ...] = ()
    declared: tuple[Declared, ...] = ()
    attestation: str | None = None
    variable: str | None = None
    """``<app>.<KEY>``: only `runtime-environment` findings about this guide variable count for the item."""
    not_covered: str = ""
    """Why the code does not (fully) do it yet; the item shows "not yet covered" unless an enforcer fails."""
    not_infrastructure: str = ""
    """Why it is not the infrastructure's to do (user documentation, announcement content only)."""
    note: str = ""
    """Why this is the enforcement, where it is not obvious."""


ATTESTATIONS: dict[str, AttestationSpec] = {spec.id: spec for spec in (
    AttestationSpec("security-scan", "The latest vulnerability assessment and penetration test (VAPT) of the "
                    "platform found no open critical issue.", 183, "RBI PA guidelines: VAPT reports every six months."),
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
    AttestationSpec("rollback-plan", "Rollback triggers, the rollback commands and who decides are written down, "
                    "and the rollback procedure was rehearsed.", 183, "Rehearse twice a year; the stack changes."),
)}

"""Every sign-off the checklist knows. Stack files may only name these ids."""

_PRE_CODE = "Pre-Deployment Checklist › Code Quality"
_PRE_INFRA = "Pre-Deployment Checklist › Infrastructure"
_PRE_COMPLIANCE = "Pre-Deployment Checklist › Compliance"
_FRONTEND = "Infrastructure Setup › Hosting Configuration › Frontend (Next.js)"
_API = "Infrastructure Setup › Hosting Configuration › API Services"
_JOBS = "Infrastructure Setup › Hosting Configuration › Background Jobs"
_DATABASE = "Infrastructure Setup › Database › Supabase Production Project"
_ENV_SITE = "Environment Configuration › Production Environment Variables › Frontend (Vercel)"
_ENV_API = "Environment Configuration › Production Environment Variables › API (Vercel)"
_ENV_JOBS = "Environment Configuration › Production Environment Variables › Background Jobs (Railway)"
_SEC_API = "Environment Configuration › Security Configuration › API Security"
_SEC_DB = "Environment Configuration › Security Configuration › Database Security"
_SEC_AUTH = "Environment Configuration › Security Configuration › Authentication"
_RAZORPAY = "Payment Gateway Configuration › Razorpay"
_PHONEPE = "Payment Gateway Configuration › PhonePe"
_MON_APP = "Monitoring and Alerting › Application Monitoring"
_MON_PERF = "Monitoring and Alerting › Performance Monitoring"
_MON_ALERT = "Monitoring and Alerting › Alerting"
_DEP_PRE = "Deployment Process › Deployment Steps › Pre-Deployment"
_DEP_DB = "Deployment Process › Deployment Steps › Database Migration"
_DEP_API = "Deployment Process › Deployment Steps › API Deployment"
_DEP_WEB = "Deployment Process › Deployment Steps › Frontend Deployment"
_DEP_JOBS = "Deployment Process › Deployment Steps › Background Jobs Deployment"
_POST_FUNC = "Deployment Process › Post-Deployment Verification › Functional Testing"
_POST_PERF = "Deployment Process › Post-Deployment Verification › Performance Testing"
_POST_ROLLBACK = "Deployment Process › Post-Deployment Verification › Rollback Plan"
_DR_BACKUP = "Disaster Recovery › Backup Strategy"
_DR_RECOVERY = "Disaster Recovery › Recovery Procedures"
_DR_CONTINUITY = "Disaster Recovery › Business Continuity"
_COMMS_INTERNAL = "Release Communication › Internal Communication"
_COMMS_EXTERNAL = "Release Communication › External Communication"
_DOCS_SYSTEM = "Documentation Updates › Update System Documentation"
_DOCS_USER = "Documentation Updates › Update User Documentation"

NOT_INFRASTRUCTURE_SECTIONS = (_DOCS_USER, _COMMS_EXTERNAL)
"""The only sections whose items may be "not infrastructure": user documentation and announcement content."""

_PROJECT = Declared(PROJECT_TYPE, "a Vercel project")
_SITE_DOMAIN = Declared(DOMAIN_TYPE, "the site's Vercel domain", host_role="site")
_CHECKOUT_DOMAIN = Declared(DOMAIN_TYPE, "the checkout's Vercel domain", host_role="checkout")
_API_DOMAIN = Declared(DOMAIN_TYPE, "the API's Vercel domain", host_role="api")
_FLAGS = Declared("vercel:index/edgeConfig:EdgeConfig", "the feature-flag Edge Config")
_TLS = ("cloudflare-ssl-strict", "cloudflare-min-tls-version", "cloudflare-tls-1-3", "cloudflare-always-use-https",
        "cloudflare-automatic-https-rewrites", "cloudflare-hsts")
_CREDENTIALS = ("vercel-secrets-sensitive", "vercel-no-secret-in-next-public", "vercel-previews-isolated",
                "stack-isolation")
_DEPLOYS = ("github-repository-protected", "github-branch-protection")
_GATED = ("vercel-no-auto-promotion", "vercel-deployment-check-blocking", "vercel-rolling-release-staged",
          "release-gates-declared")
_RELEASES = ("github-release-workflow-shared", "vercel-no-auto-promotion", "railway-waits-for-ci")
_SCANNING = ("github-code-scanning-gate", "github-security-scanning", "github-repository-scanning",
             "github-dependabot", "github-security-licensed")
_FLEET = ("railway-min-replicas", "autoscaler-coherence", "railway-replicas-within-plan")
_UPTIME = ("uptime-check-alerting", "uptime-checks-cover-endpoints")
_ONCALL = ("oncall-rotation", "critical-alerts-not-email-only", "critical-alerts-reach-oncall",
           "public-hostnames-watched")
_DB_METRICS = ("database-metrics-scraped", "alert-rules-cover-platform", "advisors-check-scheduled")
_GRAFANA_DASHBOARD = Declared("grafana:oss/dashboard:Dashboard", "a Grafana dashboard")
_GRAFANA_STACK = Declared("grafana:cloud/stack:Stack", "the Grafana Cloud stack (metrics in India)")
_ERRORS = ("error-tracking-every-runtime", "sentry-scrubbing-enforced")
_CERTIFICATES = ("ssl-monitor-expiry", "ssl-monitors-cover-hostnames")
_HEARTBEATS = ("heartbeat-alerting", "background-services-heartbeat")
_STATUS = ("status-page-components", "maintenance-windows-declared", "checkly-plan-entitled")
_FLOWS = ("browser-checks-cover-flows", "browser-check-group", "checkly-plan-entitled")
DATABASE_ROLES = "database-runtime-roles"
"""Runtime connections never use `postgres`, each runtime its own audited role (database_roles.py)."""
_SUPERSEDED = ("Superseded: the guide's template connects as `postgres`; the least-privilege runtime roles of the "
               "database (components/database.py, policy database-runtime-roles) replace it, and the URL comes from "
               "the stack's own database, never typed.")
_PER_RELEASE = "A per-release human step; no release record is kept or checked by this repository yet."


def _env(item_id: str, section: str, text: str, variable: str, *policies: str, note: str = "") -> Item:
    return Item(item_id, section, text, policies=(RUNTIME, *policies), variable=variable, note=note)


CHECKLIST: tuple[Item, ...] = (
    Item("pre.code.tests-pass", _PRE_CODE, "All tests pass in CI/CD pipeline", policies=_DEPLOYS,
         note="Branch protection on every branch that reaches production requires the CI checks before merge."),
    Item("pre.code.reviewed", _PRE_CODE, "Code has been reviewed and approved", policies=_DEPLOYS,
         note="Branch protection requires approving reviews; a rule, not a per-release sign-off."),
    Item("pre.code.security-scan", _PRE_CODE, "Security scanning completed with no critical issues",
         policies=_SCANNING, attestation="security-scan",
         note="A merge gate, not a sign-off: code scanning must report no critical (production: high) alert before "
              "anything merges into a protected branch, pushes carrying secrets are refused, Dependabot reports and "
              "fixes vulnerable dependencies. The sign-off covers only the periodic VAPT, which no setting can run."),
    Item("pre.code.benchmarks", _PRE_CODE, "Performance benchmarks meet requirements",
         attestation="performance-benchmarks"),
    Item("pre.code.feature-flags", _PRE_CODE, "All feature flags are properly configured", declared=(_FLAGS,),
         note="Flag keys and values are validated in config; the Edge Config holding them is declared."),

    Item("pre.infra.database-backup", _PRE_INFRA, "Database backup completed",
         policies=("supabase-backups-taken", "supabase-project-hardened"),
         note="Passes on a completed backup Supabase reports (read at refresh), not on a declaration."),
    Item("pre.infra.scaling", _PRE_INFRA, "Scaling policies configured",
         policies=(*_FLEET, "vercel-function-limits-explicit")),
    Item("pre.infra.failover", _PRE_INFRA, "Load balancers and failover configured",
         policies=("railway-min-replicas", "vercel-no-function-failover", "supabase-high-availability"),
         note="Vercel and Railway balance load themselves; redundancy is replicas, and cross-region failover "
              "is refused because it leaves India."),
    Item("pre.infra.cdn", _PRE_INFRA, "CDN and caching configured",
         declared=(_SITE_DOMAIN, _CHECKOUT_DOMAIN, _API_DOMAIN), policies=("public-domains-complete",),
         note="Every public hostname is served by Vercel's CDN through a project domain."),
    Item("pre.infra.dns", _PRE_INFRA, "DNS records prepared",
         policies=("public-domains-complete", "cloudflare-dnssec-active", "dns-only-for-vercel",
                   "cloudflare-proxied-ttl-auto", "dangling-dns-records")),
    Item("pre.infra.ssl", _PRE_INFRA, "SSL certificates provisioned",
         policies=(*_TLS, "cloudflare-caa-allowlist", *_CERTIFICATES),
         note="Vercel issues the certificates; CAA allows only its CA, the zone refuses weak TLS; an SSL monitor per "
              "hostname alerts `monitoring.sslExpiryAlertDays` before one expires."),

    Item("pre.compliance.data-privacy", _PRE_COMPLIANCE, "Data privacy requirements met",
         policies=("vercel-functions-in-india", "vercel-no-function-failover", "supabase-region-in-india",
                   "railway-outside-india", "railway-no-payment-data-at-rest", "railway-region-allowed",
                   "log-retention", "aws-account-in-india", "backup-offsite-storage", "logs-outside-the-store",
                   "sentry-outside-india", "sentry-scrubbing-enforced",
                   "metrics-region-in-india", "oncall-outside-india"),
         attestation="data-privacy-review"),
    Item("pre.compliance.security-audit", _PRE_COMPLIANCE, "Security audit completed", attestation="security-audit"),
    Item("pre.compliance.regulatory", _PRE_COMPLIANCE, "Regulatory compliance checked",
         attestation="regulatory-compliance"),
    Item("pre.compliance.processor-agreements", _PRE_COMPLIANCE, "Payment processor agreements verified",
         attestation="payment-processor-agreements"),

    Item("infra.frontend.deploy", _FRONTEND, "Deploy to Vercel Production",
         declared=(_PROJECT,), policies=("vercel-functions-in-india", RUNTIME)),
    Item("infra.frontend.domain", _FRONTEND, "Configure custom domain: `lightspeedpay.com`",
         declared=(_SITE_DOMAIN,), policies=("vercel-domain-redirects-permanent",)),
    Item("infra.frontend.cdn", _FRONTEND, "Set up CDN and edge caching",
         declared=(_SITE_DOMAIN, _CHECKOUT_DOMAIN), policies=("public-domains-complete",)),
    Item("infra.frontend.previews", _FRONTEND, "Configure automatic preview deployments for PRs",
         policies=("vercel-pr-previews", "vercel-preview-protection", "vercel-git-fork-protection",
                   "vercel-previews-isolated")),
    Item("infra.frontend.branch-protection", _FRONTEND, "Set up branch protection rules",
         policies=(*_DEPLOYS, "github-production-environment"),
         note="Protects the branch Vercel deploys (the app repository's production branch) and this repository's."),

    Item("infra.api.deploy", _API, "Deploy to Vercel Production",
         declared=(_PROJECT,), policies=("vercel-functions-in-india", RUNTIME)),
    Item("infra.api.domain", _API, "Configure custom domain: `api.lightspeedpay.com`", declared=(_API_DOMAIN,)),
    Item("infra.api.function-scaling", _API, "Set up serverless function scaling",
         policies=("vercel-functions-in-india", "vercel-function-limits-explicit"),
         note="Vercel scales functions itself; the pack fixes where they run and their explicit limits."),
    Item("infra.api.rate-limiting", _API, "Configure rate limiting and DDoS protection",
         policies=("vercel-api-rate-limited", "vercel-rate-limit-spares-webhooks", "vercel-owasp-rules",
                   "vercel-api-bots-logged", "vercel-firewall-enabled", "vercel-attack-mode-bounded"),
         note="Vercel mitigates DDoS itself; the pack keeps the firewall, its rules and the incident switch."),

    Item("infra.jobs.deploy", _JOBS, "Deploy to Railway Production",
         policies=("railway-outside-india", "railway-region-allowed", "autoscaler-coherence"),
         note="Railway has no India region: the data-localisation finding stays visible, never hidden."),
    Item("infra.jobs.autoscaling", _JOBS, "Configure auto-scaling (min: 2, max: 10 instances)", policies=_FLEET),
    Item("infra.jobs.health", _JOBS, "Set up health checks and auto-recovery",
         policies=("railway-health-check", "railway-restart-policy")),
    Item("infra.jobs.log-retention", _JOBS, "Configure log retention",
         policies=("railway-logs-shipped", "log-retention"),
         note="The workers ship their logs to the declared log store, whose retention is the log group's own setting "
              "(the vocabulary's one threshold, 366 days: CERT-In and PCI DSS 10.5.1)."),

    Item("infra.db.high-availability", _DATABASE, "Provision high-availability database",
         policies=("supabase-high-availability",),
         note="HA is a contract entitlement read from the organisation at refresh; offline it is unknown."),
    Item("infra.db.read-replicas", _DATABASE, "Configure read replicas if needed",
         policies=("supabase-region-in-india", "supabase-high-availability")),
    Item("infra.db.backups", _DATABASE, "Set up automated backups (daily)",
         policies=("supabase-backups-taken", "supabase-rpo-met", "supabase-project-hardened")),
    Item("infra.db.pitr", _DATABASE, "Enable point-in-time recovery",
         policies=("supabase-pitr-enabled", "supabase-backups-taken")),
    Item("infra.db.monitoring", _DATABASE, "Configure database monitoring",
         policies=("supabase-audit-logging", *_DB_METRICS), declared=(_GRAFANA_STACK,),
         note="pgaudit records statements; Grafana Cloud scrapes Supabase's metrics endpoint and pages on the "
              "database going dark or its disk filling; the advisors check reads Supabase's findings daily."),

    _env("env.site.api-url", _ENV_SITE, "NEXT_PUBLIC_API_URL=https://api.lightspeedpay.com",
         "site.NEXT_PUBLIC_API_URL", note="The stack's own API hostname (staging: its own)."),
    _env("env.site.checkout-url", _ENV_SITE, "NEXT_PUBLIC_CHECKOUT_URL=https://checkout.lightspeedpay.com",
         "site.NEXT_PUBLIC_CHECKOUT_URL"),
    _env("env.site.env", _ENV_SITE, "NEXT_PUBLIC_ENV=production", "site.NEXT_PUBLIC_ENV",
         note="The stack's environment; previews get their own value."),
    _env("env.api.database-url", _ENV_API, "DATABASE_URL=postgresql://postgres:[PASSWORD]@[HOST]:[PORT]/postgres",
         "api.DATABASE_URL", "api-and-workers-share-database", "vercel-secrets-sensitive", DATABASE_ROLES,
         note=_SUPERSEDED),
    _env("env.api.supabase-url", _ENV_API, "SUPABASE_URL=https://[PROJECT_ID].supabase.co", "api.SUPABASE_URL",
         "supabase-region-in-india"),
    _env("env.api.anon-key", _ENV_API, "SUPABASE_ANON_KEY=[ANON_KEY]", "api.SUPABASE_ANON_KEY",
         "vercel-secrets-sensitive", "supabase-secret-outputs"),
    _env("env.api.service-role-key", _ENV_API, "SUPABASE_SERVICE_ROLE_KEY=[SERVICE_ROLE_KEY]",
         "api.SUPABASE_SERVICE_ROLE_KEY", "vercel-secrets-sensitive", "vercel-no-secret-in-next-public",
         "supabase-secret-outputs"),
    _env("env.api.jwt-secret", _ENV_API, "JWT_SECRET=[STRONG_SECRET]", "api.JWT_SECRET", "vercel-secrets-sensitive",
         "vercel-previews-isolated", note="Generated by the stack (random, 64 characters), never typed."),
    _env("env.api.node-env", _ENV_API, "NODE_ENV=production", "api.NODE_ENV"),
    _env("env.jobs.database-url", _ENV_JOBS, "DATABASE_URL=postgresql://postgres:[PASSWORD]@[HOST]:[PORT]/postgres",
         "workers.DATABASE_URL", "api-and-workers-share-database", "railway-no-plain-secrets", DATABASE_ROLES,
         note=_SUPERSEDED),
    _env("env.jobs.redis-url", _ENV_JOBS, "REDIS_URL=redis://[USERNAME]:[PASSWORD]@[HOST]:[PORT]", "workers.REDIS_URL",
         "railway-no-plain-secrets", note="Sealed, computed by the stack from its own Redis and the password Pulumi "
         "generates; never a plain variable."),
    _env("env.jobs.concurrency", _ENV_JOBS, "JOB_CONCURRENCY=5", "workers.JOB_CONCURRENCY"),
    _env("env.jobs.log-level", _ENV_JOBS, "LOG_LEVEL=info", "workers.LOG_LEVEL"),
    _env("env.jobs.node-env", _ENV_JOBS, "NODE_ENV=production", "workers.NODE_ENV"),

    Item("security.api.rate-limiting", _SEC_API, "Enable rate limiting",
         policies=("vercel-api-rate-limited", "vercel-rate-limit-spares-webhooks")),
    Item("security.api.cors", _SEC_API, "Configure CORS policies", policies=("vercel-cors-exact-origins",)),
    Item("security.api.admin-allowlist", _SEC_API, "Set up IP allowlisting for admin endpoints",
         policies=("vercel-projects-guarded", "vercel-allowlists-narrow")),
    Item("security.api.request-logging", _SEC_API, "Enable request logging",
         policies=("vercel-logs-shipped", "log-retention")),

    Item("security.db.network", _SEC_DB, "Restrict network access",
         policies=("supabase-network-restricted", "supabase-project-hardened")),
    Item("security.db.roles", _SEC_DB, "Configure role-based access",
         policies=(DATABASE_ROLES, "database-role-least-privilege", "vercel-no-secret-in-next-public",
                   "vercel-secrets-sensitive", "supabase-secret-outputs"),
         attestation="database-access-review",
         note="The service-role key never reaches a browser; runtimes use least-privilege roles; who holds which "
              "role is a human review."),
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
         policies=(*_CREDENTIALS, "gateway-key-modes", "railway-no-plain-secrets", "supabase-secret-outputs"),
         note="Live keys (rzp_live_) in production only: checked on the key id at config load and in the pack."),
    Item("gateways.razorpay.webhook-url", _RAZORPAY,
         "Set up webhook URL: `https://api.lightspeedpay.com/webhooks/razorpay`",
         declared=(_API_DOMAIN,), policies=("webhook-urls-served",), attestation="razorpay-webhooks",
         note="Razorpay webhooks are set in its dashboard (no merchant API), so the URL is signed off."),
    Item("gateways.razorpay.signature", _RAZORPAY, "Verify webhook signature validation",
         attestation="razorpay-webhooks"),
    Item("gateways.razorpay.events", _RAZORPAY, "Enable required webhooks in Razorpay dashboard",
         policies=("razorpay-webhook-events",), attestation="razorpay-webhooks"),

    Item("gateways.phonepe.credentials", _PHONEPE, "Configure production credentials",
         policies=(*_CREDENTIALS, "railway-no-plain-secrets", "supabase-secret-outputs"),
         note="PhonePe credentials carry no live/test marker: the program refuses previews given production's "
              "client id or secret; the mode itself rests on the dashboard (payment-processor-agreements)."),
    Item("gateways.phonepe.callback-url", _PHONEPE,
         "Set up callback URL: `https://api.lightspeedpay.com/webhooks/phonepe`",
         declared=(_API_DOMAIN,), policies=("webhook-urls-served",), attestation="phonepe-callbacks"),
    Item("gateways.phonepe.signature", _PHONEPE, "Verify signature validation", attestation="phonepe-callbacks"),
    Item("gateways.phonepe.ip-allowlist", _PHONEPE, "Configure IP allowlisting",
         policies=("phonepe-callback-allowlisted", "vercel-allowlists-narrow")),

    Item("monitoring.app.sentry", _MON_APP, "Set up Sentry for error tracking", policies=_ERRORS,
         note="A Sentry project per runtime (site, API, workers) with its DSN delivered and server-side scrubbing of "
              "card, UPI, account and token data; the SDK init is application code (docs/error-tracking.md)."),
    Item("monitoring.app.vercel-dashboards", _MON_APP, "Configure custom dashboards in Vercel",
         policies=("api-alert-rules",), declared=(_GRAFANA_DASHBOARD,),
         not_covered="The Vercel provider has no dashboard resource: Vercel's own dashboards are its defaults; "
                     "the declared dashboards are Grafana's, and Vercel's alert rules watch the API."),
    Item("monitoring.app.railway-metrics", _MON_APP, "Set up Railway metrics monitoring",
         policies=("alert-rules-cover-platform", "worker-metrics-pushed"), declared=(_GRAFANA_DASHBOARD,),
         note="The autoscaler pushes the queue depth and the worker count to Grafana Cloud (OTLP, sealed write-only "
              "token); critical rules page when the queue backs up or workers fall below the minimum."),
    Item("monitoring.app.log-aggregation", _MON_APP, "Configure log aggregation",
         policies=("vercel-logs-shipped", "railway-logs-shipped", "log-retention"),
         note="Vercel's drain and the workers' OTLP exporters ship to the one declared log store (CloudWatch Logs in "
              "India); what cannot ship (Railway's autoscaler and Redis, Vercel's audit log below Enterprise) is a "
              "data-privacy finding."),

    Item("monitoring.perf.rum", _MON_PERF, "Set up RUM (Real User Monitoring)", policies=_ERRORS[:1],
         note="Sentry browser performance: the site's project, DSN and traces sample rate are declared; browser "
              "tracing in the SDK init and Vercel Speed Insights (no provider resource) are application code."),
    Item("monitoring.perf.api-metrics", _MON_PERF, "Configure API performance metrics",
         policies=(*_UPTIME, "api-alert-rules", "observability-plan-gaps"),
         note="Checkly measures the API's response time from Mumbai every minute against degraded/failed budgets."),
    Item("monitoring.perf.db-queries", _MON_PERF, "Set up database query monitoring", policies=_DB_METRICS,
         not_covered="The database's health metrics and Supabase's performance advisors are watched; no per-query "
                     "report or slow-query alert (pg_stat_statements) is declared here."),
    Item("monitoring.perf.health-checks", _MON_PERF, "Implement custom health checks",
         policies=("railway-health-check", *_UPTIME, *_HEARTBEATS),
         note="Railway gates deploys on the services' health paths; the workers and the autoscaler ping a Checkly "
              "heartbeat, so a stalled one pages someone."),

    Item("monitoring.alert.critical", _MON_ALERT, "Configure critical error alerts (email, Slack)",
         policies=(*_UPTIME, *_ERRORS[:1], "sentry-alerts-routed", *_ONCALL),
         note="A failing endpoint alerts email and Slack; application exceptions alert through each runtime's Sentry "
              "rules (new issue, error spike: the team's email, Slack once Sentry's Slack integration is named)."),
    Item("monitoring.alert.degradation", _MON_ALERT, "Set up performance degradation alerts",
         policies=(*_UPTIME, "sentry-alerts-routed"),
         note="Checkly's degraded-response budget per endpoint, and each runtime's slow-transaction (p95) rule."),
    Item("monitoring.alert.uptime", _MON_ALERT, "Configure uptime monitoring",
         policies=(*_UPTIME, *_CERTIFICATES, *_HEARTBEATS, "public-hostnames-watched"),
         note="Every public endpoint is checked every minute from Mumbai, every hostname's certificate watched, every "
              "background service's heartbeat expected, and each of them pages the person on call."),
    Item("monitoring.alert.on-call", _MON_ALERT, "Set up on-call rotation", policies=_ONCALL,
         note="A PagerDuty rotation of the people in lightspeedpay:oncall, a two-level escalation policy and the "
              "service every critical alert pages through."),

    Item("deploy.pre.plan", _DEP_PRE, "Create deployment plan", policies=_DEPLOYS,
         note="Every change's plan is its pull request's `pulumi preview` with the pack, a required check."),
    Item("deploy.pre.maintenance-window", _DEP_PRE, "Schedule maintenance window if needed", policies=_STATUS,
         note="Maintenance is declared in the stack file and shown on the status page; the release workflow refuses "
              "downtime outside a declared window (python -m ops.maintenance)."),
    Item("deploy.pre.notify", _DEP_PRE, "Notify stakeholders", not_covered=_PER_RELEASE),
    Item("deploy.pre.rollback-plan", _DEP_PRE, "Prepare rollback plan", attestation="rollback-plan"),

    Item("deploy.db.migrations", _DEP_DB, "Run final database migration scripts", policies=_RELEASES,
         note="Nothing reaches production by itself (Vercel never promotes on its own, Railway waits for the "
              "commit's checks, the release included): releases go through this repository's release workflow, "
              "callable by the application repository, whose migrate job runs the application's migration command "
              "after a backup point and before anything is promoted."),
    Item("deploy.db.verify", _DEP_DB, "Verify migration success", policies=_RELEASES,
         note="The release's migrate job runs the application's verification command; a failure stops the release "
              "before the API is promoted."),
    Item("deploy.db.backup", _DEP_DB, "Backup database before and after migration",
         policies=("supabase-pitr-enabled", "supabase-backups-taken"),
         note="Point-in-time recovery restores to any minute, before or after a migration."),

    Item("deploy.api.deploy", _DEP_API, "Deploy new API version", declared=(_PROJECT,), policies=(*_DEPLOYS, *_GATED),
         note="Vercel builds the API from its protected production branch; only the release promotes it, after its "
              "deployment checks passed, to a share of traffic first (production)."),
    Item("deploy.api.smoke-tests", _DEP_API, "Run smoke tests",
         policies=("vercel-deployment-check-blocking", "release-gates-declared"),
         note="A production deployment cannot get the domains until the application's `smoke` check passed on it "
              "(a Vercel deployment check); the release then runs `python -m ops.smoke` on the public hostnames."),
    Item("deploy.api.endpoints", _DEP_API, "Verify API endpoints", policies=_UPTIME,
         note="The API's health endpoint is checked every minute from Mumbai and Singapore."),
    Item("deploy.api.logs", _DEP_API, "Check logs for errors", not_covered=_PER_RELEASE),

    Item("deploy.web.deploy", _DEP_WEB, "Deploy new frontend version", declared=(_PROJECT,),
         policies=(*_DEPLOYS, *_GATED),
         note="Vercel builds the site from its protected production branch; only the release promotes it, after its "
              "deployment checks passed, to a share of traffic first (production)."),
    Item("deploy.web.e2e", _DEP_WEB, "Run end-to-end tests",
         policies=("vercel-deployment-check-blocking", "release-gates-declared"),
         note="A production deployment cannot get the domains until the `e2e` check (the browser flows, run against "
              "the deployment) passed on it."),
    Item("deploy.web.user-flows", _DEP_WEB, "Verify key user flows", policies=_FLOWS,
         note="Browser checks of the site, checkout, admin and payment flows run before promotion (the `e2e` "
              "deployment check) and again from Checkly when the release verifies."),
    Item("deploy.web.console-errors", _DEP_WEB, "Check for console errors", policies=_FLOWS,
         note="The site and checkout browser checks fail on any console error or uncaught page error."),

    Item("deploy.jobs.deploy", _DEP_JOBS, "Deploy updated background jobs",
         policies=("github-repository-protected", "railway-health-check", "railway-restart-policy",
                   "railway-waits-for-ci", "release-gates-declared"),
         note="Railway deploys the worker from a protected branch only after the commit's checks passed, behind its "
              "health check, draining the old one."),
    Item("deploy.jobs.processing", _DEP_JOBS, "Verify job processing", policies=_HEARTBEATS,
         note="The workers ping their heartbeat (sealed HEARTBEAT_URL) while they take jobs from the queue, the "
              "application's contract: a fleet that stops processing pages someone within period plus grace."),
    Item("deploy.jobs.logs", _DEP_JOBS, "Check log output", not_covered=_PER_RELEASE),
    Item("deploy.jobs.queues", _DEP_JOBS, "Monitor queue lengths",
         policies=("autoscaler-coherence", "alert-rules-cover-platform", "worker-metrics-pushed"),
         note="The autoscaler reads the queue depth every poll interval, sizes the fleet and pushes the depth to "
              "Grafana Cloud, where a critical rule pages when the queue keeps backing up."),

    Item("post.func.user-flows", _POST_FUNC, "Verify critical user flows", policies=_FLOWS,
         note="The release triggers the browser checks of the site, checkout, admin and payment flows (Checkly)."),
    Item("post.func.payments", _POST_FUNC, "Test payment processing", policies=_FLOWS,
         note="Staging pays a test-mode order end to end; production creates a live order and never captures it "
              "(a live capture moves real money with a real card)."),
    Item("post.func.admin", _POST_FUNC, "Check admin dashboard functionality",
         not_covered="The browser checks prove the admin paths are refused outside the allowlist; the dashboard's "
                     "functionality can only be exercised from an allowlisted network, which Checkly's public "
                     "locations are not (a private location inside the office network would be)."),
    Item("post.func.webhooks", _POST_FUNC, "Verify webhooks and notifications", policies=_FLOWS,
         note="On staging the payment-path check waits until the gateway's own test-mode webhook has marked the "
              "order paid; on production the release's smoke test proves the webhooks refuse unsigned requests."),

    Item("post.perf.api-times", _POST_PERF, "Monitor API response times", policies=_UPTIME),
    Item("post.perf.database", _POST_PERF, "Check database performance", policies=_DB_METRICS),
    Item("post.perf.frontend", _POST_PERF, "Verify frontend load times", policies=_FLOWS,
         note="The site and checkout browser checks fail a page load over lightspeedpay:monitoring.browserChecks."
              "pageLoadBudgetMs."),
    Item("post.perf.load", _POST_PERF, "Test under expected load", attestation="performance-benchmarks"),

    Item("post.rollback.triggers", _POST_ROLLBACK, "Document rollback triggers", attestation="rollback-plan"),
    Item("post.rollback.commands", _POST_ROLLBACK, "Prepare rollback commands", attestation="rollback-plan"),
    Item("post.rollback.decisions", _POST_ROLLBACK, "Define decision-making process", attestation="rollback-plan"),
    Item("post.rollback.test", _POST_ROLLBACK, "Test rollback procedure", attestation="rollback-plan"),

    Item("dr.backup.daily", _DR_BACKUP, "Daily database backups",
         policies=("supabase-backups-taken", "supabase-rpo-met", "supabase-project-hardened", "backup-jobs"),
         note="Supabase's own backups, and the off-site logical backup in India, scheduled at least daily with a "
              "heartbeat that pages when a run is missed."),
    Item("dr.backup.transaction-logs", _DR_BACKUP, "Hourly transaction logs",
         policies=("supabase-pitr-enabled", "supabase-backups-taken"),
         note="PITR archives the WAL continuously, which is finer than hourly."),
    Item("dr.backup.off-site", _DR_BACKUP, "Off-site backup storage", policies=("backup-offsite-storage",),
         note="An S3 bucket in India outside Supabase: COMPLIANCE object lock, KMS, private, TLS only."),
    Item("dr.backup.verification", _DR_BACKUP, "Regular backup verification",
         policies=("backup-jobs", "backup-drill-evidenced"),
         note="A weekly restore drill of the newest copy, whose evidence the program reads from the bucket at every "
              "plan (offline the bucket cannot be read: not verified, never passed)."),

    Item("dr.recovery.database", _DR_RECOVERY, "Database restoration process",
         policies=("supabase-project-protected", "backup-drill-evidenced"), attestation="backup-verification",
         note="The weekly drill restores a copy into a throwaway PostgreSQL; restoring into a new Supabase project "
              "is rehearsed and signed off."),
    Item("dr.recovery.application", _DR_RECOVERY, "Application recovery steps", attestation="disaster-recovery-plan"),
    Item("dr.recovery.dns-failover", _DR_RECOVERY, "DNS failover configuration", attestation="disaster-recovery-plan"),
    Item("dr.recovery.communication", _DR_RECOVERY, "Communication templates", attestation="disaster-recovery-plan"),

    Item("dr.continuity.rpo", _DR_CONTINUITY, "Define RPO (Recovery Point Objective)", policies=("supabase-rpo-met",)),
    Item("dr.continuity.rto", _DR_CONTINUITY, "Define RTO (Recovery Time Objective)",
         policies=("backup-drill-evidenced",),
         note="database.recovery.rtoMinutes, proven by the last drill's measured time (its evidence, linked to the "
              "copy it restored)."),
    Item("dr.continuity.manual-processing", _DR_CONTINUITY, "Document manual processing procedures",
         attestation="business-continuity-plan"),
    Item("dr.continuity.contacts", _DR_CONTINUITY, "Maintain emergency contact list",
         policies=("oncall-rotation",), attestation="business-continuity-plan",
         note="The rotation's members are stack config (lightspeedpay:oncall.members), PagerDuty users; `pulumi up` "
              "refuses example members, and the sign-off covers the contacts beyond the rotation."),

    Item("comms.internal.pre", _COMMS_INTERNAL, "Pre-deployment notification",
         not_covered="The rollout pipeline notifies no one before it deploys."),
    Item("comms.internal.progress", _COMMS_INTERNAL, "Deployment progress updates",
         not_covered="The rollout pipeline posts no progress anywhere people read."),
    Item("comms.internal.summary", _COMMS_INTERNAL, "Post-deployment summary",
         not_covered="No summary is posted after a rollout."),
    Item("comms.internal.issues", _COMMS_INTERNAL, "Issue reporting process",
         not_covered="Uptime alerts reach email and Slack; no issue-reporting process is set up here."),

    Item("comms.external.maintenance", _COMMS_EXTERNAL, "Planned maintenance notifications", policies=_STATUS,
         note="From the same code as the deployment: a window declared in the stack file is on the status page, "
              "its subscribers reminded before it and told when it starts and ends, and releases may take things "
              "down only inside it."),
    Item("comms.external.release-notes", _COMMS_EXTERNAL, "Release notes for merchants",
         not_infrastructure="Release notes are written for merchants, not declared."),
    Item("comms.external.features", _COMMS_EXTERNAL, "New feature announcements",
         not_infrastructure="An announcement's content."),
    Item("comms.external.support", _COMMS_EXTERNAL, "Support contact information",
         not_infrastructure="Contact details published to merchants are an announcement's content."),

    Item("docs.system.architecture", _DOCS_SYSTEM, "Update architecture diagrams",
         not_covered="No architecture diagram is kept or checked here."),
    Item("docs.system.api", _DOCS_SYSTEM, "Update API documentation",
         not_covered="The API's documentation lives with the application; nothing here checks it."),
    Item("docs.system.dashboards", _DOCS_SYSTEM, "Update monitoring dashboards", declared=(_GRAFANA_DASHBOARD,),
         note="The dashboards are code (components/dashboards.py): a change to them is a reviewed change."),
    Item("docs.system.runbooks", _DOCS_SYSTEM, "Update runbooks",
         not_covered="The README's runbooks are kept by hand; nothing ties them to a release."),

    Item("docs.user.guides", _DOCS_USER, "Update user guides", not_infrastructure="User documentation."),
    Item("docs.user.faq", _DOCS_USER, "Update FAQ section", not_infrastructure="User documentation."),
    Item("docs.user.sdk", _DOCS_USER, "Update SDK documentation", not_infrastructure="User documentation."),
    Item("docs.user.integrations", _DOCS_USER, "Update integration examples", not_infrastructure="User documentation."),
)

PENDING_POLICIES: frozenset[str] = frozenset()
"""Policy names the checklist maps items to that are not in the pack yet (being written now).

The tooling shows their items as "not yet covered". tests/test_checklist.py fails when a mapped name
is neither in the pack nor listed here, and when a listed name has landed: shrink this set as the
policies arrive (renaming the mapping if a policy got another name).
"""

NOT_GUIDE_ITEMS: dict[str, str] = {
    "explicit-providers": "How credentials reach the providers; engineering hygiene, not a guide item.",
    "checklist-attestations-expiring": "Early warning for the attestations of the items above.",
    "no-placeholder-values": "Guards the stack files' example values; it also marks placeholder sign-offs.",
}
"""Pack policies deliberately tied to no guide item, with the reason. Every other policy maps to one."""

ENFORCERS = ("checklist-attestations", "checklist-resources-declared")
"""The pack policies that enforce ``attestation`` and ``declared`` entries."""

_TAG = re.compile(r"^\[(attestation|item|variable) ([A-Za-z0-9._-]+)\] ", re.MULTILINE)


def tagged(kind: str, key: str, text: str) -> str:
    """A violation message that names the attestation, item or guide variable it is about (ops.checklist reads it)."""
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
        enforced = bool(item.policies or item.declared or item.attestation)
        if not (enforced or item.not_covered or item.not_infrastructure):
            raise ValueError(f"checklist item {item.id} has no enforcement and says not why")
        if item.not_infrastructure and (enforced or item.not_covered):
            raise ValueError(f"checklist item {item.id} is not infrastructure, yet names enforcement")
        if item.not_infrastructure and item.section not in NOT_INFRASTRUCTURE_SECTIONS:
            raise ValueError(f"checklist item {item.id}: only user documentation and the content of external "
                             f"announcements may be 'not infrastructure'")
        if item.attestation and item.attestation not in ATTESTATIONS:
            raise ValueError(f"checklist item {item.id} names unknown attestation {item.attestation!r}")
        if item.variable and RUNTIME not in item.policies:
            raise ValueError(f"checklist item {item.id} names a variable but not {RUNTIME}")


_check_table()
