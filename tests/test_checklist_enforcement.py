"""For every checklist item, the edit that breaks it, and the pack refusing that edit.

Each entry of BREAKS is a careless change a hurried engineer could make to the production plan.
Applying it must turn every checklist item that the broken enforcer guards into "fails", through the
real analyzer with production's policy config. When a Railway, Supabase or edge policy lands in the
pack, `test_every_enforcer_in_the_pack_has_a_break` asks for its entry here.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from lightspeedpay_policies import checklist
from ops.checklist import FAILS, NOT_COVERED, PLACEHOLDER, evaluate
from ops.resources import STACK_TYPE, PlannedResource
from tests.harness import analyze, pack, resources
from tests.oncall_support import BREAKS as ONCALL_BREAKS

Break = Callable[[list[PlannedResource]], None]
ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"


def _edit(
    items: list[PlannedResource],
    type_: str,
    where: Callable[[dict[str, Any]], bool],
    change: Callable[[dict[str, Any]], None],
) -> None:
    hits = [r for r in items if r.type == type_ and where(r.inputs)]
    assert hits, f"nothing of {type_} to break"
    for resource in hits:
        for props in (resource.inputs, resource.outputs):
            change(props)


def zone(setting: str, value: Any) -> Break:
    return lambda items: _edit(
        items, ZONE_SETTING, lambda p: p["settingId"] == setting, lambda p: p.update(value=value)
    )


def projects(change: Callable[[dict[str, Any]], None]) -> Break:
    return lambda items: _edit(items, checklist.PROJECT_TYPE, lambda _: True, change)


def env(key: str, change: Callable[[dict[str, Any]], None]) -> Break:
    return lambda items: _edit(items, ENV_VAR, lambda p: p["key"] == key, change)


def short_hsts(props: dict[str, Any]) -> None:
    props["value"] = {"strict_transport_security": {**props["value"]["strict_transport_security"], "max_age": 3600}}


def drop(type_: str, where: Callable[[dict[str, Any]], bool] = lambda _: True) -> Break:
    def apply(items: list[PlannedResource]) -> None:
        before = len(items)
        items[:] = [r for r in items if not (r.type == type_ and where(r.inputs))]
        assert len(items) < before

    return apply


def facts(change: Callable[[dict[str, Any]], None]) -> Break:
    """Edit the root stack's published facts (a private copy)."""

    def apply(items: list[PlannedResource]) -> None:
        stack = next(r for r in items if r.type == STACK_TYPE)
        published = copy.deepcopy(stack.outputs["facts"])
        change(published)
        stack.outputs = {**stack.outputs, "facts": published}

    return apply


def without_attestation(key: str) -> Break:
    return facts(lambda f: f["attestations"].pop(key))


def without_domain(role: str) -> Break:
    def apply(items: list[PlannedResource]) -> None:
        host = next(r for r in items if r.type == STACK_TYPE).outputs["facts"]["domains"][role]
        drop(checklist.DOMAIN_TYPE, lambda p: p["domain"] == host)(items)

    return apply


RAILWAY = "pulumi-python:dynamic/railway:"
SUPABASE = "pulumi-python:dynamic/supabase:"
FIREWALL = "vercel:index/firewallConfig:FirewallConfig"
DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord"
AWS_S3 = "aws:s3/"
HEARTBEAT = "checkly:index/heartbeatMonitor:HeartbeatMonitor"


def named(type_: str, name_part: str, change: Callable[[dict[str, Any]], None]) -> Break:
    """Edit the inputs and outputs of the resource of ``type_`` whose name contains ``name_part``."""

    def apply(items: list[PlannedResource]) -> None:
        hits = [r for r in items if r.type == type_ and name_part in r.name]
        assert hits, f"no {type_} named *{name_part}*"
        for resource in hits:
            change(resource.inputs)
            change(resource.outputs)

    return apply


def option(type_: str, change: Callable[[PlannedResource], None]) -> Break:
    def apply(items: list[PlannedResource]) -> None:
        hits = [r for r in items if r.type == type_]
        assert hits
        for resource in hits:
            change(resource)

    return apply


