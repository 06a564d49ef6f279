"""The real program under Pulumi's mocks: what each stack declares, with the inputs that matter."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ops.offline import engine_config
from ops.resources import STACK_TYPE, is_secret, map_secrets
from tests.harness import plan

PROJECT = "vercel:index/project:Project"
DOMAIN = "vercel:index/projectDomain:ProjectDomain"
ENV = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"


def _of(stack: str, type_: str) -> list[Any]:
    return [r for r in plan(stack).resources if r.type == type_]


def _env(stack: str, project_part: str) -> dict[tuple[str, tuple[str, ...]], Any]:
    return {(r.inputs["key"], tuple(r.inputs["targets"])): r for r in _of(stack, ENV) if project_part in r.name}


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_vercel_projects_run_functions_in_mumbai_with_previews_protected(stack: str) -> None:
    projects = {r.inputs["name"]: r.inputs for r in _of(stack, PROJECT)}
    prefix = "lightspeedpay" if stack == "production" else "lightspeedpay-staging"
    assert set(projects) == {f"{prefix}-web", f"{prefix}-api"}
    for inputs in projects.values():
        assert inputs["resourceConfig"]["functionDefaultRegions"] == ["bom1"]
        assert inputs["functionFailover"] is False
        assert inputs["vercelAuthentication"]["deploymentType"] != "none"
        assert inputs["gitRepository"]["repo"] == "lightspeedpay/platform"
        assert inputs["gitForkProtection"] is True
    assert projects[f"{prefix}-web"]["framework"] == "nextjs"


def test_production_domains_and_www_redirect() -> None:
    domains = {r.inputs["domain"]: r.inputs for r in _of("production", DOMAIN)}
    assert set(domains) == {
        "lightspeedpay.com",
        "www.lightspeedpay.com",
        "checkout.lightspeedpay.com",
        "api.lightspeedpay.com",
    }
    assert domains["www.lightspeedpay.com"]["redirect"] == "lightspeedpay.com"
    assert domains["www.lightspeedpay.com"]["redirectStatusCode"] == 308
    assert "redirect" not in domains["lightspeedpay.com"]


def test_staging_has_its_own_domains() -> None:
    domains = {r.inputs["domain"] for r in _of("staging", DOMAIN)}
    assert domains and all(d.endswith("lightspeedpay-staging.com") for d in domains)


def test_frontend_env_is_exactly_the_guides_list() -> None:
    env = _env("production", "-web-")
    live = {k: v for (k, targets), v in env.items() if "production" in targets}
    # The guide's three, plus the Edge Config connection (server-side, sensitive) for feature flags.
    # And the Sentry browser SDK's DSN, environment and sample rate (docs/error-tracking.md).
    sentry = {"NEXT_PUBLIC_SENTRY_DSN", "NEXT_PUBLIC_SENTRY_ENVIRONMENT", "NEXT_PUBLIC_SENTRY_TRACES_SAMPLE_RATE"}
    assert set(live) == {"NEXT_PUBLIC_API_URL", "NEXT_PUBLIC_CHECKOUT_URL", "NEXT_PUBLIC_ENV", "EDGE_CONFIG", *sentry}
    assert live["EDGE_CONFIG"].inputs["sensitive"] is True
    values = {k: v.inputs["value"]["value"] for k, v in live.items()
              if k.startswith("NEXT_PUBLIC_") and k not in sentry}
    assert values == {
        "NEXT_PUBLIC_API_URL": "https://api.lightspeedpay.com",
        "NEXT_PUBLIC_CHECKOUT_URL": "https://checkout.lightspeedpay.com",
        "NEXT_PUBLIC_ENV": "production",
    }
    preview = {k: v.inputs["value"]["value"] for (k, targets), v in env.items() if targets == ("preview",)}
    assert preview["NEXT_PUBLIC_API_URL"] == "https://api.lightspeedpay-staging.com"
    assert preview["NEXT_PUBLIC_ENV"] == "preview"


def test_api_secrets_are_sensitive_secret_and_never_in_development() -> None:
    env = _env("production", "-api-")
    secrets = {"JWT_SECRET", "RAZORPAY_KEY_SECRET", "RAZORPAY_WEBHOOK_SECRET", "PHONEPE_CLIENT_SECRET"}
    for (key, targets), resource in env.items():
        if key in secrets:
            assert resource.inputs["sensitive"] is True, key
            assert is_secret(resource.inputs["value"]), key
            assert "development" not in targets, key
    assert ("NODE_ENV", ("production", "preview")) in env
    cors = env[("CORS_ALLOWED_ORIGINS", ("production",))].inputs["value"]["value"]
    assert cors == "https://lightspeedpay.com,https://checkout.lightspeedpay.com"


def test_jwt_secret_is_generated_long_and_separate_for_previews() -> None:
    passwords = {
        r.name: r.inputs for r in plan("production").resources if r.type == "random:index/randomPassword:RandomPassword"
    }
    assert {n for n in passwords if "jwt" in n} == {
        "lightspeedpay-api-jwt-secret",
        "lightspeedpay-api-preview-jwt-secret",
    }
    assert all(p["length"] >= 64 for n, p in passwords.items() if "jwt" in n)
    env = _env("production", "-api-")
    assert (
        env[("JWT_SECRET", ("production",))].property_dependencies["value"]
        != env[("JWT_SECRET", ("preview",))].property_dependencies["value"]
    )


def test_previews_get_test_mode_values_only() -> None:
    env = _env("production", "-api-")
    live = env[("RAZORPAY_KEY_SECRET", ("production",))].inputs["value"]["value"]
    test = env[("RAZORPAY_KEY_SECRET", ("preview",))].inputs["value"]["value"]
    assert live == "offline-placeholder-razorpayKeySecret"
    assert test == "offline-placeholder-previewRazorpayKeySecret"


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_cloudflare_zone_settings(stack: str) -> None:
    settings = {r.inputs["settingId"]: r.inputs["value"] for r in _of(stack, ZONE_SETTING)}
    assert settings["ssl"] == "strict"
    assert settings["min_tls_version"] == "1.2"
    assert settings["tls_1_3"] == "on"
    assert settings["always_use_https"] == "on"
    assert settings["automatic_https_rewrites"] == "on"
    hsts = settings["security_header"]["strict_transport_security"]
    assert hsts == {
        "enabled": True,
        "max_age": 31536000.0,
        "include_subdomains": True,
        "preload": False,
        "nosniff": True,
    }


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_every_vendor_resource_uses_an_explicit_provider(stack: str) -> None:
    resources = plan(stack).resources
    providers = {r.urn for r in resources if r.is_provider}
    for resource in resources:
        # Dynamic resources run in Pulumi's own python provider; they read their token from config.
        if resource.custom and not resource.is_provider and not resource.type.startswith("pulumi-python:dynamic"):
            assert resource.provider_urn in providers, resource.urn
    tokens = {r.type: r.inputs for r in resources if r.is_provider}
    assert is_secret(tokens["pulumi:providers:vercel"]["apiToken"])
    assert is_secret(tokens["pulumi:providers:cloudflare"]["apiToken"])


def test_only_production_manages_the_repository() -> None:
    assert any(r.type == "pulumi:providers:github" for r in plan("production").resources)
    assert not any(
        r.type.startswith("github:") or r.type == "pulumi:providers:github" for r in plan("staging").resources
    )


def _texts(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return {text for item in items for text in _texts(item)}


def _secret_texts(value: Any) -> set[str]:
    """The strings inside the secret envelopes of ``value``."""
    inside: set[str] = set()
    map_secrets(value, lambda envelope: inside.update(_texts(envelope.get("value"))))
    return inside


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_stack_outputs_hold_no_secret(stack: str) -> None:
    run = plan(stack)
    zone = "lightspeedpay.com" if stack == "production" else "lightspeedpay-staging.com"
    assert run.outputs["apiUrl"] == f"https://api.{zone}"
    assert not any(is_secret(v) for v in run.outputs.values())
    # Not marked secret is not enough: no secret may be exported at all, even unwrapped (unsecret()) or
    # inside another value (a database URL holds its password). The secrets are what the stack was given
    # (every secret config value) and what providers generated as secret (passwords, tokens, keys):
    # secret outputs a resource was not given as inputs.
    config, secret_keys, _ = engine_config(stack, None)
    secrets = {config[key] for key in secret_keys}
    for resource in run.resources:
        if resource.type != STACK_TYPE:
            secrets |= _secret_texts(resource.outputs) - _secret_texts(resource.inputs)
    generated = {r.name for r in run.resources if r.type == "random:index/randomPassword:RandomPassword"}
    assert len(secrets) > len(secret_keys) + len(generated), "the generated secrets were found"
    exported = json.dumps(run.outputs)
    assert [text for text in secrets if text in exported] == []


DNS = "cloudflare:index/dnsRecord:DnsRecord"


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_every_domain_points_at_vercel_dns_only(stack: str) -> None:
    records = {r.inputs["name"]: r.inputs for r in _of(stack, DNS) if r.inputs["type"] != "CAA"}
    zone = "lightspeedpay.com" if stack == "production" else "lightspeedpay-staging.com"
    assert records[zone]["type"] == "A" and records[zone]["content"] == "76.76.21.21"
    for name, record in records.items():
        assert record["proxied"] is False and record["ttl"] == 1
        if name != zone:
            assert (record["type"], record["content"]) == ("CNAME", "cname.vercel-dns.com")
    assert set(records) == {zone, f"www.{zone}", f"checkout.{zone}", f"api.{zone}"}


def test_caa_allows_only_lets_encrypt_and_no_wildcards() -> None:
    caa = sorted(
        (r.inputs["data"]["tag"], r.inputs["data"]["value"])
        for r in _of("production", DNS)
        if r.inputs["type"] == "CAA"
    )
    assert caa == [("iodef", "mailto:security@lightspeedpay.com"), ("issue", "letsencrypt.org"), ("issuewild", ";")]
    [dnssec] = _of("production", "cloudflare:index/zoneDnssec:ZoneDnssec")
    assert dnssec.inputs["status"] == "active"


def test_api_firewall_rules_in_order() -> None:
    firewalls = {r.name: r.inputs for r in _of("production", "vercel:index/firewallConfig:FirewallConfig")}
    api = firewalls["lightspeedpay-api-firewall"]
    assert [r["name"] for r in api["rules"]["rules"]] == [
        "admin-ip-allowlist",
        "phonepe-callback-ip-allowlist",
        "api-rate-limit",
    ]
    rate = api["rules"]["rules"][2]
    assert rate["action"]["rateLimit"] == {
        "algo": "fixed_window",
        "window": 60,
        "limit": 600,
        "keys": ["ip"],
        "action": "rate_limit",
    }
    spared = {c["value"] for c in rate["conditionGroups"][0]["conditions"] if c["neg"]}
    assert spared == {"/webhooks/razorpay", "/webhooks/phonepe"}
    phonepe = api["rules"]["rules"][1]["conditionGroups"][0]["conditions"][1]
    assert "103.116.33.8/30" in phonepe["values"] and phonepe["neg"] is True
    assert api["managedRulesets"]["botProtection"] == {"action": "log", "active": True}
    assert firewalls["lightspeedpay-web-firewall"]["managedRulesets"]["botProtection"]["action"] == "challenge"
    modes = _of("production", "vercel:index/attackChallengeMode:AttackChallengeMode")
    assert len(modes) == 2 and all(m.inputs["enabled"] is False for m in modes)


def test_log_drain_covers_both_projects_signed_into_the_log_store() -> None:
    [drain] = _of("production", "vercel:index/logDrain:LogDrain")
    [url] = _of("production", "aws:lambda/functionUrl:FunctionUrl")
    assert drain.inputs["endpoint"] == url.outputs["functionUrl"].rstrip("/") + "/vercel"
    assert url.urn in drain.property_dependencies["endpoint"]  # the store's ingest, never a typed URL
    assert len(drain.property_dependencies["projectIds"]) == 2
    assert is_secret(drain.inputs["secret"]) and "headers" not in drain.inputs
    # The drain waits for the URL and both invoke permissions: Vercel calls the endpoint when it is created.
    permissions = {r.urn for r in _of("production", "aws:lambda/permission:Permission")}
    assert permissions | {url.urn} <= set(drain.dependencies)


def test_feature_flags_live_in_edge_config() -> None:
    items = {
        r.inputs["key"]: r.inputs["valueJson"] for r in _of("production", "vercel:index/edgeConfigItem:EdgeConfigItem")
    }
    assert items == {"upi_intent_checkout": True, "phonepe_enabled": True, "new_dashboard": False}
    tokens = _of("production", "vercel:index/edgeConfigToken:EdgeConfigToken")
    assert sorted(t.inputs["label"] for t in tokens) == ["previews", "production"]


def test_repository_protection() -> None:
    protections = _of("production", "github:index/branchProtection:BranchProtection")
    branches = {r.inputs["repositoryId"]: r.inputs for r in protections}
    # This repository's default branch, and the branch Vercel deploys (lightspeedpay/platform@main).
    assert set(branches) == {"infrastructure", "platform"}
    for branch in branches.values():
        assert branch["pattern"] == "main" and branch["allowsForcePushes"] is False and branch["enforceAdmins"]
        assert branch["requiredPullRequestReviews"][0]["requiredApprovingReviewCount"] == 2
    assert branches["infrastructure"]["requiredStatusChecks"][0]["contexts"] == [
        "ci",
        "pulumi-preview-production",
        "pulumi-preview-staging",
    ]
    assert branches["platform"]["requiredStatusChecks"][0]["contexts"] == ["ci"]
    environments = _of("production", "github:index/repositoryEnvironment:RepositoryEnvironment")
    # Rollouts (this repository) and releases (the application repository) each wait for a reviewer.
    assert {e.inputs["repository"] for e in environments} == {"infrastructure", "platform"}
    for environment in environments:
        assert environment.inputs["environment"] == "production" and environment.inputs["reviewers"][0]["teams"]


def test_every_public_endpoint_has_an_uptime_check_with_alerts() -> None:
    checks = {r.inputs["request"]["url"]: r.inputs for r in _of("production", "checkly:index/check:Check")
              if r.inputs["type"] == "API"}  # the browser checks of user flows are tests/test_browser_checks.py's
    assert set(checks) == {
        "https://lightspeedpay.com/",
        "https://checkout.lightspeedpay.com/",
        "https://api.lightspeedpay.com/health",
    }
    for inputs in checks.values():
        assert inputs["frequency"] == 1 and inputs["locations"][0] == "ap-south-1"
        assert len(inputs["alertChannelSubscriptions"]) == 3  # email, Slack and the on-call service (PagerDuty)
    [slack] = [r for r in _of("production", "checkly:index/alertChannel:AlertChannel") if "slackApp" in r.inputs]
    assert slack.inputs["slackApp"]["slackChannels"] == ["#payments-alerts"]
