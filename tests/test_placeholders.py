"""Example values: a preview plans with them and reports them; `pulumi up` refuses them before anything.

The vocabulary is one module shared by the program and the pack (policies/lightspeedpay_vocabulary/
placeholders.py), reached by the program through config/vocabulary.py (tests/test_vocabulary.py).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from config import ConfigError
from config.placeholders import REFUSAL, apply_blockers
from config.stackfile import read_stack_file
from ops.offline import OfflineMocks, RecordingMonitor, run_program
from ops.resources import STACK_TYPE
from tests.harness import REPO, of_policy, plan, plan_violations

STACKS = ("production", "staging")

# Real-looking replacements, still obviously not anyone's network: RFC 2544's benchmarking range.
REAL_VALUES: dict[str, dict[str, Any]] = {
    "firewall": {"adminAllowedCidrs": ["198.18.0.0/28", "198.18.1.16/29"]},
    "database": {"allowedCidrs": ["198.18.2.0/28"]},
    "monitoring": {"checklyAccountId": "5c1e7d2a-8f4b-4c3e-9a6d-0b1f2e3d4c5a"},
    "aws": {"accountId": "210987654321"},
    "backups": {"ageRecipients": ["age1zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs0dsc5v"],
                "imageDigest": "sha256:" + "ab" * 32},
    "metrics": {"vercelSlackChannelId": "C0TESTN0TREAL"},
    "oncall": {"members": [{"name": "Test Person One", "email": "test.one@example.test"},
                           {"name": "Test Person Two", "email": "test.two@example.test"}]},
}


class CountingMocks(OfflineMocks):
    """The offline mocks, counting every resource and invoke that reaches them."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.calls.append(f"resource {args.typ}")
        return super().new_resource(args)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]]]:
        self.calls.append(f"invoke {args.token}")
        return super().call(args)


EXAMPLE_KEYS = {
    "lightspeedpay:firewall.adminAllowedCidrs[0]", "lightspeedpay:firewall.adminAllowedCidrs[1]",
    "lightspeedpay:database.allowedCidrs[0]", "lightspeedpay:database.allowedCidrs[1]",
    "lightspeedpay:monitoring.checklyAccountId", "lightspeedpay:aws.accountId",
    "lightspeedpay:backups.ageRecipients[0]", "lightspeedpay:backups.imageDigest",
    "lightspeedpay:metrics.vercelSlackChannelId",
}
"""What both stack files still hold outside the sign-off records (the office/VPN and egress ranges are
documentation networks; the Checkly and AWS account ids, the backup image's digest and the age public key
are all zeros; the Slack channel id is a placeholder)."""

ONCALL_MEMBERS = {"production": 2, "staging": 1}
"""The rotation's members: nobody named yet, so every name and address is an example (the emergency contact
list is config: `pulumi up` refuses it until real people are named)."""


def example_keys(stack: str) -> set[str]:
    return EXAMPLE_KEYS | {f"lightspeedpay:oncall.members[{i}].{field}"
                           for i in range(ONCALL_MEMBERS[stack]) for field in ("name", "email")}


@pytest.mark.parametrize("stack", STACKS)
def test_apply_names_every_example_value_and_registers_nothing(stack: str) -> None:
    mocks = CountingMocks()
    monitor = RecordingMonitor(mocks)
    with pytest.raises(ConfigError) as refusal:
        run_program(stack, monitor=monitor, dry_run=False)
    # The SDK registers the root stack before the program's first line; the program added nothing to it.
    assert [r.type for r in monitor.planned] == [STACK_TYPE]
    assert mocks.calls == []
    message = str(refusal.value)
    assert REFUSAL in message and "Traceback" not in message
    assert {issue.key for issue in refusal.value.issues} == example_keys(stack)
    assert "203.0.113.0/28" in message and "RFC 5737" in message
    assert "attestations" not in message  # sign-off references never reach a vendor: reported, not blocking