def component_facts(type_: str, change: Callable[[dict[str, Any]], None]) -> Break:
    """Edit the facts a component publishes (its registered outputs; a component has no inputs)."""

    def apply(items: list[PlannedResource]) -> None:
        component = next(r for r in items if r.type == type_)
        published = copy.deepcopy(component.outputs["facts"])
        change(published)
        component.outputs = {**component.outputs, "facts": published}

    return apply


def every(*breaks: Break) -> Break:
    def apply(items: list[PlannedResource]) -> None:
        for each in breaks:
            each(items)

    return apply


def workers_on_another_database(items: list[PlannedResource]) -> None:
    """A second database in the stack, and the workers' DATABASE_URL computed from it."""
    project = next(r for r in items if r.type == f"{SUPABASE}Project")
    pooler = next(r for r in items if r.type == f"{SUPABASE}Pooler")
    other_project, other = copy.deepcopy(project), copy.deepcopy(pooler)
    other_project.urn, other_project.name = project.urn.replace(project.name, "other-project"), "other-project"
    other.urn, other.name = pooler.urn.replace(pooler.name, "other-pooler"), "other-pooler"
    other.property_dependencies = {**other.property_dependencies, "project_ref": [other_project.urn]}
    items += [other_project, other]
    worker = next(r for r in items if r.type == f"{RAILWAY}Variables" and "worker" in r.name)
    worker.property_dependencies = {**worker.property_dependencies, "sealedVariables": [other.urn]}


def _without_rule(rule: str) -> Callable[[dict[str, Any]], None]:
    return lambda p: p["rules"].update(rules=[r for r in p["rules"]["rules"] if r["name"] != rule])


