"""Metrics, dashboards and alert rules (issue 13 item 2).

- Grafana Cloud, in an India region: the stack, a hosted scrape of Supabase's Prometheus-compatible metrics
  endpoint (basic auth as ``service_role`` with the project's key, sealed in the scrape job), a write-only
  metrics token the autoscaler pushes the queue depth and replica count with (OTLP; its code's contract), two
  dashboards (database, workers) and one rule group whose ``severity=critical`` rules page the on-call service
  (PagerDuty contact point, Events API v2 key sealed) while everything else mails the lower channel.
- Vercel's own alert rules for the API: the built-in 5xx and duration anomaly rules, and with Observability Plus
  threshold rules on the 5xx share and the p95 duration; all post to Slack (Vercel's Slack app).

Only the Grafana submodules used are imported (cloud, connections, oss, alerting), never the package's others.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumiverse_vercel as vercel
from pulumiverse_grafana import Provider as GrafanaProvider
from pulumiverse_grafana.alerting import (
    ContactPoint,
    NotificationPolicy,
    NotificationPolicyPolicyArgs,
    NotificationPolicyPolicyMatcherArgs,
    RuleGroup,
    RuleGroupRuleArgs,
    RuleGroupRuleDataArgs,
    RuleGroupRuleDataRelativeTimeRangeArgs,
)
from pulumiverse_grafana.cloud import (
    AccessPolicy,
    AccessPolicyToken,
    Stack,
    StackServiceAccount,
    StackServiceAccountToken,
)
from pulumiverse_grafana.connections import MetricsEndpointScrapeJob
from pulumiverse_grafana.oss import Dashboard, Folder

from config.observability import MetricsConfig
from config.vocabulary import facts, oncall

from .dashboards import alert_rules, dashboard, database_series, rule_data, worker_series

SUPABASE_METRICS_USER = "service_role"
AUTOSCALER_METRICS_VARIABLES = oncall.METRICS_PUSH_VARIABLES
"""The OpenTelemetry SDK's own variables for a metrics exporter (its default exporter is already OTLP)."""


@dataclass(frozen=True)
class MetricsArgs:
    config: MetricsConfig
    name_prefix: str
    environment: str
    alert_email: str
    """The lower channel's address (lightspeedpay:monitoring.alertEmail)."""
    grafana_token: pulumi.Input[str]
    """Grafana Cloud access policy token (secret): stacks, access policies, scrape jobs."""
    supabase_url: pulumi.Input[str]
    supabase_service_role_key: pulumi.Input[str]
    """The key the metrics endpoint takes as the basic-auth password (secret; sealed in the scrape job)."""
    pagerduty_integration_key: pulumi.Input[str]
    """The on-call service's Events API v2 key (secret; sealed in the contact point)."""
    api_project_id: pulumi.Input[str]
    min_workers: int
    jobs_environment: str
    """The Railway environment the autoscaler runs in: its gauges carry it (RAILWAY_ENVIRONMENT_NAME)."""
    advisors_schedule: Sequence[str]
    """Cron lines of the scheduled Supabase advisors check, as the workflow declares them."""


