"""Edge policies (firewall, logging, CORS, DNS, repository): each refuses the unsafe case and passes the
safe one, and the careless edits a hurried engineer could make to the planned stack are refused."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.harness import analyze, check, find, mutate, of_policy, plan_violations, refusals, resources

FIREWALL = "vercel:index/firewallConfig:FirewallConfig"
ATTACK = "vercel:index/attackChallengeMode:AttackChallengeMode"
DOMAIN = "vercel:index/projectDomain:ProjectDomain"
PROJECT = "vercel:index/project:Project"
ENV = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
LOG_DRAIN = "vercel:index/logDrain:LogDrain"
DNS = "cloudflare:index/dnsRecord:DnsRecord"
DNSSEC = "cloudflare:index/zoneDnssec:ZoneDnssec"
BRANCH = "github:index/branchProtection:BranchProtection"
GH_ENV = "github:index/repositoryEnvironment:RepositoryEnvironment"
STACK = "pulumi:pulumi:Stack"


def _refused(stack: str, type_: str, name: str, change: Callable[[dict[str, Any]], None], policy: str) -> list:
    return refusals(mutate(stack, type_, name, change), policy, stack)


# --- Vercel firewall ----------------------------------------------------------------------------


def test_disabling_the_firewall_is_refused() -> None:
    _refused(
        "production", FIREWALL, "api-firewall", lambda p: p.__setitem__("enabled", False), "vercel-firewall-enabled"
    )


def test_allowlisting_the_internet_for_admin_is_refused() -> None:
    def open_up(props: dict[str, Any]) -> None:
        props["rules"]["rules"][0]["conditionGroups"][0]["conditions"][1]["values"] = ["0.0.0.0/0"]

    [violation] = _refused("production", FIREWALL, "web-firewall", open_up, "vercel-allowlists-narrow")[:1]
    assert "0.0.0.0/0" in violation.message


def test_rate_limiting_webhooks_is_refused() -> None:
    def throttle_webhooks(props: dict[str, Any]) -> None:
        rule = next(r for r in props["rules"]["rules"] if r["name"] == "api-rate-limit")
        rule["conditionGroups"] = [{"conditions": [{"type": "path", "op": "pre", "value": "/", "neg": False}]}]

    message = _refused("production", FIREWALL, "api-firewall", throttle_webhooks, "vercel-rate-limit-spares-webhooks")
    assert "/webhooks/razorpay" in message[0].message


def test_dropping_the_rate_limit_is_refused() -> None:
    def drop(props: dict[str, Any]) -> None:
        props["rules"]["rules"] = [r for r in props["rules"]["rules"] if r["name"] != "api-rate-limit"]

    _refused("production", FIREWALL, "api-firewall", drop, "vercel-api-rate-limited")


def test_a_loose_rate_limit_is_refused() -> None:
    def loosen(props: dict[str, Any]) -> None:
        rule = next(r for r in props["rules"]["rules"] if r["name"] == "api-rate-limit")
        rule["action"]["rateLimit"]["limit"] = 100000

    _refused("production", FIREWALL, "api-firewall", loosen, "vercel-api-rate-limited")


def test_challenging_bots_on_the_api_is_refused() -> None:
    def challenge(props: dict[str, Any]) -> None:
        props["managedRulesets"]["botProtection"]["action"] = "challenge"

    _refused("production", FIREWALL, "api-firewall", challenge, "vercel-api-bots-logged")
    # The site (browsers only) may challenge bots: the same setting there is fine.
    items = mutate("production", FIREWALL, "web-firewall", challenge)
    assert not of_policy(analyze("production", items, only="vercel-api-bots-logged"), "vercel-api-bots-logged")


def test_turning_off_owasp_rules_is_refused() -> None:
    _refused("production", FIREWALL, "web-firewall", lambda p: p["managedRulesets"].pop("owasp"), "vercel-owasp-rules")


def test_removing_the_admin_gate_is_refused() -> None:
    def remove(props: dict[str, Any]) -> None:
        props["rules"]["rules"] = [r for r in props["rules"]["rules"] if r["name"] != "admin-ip-allowlist"]

    _refused("production", FIREWALL, "web-firewall", remove, "vercel-projects-guarded")


def test_a_project_without_attack_switch_is_refused() -> None:
    items = [r for r in resources("production") if not (r.type == ATTACK and "web" in r.name)]
    assert of_policy(analyze("production", items, only="vercel-projects-guarded"), "vercel-projects-guarded")


@pytest.mark.parametrize(
    ("until_ms", "refused"),
    [(0, True), (int(time.time() * 1000) + 3_600_000, False), (int(time.time() * 1000) + 30 * 86_400_000, True)],
    ids=["no end", "one hour", "thirty days"],
)
def test_attack_mode_needs_a_near_fixed_end(until_ms: int, refused: bool) -> None:
    props = {"projectId": "prj", "enabled": True, "attackModeActiveUntil": until_ms}
    assert bool(of_policy(check(ATTACK, props), "vercel-attack-mode-bounded")) is refused
    assert not check(ATTACK, {**props, "enabled": False})


def test_temporary_redirect_is_refused() -> None:
    _refused(
        "production",
        DOMAIN,
        "www",
        lambda p: p.__setitem__("redirectStatusCode", 302),
        "vercel-domain-redirects-permanent",
    )


def test_unbounded_function_settings_are_refused() -> None:
    def unbounded(props: dict[str, Any]) -> None:
        props["resourceConfig"]["functionDefaultTimeout"] = 800
        props.pop("skewProtection")

    violations = _refused("production", PROJECT, "api-project", unbounded, "vercel-function-limits-explicit")
    messages = " ".join(v.message for v in violations)
    assert "800s" in messages and "Skew protection" in messages


# --- logging, CORS, platform declarations ----------------------------------------------------


def test_a_project_left_out_of_the_log_drain_is_refused() -> None:
    items = resources("production")
    drain = find(items, LOG_DRAIN)
    drain.property_dependencies["projectIds"] = drain.property_dependencies["projectIds"][:1]
    violations = of_policy(analyze("production", items, only="vercel-logs-shipped"), "vercel-logs-shipped")
    assert violations and "ships its logs nowhere" in violations[0].message


def test_unsigned_or_plain_http_log_drain_is_refused() -> None:
    def weaken(props: dict[str, Any]) -> None:
        props.pop("secret")
        props["endpoint"] = "http://logs.example.com/ingest"

    messages = " ".join(v.message for v in _refused("production", LOG_DRAIN, "drain", weaken, "vercel-logs-shipped"))
    assert "not signed" in messages and "HTTPS" in messages


def test_wildcard_or_wider_cors_is_refused() -> None:
    for value in ("*", "https://lightspeedpay.com,https://checkout.lightspeedpay.com,https://evil.example"):

        def widen(props: dict[str, Any], value: str = value) -> None:
            props["value"]["value"] = value

        _refused("production", ENV, "cors-allowed-origins", widen, "vercel-cors-exact-origins")


def _outputs(change: Callable[[dict[str, Any]], None], policy: str) -> list:
    """The production plan with the root stack's published facts edited (``change(facts)``)."""
    items = resources("production")
    stack = find(items, STACK)
    change(stack.outputs["facts"])
    return analyze("production", items, only=policy)