def _auth(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda p: p["settings"].update(values)


def _api_as_postgres(items: list[PlannedResource]) -> None:
    """The API's DATABASE_URL built from the project's own password (postgres), not from its role."""
    [api] = [r for r in items if r.type == ENV_VAR and r.inputs["key"] == "DATABASE_URL"
             and "production" in r.inputs["targets"]]
    api.property_dependencies["value"] = [u for u in api.property_dependencies["value"] if f"{SUPABASE}Role" not in u]


BREAKS: dict[str, Break] = {
    **ONCALL_BREAKS,  # on-call, alert routing, metrics (tests/oncall_support.py)
    "cloudflare-ssl-strict": zone("ssl", "flexible"),
    "cloudflare-min-tls-version": zone("min_tls_version", "1.0"),
    "cloudflare-tls-1-3": zone("tls_1_3", "off"),
    "cloudflare-always-use-https": zone("always_use_https", "off"),
    "cloudflare-automatic-https-rewrites": zone("automatic_https_rewrites", "off"),
    "cloudflare-hsts": lambda items: _edit(
        items, ZONE_SETTING, lambda p: p["settingId"] == "security_header", short_hsts
    ),
    "vercel-functions-in-india": projects(lambda p: p["resourceConfig"].update(functionDefaultRegions=["iad1"])),
    "vercel-no-function-failover": projects(lambda p: p.update(functionFailover=True)),
    "vercel-preview-protection": projects(lambda p: p.update(vercelAuthentication={"deploymentType": "none"})),
    "vercel-git-fork-protection": projects(lambda p: p.update(gitForkProtection=False)),
    "vercel-secrets-sensitive": env("RAZORPAY_KEY_SECRET", lambda p: p.update(sensitive=False)),
    "vercel-no-secret-in-next-public": env("RAZORPAY_KEY_ID", lambda p: p.update(key="NEXT_PUBLIC_RAZORPAY_KEY_ID")),
    "vercel-previews-isolated": env("JWT_SECRET", lambda p: p.update(targets=["production", "preview"])),
    "declared:vercel:index/project:Project": drop(checklist.PROJECT_TYPE),
    "declared:site": without_domain("site"),
    "declared:checkout": without_domain("checkout"),
    "declared:api": without_domain("api"),
    **{f"attestation:{key}": without_attestation(key) for key in checklist.ATTESTATIONS},
    "declared:vercel:index/edgeConfig:EdgeConfig": drop("vercel:index/edgeConfig:EdgeConfig"),
    # Edge: DNS, TLS, firewall, logging, repository, webhooks.
    "cloudflare-caa-allowlist": named(DNS_RECORD, "caa-issue", lambda p: p["data"].update(value="comodoca.com")),
    "cloudflare-dnssec-active": named(
        "cloudflare:index/zoneDnssec:ZoneDnssec", "dnssec", lambda p: p.update(status="disabled")
    ),
    "dns-only-for-vercel": named(DNS_RECORD, "dns-api", lambda p: p.update(proxied=True)),
    "cloudflare-proxied-ttl-auto": named(DNS_RECORD, "dns-api", lambda p: p.update(proxied=True, ttl=300)),
    "public-domains-complete": drop(DNS_RECORD, lambda p: p["name"] == "checkout.lightspeedpay.com"),
    "vercel-domain-redirects-permanent": named(
        checklist.DOMAIN_TYPE, "www", lambda p: p.update(redirectStatusCode=302)
    ),
    "vercel-function-limits-explicit": projects(lambda p: p["resourceConfig"].update(functionDefaultTimeout=800)),
    "vercel-firewall-enabled": named(FIREWALL, "api-firewall", lambda p: p.update(enabled=False)),
    "vercel-api-rate-limited": named(FIREWALL, "api-firewall", _without_rule("api-rate-limit")),
    "vercel-rate-limit-spares-webhooks": named(
        FIREWALL,
        "api-firewall",
        lambda p: next(r for r in p["rules"]["rules"] if r["name"] == "api-rate-limit").update(
            conditionGroups=[{"conditions": [{"type": "path", "op": "pre", "value": "/", "neg": False}]}]
        ),
    ),
    "vercel-owasp-rules": named(FIREWALL, "web-firewall", lambda p: p["managedRulesets"].pop("owasp")),
    "vercel-api-bots-logged": named(
        FIREWALL, "api-firewall", lambda p: p["managedRulesets"]["botProtection"].update(action="challenge")
    ),
    "vercel-attack-mode-bounded": named(
        "vercel:index/attackChallengeMode:AttackChallengeMode",
        "api",
        lambda p: p.update(enabled=True, attackModeActiveUntil=0),
    ),
    "vercel-projects-guarded": named(FIREWALL, "web-firewall", _without_rule("admin-ip-allowlist")),
    "vercel-allowlists-narrow": named(
        FIREWALL,
        "api-firewall",
        lambda p: p["rules"]["rules"][1]["conditionGroups"][0]["conditions"][1].update(values=["0.0.0.0/0"]),
    ),
    "phonepe-callback-allowlisted": named(FIREWALL, "api-firewall", _without_rule("phonepe-callback-ip-allowlist")),
    "vercel-cors-exact-origins": env("CORS_ALLOWED_ORIGINS", lambda p: p["value"].update(value="*")),
    "vercel-logs-shipped": named("vercel:index/logDrain:LogDrain", "drain", lambda p: p.pop("secret")),
    "log-retention": named("aws:cloudwatch/logGroup:LogGroup", "log-store", lambda p: p.update(retentionInDays=30)),
    "logs-outside-the-store": lambda items: None,  # reported on every plan: Railway has no drain, Vercel's audit log
    # needs Enterprise
    "webhook-urls-served": facts(lambda f: f.update(webhookUrls=["http://lightspeedpay.com/webhooks/razorpay"])),
    "razorpay-webhook-events": facts(lambda f: f["gateways"].update(razorpayWebhookEvents=["payment.captured"])),
    "gateway-key-modes": facts(lambda f: f["gateways"]["razorpayKeyModes"].update(production="test")),
    "stack-isolation": facts(lambda f: f.update(escEnvironments=["lightspeedpay/staging"])),
    "dangling-dns-records": drop(checklist.DOMAIN_TYPE, lambda p: p["domain"] == "www.lightspeedpay.com"),
    "runtime-environment": every(drop(ENV_VAR), drop(f"{RAILWAY}Variables")),
    "api-and-workers-share-database": lambda items: workers_on_another_database(items),
    "vercel-pr-previews": projects(lambda p: p.update(previewDeploymentsDisabled=True)),
    "uptime-check-alerting": named("checkly:index/check:Check", "uptime-api", lambda p: p.update(activated=False)),
    "uptime-checks-cover-endpoints": drop("checkly:index/check:Check"),
    "autoscaler-coherence": drop(f"{RAILWAY}ServiceInstance", lambda p: "autoscaler" in str(p.get("startCommand"))),
    "supabase-backups-taken": named(
        f"{SUPABASE}Backups", "", lambda p: p.update(latest_backup_at="2020-01-01T00:00:00Z")
    ),
    "github-branch-protection": named(
        "github:index/branchProtection:BranchProtection", "default-branch", lambda p: p.update(allowsForcePushes=True)
    ),
    "github-production-environment": named(
        "github:index/repositoryEnvironment:RepositoryEnvironment",
        "production-environment",
        lambda p: p.update(reviewers=[]),
    ),
    "github-repository-protected": drop("github:index/branchProtection:BranchProtection"),
    "github-repository-scanning": named(
        "github:index/repository:Repository", "application", lambda p: p["securityAndAnalysis"].pop("secretScanning")),
    "github-dependabot": named("github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts", "",
                               lambda p: p.update(enabled=False)),
    "github-code-scanning-gate": named(
        "github:index/repositoryRuleset:RepositoryRuleset", "", lambda p: p.update(enforcement="evaluate")),
    "github-security-scanning": drop("github:index/repositoryRuleset:RepositoryRuleset"),
    "github-security-licensed": component_facts(
        "lightspeedpay:repository:RepositoryProtection", lambda f: f.update(securityProducts=[])),
    "github-release-workflow-shared": drop("github:index/actionsRepositoryAccessLevel:ActionsRepositoryAccessLevel"),
    # Gated promotion.
    "vercel-no-auto-promotion": projects(lambda p: p.update(autoAssignCustomDomains=True)),
    "vercel-deployment-check-blocking": named("vercel:index/projectDeploymentCheck:ProjectDeploymentCheck", "smoke",
                                              lambda p: p.update(blocks="none")),
    "vercel-rolling-release-staged": named("vercel:index/projectRollingRelease:ProjectRollingRelease", "",
                                           lambda p: p.update(advancementType="automatic")),
    "railway-waits-for-ci": named(f"{RAILWAY}DeploymentTrigger", "worker", lambda p: p.update(checkSuites=False)),
    "release-gates-declared": drop("vercel:index/projectDeploymentCheck:ProjectDeploymentCheck"),
    # Observability: heartbeats, certificates, the status page and planned maintenance.
    "heartbeat-alerting": named("checkly:index/heartbeatMonitor:HeartbeatMonitor", "worker",
                                lambda p: p.update(activated=False)),
    "background-services-heartbeat": drop("checkly:index/heartbeatMonitor:HeartbeatMonitor"),
    "ssl-monitor-expiry": named("checkly:index/sslMonitor:SslMonitor", "api",
                                lambda p: p["request"].update(alertDaysBeforeExpiry=2)),
    "ssl-monitors-cover-hostnames": drop("checkly:index/sslMonitor:SslMonitor"),
    "status-page-components": drop("checkly:index/statusPageService:StatusPageService"),
    "maintenance-windows-declared": named("checkly:index/maintenanceWindow:MaintenanceWindow", "",
                                          lambda p: p["statusPageVisibility"].update(enabled=False)),
    "checkly-plan-entitled": component_facts("lightspeedpay:monitoring:UptimeMonitoring",
                                             lambda f: f.update(entitlements=[])),
    "browser-checks-cover-flows": drop("checkly:index/triggerCheckGroup:TriggerCheckGroup"),
    "browser-check-group": named("checkly:index/checkGroupV2:CheckGroupV2", "", lambda p: p.update(activated=False)),
    # Railway.
    "railway-min-replicas": named(
        f"{RAILWAY}ServiceInstance",
        "worker-instance",
        lambda p: p.update(replicaBounds={**p["replicaBounds"], "min": 1.0}, regions={"asia-southeast1-eqsg3a": 1.0}),
    ),
    "railway-replicas-within-plan": named(
        f"{RAILWAY}ServiceInstance", "worker-instance", lambda p: p.update(replicaBounds={"min": 2.0, "max": 50.0})
    ),
    "railway-health-check": named(f"{RAILWAY}ServiceInstance", "worker-instance", lambda p: p.pop("healthcheckPath")),
    "railway-restart-policy": named(
        f"{RAILWAY}ServiceInstance", "worker-instance", lambda p: p.update(restartPolicyType="NEVER")
    ),
    "railway-logs-shipped": named(
        f"{RAILWAY}Variables", "worker-variables", lambda p: p["variables"].update(OTEL_LOGS_EXPORTER="none")
    ),
    "railway-no-plain-secrets": option(f"{RAILWAY}Variables", lambda r: r.additional_secret_outputs.clear()),
    "railway-outside-india": lambda items: None,  # reported on every plan: Railway has no India region
    # Error tracking (Sentry).
    "sentry-outside-india": lambda items: None,  # reported on every plan: Sentry has no India region
    "sentry-alerts-routed": named("sentry:index/sentryMetricAlert:SentryMetricAlert", "api-error-spike",
                                  lambda p: p.update(triggers=[{**p["triggers"][0], "actions": []}])),
    "sentry-scrubbing-enforced": named(
        "pulumi-python:dynamic/sentry:ProjectScrubbing", "api-scrubbing", lambda p: p.update(dataScrubber=False)),
    "error-tracking-every-runtime": drop("pulumi-python:dynamic/sentry:ProjectScrubbing",
                                         lambda p: p["project"] == "lightspeedpay-workers"),
    "railway-region-allowed": named(f"{RAILWAY}Redis", "jobs-redis", lambda p: p.update(region="us-east4-eqdc4a")),
    "railway-no-payment-data-at-rest": named(
        f"{RAILWAY}Redis", "jobs-redis", lambda p: p.update(backupSchedules=["DAILY"])
    ),
    # Supabase.
    "supabase-region-in-india": named(f"{SUPABASE}Project", "", lambda p: p.update(region="us-east-1")),
    "supabase-ssl-enforced": named(f"{SUPABASE}SslEnforcement", "", lambda p: p.update(enforced=False)),
    "supabase-network-restricted": named(
        f"{SUPABASE}NetworkRestrictions", "", lambda p: p["allowed_cidrs"].append("0.0.0.0/0")
    ),
    "supabase-auth-token-lifetimes": named(f"{SUPABASE}AuthConfig", "", _auth(jwt_exp=86_400)),
    "supabase-mfa-available": named(f"{SUPABASE}AuthConfig", "", _auth(mfa_totp_enroll_enabled=False)),
    "supabase-password-policy": named(f"{SUPABASE}AuthConfig", "", _auth(password_min_length=8)),
    "supabase-org-members-mfa": named(
        f"{SUPABASE}Organization",
        "",
        lambda p: p.update(
            members={"total": 4, "without_mfa": 1, "privileged_without_mfa": 1},
            entitlements={"high_availability": True, "enforce_mfa": True},
        ),
    ),
    "supabase-audit-logging": named(f"{SUPABASE}PgAudit", "", lambda p: p["roles"].pop("postgres")),
    "supabase-secret-outputs": option(f"{SUPABASE}Project", lambda r: r.additional_secret_outputs.clear()),
    "database-runtime-roles": _api_as_postgres,
    "database-role-least-privilege": named(f"{SUPABASE}Role", "api-role", lambda p: p["privileges"].append("truncate")),
    "supabase-project-protected": option(f"{SUPABASE}Project", lambda r: setattr(r, "protect", False)),
    "supabase-project-hardened": drop(f"{SUPABASE}SslEnforcement"),
    "supabase-pitr-enabled": drop(f"{SUPABASE}Pitr"),
    "supabase-rpo-met": component_facts("lightspeedpay:database:Database", lambda f: f.update(rpoMinutes=1)),
    # Off-site backups and the log store (AWS).
    "aws-account-in-india": named("aws:s3/bucket:Bucket", "", lambda p: p.update(region="eu-west-1")),
    "backup-offsite-storage": named(
        f"{AWS_S3}bucketObjectLockConfiguration:BucketObjectLockConfiguration", "",
        lambda p: p["rule"]["defaultRetention"].update(mode="GOVERNANCE")),
    "backup-jobs": named(HEARTBEAT, "backup-heartbeat", lambda p: p.update(activated=False)),
    "backup-drill-evidenced": component_facts(
        "lightspeedpay:backups:OffsiteBackups",
        lambda f: f.update(drill={"status": "missing", "reason": "no drill", "evidence": None, "bucketObject": None})),
    "supabase-high-availability": named(
        f"{SUPABASE}Organization",
        "",
        lambda p: p.update(
            members={"total": 4, "without_mfa": 0, "privileged_without_mfa": 0},
            entitlements={"high_availability": False, "enforce_mfa": True},
        ),
    ),
}
"""Enforcer key → the edit that must make it fail (policy name, declared:<type or output>, attestation:<id>)."""


def enforcer_keys(item: checklist.Item) -> list[str]:
    keys = list(item.policies)
    keys += [f"declared:{d.host_role or d.type}" for d in item.declared]
    keys += [f"attestation:{item.attestation}"] if item.attestation else []
    return keys


def _present(key: str) -> bool:
    names = set(pack("production").policy_names())
    if key.startswith("declared:"):
        return "checklist-resources-declared" in names
    if key.startswith("attestation:"):
        return "checklist-attestations" in names
    return key in names


def test_every_enforcer_in_the_pack_has_a_break() -> None:
    keys = {key for item in checklist.CHECKLIST for key in enforcer_keys(item) if _present(key)}
    assert keys - set(BREAKS) == set(), "add the edit that breaks each of these to BREAKS"
    assert set(BREAKS) - keys == set(), "BREAKS has entries no checklist item uses"


@pytest.mark.parametrize("key", sorted(BREAKS))
def test_breaking_an_enforcer_fails_every_item_it_guards(key: str) -> None:
    items = resources("production")
    BREAKS[key](items)
    run = pack("production")
    # Only the broken enforcer runs (the others are disabled in the real servicer), so each case pays
    # for one policy; an item fails as soon as one of its enforcers does.
    kind, _, _ = key.partition(":")
    only = {"declared": "checklist-resources-declared", "attestation": "checklist-attestations"}.get(kind, key)
    violations = analyze("production", items, only=only)
    stack = next(r for r in items if r.type == STACK_TYPE)
    statuses = {s.id: s for s in evaluate(checklist, run, violations, stack.outputs)}
    guarded = [item.id for item in checklist.CHECKLIST if key in enforcer_keys(item)]
    assert guarded
    for item_id in guarded:
        assert statuses[item_id].status == FAILS, f"{key} broken, yet {item_id} is {statuses[item_id].status}"
    kind, _, name = key.partition(":")
    if key in PRODUCTION_ADVISORY:
        assert [v for v in violations if v.policy == key], f"{key} does not report the edit"
        return
    own = (
        [v for v in violations if v.policy == key and not v.not_verified]
        if not name
        else [
            v
            for v in violations
            if v.policy == "checklist-attestations" and ("attestation", name) in checklist.tags_in(v.message)
        ]
        if kind == "attestation"
        else [v for v in violations if v.policy == "checklist-resources-declared"]
    )
    assert own and all(v.mandatory for v in own), "production must refuse the edit itself, not just warn"


STANDING = {"pre.compliance.data-privacy", "infra.jobs.deploy"}
"""Items the unbroken production plan fails on purpose (advisories): Railway runs outside India and keeps the
autoscaler's and Redis's logs there, and Vercel's audit log is not drained below Enterprise."""


def test_the_unbroken_plan_fails_no_item_but_for_the_standing_advisories() -> None:
    items = resources("production")
    stack = next(r for r in items if r.type == STACK_TYPE)
    statuses = evaluate(checklist, pack("production"), analyze("production", items), stack.outputs)
    failing = {s.id: s for s in statuses if s.status == FAILS}
    assert set(failing) == STANDING
    for status in failing.values():
        assert not any(e.mandatory for e in status.enforcers), status.id
    # Every sign-off in the stack file is still a placeholder: shown as such, never as attested.
    signed = {s.id: s for s in statuses if checklist.CHECKLIST[statuses.index(s)].attestation}
    for status in signed.values():
        [sign_off] = [e for e in status.enforcers if e.label.startswith("attestation ")]
        assert sign_off.state == PLACEHOLDER, status.id
        assert status.status in (PLACEHOLDER, FAILS, NOT_COVERED), status.id
    audit = signed["pre.compliance.security-audit"]
    assert audit.status == PLACEHOLDER and audit.until == ""
    [sign_off] = [e for e in audit.enforcers if e.label.startswith("attestation ")]
    assert "PLACEHOLDER-AUDIT-0001 is a placeholder id or reference" in sign_off.findings[0]
    assert not [s for s in statuses if s.status == "attested"]


def test_declared_resources_need_the_public_hostnames_published() -> None:
    items = resources("production")
    facts(lambda f: f["domains"].pop("site"))(items)
    messages = [v.message for v in analyze("production", items) if v.policy == "checklist-resources-declared"]
    assert any("publishes no 'site' hostname" in m for m in messages)


def test_staging_declares_everything_for_its_own_hostnames() -> None:
    violations = analyze("staging", resources("staging"))
    assert [v for v in violations if v.policy == "checklist-resources-declared"] == []


def test_a_missing_domain_fails_only_the_requirement_it_belongs_to() -> None:
    items = resources("production")
    without_domain("api")(items)
    stack = next(r for r in items if r.type == STACK_TYPE)
    statuses = {s.id: s for s in evaluate(checklist, pack("production"), analyze("production", items), stack.outputs)}
    states = {e.label: e.state for e in statuses["pre.infra.cdn"].enforcers}
    assert states["declares the API's Vercel domain (vercel:index/projectDomain:ProjectDomain)"] == FAILS
    assert states["declares the site's Vercel domain (vercel:index/projectDomain:ProjectDomain)"] == "passes"
    assert statuses["infra.frontend.domain"].status == "passes"


def test_publishing_another_hostname_does_not_dodge_the_domain_check() -> None:
    items = resources("production")
    facts(lambda f: f["domains"].update(api="payments.lightspeedpay.com"))(items)
    messages = [v.message for v in analyze("production", items) if v.policy == "checklist-resources-declared"]
    assert any("the API's Vercel domain for payments.lightspeedpay.com" in m for m in messages)


PRODUCTION_ADVISORY = {
    "checklist-attestations-expiring": "an early warning; the expiry itself is mandatory",
    "railway-outside-india": "a standing finding reported on every plan, never hidden; what makes it acceptable "
    "(railway-no-payment-data-at-rest, railway-region-allowed) is mandatory",
    "sentry-outside-india": "a standing finding reported on every plan, never hidden; what makes it acceptable "
    "(sentry-scrubbing-enforced) is mandatory",
    "logs-outside-the-store": "standing findings: Railway has no log drain, so the autoscaler's and Redis's logs stay "
    "there, and Vercel's audit log needs Enterprise; reported on every plan, never hidden",
    "supabase-high-availability": "Supabase sells HA by contract only; reported from the organisation's entitlements",
    "no-placeholder-values": "reports the repository's example values; made mandatory once the real values are in",
    "oncall-outside-india": "a standing finding (PagerDuty has no India region); alerts carry no payment data",
    "observability-plan-gaps": "reports what a plan leaves unwatched; what must be watched is mandatory elsewhere",
}
"""The only policies production may run below mandatory, each with the reason."""


def test_production_enforces_every_policy_except_the_listed_warnings() -> None:
    levels = {name: config.enforcement_level for name, config in pack("production").config.items()}
    relaxed = {name for name, level in levels.items() if level != "mandatory"}
    assert relaxed == set(PRODUCTION_ADVISORY), (
        "a policy runs below mandatory in production; make it mandatory or list it with a reason"
    )