class Metrics(pulumi.ComponentResource):
    """Grafana Cloud and Vercel alert rules for one stack."""

    stack: Stack
    scrape_job: MetricsEndpointScrapeJob
    push_token: AccessPolicyToken
    rule_group: RuleGroup
    otlp_url: pulumi.Output[str]
    """Grafana Cloud's OTLP gateway of the stack (where the autoscaler pushes its gauges)."""
    push_auth: pulumi.Output[str]
    """``Basic base64(instance:token)`` for that gateway (secret), write-only on metrics."""

    def __init__(self, name: str, args: MetricsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(facts.METRICS, name, {}, opts)
        cfg, prefix = args.config, args.name_prefix
        # Providers are top-level resources of the stack, as every other provider of the program is.
        cloud = GrafanaProvider(f"{name}-grafana-cloud", cloud_access_policy_token=args.grafana_token,
                                connections_api_access_token=args.grafana_token)
        on_cloud = pulumi.ResourceOptions(parent=self, provider=cloud)
        self.stack = Stack(f"{name}-stack", slug=cfg.grafana_stack_slug, name=f"{prefix} metrics",
                           region_slug=cfg.grafana_region, delete_protection=True,
                           description=f"LightSpeedPay {args.environment}: database, workers, alert rules.",
                           opts=on_cloud)
        automation = StackServiceAccount(f"{name}-automation", stack_slug=self.stack.slug, name=f"{prefix}-pulumi",
                                         role="Admin", opts=on_cloud)
        automation_token = StackServiceAccountToken(
            f"{name}-automation-token", stack_slug=self.stack.slug, service_account_id=automation.id,
            name=f"{prefix}-pulumi", opts=on_cloud)
        on_stack = pulumi.ResourceOptions(parent=self, provider=GrafanaProvider(
            f"{name}-grafana", url=self.stack.url, auth=automation_token.key))

        job = f"{prefix}-supabase"
        self.scrape_job = MetricsEndpointScrapeJob(
            f"{name}-supabase-scrape", stack_id=self.stack.id, name=job, enabled=True,
            url=pulumi.Output.concat(args.supabase_url, oncall.SUPABASE_METRICS_PATH),
            authentication_method="basic", authentication_basic_username=SUPABASE_METRICS_USER,
            authentication_basic_password=args.supabase_service_role_key,
            scrape_interval_seconds=cfg.scrape_interval_seconds, opts=on_cloud)

        # What the autoscaler pushes with: a policy that may only write metrics, to this stack only.
        push_policy = AccessPolicy(f"{name}-push-policy", name=f"{prefix}-autoscaler-metrics",
                                   region=cfg.grafana_region, scopes=list(oncall.METRICS_PUSH_SCOPES),
                                   realms=[{"type": "stack", "identifier": self.stack.id}], opts=on_cloud)
        self.push_token = AccessPolicyToken(f"{name}-push-token", name=f"{prefix}-autoscaler-metrics",
                                            access_policy_id=push_policy.policy_id, region=cfg.grafana_region,
                                            opts=on_cloud)
        self.otlp_url = self.stack.otlp_url
        self.push_auth = pulumi.Output.secret(pulumi.Output.all(self.stack.id, self.push_token.token).apply(
            lambda v: "Basic " + base64.b64encode(f"{v[0]}:{v[1]}".encode()).decode()))

        folder = Folder(f"{name}-folder", title=f"LightSpeedPay {args.environment}", opts=on_stack)
        tags = ["lightspeedpay", args.environment]
        for key, title, series in (("database", "Database (Supabase)", database_series(job)),
                                   ("workers", "Workers and queue (Railway)", worker_series(args.jobs_environment))):
            Dashboard(f"{name}-dashboard-{key}", folder=folder.uid, overwrite=True,
                      config_json=dashboard(f"{prefix}-{key}", f"{title} — {args.environment}", series, tags),
                      opts=on_stack)

        # Only the key: the whole block is secret in state once it holds one, so nothing else belongs in it.
        paging = ContactPoint(f"{name}-oncall", name=f"{prefix} on-call (PagerDuty)", pagerduties=[{
            "integration_key": args.pagerduty_integration_key, "severity": "critical"}], opts=on_stack)
        lower = ContactPoint(f"{name}-email", name=f"{prefix} alerts (email)",
                             emails=[{"addresses": [args.alert_email], "single_email": True}], opts=on_stack)
        critical = [NotificationPolicyPolicyMatcherArgs(label=oncall.SEVERITY_LABEL, match="=", value=oncall.CRITICAL)]
        # Critical: page, and mail too (continue); everything else: mail. The root route is the lower channel.
        NotificationPolicy(f"{name}-routing", contact_point=lower.name, group_bies=["alertname", "grafana_folder"],
                           policies=[NotificationPolicyPolicyArgs(matchers=critical, contact_point=paging.name,
                                                                  continue_=True),
                                     NotificationPolicyPolicyArgs(matchers=critical, contact_point=lower.name)],
                           opts=on_stack)

        rules = alert_rules(job, args.jobs_environment, cpu_percent=cfg.database_cpu_percent,
                            disk_free_percent=cfg.database_disk_free_percent, connections=cfg.database_connections,
                            queue_depth=cfg.queue_depth, min_workers=args.min_workers, critical=oncall.CRITICAL)
        self.rule_group = RuleGroup(f"{name}-rules", name=f"{prefix} platform", folder_uid=folder.uid,
                                    interval_seconds=cfg.alert_interval_seconds, rules=[
            RuleGroupRuleArgs(
                name=rule.name, condition="C", for_=rule.hold, no_data_state="Alerting", exec_err_state="Alerting",
                labels={oncall.SEVERITY_LABEL: rule.severity, "environment": args.environment},
                annotations={"summary": rule.summary},
                datas=[RuleGroupRuleDataArgs(
                    ref_id=str(stage["ref_id"]), datasource_uid=str(stage["datasource_uid"]), model=str(stage["model"]),
                    relative_time_range=RuleGroupRuleDataRelativeTimeRangeArgs(from_=int(str(stage["window"])), to=0))
                    for stage in rule_data(rule)])
            for rule in rules], opts=on_stack)

        self._vercel_rules(name, args)
        published = facts.MetricsFacts(vercel_observability_plus=cfg.vercel_observability_plus,
                                       advisors_schedule=list(args.advisors_schedule))
        self.register_outputs({"grafanaUrl": self.stack.url, facts.FACTS_KEY: published.publish()})

    def autoscaler_env(self) -> dict[str, pulumi.Input[str]]:
        """Where and how the autoscaler pushes its gauges (sealed in Railway: the header holds the token)."""
        endpoint, headers = AUTOSCALER_METRICS_VARIABLES
        return {endpoint: pulumi.Output.concat(self.otlp_url, "/v1/metrics"),
                headers: pulumi.Output.concat("Authorization=", self.push_auth.apply(lambda a: a.replace(" ", "%20")))}

    def _vercel_rules(self, name: str, args: MetricsArgs) -> None:
        """The API's error rate and latency, as Vercel measures them; Slack hears of every one."""
        cfg, child = args.config, pulumi.ResourceOptions(parent=self)
        built_in = vercel.AlertRule(
            f"{name}-api-anomalies", type="built-in", name=f"{args.name_prefix} API anomalies",
            rule_scope={"type": "include", "project_ids": [args.api_project_id]},
            match_minimum_severity_level="medium",
            triggers=[{"type": "error_anomaly", "filter": "statusGroup:5xx"},
                      {"type": "usage_anomaly", "filter": "metrics:fluid_duration"}],
            tags=["api", args.environment], opts=child)
        rule_ids: list[pulumi.Input[str]] = [built_in.id]
        if cfg.vercel_observability_plus:
            errors = vercel.CustomAlertRule(
                f"{name}-api-error-rate", project_id=args.api_project_id, name=f"{args.name_prefix} API 5xx share",
                severity="high", tags=["api", args.environment],
                evaluation={"window": "5m", "query": {
                    "metrics": {"errors": {"metric": "vercel.request.count", "aggregation": "count",
                                           "filter": "httpStatus >= 500"},
                                "requests": {"metric": "vercel.request.count", "aggregation": "count"}},
                    "formulas": {"formula": "errors / requests"}, "outputs": ["formula"]}},
                trigger={"type": "threshold", "output": "formula", "operator": "gt",
                         "threshold": cfg.api_error_rate_percent / 100}, opts=child)
            latency = vercel.CustomAlertRule(
                f"{name}-api-latency", project_id=args.api_project_id, name=f"{args.name_prefix} API p95 duration",
                severity="high", tags=["api", args.environment],
                evaluation={"window": "5m", "query": {
                    "metrics": {"duration": {"metric": "vercel.request.duration", "aggregation": "p95"}},
                    "outputs": ["duration"]}},
                trigger={"type": "threshold", "output": "duration", "operator": "gt",
                         "threshold": cfg.api_p95_latency_ms}, opts=child)
            rule_ids += [errors.id, latency.id]
        for index, rule_id in enumerate(rule_ids):
            vercel.AlertRuleSlackNotification(f"{name}-api-slack-{index}", alert_rule_id=rule_id,
                                              slack_channel_id=cfg.vercel_slack_channel_id, opts=child)
