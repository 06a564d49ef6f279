"""For every checklist item, the edit that breaks it, and the pack refusing that edit.

Each entry of BREAKS is a careless change a hurried engineer could make to the production plan.
Applying it must turn every checklist item that the broken enforcer guards into "fails", through the
real analyzer with production's policy config. When a Railway, Supabase or edge policy lands in the
pack, `test_every_enforcer_in_the_pack_has_a_break` asks for its entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lightspeedpay_policies import checklist
from ops.checklist import FAILS, evaluate
from ops.resources import STACK_TYPE, PlannedResource
from tests.harness import analyze, pack, resources

Break = Callable[[list[PlannedResource]], None]
ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"


def _edit(items: list[PlannedResource], type_: str, where: Callable[[dict[str, Any]], bool],
          change: Callable[[dict[str, Any]], None]) -> None:
    hits = [r for r in items if r.type == type_ and where(r.inputs)]
    assert hits, f"nothing of {type_} to break"
    for resource in hits:
        for props in (resource.inputs, resource.outputs):
            change(props)


def zone(setting: str, value: Any) -> Break:
    return lambda items: _edit(items, ZONE_SETTING, lambda p: p["settingId"] == setting,
                               lambda p: p.update(value=value))


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


def without_attestation(key: str) -> Break:
    def apply(items: list[PlannedResource]) -> None:
        stack = next(r for r in items if r.type == STACK_TYPE)
        records = dict(stack.outputs["attestations"])
        del records[key]
        stack.outputs = {**stack.outputs, "attestations": records}
    return apply


def _host(items: list[PlannedResource], output: str) -> str:
    stack = next(r for r in items if r.type == STACK_TYPE)
    return str(stack.outputs[output]).removeprefix("https://")


def without_domain(output: str) -> Break:
    def apply(items: list[PlannedResource]) -> None:
        host = _host(items, output)
        drop(checklist.DOMAIN_TYPE, lambda p: p["domain"] == host)(items)
    return apply


BREAKS: dict[str, Break] = {
    "cloudflare-ssl-strict": zone("ssl", "flexible"),
    "cloudflare-min-tls-version": zone("min_tls_version", "1.0"),
    "cloudflare-tls-1-3": zone("tls_1_3", "off"),
    "cloudflare-always-use-https": zone("always_use_https", "off"),
    "cloudflare-automatic-https-rewrites": zone("automatic_https_rewrites", "off"),
    "cloudflare-hsts": lambda items: _edit(items, ZONE_SETTING, lambda p: p["settingId"] == "security_header",
                                           short_hsts),
    "vercel-functions-in-india": projects(lambda p: p["resourceConfig"].update(functionDefaultRegions=["iad1"])),
    "vercel-no-function-failover": projects(lambda p: p.update(functionFailover=True)),
    "vercel-preview-protection": projects(lambda p: p.update(vercelAuthentication={"deploymentType": "none"})),
    "vercel-git-fork-protection": projects(lambda p: p.update(gitForkProtection=False)),
    "vercel-secrets-sensitive": env("RAZORPAY_KEY_SECRET", lambda p: p.update(sensitive=False)),
    "vercel-no-secret-in-next-public": env("RAZORPAY_KEY_ID", lambda p: p.update(key="NEXT_PUBLIC_RAZORPAY_KEY_ID")),
    "vercel-previews-isolated": env("JWT_SECRET", lambda p: p.update(targets=["production", "preview"])),
    "declared:vercel:index/project:Project": drop(checklist.PROJECT_TYPE),
    "declared:siteUrl": without_domain("siteUrl"),
    "declared:checkoutUrl": without_domain("checkoutUrl"),
    "declared:apiUrl": without_domain("apiUrl"),
    **{f"attestation:{key}": without_attestation(key) for key in checklist.ATTESTATIONS},
}
"""Enforcer key → the edit that must make it fail (policy name, declared:<type or output>, attestation:<id>)."""


def enforcer_keys(item: checklist.Item) -> list[str]:
    keys = list(item.policies)
    keys += [f"declared:{d.host_output or d.type}" for d in item.declared]
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
    violations = analyze("production", items)
    stack = next(r for r in items if r.type == STACK_TYPE)
    statuses = {s.id: s for s in evaluate(checklist, run, violations, stack.outputs)}
    guarded = [item.id for item in checklist.CHECKLIST if key in enforcer_keys(item)]
    assert guarded
    for item_id in guarded:
        assert statuses[item_id].status == FAILS, f"{key} broken, yet {item_id} is {statuses[item_id].status}"
    kind, _, name = key.partition(":")
    own = ([v for v in violations if v.policy == key] if not name else
           [v for v in violations if v.policy == "checklist-attestations" and ("attestation", name) in
            checklist.tags_in(v.message)] if kind == "attestation" else
           [v for v in violations if v.policy == "checklist-resources-declared"])
    assert own and all(v.mandatory for v in own), "production must refuse the edit itself, not just warn"


def test_the_unbroken_plan_fails_no_item() -> None:
    items = resources("production")
    stack = next(r for r in items if r.type == STACK_TYPE)
    statuses = evaluate(checklist, pack("production"), analyze("production", items), stack.outputs)
    assert [s.id for s in statuses if s.status == FAILS] == []


def test_declared_resources_need_the_public_hostnames_exported() -> None:
    items = resources("production")
    stack = next(r for r in items if r.type == STACK_TYPE)
    stack.outputs = {**stack.outputs, "apiUrl": "http://api.lightspeedpay.com"}
    del stack.outputs["siteUrl"]
    messages = [v.message for v in analyze("production", items) if v.policy == "checklist-resources-declared"]
    assert any("exports no https URL 'apiUrl'" in m for m in messages)
    assert any("exports no https URL 'siteUrl'" in m for m in messages)


def test_staging_declares_everything_for_its_own_hostnames() -> None:
    violations = analyze("staging", resources("staging"))
    assert [v for v in violations if v.policy == "checklist-resources-declared"] == []


def test_a_missing_domain_fails_only_the_requirement_it_belongs_to() -> None:
    items = resources("production")
    without_domain("apiUrl")(items)
    stack = next(r for r in items if r.type == STACK_TYPE)
    statuses = {s.id: s for s in evaluate(checklist, pack("production"), analyze("production", items), stack.outputs)}
    states = {e.label: e.state for e in statuses["pre.infra.cdn"].enforcers}
    assert states["declares the API's Vercel domain (vercel:index/projectDomain:ProjectDomain)"] == FAILS
    assert states["declares the site's Vercel domain (vercel:index/projectDomain:ProjectDomain)"] == "passes"
    assert statuses["infra.frontend.domain"].status == "passes"


def test_exporting_another_hostname_does_not_dodge_the_domain_check() -> None:
    items = resources("production")
    stack = next(r for r in items if r.type == STACK_TYPE)
    stack.outputs = {**stack.outputs, "apiUrl": "https://payments.lightspeedpay.com"}
    messages = [v.message for v in analyze("production", items) if v.policy == "checklist-resources-declared"]
    assert any("the API's Vercel domain for payments.lightspeedpay.com" in m for m in messages)


PRODUCTION_ADVISORY = {"checklist-attestations-expiring": "an early warning; the expiry itself is mandatory"}
"""The only policies production may run below mandatory, each with the reason."""


def test_production_enforces_every_policy_except_the_listed_warnings() -> None:
    levels = {name: config.enforcement_level for name, config in pack("production").config.items()}
    relaxed = {name for name, level in levels.items() if level != "mandatory"}
    assert relaxed == set(PRODUCTION_ADVISORY), \
        "a policy runs below mandatory in production; make it mandatory or list it with a reason"
