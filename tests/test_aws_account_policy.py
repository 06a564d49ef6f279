"""aws-account-in-india through the real analyzer: the stacks as planned pass, and each way a careless change
could take AWS resources out of India or out of the stack's one account is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.test_backup_policies import Edit, change, run
from tests.test_offline_plan import STACKS

POLICY = "aws-account-in-india"
PROVIDER = "pulumi:providers:aws"


def _document(prop: str, edit: Any) -> Any:
    def apply(props: dict[str, Any]) -> None:
        document = json.loads(props[prop])
        edit(document)
        props[prop] = json.dumps(document)
    return apply


def _trust_account(document: dict[str, Any]) -> None:
    document["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"] = "999999999999"


def _key_principal(document: dict[str, Any]) -> None:
    document["Statement"][0]["Principal"]["AWS"] = "arn:aws:iam::999999999999:root"


CASES: list[tuple[str, Edit, str]] = [
    ("provider in Europe", change(PROVIDER, "", lambda p: p.update(region="eu-west-1")), "'eu-west-1'"),
    ("provider accepts any account", change(PROVIDER, "", lambda p: p.pop("allowedAccountIds")),
     "must name exactly the stack's one account"),
    ("provider accepts two accounts", change(PROVIDER, "", lambda p: p.update(
        allowedAccountIds='["000000000000", "999999999999"]')), "must name exactly the stack's one account"),
    ("log group abroad", change("aws:cloudwatch/logGroup:LogGroup", "", lambda p: p.update(region="us-east-1")),
     "us-east-1"),
    ("a service role trusts another account", change("aws:iam/role:Role", "jobs-writer", _document(
        "assumeRolePolicy", _trust_account)), "999999999999"),
    ("the key delegates to another account", change("aws:kms/key:Key", "", _document("policy", _key_principal)),
     "not the stack's account"),
]


@pytest.mark.parametrize(("label", "edit", "message"), CASES, ids=[c[0] for c in CASES])
def test_a_careless_change_is_refused(label: str, edit: Edit, message: str) -> None:
    violations = run(POLICY, edit)
    assert any(message in v.message for v in violations), (label, [v.message for v in violations])


@pytest.mark.parametrize("stack", STACKS)
def test_the_stacks_as_planned_pass(stack: str) -> None:
    assert run(POLICY, stack=stack) == []