def test_short_or_foreign_log_retention_is_refused() -> None:
    assert of_policy(
        _outputs(lambda o: o["logStore"].__setitem__("retentionDays", 30), "log-retention"), "log-retention"
    )
    assert of_policy(
        _outputs(lambda o: o["logStore"].__setitem__("region", "us-east-1"), "log-retention"), "log-retention"
    )
    assert of_policy(_outputs(lambda o: o.pop("logStore"), "log-retention"), "log-retention")


def test_staging_retention_threshold_comes_from_its_policy_config() -> None:
    items = resources("staging")
    find(items, STACK).outputs["facts"]["logStore"]["retentionDays"] = 200
    assert not of_policy(analyze("staging", items, only="log-retention"), "log-retention")  # staging: 180 days
    find(items, STACK).outputs["facts"]["logStore"]["retentionDays"] = 90
    assert of_policy(analyze("staging", items, only="log-retention"), "log-retention")


@pytest.mark.parametrize(
    "url",
    [
        "http://api.lightspeedpay.com/webhooks/razorpay",
        "https://lightspeedpay.com/webhooks/razorpay",
        "https://api.lightspeedpay.com:8443/webhooks/razorpay",
        "https://api.lightspeedpay.com/hooks/razorpay",
    ],
)
def test_webhook_urls_must_be_https_on_the_api_on_an_exempt_path(url: str) -> None:
    assert of_policy(
        _outputs(lambda o: o.__setitem__("webhookUrls", [url]), "webhook-urls-served"), "webhook-urls-served"
    )


# --- DNS ---------------------------------------------------------------------------------------


def test_proxying_a_vercel_record_is_refused() -> None:
    _refused("production", DNS, "dns-api", lambda p: p.__setitem__("proxied", True), "dns-only-for-vercel")
    assert of_policy(
        check(DNS, {"name": "x", "type": "CNAME", "content": "cname.vercel-dns.com", "ttl": 1}), "dns-only-for-vercel"
    )  # not explicit


def test_proxied_record_needs_automatic_ttl() -> None:
    props = {"name": "x", "type": "A", "content": "192.0.2.1", "proxied": True, "ttl": 300}
    assert of_policy(check(DNS, props), "cloudflare-proxied-ttl-auto")
    assert not check(DNS, {**props, "ttl": 1})


