"""The one contract for what the pack reads besides the resources themselves: published facts.

A LightSpeedPay component (and the root stack) publishes its compliance facts once, as the output
``facts`` of its own resource, in the shape of one record below; the engine keeps component and
stack outputs in state and hands them to AnalyzeStack, so `pulumi preview`, `pulumi policy
analyze` and `ops.check` all read the same thing. Policies read a record one way,
`graph.facts_of(resource, Record)`.

A facts record adds context (which service is the worker, what the stack was validated against,
what the program derived from a secret it could read); it never replaces the guarded resource's
own property. Each guarded value is read from the resource that carries it.

Standard library only: the program imports this module to publish (config/vocabulary.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypeVar

FACTS_KEY = "facts"
"""The output under which every publisher puts its record."""

STACK = "pulumi:pulumi:Stack"
JOBS = "lightspeedpay:jobs:BackgroundJobs"
DATABASE = "lightspeedpay:database:Database"
WEB_APP = "lightspeedpay:edge:VercelWebApp"
ERROR_TRACKING = "lightspeedpay:observability:ErrorTracking"
BACKUPS = "lightspeedpay:backups:OffsiteBackups"
LOG_STORE = "lightspeedpay:observability:LogStore"
REPOSITORY = "lightspeedpay:repository:RepositoryProtection"
MONITORING = "lightspeedpay:monitoring:UptimeMonitoring"
STATUS_PAGE = "lightspeedpay:monitoring:StatusPage"
BROWSER_CHECKS = "lightspeedpay:monitoring:BrowserChecks"
"""Type tokens of the publishers (the components use these very constants)."""


Urn = Any
"""A resource's URN: a string when the pack reads it, a Pulumi Output when the program publishes it."""


class FactsError(ValueError):
    """A published record is missing or malformed."""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True)
class Record:
    """Base of every facts record: published as a camelCase mapping, read back field by field."""

    PUBLISHER: ClassVar[str] = ""

    def publish(self) -> dict[str, Any]:
        """The record as an output value (values may be Pulumi Outputs; nothing is copied)."""
        return {_camel(f.name): getattr(self, f.name) for f in fields(self)}


R = TypeVar("R", bound=Record)


def read(record: type[R], value: Any) -> R:
    """A published mapping as ``record``; FactsError names every missing field."""
    if not isinstance(value, Mapping):
        raise FactsError(f"the {record.__name__} facts are not a mapping ({type(value).__name__})")
    missing = [_camel(f.name) for f in fields(record) if _camel(f.name) not in value]
    if missing:
        raise FactsError(f"the {record.__name__} facts lack {', '.join(missing)}")
    return record(**{f.name: value[_camel(f.name)] for f in fields(record)})


@dataclass(frozen=True)
class GatewayFacts(Record):
    """What the stack runs its payment gateways with."""

    mode: str
    """The mode the stack file declares: 'live' (production) or 'test'."""
    razorpay_key_modes: Mapping[str, str]
    """Vercel target → 'live' | 'test' | 'unverified', derived at config load from the Razorpay key id's
    own prefix (rzp_live_/rzp_test_), where the program has the plaintext."""
    preview_credentials_distinct: bool | str
    """True when every preview credential differs from its production counterpart (compared at config
    load); 'unverified' when the program had placeholders instead of the values."""
    razorpay_webhook_events: list[str]
    phonepe_callback_sources: list[str]


@dataclass(frozen=True)
class StackFacts(Record):
    """Published by the program as the root stack's output ``facts``."""

    PUBLISHER: ClassVar[str] = STACK
    environment: str
    domains: Mapping[str, str]
    """Role → hostname: site, checkout, api (and www when declared)."""
    esc_environments: list[str]
    """The Pulumi ESC environments the stack file imports (ESC imports are not in state otherwise)."""
    webhook_urls: list[str]
    gateways: Mapping[str, Any]
    """A GatewayFacts record."""
    attestations: Mapping[str, Any]
    """The checklist's human sign-offs (config/attestations.py)."""


@dataclass(frozen=True)
class JobsFacts(Record):
    """Published by components.jobs.BackgroundJobs."""

    PUBLISHER: ClassVar[str] = JOBS
    region: str
    plan: str
    replica_cap: int
    """The workspace plan's per-service replica cap."""
    min_replicas: int
    max_replicas: int
    worker_service: Urn
    """URN of the worker's Service: its ServiceInstance and Variables are the worker's."""
    autoscaler_service: Urn
    """URN of the autoscaler's Service."""
    platform_log_retention_days: int
    log_shipping: Mapping[str, Any]
    """ingest (URN of the log store's ingest URL the OTLP exporters send to), store, retentionDays, storeRegion."""
    job_retention_seconds: int


@dataclass(frozen=True)
class DatabaseFacts(Record):
    """Published by components.database.Database: recovery declarations no API holds, and its roles."""

    PUBLISHER: ClassVar[str] = DATABASE
    production: bool
    rpo_minutes: int
    rto_minutes: int
    roles: Mapping[str, Urn]
    """Purpose ('api', 'worker', 'backup') → URN of the Role the component declares for it."""


@dataclass(frozen=True)
class WebAppFacts(Record):
    """Published by components.web_app.VercelWebApp: what each Vercel project is for."""

    PUBLISHER: ClassVar[str] = WEB_APP
    role: str
    """'site' (the Next.js site and checkout) or 'api' (the payments API)."""
    domains: list[str]
    git_repository: str
    production_branch: str


