"""The pack on real state: careless edits of a `pulumi stack export` document, each refused.

Every case edits the production export the way state would hold a careless change (the resource's
inputs and outputs alike, or the resource deleted) and runs the pack over it as `ops.check` does,
with production's policy config. Four classes, as issue 11 names them:

1. a value the deployment guide names, wrong in state (not only in a stack file);
2. the resource that carries a guarded setting deleted;
3. secrets: ciphertext yields "not verified" findings, never passes; relations are proven from what
   state keeps in the open (dependencies, URNs); plaintext (the real CLI) is judged;
4. dangling and crossing references: DNS pointing at Vercel for a name no project serves, another
   stack's ESC environment, an autoscaler gone while the worker's bounds say it scales.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lightspeedpay_policies import POLICIES
from lightspeedpay_policies.meta import GuardedPolicy
from ops import check as check_cli
from ops.analysis import Violation
from ops.export import read_export
from ops.resources import SECRET_SIG, SIG_KEY
from tests.harness import analyze, of_policy

Entries = list[dict[str, Any]]
Edit = Callable[[Entries], None]
ENV = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
RAILWAY = "pulumi-python:dynamic/railway:"
SUPABASE = "pulumi-python:dynamic/supabase:"


@pytest.fixture(scope="module")
def export(production_export: Path) -> Entries:
    """The production export's resources (read once; each edit works on a copy)."""
    return list(json.loads(production_export.read_text())["deployment"]["resources"])


def _write(tmp_path: Path, entries: Entries) -> Path:
    path = tmp_path / "edited.json"
    path.write_text(json.dumps({"version": 3, "deployment": {"resources": entries}}))
    return path


def check(tmp_path: Path, export: Entries, edit: Edit, only: str | None = None) -> list[Violation]:
    entries = json.loads(json.dumps(export))
    edit(entries)
    return analyze("production", read_export(_write(tmp_path, entries)), only=only)


def refused(violations: list[Violation], policy: str) -> list[str]:
    return [v.message for v in of_policy(violations, policy) if v.mandatory]


def entry(entries: Entries, type_: str, name_part: str = "", **where: Any) -> dict[str, Any]:
    hits = [e for e in entries if e["type"] == type_ and e["urn"].rsplit("::", 1)[-1].find(name_part) >= 0
            and all(e["inputs"].get(k) == v for k, v in where.items())]
    assert hits, f"no {type_} *{name_part}* {where}"
    return hits[0]