def _with_real_values(tmp_path: Path, stack: str) -> Path:
    document = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())
    config = document["config"]
    for section, values in REAL_VALUES.items():
        config[f"lightspeedpay:{section}"] = {**copy.deepcopy(config[f"lightspeedpay:{section}"]), **values}
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_a_stack_with_real_values_applies(tmp_path: Path) -> None:
    path = _with_real_values(tmp_path, "production")
    assert "PLACEHOLDER-" in path.read_text()  # placeholder sign-offs are findings, not blockers
    run = run_program("production", path, dry_run=False)
    assert len([r for r in run.resources if r.custom]) > 20
    assert apply_blockers(read_stack_file(path).project_values()) == []


def test_a_dry_run_plans_and_reports_them() -> None:
    run = plan("production")  # what `pulumi preview` runs: a dry run
    assert len([r for r in run.resources if r.custom]) > 20
    findings = of_policy(plan_violations("production"), "no-placeholder-values")
    assert findings and all(v.enforcement == "advisory" for v in findings)
    named = {v.urn.rsplit("::", 1)[-1] for v in findings}
    assert {"lightspeedpay-web-firewall", "lightspeedpay-api-firewall", "lightspeedpay-database-network",
            "lightspeedpay-checkly", "lightspeedpay-production"} <= named
    sign_offs = next(v for v in findings if v.urn.endswith("::lightspeedpay-production"))
    assert "[attestation security-audit] facts.attestations.security-audit.reference = PLACEHOLDER-AUDIT-0001" \
        in sign_offs.message


def test_a_section_stored_as_a_secret_is_named_not_shown() -> None:
    values = {"database": {"allowedCidrs": ["198.51.100.16/29"]}, "attestations": {"x": {"reference": "PLACEHOLDER-1"}}}
    shown, hidden = apply_blockers(values), apply_blockers(values, hidden={"database"})
    assert [i.render() for i in shown] == [
        "lightspeedpay:database.allowedCidrs[0] = '198.51.100.16/29': an example value (a documentation network, "
        "RFC 5737); set the real one"]
    assert [i.render() for i in hidden] == [
        "lightspeedpay:database.allowedCidrs[0]: an example value (a documentation network, RFC 5737); "
        "set the real one"]


@pytest.mark.parametrize(("value", "example"), [
    ("203.0.113.0/28", True), ("198.51.100.7", True), ("192.0.2.0/24", True), ("2001:db8:1::/48", True),
    ("PLACEHOLDER-SEC-0001", True), ("00000000-0000-4000-8000-000000000001", True),
    ("198.18.0.0/28", False), ("203.0.112.0/24", False), ("2001:db9::/32", False), ("SEC-2026-0001", False),
    ("5c1e7d2a-8f4b-4c3e-9a6d-0b1f2e3d4c5a", False), ("0.0.0.0/0", False),
    ("000000000000", True), ("000000000001", True), ("210987654321", False), ("0000000000000", False),
    ("sha256:" + "0" * 64, True), ("sha256:" + "ab" * 32, False),
    ("age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq5cu47z", True),
    ("age1zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs0dsc5v", False),
])
def test_the_vocabulary(value: str, example: bool) -> None:
    from lightspeedpay_vocabulary.placeholders import found_in

    assert [path for path, _, _ in found_in({"a": [value]})] == (["a[0]"] if example else [])


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def test_the_shape_filter_never_hides_a_network() -> None:
    """`placeholder_kind` skips parsing strings that cannot be networks: every string the plans hold, and every
    form `ipaddress` accepts, must still reach the parser when it parses."""
    import ipaddress

    from lightspeedpay_vocabulary.placeholders import _NETWORK_SHAPED

    forms = ["192.0.2.0/24", "192.0.2.7", "192.0.2.0/255.255.255.0", "2001:db8::/32", "2001:DB8:0:0::1",
             "::ffff:192.0.2.1", "fe80::1%eth0", "::/0", "0.0.0.0/0", "10.0.0.0/0.255.255.255"]
    values = forms + [s for stack in ("production", "staging") for r in plan(stack).resources
                      for s in _strings(r.inputs) + _strings(r.outputs)]
    parsed = 0
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            continue
        parsed += 1
        assert _NETWORK_SHAPED.match(value), value
    assert parsed > len(forms)  # the plans hold networks too, and each passed the filter