@dataclass(frozen=True)
class ErrorTrackingFacts(Record):
    """Published by components.error_tracking.ErrorTracking: which Sentry project serves which runtime."""

    PUBLISHER: ClassVar[str] = ERROR_TRACKING
    organization: str
    region: str
    """The organisation's data-storage location ('us' or 'de'): never India."""
    runtimes: Mapping[str, Mapping[str, Urn]]
    """Runtime ('site', 'api', 'workers') → URNs of its 'project' and its DSN 'key' (the scrubbing and the alert
    rules are found by their dependency on the project)."""


@dataclass(frozen=True)
class BackupFacts(Record):
    """Published by components.offsite_backups.OffsiteBackups: which resources are the off-site backup's, and
    the restore-drill evidence the program read from the bucket at plan time (never from stack config)."""

    PUBLISHER: ClassVar[str] = BACKUPS
    production: bool
    bucket: Urn
    """URN of the off-site bucket; its versioning, lock, encryption, public-access block and policy are the
    resources that name it."""
    backup_task: Urn
    """URN of the backup job's ECS task definition (its schedule, roles and heartbeat hang off it)."""
    drill_task: Urn
    """URN of the restore drill's ECS task definition."""
    release_role: Urn
    """URN of the role the release workflow assumes to run the backup task on demand."""
    postgres_major: int
    """The major version production runs (database.postgresMajorVersion): what a drill must restore into."""
    drill: Mapping[str, Any]
    """``status``: 'found' (``evidence``: the text of drills/latest.json as the drill stored it, whose digest
    covers its JSON exactly; ``bucketObject``: what the
    bucket reports for the object version the record names, in backup_evidence.BUCKET_FACTS' keys, or None
    when the bucket has no such version), 'missing' (the bucket holds no evidence: no drill ever stored one) or
    'unreadable' (the bucket could not be read, e.g. offline or before the bucket exists); ``reason``."""


@dataclass(frozen=True)
class LogStoreFacts(Record):
    """Published by components.log_store.LogStore: the log store every runtime ships to."""

    PUBLISHER: ClassVar[str] = LOG_STORE
    region: str
    log_group: Urn
    """URN of the CloudWatch log group that keeps the logs (retention and encryption are its own properties)."""
    ingest: Urn
    """URN of the Lambda function URL the Vercel drains and the workers' OTLP exporters send to."""
    vercel_plan: str
    """The Vercel team's plan ('pro', 'enterprise'): Vercel's audit-log drain needs Enterprise."""


DRILL_FOUND, DRILL_MISSING, DRILL_UNREADABLE = "found", "missing", "unreadable"
"""``BackupFacts.drill['status']``."""


@dataclass(frozen=True)
class RepositoryFacts(Record):
    """Published by components.repository.RepositoryProtection: what the GitHub organisation has paid for,
    and which repository is which (only the stack config knows either)."""

    PUBLISHER: ClassVar[str] = REPOSITORY
    owner: str
    plan: str
    """The organisation's GitHub plan (thresholds.GITHUB_PLANS), as lightspeedpay:github.plan declares it."""
    security_products: list[str]
    """The security products it licenses for private repositories (thresholds.GITHUB_SECURITY_PRODUCTS)."""
    infrastructure: str
    """``owner/name`` of this repository, whose reusable release workflow the application repository calls."""
    application: str
    """``owner/name`` of the application repository (vercel.gitRepository)."""


@dataclass(frozen=True)
class MonitoringFacts(Record):
    """Published by components.monitoring.UptimeMonitoring: what the Checkly account's plan includes."""

    PUBLISHER: ClassVar[str] = MONITORING
    entitlements: list[str]
    """lightspeedpay:monitoring.checklyEntitlements: heartbeats, statusPages, statusPageMaintenance, browserChecks."""


@dataclass(frozen=True)
class StatusPageFacts(Record):
    """Published by components.status_page.StatusPage: which service on the page is which public component."""

    PUBLISHER: ClassVar[str] = STATUS_PAGE
    components: Mapping[str, Urn]
    """Component (thresholds.STATUS_COMPONENTS) → URN of its StatusPageService."""
    maintenance_windows: Mapping[str, list[str]]
    """Each declared maintenance window (lightspeedpay:monitoring.maintenanceWindows) → the components it names."""


@dataclass(frozen=True)
class BrowserChecksFacts(Record):
    """Published by components.browser_checks.BrowserChecks: the reviewed scripts each flow must run."""

    PUBLISHER: ClassVar[str] = BROWSER_CHECKS
    scripts: Mapping[str, str]
    """Flow (thresholds.BROWSER_FLOWS) → sha256 of checks/browser/<flow>.spec.js as committed."""


ROLES = ("site", "api")


ONCALL = "lightspeedpay:oncall:OnCall"
METRICS = "lightspeedpay:metrics:Metrics"


@dataclass(frozen=True)
class MetricsFacts(Record):
    """Published by components.metrics.Metrics: what the observability plans include and what runs outside state."""

    PUBLISHER: ClassVar[str] = METRICS
    vercel_observability_plus: bool
    """Without Observability Plus Vercel has no threshold rules: the API's latency and error rate are watched by
    anomaly rules only."""
    advisors_schedule: list[str]
    """The cron lines of the scheduled Supabase advisors check (.github/workflows/advisors.yml), read by the
    program from the workflow the repository runs; empty when the workflow schedules none."""