def both(target: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> None:
    """A careless change lands in state as inputs and outputs alike."""
    change(target["inputs"])
    change(target["outputs"])


def delete(type_: str, name_part: str = "", **where: Any) -> Edit:
    def apply(entries: Entries) -> None:
        gone = entry(entries, type_, name_part, **where)
        entries.remove(gone)
    return apply


def _variable(app: str, key: str, value: str) -> Edit:
    def apply(entries: Entries) -> None:
        if app == "workers":
            worker = entry(entries, f"{RAILWAY}Variables", "worker-variables")
            both(worker, lambda p: p["variables"].update({key: value}))
        else:
            target = next(e for e in entries if e["type"] == ENV and e["inputs"]["key"] == key
                          and "production" in e["inputs"]["targets"] and f"-{app}-" in e["urn"])
            both(target, lambda p: p.update(value=value))
    return apply


# --- the good export, and ciphertext -----------------------------------------------------------------

def test_the_good_export_passes_with_not_verified_findings_not_passes(
        tmp_path: Path, production_export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check_cli.main(["--stack", "production", str(production_export), "--json",
                           "--sarif", str(tmp_path / "check.sarif")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert not [v for v in report["violations"] if v["enforcement"] == "mandatory"]
    unseen = {item["policy"] for item in report["notVerified"]}
    # Sealed variables, preview secrets from config, key modes from placeholders, backups never read: all
    # ciphertext or unknown in this export, each reported rather than passed.
    assert {"railway-logs-shipped", "vercel-previews-isolated", "gateway-key-modes", "supabase-backups-taken"} <= unseen
    previews = {item["urn"].rsplit("::", 1)[-1] for item in report["notVerified"]
                if item["policy"] == "vercel-previews-isolated"}
    # DATABASE_URL: previews' from config, production's from the database; JWT_SECRET: two generators, proven apart.
    assert "lightspeedpay-api-env-database-url-preview" in previews
    assert "lightspeedpay-api-env-jwt-secret-preview" not in previews
    notes = [r for r in json.loads((tmp_path / "check.sarif").read_text())["runs"][0]["results"]
             if r["properties"]["notVerified"]]
    assert notes and {r["level"] for r in notes} == {"note"}
    assert check_cli.main(["--stack", "production", str(production_export)]) == 0
    text = capsys.readouterr().out
    assert "Not verified (" in text and "NOT VERIFIED railway-logs-shipped" in text


def test_plaintext_state_is_judged_not_reported_unverified(tmp_path: Path, export: Entries) -> None:
    """`pulumi stack export --show-secrets` (and the engine itself) hands the pack plaintext: it judges."""
    def reveal(entries: Entries) -> None:
        worker = entry(entries, f"{RAILWAY}Variables", "worker-variables")
        sealed = {"DATABASE_URL": "postgresql://runtime@db.invalid/postgres",
                  "OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Bearer%20test-token-not-real"}
        worker["outputs"]["sealedVariables"] = {SIG_KEY: SECRET_SIG, "plaintext": json.dumps(sealed)}
        key_id = entry(entries, ENV, "razorpay-key-id-production")
        key_id["inputs"]["value"] = key_id["outputs"]["value"] = {
            SIG_KEY: SECRET_SIG, "plaintext": json.dumps("rzp_" + "test_" + "FAKEFAKEFAKE01")}

    violations = check(tmp_path, export, reveal)
    assert not [v for v in of_policy(violations, "railway-logs-shipped") if v.not_verified]
    assert any("RAZORPAY_KEY_ID for production is a test key" in m for m in refused(violations, "gateway-key-modes"))


# --- 1. values the guide names, wrong in state ------------------------------------------------------------

GUIDE_VALUES: list[tuple[str, Edit, str]] = [
    ("runtime-environment", _variable("workers", "JOB_CONCURRENCY", "7"), "[variable workers.JOB_CONCURRENCY]"),
    ("runtime-environment", _variable("workers", "LOG_LEVEL", "debug"), "[variable workers.LOG_LEVEL]"),
    ("runtime-environment", _variable("workers", "NODE_ENV", "development"), "[variable workers.NODE_ENV]"),
    ("runtime-environment", _variable("api", "NODE_ENV", "development"), "[variable api.NODE_ENV]"),
    ("runtime-environment", _variable("web", "NEXT_PUBLIC_ENV", "staging"), "[variable site.NEXT_PUBLIC_ENV]"),
    ("runtime-environment", _variable("web", "NEXT_PUBLIC_API_URL", "https://api.lightspeedpay-staging.com"),
     "[variable site.NEXT_PUBLIC_API_URL]"),
    ("runtime-environment", _variable("workers", "REDIS_URL", "redis://default:x@redis.invalid:6379"),
     "[variable workers.REDIS_URL]"),
    ("railway-min-replicas", lambda es: both(entry(es, f"{RAILWAY}ServiceInstance", "worker-instance"),
                                             lambda p: p["replicaBounds"].update(min=1)), "at least 2"),
    ("autoscaler-coherence", lambda es: both(entry(es, f"{RAILWAY}ServiceInstance", "worker-instance"),
                                             lambda p: p["replicaBounds"].update(max=4)), "it must reach 10"),
    ("autoscaler-coherence", lambda es: both(entry(es, f"{RAILWAY}Variables", "autoscaler-variables"),
                                             lambda p: p["variables"].update(MAX_REPLICAS="20")),
     "MAX_REPLICAS is '20' but the worker's replica bounds say 10"),
]


@pytest.mark.parametrize(("policy", "edit", "expected"), GUIDE_VALUES,
                         ids=[f"{p}:{e}" for p, _, e in GUIDE_VALUES])
def test_a_guide_value_wrong_in_state_is_refused(tmp_path: Path, export: Entries, policy: str, edit: Edit,
                                                 expected: str) -> None:
    assert any(expected in m for m in refused(check(tmp_path, export, edit, only=policy), policy))


# --- 2. the resource carrying a guarded setting, deleted --------------------------------------------------

ZONE = "cloudflare:index/zoneSetting:ZoneSetting"
DELETIONS: dict[str, Edit] = {
    "cloudflare-ssl-strict": delete(ZONE, settingId="ssl"),
    "cloudflare-min-tls-version": delete(ZONE, settingId="min_tls_version"),
    "cloudflare-tls-1-3": delete(ZONE, settingId="tls_1_3"),
    "cloudflare-always-use-https": delete(ZONE, settingId="always_use_https"),
    "cloudflare-automatic-https-rewrites": delete(ZONE, settingId="automatic_https_rewrites"),
    "cloudflare-hsts": delete(ZONE, settingId="security_header"),
    "cloudflare-caa-allowlist": delete("cloudflare:index/dnsRecord:DnsRecord", "caa-issue-"),
    "cloudflare-dnssec-active": delete("cloudflare:index/zoneDnssec:ZoneDnssec"),
    "vercel-functions-in-india": delete("vercel:index/project:Project", "api-project"),
    "vercel-no-function-failover": delete("vercel:index/project:Project", "web-project"),
    "vercel-preview-protection": delete("vercel:index/project:Project", "web-project"),
    "vercel-git-fork-protection": delete("vercel:index/project:Project", "api-project"),
    "vercel-pr-previews": delete("vercel:index/project:Project", "web-project"),
    "vercel-function-limits-explicit": delete("vercel:index/project:Project", "api-project"),
    "vercel-firewall-enabled": delete("vercel:index/firewallConfig:FirewallConfig", "api-firewall"),
    "vercel-allowlists-narrow": delete("vercel:index/firewallConfig:FirewallConfig", "web-firewall"),
    "vercel-rate-limit-spares-webhooks": delete("vercel:index/firewallConfig:FirewallConfig", "api-firewall"),
    "vercel-owasp-rules": delete("vercel:index/firewallConfig:FirewallConfig", "web-firewall"),
    "vercel-attack-mode-bounded": delete("vercel:index/attackChallengeMode:AttackChallengeMode", "api"),
    "github-branch-protection": delete("github:index/branchProtection:BranchProtection", "deployed-branch"),
    "github-production-environment": delete("github:index/repositoryEnvironment:RepositoryEnvironment"),
    "github-repository-scanning": delete("github:index/repository:Repository", "application"),
    "vercel-no-auto-promotion": delete("vercel:index/project:Project", "web-project"),
    "vercel-deployment-check-blocking": delete("vercel:index/projectDeploymentCheck:ProjectDeploymentCheck", "smoke"),
    "vercel-rolling-release-staged": delete("vercel:index/projectRollingRelease:ProjectRollingRelease", "api"),
    "railway-waits-for-ci": delete(f"{RAILWAY}DeploymentTrigger", "worker"),
    "heartbeat-alerting": delete("checkly:index/heartbeatMonitor:HeartbeatMonitor", "worker"),
    "ssl-monitor-expiry": delete("checkly:index/sslMonitor:SslMonitor", "checkout"),
    "browser-check-group": delete("checkly:index/checkGroupV2:CheckGroupV2"),
    "github-dependabot": delete("github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts"),
    "github-code-scanning-gate": delete("github:index/repositoryRuleset:RepositoryRuleset", "infrastructure"),
    "railway-health-check": delete(f"{RAILWAY}ServiceInstance", "worker-instance"),
    "railway-restart-policy": delete(f"{RAILWAY}ServiceInstance", "autoscaler-instance"),
    "railway-outside-india": delete(f"{RAILWAY}ServiceInstance", "worker-instance"),
    "railway-region-allowed": delete(f"{RAILWAY}ServiceInstance", "autoscaler-instance"),
    "sentry-scrubbing-enforced": delete("pulumi-python:dynamic/sentry:ProjectScrubbing", "api-scrubbing"),
    "sentry-outside-india": delete("pulumi-python:dynamic/sentry:ProjectScrubbing", "site-scrubbing"),
    "supabase-region-in-india": delete(f"{SUPABASE}Project"),
    "supabase-ssl-enforced": delete(f"{SUPABASE}SslEnforcement"),
    "supabase-network-restricted": delete(f"{SUPABASE}NetworkRestrictions"),
    "supabase-auth-token-lifetimes": delete(f"{SUPABASE}AuthConfig"),
    "supabase-mfa-available": delete(f"{SUPABASE}AuthConfig"),
    "supabase-password-policy": delete(f"{SUPABASE}AuthConfig"),
    "supabase-audit-logging": delete(f"{SUPABASE}PgAudit"),
    "supabase-secret-outputs": delete(f"{SUPABASE}Project"),
    "supabase-project-protected": delete(f"{SUPABASE}Project"),
    "database-role-least-privilege": delete(f"{SUPABASE}Role", "api-role"),
    "uptime-check-alerting": delete("checkly:index/check:Check", "uptime-api"),
    "metrics-region-in-india": delete("grafana:cloud/stack:Stack"),
}
"""Resource policy → the deletion of (one of) the resource(s) it judges; its guard's policy must refuse it."""
GUARDS = {p.name: p.guard for p in POLICIES if isinstance(p, GuardedPolicy)}


def test_every_guarded_setting_has_its_deletion_here() -> None:
    refusing = {name for name, guard in GUARDS.items() if guard.refused_by}
    assert set(DELETIONS) == refusing, "add the deletion of what each guarded policy judges (or say it is harmless)"
    stack_policies = {p.name for p in POLICIES if not isinstance(p, GuardedPolicy)}
    assert {guard.refused_by for guard in GUARDS.values() if guard.refused_by} <= stack_policies
    for name, guard in GUARDS.items():
        assert guard.carrier and (guard.refused_by or guard.harmless.strip()), name


@pytest.mark.parametrize("policy", sorted(DELETIONS))
def test_deleting_what_a_policy_guards_is_refused(tmp_path: Path, export: Entries, policy: str) -> None:
    guard = GUARDS[policy]
    assert refused(check(tmp_path, export, DELETIONS[policy], only=guard.refused_by), guard.refused_by), (
        f"deleting {guard.carrier} passes {guard.refused_by}")


@pytest.mark.parametrize(("edit", "policy"), [
    (delete(f"{RAILWAY}Variables", "worker-variables"), "runtime-environment"),
    (delete(ENV, "api-env-jwt-secret-production"), "runtime-environment"),
    (delete(f"{RAILWAY}Redis"), "runtime-environment"),
    (delete("lightspeedpay:edge:VercelWebApp", "api"), "runtime-environment"),
    (delete("vercel:index/logDrain:LogDrain"), "vercel-logs-shipped"),
    (delete(f"{SUPABASE}Pitr"), "supabase-pitr-enabled"),
    (delete(f"{SUPABASE}Backups"), "supabase-rpo-met"),
    (delete("lightspeedpay:database:Database"), "supabase-rpo-met"),
    (delete("lightspeedpay:jobs:BackgroundJobs"), "railway-logs-shipped"),
    (delete("cloudflare:index/dnsRecord:DnsRecord", "dns-api"), "public-domains-complete"),
    (delete(f"{SUPABASE}Role", "worker-role"), "database-runtime-roles"),
    (delete(f"{SUPABASE}Role", "backup-role"), "database-runtime-roles"),
    (delete("random:index/randomPassword:RandomPassword", "api-role-password"), "database-runtime-roles"),
    (delete(f"{SUPABASE}Pooler"), "database-runtime-roles"),
], ids=["worker variables", "JWT secret", "Redis", "the API app's facts", "log drain", "PITR", "backups",
        "database facts", "jobs facts", "API DNS record", "worker role", "backup role", "role password", "pooler"])
def test_other_careless_deletions_are_refused(tmp_path: Path, export: Entries, edit: Edit, policy: str) -> None:
    assert refused(check(tmp_path, export, edit, only=policy), policy)


# --- 3. cross-resource relations proven from what state keeps in the open ---------------------------------

def test_workers_on_another_database_are_refused_from_dependencies_alone(tmp_path: Path, export: Entries) -> None:
    def other_database(entries: Entries) -> None:
        project, pooler = entry(entries, f"{SUPABASE}Project"), entry(entries, f"{SUPABASE}Pooler")
        twin_project, twin = json.loads(json.dumps(project)), json.loads(json.dumps(pooler))
        twin_project["urn"], twin["urn"] = project["urn"] + "-twin", pooler["urn"] + "-twin"
        twin["propertyDependencies"]["project_ref"] = [twin_project["urn"]]  # another database's pooler
        entries += [twin_project, twin]
        worker = entry(entries, f"{RAILWAY}Variables", "worker-variables")
        worker["propertyDependencies"]["sealedVariables"] = [twin["urn"]]

    assert any("different database than the API's" in m for m in refused(
        check(tmp_path, export, other_database, only="api-and-workers-share-database"),
        "api-and-workers-share-database"))


def _rewire(type_: str, name_part: str, prop: str, old_part: str, new_part: str) -> Edit:
    """Point one property dependency of a resource at another resource (what a careless edit of the
    program that builds the value from the wrong source leaves in state)."""
    def apply(entries: Entries) -> None:
        target = entry(entries, type_, name_part)
        new = next(e["urn"] for e in entries if e["urn"].endswith(new_part))
        target["propertyDependencies"][prop] = [new if u.endswith(old_part) else u
                                                for u in target["propertyDependencies"][prop]]
    return apply


@pytest.mark.parametrize(("edit", "policy", "expected"), [
    (_rewire(f"{RAILWAY}Variables", "worker-variables", "sealedVariables", "-jobs-redis-password", "-api-jwt-secret"),
     "runtime-environment", "[variable workers.REDIS_URL]"),
    (_rewire(f"{RAILWAY}Variables", "autoscaler-variables", "sealedVariables", "-jobs-redis-password",
             "-api-jwt-secret"), "autoscaler-coherence", "The autoscaler's REDIS_URL is not computed"),
    (_rewire(f"{RAILWAY}Variables", "worker-variables", "sealedVariables", "-database-worker-role",
             "-database-api-role"), "database-runtime-roles", "the API and the workers connect as the same role"),
    (_rewire(ENV, "api-env-database-url-production", "value", "-api-role-password", "-api-jwt-secret"),
     "database-runtime-roles", "is not built with the password of its role 'lightspeedpay_api'"),
    (_rewire(f"{SUPABASE}Role", "-api-role", "password", "-api-role-password", "-api-jwt-secret"),
     "database-runtime-roles", "comes from a generator that also feeds"),
], ids=["workers' redis password", "autoscaler's redis password", "workers as the API's role",
        "API URL without its role's password", "role password shared with the JWT secret"])
def test_a_credential_built_from_the_wrong_source_is_refused_through_the_ciphertext(
        tmp_path: Path, export: Entries, edit: Edit, policy: str, expected: str) -> None:
    assert any(expected in m for m in refused(check(tmp_path, export, edit, only=policy), policy))


def test_a_preview_computed_from_production_is_refused_whatever_the_ciphertext(tmp_path: Path,
                                                                                export: Entries) -> None:
    def shared_source(entries: Entries) -> None:
        production = entry(entries, ENV, "api-env-jwt-secret-production")
        preview = entry(entries, ENV, "api-env-jwt-secret-preview")
        preview["propertyDependencies"]["value"] = production["propertyDependencies"]["value"]

    assert any("computed from the same resource as production's" in m for m in refused(
        check(tmp_path, export, shared_source, only="vercel-previews-isolated"), "vercel-previews-isolated"))


def test_a_typed_jwt_secret_is_refused(tmp_path: Path, export: Entries) -> None:
    def typed(entries: Entries) -> None:
        entry(entries, ENV, "api-env-jwt-secret-production")["propertyDependencies"]["value"] = []

    assert any("[variable api.JWT_SECRET]" in m and "not generated by the stack" in m
               for m in refused(check(tmp_path, export, typed, only="runtime-environment"), "runtime-environment"))


# --- 4. dangling and crossing references ------------------------------------------------------------------

def test_a_record_for_a_name_no_project_serves_is_refused(tmp_path: Path, export: Entries) -> None:
    def leftover(entries: Entries) -> None:
        entries.remove(entry(entries, "vercel:index/projectDomain:ProjectDomain", domain="www.lightspeedpay.com"))

    messages = refused(check(tmp_path, export, leftover, only="dangling-dns-records"), "dangling-dns-records")
    assert any("www.lightspeedpay.com points at Vercel, but no project of the stack serves it" in m for m in messages)
    clean = check(tmp_path, export, lambda entries: None, only="dangling-dns-records")
    assert of_policy(clean, "dangling-dns-records") == []


@pytest.mark.parametrize(("environments", "ok"), [
    (["lightspeedpay/staging"], False), (["lightspeedpay/production", "infra/staging"], False),
    (["lightspeedpay/production"], True), ([], True)])
def test_another_stacks_esc_environment_in_state_is_refused(tmp_path: Path, export: Entries, environments: list[str],
                                                           ok: bool) -> None:
    def imports(entries: Entries) -> None:
        entry(entries, "pulumi:pulumi:Stack")["outputs"]["facts"]["escEnvironments"] = environments

    messages = refused(check(tmp_path, export, imports, only="stack-isolation"), "stack-isolation")
    assert (messages == []) is ok, messages


def test_an_autoscaler_gone_while_the_bounds_say_it_scales_is_refused(tmp_path: Path, export: Entries) -> None:
    def gone(entries: Entries) -> None:
        for name in ("autoscaler-instance", "autoscaler-variables"):
            entries.remove(entry(entries, f"{RAILWAY}ServiceInstance" if "instance" in name else f"{RAILWAY}Variables",
                                 name))

    messages = refused(check(tmp_path, export, gone, only="autoscaler-coherence"), "autoscaler-coherence")
    assert any("the autoscaler's instance, variables are gone" in m for m in messages)


def test_a_resource_of_another_stack_in_state_is_refused(tmp_path: Path, export: Entries) -> None:
    def crossed(entries: Entries) -> None:
        record = entry(entries, "cloudflare:index/dnsRecord:DnsRecord", "dns-api")
        record["urn"] = record["urn"].replace("urn:pulumi:production::", "urn:pulumi:staging::")

    messages = refused(check(tmp_path, export, crossed, only="stack-isolation"), "stack-isolation")
    assert any("mixes resources of other stacks ['staging']" in m for m in messages)
