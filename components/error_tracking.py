"""Error tracking and performance monitoring (Sentry): a project per runtime, its DSN, its scrubbing, alerts.

Children (pulumiverse-sentry, on the stack's explicit Sentry provider, plus one dynamic kind):
- the owning team; per runtime (site, API, workers): a `SentryProject`, a `SentryKey` (its DSN,
  rate-limited per stack), a `sentry:ProjectScrubbing` (providers/sentry; the Pulumi provider has
  no scrubbing fields) with the rules of `pii_config`, and three alert rules: every new issue, an
  error spike, slow transactions (p95), routed to the team's email, Slack when Sentry's Slack
  integration is installed, and PagerDuty when its integration is named in stack config.
- The DSNs are outputs: the site's is public by design (it ships in the browser bundle and only
  lets a client *send* events), the API's and the workers' are marked secret because their
  environments treat every credential-shaped value as one (components/stack.py delivers them).

What cannot be declared here lives in application code: `Sentry.init` with `dsn`, `environment`,
`tracesSampleRate` read from these variables, a `beforeSend` that drops request bodies, and
Vercel Speed Insights / Web Analytics (docs/error-tracking.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumiverse_sentry as sentry

from config.error_tracking import ErrorTrackingConfig
from config.vocabulary import facts, placeholders, scrubbing
from providers.sentry.scrubbing import ProjectScrubbing, ProjectScrubbingArgs

PLATFORMS: dict[str, str] = {"site": "javascript-nextjs", "api": "node", "workers": "node"}
"""Sentry platform of each runtime (the Next.js site and checkout, the Node API, the Node workers)."""
EMAIL_ACTION = "sentry.mail.actions.NotifyEmailAction"
SLACK_ACTION = "sentry.integrations.slack.notify_action.SlackNotifyServiceAction"
PAGERDUTY_ACTION = "sentry.integrations.pagerduty.notify_action.PagerDutyNotifyServiceAction"
ABOVE = 0
"""A metric alert's threshold_type: 0 fires above the threshold."""


def pii_config() -> dict[str, Any]:
    """Relay PII rules for every string of an event (exception messages included), and for the keys that
    name payment data wherever they appear. Proven with Sentry's own scrubber in tests/test_sentry_scrubbing.py."""
    return {
        "rules": {
            "lsp_card": {"type": "creditcard", "redaction": {"method": "mask", "char": "*"}},
            "lsp_upi_vpa": {"type": "pattern", "redaction": {"method": "replace", "text": "[vpa]"},
                            "pattern": r"[A-Za-z0-9][A-Za-z0-9._-]{1,255}@[A-Za-z][A-Za-z0-9]{1,63}\b"},
            "lsp_bank_account": {
                "type": "pattern", "replaceGroups": [1], "redaction": {"method": "replace", "text": "[account]"},
                "pattern": r"(?i)(?:a/?c|acc(?:oun)?t(?:[ _-]?(?:no|number))?|account)\D{0,12}(\d{9,18})"},
            "lsp_token": {
                "type": "pattern", "redaction": {"method": "replace", "text": "[token]"},
                "pattern": r"(?i)(?:bearer|token|secret|api[_-]?key|sk_live|sk_test|rzp_live|rzp_test)[ _:=]+"
                           r"[A-Za-z0-9._\-]{8,}"},
        },
        "applications": {
            "$string": ["lsp_card", "lsp_upi_vpa", "lsp_bank_account", "lsp_token"],
            " || ".join(f"**.{name}" for name in scrubbing.SENSITIVE_FIELD_NAMES): ["@anything:remove"],
            "$http.headers.authorization || $http.headers.cookie": ["@anything:remove"],
        },
    }


@dataclass(frozen=True)
class ErrorTrackingArgs:
    settings: ErrorTrackingConfig
    """Organisation, region, team, sampling, key rate limit, alert thresholds and routes."""
    name_prefix: str
    """Prefix of every Sentry-side name and slug, so stacks never share a project."""
    environment: str
    """The stack's environment: the alerts' environment filter and SENTRY_ENVIRONMENT."""
    slack_channel: str
    """The stack's Slack alert channel (lightspeedpay:monitoring.slackChannel)."""


def _known(value: str | None) -> str | None:
    """A Sentry-side id, or None while the stack file holds a placeholder (`pulumi up` refuses those)."""
    return None if value is None or placeholders.placeholder_kind(value) else value


