"""Build one LightSpeedPay stack from its config: providers first, then each piece, then outputs."""

from __future__ import annotations

import pulumi

from config import StackConfig, StackSecrets
from config.observability import advisors_schedule
from config.stackfile import REPO_ROOT
from config.vocabulary import facts

from . import firewall
from .app_env import PREVIEW, PRODUCTION, EnvVar, api_env, frontend_env, sentry_env
from .aws_account import AwsAccount, AwsAccountArgs
from .backup_network import BackupNetwork, BackupNetworkArgs
from .browser_checks import BrowserChecks, BrowserChecksArgs
from .database import Database, DatabaseArgs
from .dns import VercelDnsRecords, VercelDnsRecordsArgs
from .error_tracking import ErrorTracking, ErrorTrackingArgs
from .feature_flags import FeatureFlags, FeatureFlagsArgs
from .heartbeats import Heartbeats, HeartbeatsArgs
from .jobs import BackgroundJobs, BackgroundJobsArgs, LogShipping
from .log_drain import VercelLogDrain, VercelLogDrainArgs
from .log_store import LogStore, LogStoreArgs
from .metrics import Metrics, MetricsArgs
from .monitoring import Endpoint, UptimeMonitoring, UptimeMonitoringArgs, paging_channel
from .offsite_backups import OffsiteBackups, OffsiteBackupsArgs
from .oncall import OnCall, OnCallArgs
from .payments_api import PaymentsApi, PaymentsApiArgs
from .providers import make_providers
from .repository import RepositoryProtection, RepositoryProtectionArgs
from .status_page import StatusPage, StatusPageArgs
from .web_app import VercelWebApp, VercelWebAppArgs
from .zone import CloudflareZone, CloudflareZoneArgs


def _flag_env(flags: FeatureFlags) -> list[EnvVar]:
    env = [EnvVar("EDGE_CONFIG", flags.connection_string, PRODUCTION, True, "Feature flags (Edge Config)")]
    if flags.preview_connection_string is not None:
        env.append(EnvVar("EDGE_CONFIG", flags.preview_connection_string, PREVIEW, True,
                          "Feature flags, previews' own read token"))
    return env


def stack_facts(cfg: StackConfig, secrets: StackSecrets, esc_environments: tuple[str, ...]) -> facts.StackFacts:
    """What the policy pack reads about the stack as a whole (facts.StackFacts): no secret among it."""
    api_origin = f"https://{cfg.domains.api}"
    keys = secrets.gateway_keys
    gateways = facts.GatewayFacts(
        mode=cfg.gateways.mode, razorpay_key_modes=dict(keys.razorpay_key_modes),
        preview_credentials_distinct=keys.preview_credentials_distinct,
        razorpay_webhook_events=list(cfg.gateways.razorpay.webhook_events),
        phonepe_callback_sources=list(cfg.gateways.phonepe.allowed_source_cidrs))
    return facts.StackFacts(
        environment=cfg.environment,
        domains=cfg.domains.model_dump(exclude_none=True),
        esc_environments=list(esc_environments),
        webhook_urls=[api_origin + path for path in cfg.gateways.webhook_paths()],
        # Razorpay webhooks are configured in its dashboard (no merchant API): declared here so the pack
        # can check the subscription list and reviewers can compare it with the dashboard.
        gateways=gateways.publish(),
        # The checklist's sign-offs: the engine sends the root stack's outputs to AnalyzeStack and keeps
        # them in state, so `pulumi policy analyze` and ops.check see them too.
        attestations={key: record.as_output() for key, record in cfg.attestations.items()})