def test_caa_for_another_ca_is_refused() -> None:
    def other(props: dict[str, Any]) -> None:
        props["data"]["value"] = "comodoca.com"

    _refused("production", DNS, "caa-issue-0", other, "cloudflare-caa-allowlist")
    ok = {"name": "z", "type": "CAA", "ttl": 3600, "data": {"flags": 0, "tag": "issuewild", "value": ";"}}
    assert not check(DNS, ok)


def test_dnssec_disabled_is_refused() -> None:
    _refused("production", DNSSEC, "dnssec", lambda p: p.__setitem__("status", "disabled"), "cloudflare-dnssec-active")


def test_a_domain_without_dns_record_or_zone_posture_is_refused() -> None:
    items = [r for r in resources("production") if not (r.type == DNS and r.name.endswith("dns-checkout"))]
    violations = of_policy(analyze("production", items, only="public-domains-complete"), "public-domains-complete")
    assert any("checkout.lightspeedpay.com is served by Vercel but has no DNS record" in v.message for v in violations)
    items = [r for r in resources("production") if r.type != DNSSEC]
    assert of_policy(analyze("production", items, only="public-domains-complete"), "public-domains-complete")


# --- repository --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.__setitem__("allowsForcePushes", True),
        lambda p: p.__setitem__("enforceAdmins", False),
        lambda p: p.__setitem__("requiredStatusChecks", []),
        lambda p: p["requiredPullRequestReviews"][0].__setitem__("requiredApprovingReviewCount", 1),
    ],
    ids=["force pushes", "admins bypass", "no checks", "one approval"],
)
def test_weakened_branch_protection_is_refused(change: Callable[[dict[str, Any]], None]) -> None:
    _refused("production", BRANCH, "default-branch", change, "github-branch-protection")


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.__setitem__("reviewers", []),
        lambda p: p.__setitem__("preventSelfReview", False),
        lambda p: p.__setitem__("canAdminsBypass", True),
        lambda p: p.__setitem__("deploymentBranchPolicy", {"protectedBranches": False, "customBranchPolicies": False}),
    ],
    ids=["no reviewers", "self review", "admin bypass", "any branch"],
)
def test_weakened_production_environment_is_refused(change: Callable[[dict[str, Any]], None]) -> None:
    _refused("production", GH_ENV, "production-environment", change, "github-production-environment")


def test_production_without_repository_protection_is_refused_staging_is_not_asked() -> None:
    items = [r for r in resources("production") if not r.type.startswith("github:")]
    messages = [v.message for v in of_policy(analyze("production", items, only="github-repository-protected"),
                                             "github-repository-protected")]
    assert any("declares no branch protection" in m for m in messages)
    assert any("no 'production' deployment environment" in m for m in messages)
    # Every branch that reaches production goes unprotected: both Vercel projects' and both Railway services'.
    assert sum("no branch protection of the stack guards" in m for m in messages) == 4
    assert not of_policy(
        analyze("staging", resources("staging"), only="github-repository-protected"), "github-repository-protected"
    )


def test_missing_razorpay_events_are_refused() -> None:
    def drop(outputs: dict[str, Any]) -> None:
        outputs["gateways"]["razorpayWebhookEvents"] = ["payment.captured"]

    violations = of_policy(_outputs(drop, "razorpay-webhook-events"), "razorpay-webhook-events")
    assert violations and "refund.processed" in violations[0].message
    assert not of_policy(_outputs(lambda o: None, "razorpay-webhook-events"), "razorpay-webhook-events")


# --- monitoring ----------------------------------------------------------------------------------

CHECK = "checkly:index/check:Check"


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.__setitem__("activated", False),
        lambda p: p.__setitem__("frequency", 60),
        lambda p: p.__setitem__("alertChannelSubscriptions", []),
        lambda p: p.__setitem__("muted", True),
        lambda p: p["request"].__setitem__("assertions", []),
        lambda p: p.pop("degradedResponseTime"),
        lambda p: p.__setitem__("degradedResponseTime", p["maxResponseTime"]),
    ],
    ids=["deactivated", "hourly", "no alerts", "muted", "no assertions", "no degradation budget",
         "degrades only when it fails"],
)
def test_weakened_uptime_check_is_refused(change: Callable[[dict[str, Any]], None]) -> None:
    _refused("production", CHECK, "uptime-api", change, "uptime-check-alerting")


