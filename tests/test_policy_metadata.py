"""Every policy in the pack, today's and any added later, carries complete metadata.

Checked twice: on the policy objects, and on what the engine receives (`GetAnalyzerInfo`), so a
policy built without the `meta.py` helpers, or metadata lost on the wire, is caught either way.
"""

from __future__ import annotations

import re
from typing import cast

import pytest
from google.protobuf import empty_pb2
from pulumi.runtime import proto
from pulumi_policy import Policy, PolicyComplianceFramework, Severity

from lightspeedpay_policies import POLICIES, meta
from ops.analysis import build_servicer

KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
FRAMEWORKS = {"PCI DSS", "RBI", "CERT-In"}
NO_FRAMEWORK: dict[str, str] = {
    "cloudflare-proxied-ttl-auto": "A Cloudflare API constraint caught at preview instead of at apply.",
    "cloudflare-dnssec-active": "DNS integrity hardening; no PCI DSS, RBI or CERT-In clause names DNSSEC.",
    "vercel-rate-limit-spares-webhooks": "Keeps the gateways' notifications flowing (they disable failing webhooks).",
    "vercel-attack-mode-bounded": "Hygiene of an incident switch: a fixed, near end time.",
    "vercel-domain-redirects-permanent": "Correct redirect semantics for www; not a compliance control.",
    "vercel-function-limits-explicit": "Capacity and correctness settings made explicit.",
    "vercel-api-bots-logged": "Keeps machine clients (gateways, merchants) working; not a compliance control.",
    "razorpay-webhook-events": "Integration completeness with the gateway.",
    "uptime-check-alerting": "Availability monitoring; no clause of the three frameworks names uptime checks.",
    "uptime-checks-cover-endpoints": "Availability monitoring; no clause of the three frameworks names uptime checks.",
    "observability-plan-gaps": "Reports what a vendor plan leaves unwatched; the controls themselves cite PCI DSS.",
    "sentry-alerts-routed": "Alerting on application errors; no clause of the three frameworks names alert rules.",
    "error-tracking-every-runtime": "Error monitoring coverage; no clause of the three frameworks names it (the "
                                    "payment-data side is sentry-scrubbing-enforced, PCI DSS 3.5.1).",
}
"""Policy name → why no PCI DSS / RBI / CERT-In clause applies."""


def sentence(text: str) -> bool:
    return bool(text) and text[0].isupper() and text.rstrip().endswith(".") and len(text.split()) >= 4


def _attr(policy: Policy, name: str) -> object:
    return getattr(policy, name)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_policy_metadata(policy: Policy) -> None:
    name = policy.name
    assert KEBAB.match(name) and len(name) <= 64, f"{name}: lower kebab-case"
    assert sentence(str(_attr(policy, "description"))), f"{name}: description must be a full sentence"
    assert isinstance(_attr(policy, "severity"), Severity), f"{name}: severity is required"
    assert sentence(str(_attr(policy, "remediation_steps") or "")), f"{name}: remediation steps, as sentences"
    framework = cast(PolicyComplianceFramework | None, _attr(policy, "framework"))
    if name in NO_FRAMEWORK:
        assert framework is None
        return
    assert framework is not None, f"{name}: cite the PCI DSS / RBI / CERT-In clause, or say why none applies"
    for field in ("name", "version", "reference", "specification"):
        assert getattr(framework, field), f"{name}: framework.{field} is empty"
    assert framework.name in FRAMEWORKS


def test_policy_names_are_unique() -> None:
    names = [p.name for p in POLICIES]
    assert len(names) == len(set(names))


def test_the_engine_receives_the_metadata() -> None:
    info = build_servicer().GetAnalyzerInfo(empty_pb2.Empty(), None)
    assert [p.name for p in info.policies] == [p.name for p in POLICIES]
    for policy in info.policies:
        assert policy.severity != proto.POLICY_SEVERITY_UNSPECIFIED, policy.name
        assert policy.remediation_steps and policy.description, policy.name
        assert policy.framework.name or policy.name in NO_FRAMEWORK, policy.name


@pytest.mark.parametrize(("name", "description", "remediation", "error"), [
    ("Bad_Name", "A full sentence here.", "Do this.", "kebab-case"),
    ("good-name", "not a sentence", "Do this.", "full sentence"),
    ("good-name", "A full sentence here.", "  ", "remediation"),
])
def test_the_helpers_refuse_incomplete_metadata(name: str, description: str, remediation: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        meta.resource_policy(name, description, validate=lambda _a, _r: None, severity=Severity.LOW,
                             remediation=remediation, guard=meta.Guard("x", harmless="a test"), judges=["t"])