def build_stack(cfg: StackConfig, secrets: StackSecrets,
                esc_environments: tuple[str, ...]) -> dict[str, pulumi.Input[object]]:
    """Declare every resource of the stack; return the stack outputs (no secrets among them)."""
    providers = make_providers(cfg, secrets)
    prefix = cfg.name_prefix
    on_vercel = pulumi.ResourceOptions(providers=[providers.vercel, providers.random])
    on_cloudflare = pulumi.ResourceOptions(providers=[providers.cloudflare])

    zone = CloudflareZone(f"{prefix}-zone", CloudflareZoneArgs(zone=cfg.dns.zone, tls=cfg.tls), opts=on_cloudflare)
    VercelDnsRecords(f"{prefix}-dns", VercelDnsRecordsArgs(zone=cfg.dns.zone, zone_id=zone.zone_id,
                                                           hostnames=cfg.domains.all()), opts=on_cloudflare)

    flags = FeatureFlags(f"{prefix}-flags", FeatureFlagsArgs(
        store_name=f"{prefix}-flags", flags=cfg.feature_flags, preview_token=cfg.vercel.previews is not None),
        opts=on_vercel)

    errors = ErrorTracking(f"{prefix}-errors", ErrorTrackingArgs(
        settings=cfg.error_tracking, name_prefix=prefix, environment=cfg.environment,
        slack_channel=cfg.monitoring.slack_channel), opts=pulumi.ResourceOptions(providers=[providers.sentry]))

    site_domains = [cfg.domains.site, cfg.domains.checkout] + ([cfg.domains.www] if cfg.domains.www else [])
    web = VercelWebApp(
        f"{prefix}-web",
        VercelWebAppArgs(
            role="site", project_name=f"{prefix}-web", root_directory=cfg.frontend.root_directory, framework="nextjs",
            vercel=cfg.vercel, domains=site_domains,
            redirects={cfg.domains.www: cfg.domains.site} if cfg.domains.www else {},
            env=[*frontend_env(cfg), *_flag_env(flags), *sentry_env(cfg, "site", errors.dsns["site"])],
            firewall=cfg.firewall, firewall_rules=firewall.site_rules(cfg.firewall),
            managed_rulesets=firewall.managed_rulesets(cfg.firewall, machine_clients=False)),
        opts=on_vercel)

    on_aws = pulumi.ResourceOptions(providers=[providers.aws, providers.random, providers.vercel, providers.checkly]
                                    + ([providers.github] if providers.github is not None else []))
    # One account, one region in India, one key: the log store and the off-site backups share them.
    account = AwsAccount(f"{prefix}-aws", AwsAccountArgs(
        name_prefix=prefix, account_id=cfg.aws.account_id, region=cfg.aws.region, production=cfg.is_production),
        opts=on_aws)
    log_store = LogStore(f"{prefix}-log-store", LogStoreArgs(
        config=cfg.log_store, name_prefix=prefix, account_id=cfg.aws.account_id, region=cfg.aws.region,
        key_arn=account.key.arn, vercel_provider=providers.vercel), opts=on_aws)
    # The backup job's fixed egress, declared before the database so its restrictions take the address from it.
    backup_network = BackupNetwork(f"{prefix}-backup-network", BackupNetworkArgs(
        config=cfg.backups, name_prefix=prefix, region=cfg.aws.region), opts=on_aws)

    # The database gives the API and the Railway workers each their own role's pooled URL (never postgres).
    database = Database(
        f"{prefix}-database", DatabaseArgs(config=cfg.database, production=cfg.is_production,
                                           egress_cidrs=[backup_network.egress_cidr]),
        opts=pulumi.ResourceOptions(providers=[providers.random]))

    api = PaymentsApi(
        f"{prefix}-api",
        PaymentsApiArgs(
            project_name=f"{prefix}-api", root_directory=cfg.api.root_directory, vercel=cfg.vercel,
            domain=cfg.domains.api,
            env=lambda jwt, preview_jwt: [*api_env(cfg, secrets, jwt, preview_jwt, database=database.env()),
                                          *_flag_env(flags), *sentry_env(cfg, "api", errors.dsns["api"])],
            firewall=cfg.firewall, firewall_rules=firewall.api_rules(cfg.firewall, cfg.gateways),
            managed_rulesets=firewall.managed_rulesets(cfg.firewall, machine_clients=True)),
        opts=on_vercel)

    VercelLogDrain(f"{prefix}-logs", VercelLogDrainArgs(
        drain_name=f"{prefix}-log-store", endpoint=log_store.vercel_endpoint, secret=log_store.drain_secret,
        project_ids=[web.project_id, api.project_id], ready=log_store.ready,
        # Vercel's audit-log drain exists on Enterprise only; without it the pack reports the gap (docs/logs.md).
        audit_endpoint=log_store.audit_endpoint if cfg.log_store.vercel_plan == "enterprise" else None),
        opts=on_vercel)

    # On-call first: its Events API v2 key goes (sealed) to every source of critical alerts.
    oncall = OnCall(f"{prefix}-oncall", OnCallArgs(config=cfg.oncall, name_prefix=prefix),
                    opts=pulumi.ResourceOptions(providers=[providers.pagerduty]))
    api_origin = f"https://{cfg.domains.api}"
    on_checkly = pulumi.ResourceOptions(providers=[providers.checkly, providers.random])
    # Every Checkly monitor (uptime, SSL, heartbeats, browser checks) pages the on-call service too.
    paging = paging_channel(f"{prefix}-uptime-pagerduty", oncall.integration_key, f"{prefix} critical alerts",
                            cfg.monitoring, opts=on_checkly)
    uptime = UptimeMonitoring(f"{prefix}-uptime", UptimeMonitoringArgs(
        check_prefix=prefix, settings=cfg.monitoring, hostnames=cfg.domains.all(),
        extra_channels=[paging.id.apply(int)],
        endpoints=[Endpoint("site", f"https://{cfg.domains.site}/"),
                   Endpoint("checkout", f"https://{cfg.domains.checkout}/"),
                   Endpoint("api", api_origin + cfg.monitoring.api_health_path)]),
        opts=on_checkly)
    heartbeats = Heartbeats(f"{prefix}-heartbeats", HeartbeatsArgs(
        check_prefix=prefix, settings=cfg.monitoring.heartbeats, alert_channel_ids=uptime.alert_channel_ids),
        opts=on_checkly)
    StatusPage(f"{prefix}-status", StatusPageArgs(
        page=cfg.monitoring.status_page, maintenance_windows=cfg.monitoring.maintenance_windows,
        check_prefix=prefix, environment=cfg.environment), opts=on_checkly)
    site_origin = f"https://{cfg.domains.site}"
    browser = BrowserChecks(f"{prefix}-browser", BrowserChecksArgs(
        check_prefix=prefix, settings=cfg.monitoring, site_url=site_origin + "/",
        checkout_url=f"https://{cfg.domains.checkout}/",
        order_url=api_origin + cfg.monitoring.browser_checks.order_path,
        admin_urls=[origin + path for origin in (site_origin, api_origin) for path in cfg.firewall.admin_paths],
        merchant_key=secrets["syntheticMerchantKey"], alert_channel_ids=uptime.alert_channel_ids), opts=on_checkly)

    if cfg.github is not None and providers.github is not None:
        # The release workflow runs the browser checks through this URL (an environment secret of the application
        # repository's `production` environment, delivered from here so it never sits anywhere by hand).
        RepositoryProtection(f"{prefix}-repository", RepositoryProtectionArgs(
            github=cfg.github, deployed_repository=cfg.vercel.git_repository,
            deployed_branch=cfg.vercel.production_branch,
            release_secrets={"CHECKLY_RELEASE_CHECKS_URL": browser.trigger_url}),
            opts=pulumi.ResourceOptions(providers=[providers.github]))

    metrics = Metrics(f"{prefix}-metrics", MetricsArgs(
        config=cfg.metrics, name_prefix=prefix, environment=cfg.environment, alert_email=cfg.monitoring.alert_email,
        grafana_token=secrets["grafanaCloudToken"], supabase_url=database.supabase_url,
        supabase_service_role_key=database.service_role_key, pagerduty_integration_key=oncall.integration_key,
        api_project_id=api.project_id, min_workers=cfg.jobs.min_replicas, jobs_environment=cfg.jobs.environment_name,
        advisors_schedule=advisors_schedule(REPO_ROOT)), opts=on_vercel)

    jobs = BackgroundJobs(
        f"{prefix}-jobs",
        BackgroundJobsArgs(
            jobs=cfg.jobs, name_prefix=prefix, environment=cfg.environment,
            log_store=LogShipping(otlp_endpoint=log_store.otlp_endpoint, ingest=log_store.ingest_urn,
                                  token=log_store.otlp_token,
                                  store=f"{prefix}-log-store", retention_days=log_store.retention_days,
                                  region=cfg.aws.region),
            database_url=database.worker_database_url,  # the same database as the API, as the workers' role
            heartbeat_urls=heartbeats.ping_urls,
            sentry_dsn=errors.dsns["workers"], sentry_traces_sample_rate=cfg.error_tracking.traces_sample_rate,
            autoscaler_metrics=metrics.autoscaler_env()),
        opts=pulumi.ResourceOptions(providers=[providers.random]))

    # The backup job connects as the database's read-only backup role in session mode (pg_dump shares a
    # snapshot), never with the API's or the workers' URL.
    backup_database_url = database.backup_database_url
    backups = OffsiteBackups(f"{prefix}-backups", OffsiteBackupsArgs(
        config=cfg.backups, name_prefix=prefix, stack=cfg.environment, production=cfg.is_production,
        account_id=cfg.aws.account_id, region=cfg.aws.region, account=account,
        postgres_major=cfg.database.postgres_major_version, network=backup_network,
        database_url=backup_database_url, alert_channel_ids=uptime.alert_channel_ids,
        log_group=log_store.log_group.name, app_repository=cfg.vercel.git_repository,
        github_provider=providers.github, aws_provider=providers.aws), opts=on_aws)

    return {
        "environment": cfg.environment,
        "zoneId": zone.zone_id,
        "webProjectId": web.project_id,
        "apiProjectId": api.project_id,
        "supabaseProjectRef": database.project_ref,
        "supabaseUrl": database.supabase_url,
        "siteUrl": f"https://{cfg.domains.site}",
        "checkoutUrl": f"https://{cfg.domains.checkout}",
        "apiUrl": api_origin,
        "jobsProjectId": jobs.project_id,
        "workerServiceId": jobs.worker_service_id,
        "logIngestUrl": log_store.ingest_url,
        "backupBucket": backups.bucket.bucket,
        "backupEgressIp": backup_network.egress_ip,
        # The release workflow's variables (docs/release.md); declared on the GitHub environment where the stack
        # holds a GitHub provider, set by hand from here elsewhere (docs/backups.md).
        "backupReleaseVariables": backups.release.variables,
        # The stack's compliance facts, for the pack and for auditors (`pulumi stack output facts --json`).
        facts.FACTS_KEY: stack_facts(cfg, secrets, esc_environments).publish(),
    }