def test_an_unmonitored_domain_or_a_check_outside_india_is_refused() -> None:
    items = [r for r in resources("production") if not (r.type == CHECK and r.name.endswith("uptime-checkout"))]
    violations = of_policy(
        analyze("production", items, only="uptime-checks-cover-endpoints"), "uptime-checks-cover-endpoints"
    )
    assert [v.message.splitlines()[1] for v in violations] == [
        "checkout.lightspeedpay.com is public but has no uptime check."
    ]
    moved = mutate("production", CHECK, "uptime-site", lambda p: p.__setitem__("locations", ["us-east-1"]))
    assert of_policy(
        analyze("production", moved, only="uptime-checks-cover-endpoints"), "uptime-checks-cover-endpoints"
    )


def test_staging_may_check_less_often_than_production() -> None:
    props = {
        "activated": True,
        "frequency": 10,
        "alertChannelSubscriptions": [{"activated": True, "channelId": 1}],
        "request": {"url": "https://x/", "assertions": [{"source": "STATUS_CODE"}]},
        "degradedResponseTime": 2000,
        "maxResponseTime": 5000,
    }
    assert of_policy(check(CHECK, props, stack="production"), "uptime-check-alerting")
    assert not check(CHECK, props, stack="staging")


# --- wiring ------------------------------------------------------------------------------------

RAILWAY_VARIABLES = "pulumi-python:dynamic/railway:Variables"


def test_workers_on_another_database_are_refused() -> None:
    items = resources("production")
    worker = find(items, RAILWAY_VARIABLES, "worker-variables")
    assert (
        of_policy(analyze("production", items, only="api-and-workers-share-database"), "api-and-workers-share-database")
        == []
    )
    worker.property_dependencies["sealedVariables"] = []
    found = of_policy(analyze("production", items, only="runtime-environment"), "runtime-environment")
    [typed] = [v for v in found if "[variable workers.DATABASE_URL]" in v.message]
    assert "take nothing from the stack's database" in typed.message
    pooler = find(items, "pulumi-python:dynamic/supabase:Pooler")
    project = find(items, "pulumi-python:dynamic/supabase:Project")
    twin, twin_project = copy.deepcopy(pooler), copy.deepcopy(project)
    twin_project.urn, twin_project.name = project.urn + "-twin", project.name + "-twin"
    twin.urn, twin.name = pooler.urn + "-twin", pooler.name + "-twin"
    twin.property_dependencies["project_ref"] = [twin_project.urn]  # another database's pooler
    items += [twin_project, twin]
    worker.property_dependencies["sealedVariables"] = [twin.urn]
    [other_db] = of_policy(
        analyze("production", items, only="api-and-workers-share-database"), "api-and-workers-share-database"
    )
    assert "different database than the API's" in other_db.message


def test_example_values_are_reported_until_replaced() -> None:
    violations = of_policy(list(plan_violations("production")), "no-placeholder-values")
    flagged = {v.urn.rsplit("::", 1)[-1] for v in violations}
    assert {
        "lightspeedpay-api-firewall",
        "lightspeedpay-database-network",
        "lightspeedpay-checkly",
        "lightspeedpay-production",
    } <= flagged
    assert all(v.enforcement == "advisory" for v in violations)

    def real(props: dict[str, Any]) -> None:
        for rule in props["rules"]["rules"]:
            for group in rule["conditionGroups"]:
                for condition in group["conditions"]:
                    if condition.get("type") == "ip_address":
                        condition["values"] = [
                            "49.36.0.0/20" if "203.0.113" in str(condition["values"]) else v
                            for v in condition["values"]
                        ]
                        condition["values"] = [v for v in condition["values"] if not v.startswith("198.51.100.")]

    items = mutate("production", FIREWALL, "api-firewall", real)
    remaining = of_policy(analyze("production", items, only="no-placeholder-values"), "no-placeholder-values")
    assert "lightspeedpay-api-firewall" not in {v.urn.rsplit("::", 1)[-1] for v in remaining}


def test_phonepe_callbacks_must_stay_allowlisted() -> None:
    policy = "phonepe-callback-allowlisted"
    assert of_policy(list(plan_violations("production")), policy) == []

    def drop_allowlist(props: dict[str, Any]) -> None:
        props["rules"]["rules"] = [r for r in props["rules"]["rules"] if r["name"] != "phonepe-callback-ip-allowlist"]

    [refused] = of_policy(
        analyze("production", mutate("production", FIREWALL, "api-firewall", drop_allowlist), only=policy), policy
    )
    assert refused.mandatory and "/webhooks/phonepe" in refused.message

    def open_path(props: dict[str, Any]) -> None:  # the rule kept, but no longer gated by source address
        rule = next(r for r in props["rules"]["rules"] if r["name"] == "phonepe-callback-ip-allowlist")
        rule["conditionGroups"][0]["conditions"] = rule["conditionGroups"][0]["conditions"][:1]

    assert of_policy(
        analyze("production", mutate("production", FIREWALL, "api-firewall", open_path), only=policy), policy
    )