class ErrorTracking(pulumi.ComponentResource):
    """Sentry for one stack: the three runtimes' projects, DSNs, scrubbing and alerts."""

    team: sentry.SentryTeam
    projects: dict[str, sentry.SentryProject]
    keys: dict[str, sentry.SentryKey]
    scrubbers: dict[str, ProjectScrubbing]
    dsns: dict[str, pulumi.Output[str]]
    """Runtime → DSN; the API's and the workers' are secret."""

    def __init__(self, name: str, args: ErrorTrackingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(facts.ERROR_TRACKING, name, {}, opts)
        cfg = args.settings
        child = pulumi.ResourceOptions(parent=self)
        org = cfg.organization
        self.team = sentry.SentryTeam(f"{name}-team", organization=org, name=cfg.team, slug=cfg.team, opts=child)
        self.projects, self.keys, self.scrubbers, self.dsns = {}, {}, {}, {}
        runtimes: dict[str, dict[str, Any]] = {}
        for runtime in scrubbing.ERROR_TRACKED_RUNTIMES:
            slug = f"{args.name_prefix}-{runtime}"
            project = sentry.SentryProject(
                f"{name}-{runtime}", organization=org, name=slug, slug=slug, platform=PLATFORMS[runtime],
                teams=[self.team.slug], resolve_age=720, opts=child)
            key = sentry.SentryKey(
                f"{name}-{runtime}-key", organization=org, project=project.slug, name=f"{slug} ({args.environment})",
                rate_limit_count=cfg.key_rate_limit_per_minute, rate_limit_window=60, opts=child)
            scrub = ProjectScrubbing(f"{name}-{runtime}-scrubbing", ProjectScrubbingArgs(
                organization=org, project=project.slug, region=cfg.region, data_scrubber=True,
                data_scrubber_defaults=True, scrub_ip_addresses=True,
                sensitive_fields=list(scrubbing.SENSITIVE_FIELD_NAMES), safe_fields=[],
                relay_pii_config=pii_config()), opts=child)
            self._alerts(f"{name}-{runtime}", args, project)
            self.projects[runtime], self.keys[runtime], self.scrubbers[runtime] = project, key, scrub
            self.dsns[runtime] = key.dsn_public if runtime == "site" else pulumi.Output.secret(key.dsn_public)
            runtimes[runtime] = {"project": project.urn, "key": key.urn}
        published = facts.ErrorTrackingFacts(organization=org, region=cfg.region, runtimes=runtimes)
        self.register_outputs({facts.FACTS_KEY: published.publish(),
                               "projects": {r: p.slug for r, p in self.projects.items()}})

    def _alerts(self, name: str, args: ErrorTrackingArgs, project: sentry.SentryProject) -> None:
        cfg, alerts = args.settings, args.settings.alerts
        child = pulumi.ResourceOptions(parent=self)
        team_id = self.team.internal_id
        slack, pagerduty = _known(cfg.slack_integration_id), cfg.pagerduty
        pd_account = _known(pagerduty.integration_id) if pagerduty else None
        pd_service = _known(pagerduty.service_id) if pagerduty else None

        issue_actions: list[Any] = [{"id": EMAIL_ACTION, "targetType": "Team", "targetIdentifier": team_id}]
        if slack:
            issue_actions.append({"id": SLACK_ACTION, "workspace": slack, "channel": args.slack_channel})
        sentry.SentryIssueAlert(
            f"{name}-new-issue", organization=cfg.organization, project=project.slug,
            name=project.slug.apply(lambda slug: f"{slug}: new issue"), action_match="any", filter_match="all",
            conditions=[{"id": scrubbing.FIRST_SEEN_CONDITION}], actions=issue_actions, filters=[],
            frequency=alerts.new_issue_frequency_minutes, environment=args.environment, opts=child)

        def actions(page: bool) -> list[sentry.SentryMetricAlertTriggerActionArgs]:
            found = [sentry.SentryMetricAlertTriggerActionArgs(type="email", target_type="team",
                                                               target_identifier=team_id)]
            if slack:
                found.append(sentry.SentryMetricAlertTriggerActionArgs(
                    type="slack", target_type="specific", target_identifier=args.slack_channel,
                    integration_id=int(slack)))
            if page and pd_account and pd_service:
                found.append(sentry.SentryMetricAlertTriggerActionArgs(
                    type="pagerduty", target_type="specific", target_identifier=pd_service,
                    integration_id=int(pd_account)))
            return found

        sentry.SentryMetricAlert(
            f"{name}-error-spike", organization=cfg.organization, project=project.slug,
            name=project.slug.apply(lambda slug: f"{slug}: error spike"),
            dataset="events", event_types=["error"], aggregate=scrubbing.ERROR_SPIKE_AGGREGATE, query="",
            environment=args.environment,
            time_window=alerts.error_spike_window_minutes, threshold_type=ABOVE,
            triggers=[sentry.SentryMetricAlertTriggerArgs(
                label="critical", alert_threshold=alerts.error_spike_count, threshold_type=ABOVE,
                actions=actions(page=True))], opts=child)
        sentry.SentryMetricAlert(
            f"{name}-slow-transactions", organization=cfg.organization, project=project.slug,
            name=project.slug.apply(lambda slug: f"{slug}: slow transactions (p95)"),
            dataset="transactions",
            aggregate=scrubbing.SLOW_TRANSACTIONS_AGGREGATE,
            query="event.type:transaction", environment=args.environment, time_window=alerts.slow_window_minutes,
            threshold_type=ABOVE, triggers=[sentry.SentryMetricAlertTriggerArgs(
                label="critical", alert_threshold=alerts.slow_p95_ms, threshold_type=ABOVE,
                actions=actions(page=False))], opts=child)
