"""What the program and the pack agree on about metrics, alert routing and on-call (issue 13 items 2, 4, 7).

Standard library only: the program reaches it through config/vocabulary.py.
"""

from __future__ import annotations

PAGERDUTY_SERVICE_REGIONS = ("us", "eu")
"""PagerDuty's service regions (provider `serviceRegion`: empty = US, or `eu`). None is in India: every stack
declares one of these and the pack reports it as a data-residency finding (`oncall-outside-india`)."""
PAGERDUTY_REGIONS_IN_INDIA: tuple[str, ...] = ()
"""Empty until PagerDuty opens an India service region; the finding then clears by policy config."""

GRAFANA_REGIONS_IN_INDIA = ("prod-ap-south-0", "prod-ap-south-1")
"""Grafana Cloud stack regions in India (GCP Mumbai, AWS Mumbai). From Grafana's status-page component list
and its older provider region map, not from its own region documentation: confirm with the Cloud API's
region list before the first `pulumi up` (docs/observability-oncall.md)."""

MIN_ROTATION_MEMBERS = 2
"""Production's rotation has at least two people: one person on call forever is no rotation."""

SEVERITY_LABEL = "severity"
CRITICAL = "critical"
"""Grafana alert rules carry ``severity=critical`` when they must wake someone; routing matches on it."""

LOWER_CHANNEL_KINDS = ("email", "slack")
"""Alert channels that inform but page nobody: a critical alert must never end at these alone."""

ADVISORS_MAX_INTERVAL_HOURS = 24
"""The Supabase advisors check runs at least daily (a new security finding is read within a day)."""
ADVISOR_FAILING_LEVELS = ("ERROR",)
"""Advisor lint levels that fail the check (Supabase's levels: ERROR, WARN, INFO)."""
ADVISOR_KINDS = ("performance", "security")

QUEUE_DEPTH_METRIC = "lightspeedpay_queue_depth"
WORKER_REPLICAS_METRIC = "lightspeedpay_worker_replicas"
"""The gauges the autoscaler pushes to Grafana Cloud over OTLP (its code's contract); the alert rules read them."""
METRICS_PUSH_VARIABLES = ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_HEADERS")
"""The OpenTelemetry SDK's own variables for a metrics exporter; the autoscaler receives them sealed."""
METRICS_PUSH_SCOPES = ("metrics:write",)
SUPABASE_METRICS_PATH = "/customer/v1/privileged/metrics"
"""Supabase's Prometheus-compatible endpoint under the project's URL (basic auth, user ``service_role``)."""
