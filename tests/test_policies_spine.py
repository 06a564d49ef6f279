"""The spine's policies: each refuses the unsafe case and passes the safe one, through the analyzer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import analyze, check, mutate, of_policy, policies_hit, secret

ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
PROJECT = "vercel:index/project:Project"
ENV = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
ENV_BULK = "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables"

HSTS_OK = {
    "strict_transport_security": {
        "enabled": True,
        "max_age": 31536000,
        "include_subdomains": True,
        "preload": False,
        "nosniff": True,
    }
}
ZONE_CASES: list[tuple[str, str, Any, Any]] = [
    # policy, setting, safe value, unsafe value
    ("cloudflare-ssl-strict", "ssl", "strict", "flexible"),
    ("cloudflare-ssl-strict", "ssl", "strict", "full"),
    ("cloudflare-min-tls-version", "min_tls_version", "1.2", "1.0"),
    ("cloudflare-min-tls-version", "min_tls_version", "1.3", "1.1"),
    ("cloudflare-tls-1-3", "tls_1_3", "on", "off"),
    ("cloudflare-always-use-https", "always_use_https", "on", "off"),
    ("cloudflare-automatic-https-rewrites", "automatic_https_rewrites", "on", "off"),
    (
        "cloudflare-hsts",
        "security_header",
        HSTS_OK,
        {"strict_transport_security": {**HSTS_OK["strict_transport_security"], "max_age": 600}},
    ),
    (
        "cloudflare-hsts",
        "security_header",
        HSTS_OK,
        {"strict_transport_security": {**HSTS_OK["strict_transport_security"], "include_subdomains": False}},
    ),
    (
        "cloudflare-hsts",
        "security_header",
        HSTS_OK,
        {"strictTransportSecurity": {"enabled": True, "maxAge": 31536000, "includeSubdomains": True}},
    ),
]


@pytest.mark.parametrize(
    ("policy", "setting", "safe", "unsafe"), ZONE_CASES, ids=[f"{c[0]}:{c[3]!s:.20}" for c in ZONE_CASES]
)
def test_zone_setting_policies(policy: str, setting: str, safe: Any, unsafe: Any) -> None:
    refused = check(ZONE_SETTING, {"zoneId": "z", "settingId": setting, "value": unsafe})
    assert [v.enforcement for v in of_policy(refused, policy)] == ["mandatory"]
    assert check(ZONE_SETTING, {"zoneId": "z", "settingId": setting, "value": safe}) == []


def test_camel_case_hsts_message_names_the_perpetual_diff() -> None:
    refused = check(
        ZONE_SETTING,
        {"zoneId": "z", "settingId": "security_header", "value": {"strictTransportSecurity": {"enabled": True}}},
    )
    assert "pulumi/pulumi-cloudflare#1579" in of_policy(refused, "cloudflare-hsts")[0].message


def _project(**overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "name": "web",
        "resourceConfig": {
            "functionDefaultRegions": ["bom1"],
            "functionDefaultTimeout": 30,
            "functionDefaultCpuType": "standard",
        },
        "functionFailover": False,
        "skewProtection": "12 hours",
        "vercelAuthentication": {"deploymentType": "standard_protection_new"},
        "gitForkProtection": True,
        "autoAssignCustomDomains": False,
    }
    props.update(overrides)
    return props


PROJECT_CASES: list[tuple[str, dict[str, Any]]] = [
    ("vercel-functions-in-india", {"resourceConfig": {"functionDefaultRegions": ["iad1"]}}),
    ("vercel-functions-in-india", {"resourceConfig": {"functionDefaultRegions": ["bom1", "sin1"]}}),
    ("vercel-functions-in-india", {"resourceConfig": {"functionDefaultTimeout": 30}}),
    ("vercel-functions-in-india", {"serverlessFunctionRegion": "iad1"}),
    ("vercel-no-function-failover", {"functionFailover": True}),
    ("vercel-no-function-failover", {"functionFailover": None}),
    ("vercel-preview-protection", {"vercelAuthentication": {"deploymentType": "none"}}),
    ("vercel-preview-protection", {"vercelAuthentication": None}),
    ("vercel-git-fork-protection", {"gitForkProtection": False}),
]


@pytest.mark.parametrize(("policy", "change"), PROJECT_CASES, ids=[f"{p}:{next(iter(c))}" for p, c in PROJECT_CASES])
def test_project_policies(policy: str, change: dict[str, Any]) -> None:
    props = {k: v for k, v in _project(**change).items() if v is not None}
    assert policy in policies_hit(check(PROJECT, props))


def test_compliant_project_passes_every_policy() -> None:
    assert check(PROJECT, _project()) == []


def test_password_protection_also_counts_as_preview_protection() -> None:
    props = _project(
        vercelAuthentication={"deploymentType": "none"},
        passwordProtection={"deploymentType": "standard_protection", "password": secret("x")},
    )
    assert "vercel-preview-protection" not in policies_hit(check(PROJECT, props))


def _env(key: str, sensitive: bool, targets: list[str]) -> dict[str, Any]:
    return {"projectId": "prj", "key": key, "value": secret("v"), "sensitive": sensitive, "targets": targets}


ENV_CASES = [
    (
        "vercel-secrets-sensitive",
        _env("RAZORPAY_KEY_SECRET", False, ["production"]),
        _env("RAZORPAY_KEY_SECRET", True, ["production"]),
    ),
    (
        "vercel-secrets-sensitive",
        _env("DATABASE_URL", True, ["production", "development"]),
        _env("DATABASE_URL", True, ["production"]),
    ),
    (
        "vercel-secrets-sensitive",
        _env("SUPABASE_SERVICE_ROLE_KEY", False, ["preview"]),
        _env("SUPABASE_SERVICE_ROLE_KEY", True, ["preview"]),
    ),
    (
        "vercel-no-secret-in-next-public",
        _env("NEXT_PUBLIC_SUPABASE_SERVICE_ROLE_KEY", False, ["production"]),
        _env("NEXT_PUBLIC_API_URL", False, ["production"]),
    ),
    (
        "vercel-no-secret-in-next-public",
        _env("NEXT_PUBLIC_RAZORPAY_KEY_SECRET", True, ["production"]),
        _env("NEXT_PUBLIC_ENV", False, ["production", "preview", "development"]),
    ),
]


@pytest.mark.parametrize(("policy", "unsafe", "safe"), ENV_CASES, ids=[c[1]["key"] for c in ENV_CASES])
def test_env_var_policies(policy: str, unsafe: dict[str, Any], safe: dict[str, Any]) -> None:
    assert policy in policies_hit(check(ENV, unsafe))
    assert check(ENV, safe) == []


def test_bulk_env_var_resource_is_checked_too() -> None:
    unsafe = {
        "projectId": "prj",
        "variables": [
            {"key": "NODE_ENV", "value": "production", "sensitive": False, "targets": ["production"]},
            {"key": "JWT_SECRET", "value": secret("x"), "sensitive": False, "targets": ["production"]},
        ],
    }
    assert of_policy(check(ENV_BULK, unsafe), "vercel-secrets-sensitive")


def test_stack_refuses_a_default_provider() -> None:
    items = mutate("production", ZONE_SETTING, "ssl", lambda props: None)
    target = next(r for r in items if r.type == ZONE_SETTING)
    target.provider = ""
    violations = of_policy(analyze("production", items, only="explicit-providers"), "explicit-providers")
    assert [v.urn for v in violations] == [target.urn]


def test_stack_refuses_a_preview_that_shares_a_production_secret() -> None:
    def share(props: dict[str, Any]) -> None:
        props["value"] = secret("offline-placeholder-razorpayKeySecret")

    items = mutate("production", ENV, "api-env-razorpay-key-secret-preview", share)
    violations = of_policy(analyze("production", items, only="vercel-previews-isolated"), "vercel-previews-isolated")
    assert violations and "same value as production" in violations[0].message


def test_stack_refuses_a_live_key_in_previews() -> None:
    def live(props: dict[str, Any]) -> None:
        props["value"] = secret("rzp_" + "live_" + "NOTAREALKEY")

    items = mutate("production", ENV, "api-env-razorpay-key-id-preview", live)
    assert any(
        "RAZORPAY_KEY_ID for preview is a live key" in v.message and v.mandatory
        for v in of_policy(analyze("production", items, only="gateway-key-modes"), "gateway-key-modes")
    )


def test_stack_refuses_one_secret_for_production_and_previews() -> None:
    def widen(props: dict[str, Any]) -> None:
        props["targets"] = ["production", "preview"]

    items = mutate("production", ENV, "api-env-jwt-secret-production", widen)
    assert of_policy(analyze("production", items, only="vercel-previews-isolated"), "vercel-previews-isolated")
