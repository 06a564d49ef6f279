"""What config load judges where only it can: gateway keys' plaintext, and the stack file's ESC imports."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest
import yaml

from config import ConfigError, StackConfig
from config.key_modes import check_gateway_keys
from config.loader import load_esc_environments
from config.secrets import secrets_for
from config.stackfile import read_stack_file
from tests.harness import REPO

FAKE = {"live": "rzp_" + "live_" + "FAKEFAKEFAKE01", "test": "rzp_" + "test_" + "FAKEFAKEFAKE01"}
"""Obviously fake Razorpay key ids (split so no scanner mistakes them for real ones)."""


def _config(stack: str) -> StackConfig:
    return StackConfig.model_validate(read_stack_file(REPO / f"Pulumi.{stack}.yaml", stack).project_values())


def _secrets(stack: str, **values: str) -> None:
    """Every secret of the stack as the engine hands them over (plaintext), placeholders unless given."""
    config = {spec.full_key: values.get(spec.key, spec.offline_placeholder) for spec in secrets_for(stack)}
    pulumi.runtime.set_all_config(config, list(config))


@pytest.fixture(autouse=True)
def _clean_config() -> object:
    yield
    pulumi.runtime.set_all_config({}, [])


def test_keys_of_the_right_mode_pass_and_are_published_as_their_mode() -> None:
    _secrets("production", razorpayKeyId=FAKE["live"], previewRazorpayKeyId=FAKE["test"],
             phonepeClientId="pp-live-client", previewPhonepeClientId="pp-sandbox-client",
             razorpayKeySecret="live-secret", previewRazorpayKeySecret="test-secret",
             phonepeClientSecret="pp-live-secret", previewPhonepeClientSecret="pp-sandbox-secret")
    facts, issues = check_gateway_keys(_config("production"))
    assert issues == []
    assert facts.razorpay_key_modes == {"production": "live", "preview": "test"}
    assert facts.preview_credentials_distinct is True


@pytest.mark.parametrize(("stack", "values", "key", "expected"), [
    ("production", {"razorpayKeyId": FAKE["test"]}, "lightspeedpay:razorpayKeyId",
     "is a Razorpay test key; the production stack's production target must use live keys"),
    ("production", {"razorpayKeyId": FAKE["live"], "previewRazorpayKeyId": FAKE["live"]},
     "lightspeedpay:previewRazorpayKeyId", "preview target must use test keys"),
    ("staging", {"razorpayKeyId": FAKE["live"]}, "lightspeedpay:razorpayKeyId",
     "the staging stack's production target must use test keys"),
    ("staging", {"razorpayKeyId": "key_0123456789"}, "lightspeedpay:razorpayKeyId", "is not a Razorpay key id"),
    ("production", {"phonepeClientId": "same-client", "previewPhonepeClientId": "same-client"},
     "lightspeedpay:previewPhonepeClientId", "must differ from lightspeedpay:phonepeClientId"),
], ids=["test key in production", "live key in previews", "live key in staging", "not a key id",
        "previews share PhonePe's client"])
def test_a_key_of_the_wrong_mode_is_refused_without_echoing_it(stack: str, values: dict[str, str], key: str,
                                                               expected: str) -> None:
    _secrets(stack, **values)
    _, issues = check_gateway_keys(_config(stack))
    rendered = "\n".join(issue.render() for issue in issues)
    assert key in rendered and expected in rendered
    for value in values.values():
        assert value not in rendered  # never a secret in a message


def test_placeholders_leave_the_mode_unverified_rather_than_guessed() -> None:
    _secrets("production")
    facts, issues = check_gateway_keys(_config("production"))
    assert issues == []
    assert facts.razorpay_key_modes == {"production": "unverified", "preview": "unverified"}
    assert facts.preview_credentials_distinct == "unverified"


def _stack_file(tmp_path: Path, stack: str, environments: list[str]) -> Path:
    """The stack's own file with its `environment:` imports replaced by ``environments``."""
    document = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    document["environment"] = environments
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("stack", "environments", "foreign"), [
    ("staging", ["lightspeedpay/production"], ["lightspeedpay/production"]),
    ("production", ["lightspeedpay/production", "lightspeedpay/staging@4"], ["lightspeedpay/staging@4"]),
    ("staging", ["infra/production"], ["infra/production"]),
])
def test_another_stacks_esc_environment_is_refused(tmp_path: Path, stack: str, environments: list[str],
                                                    foreign: list[str]) -> None:
    with pytest.raises(ConfigError) as error:
        load_esc_environments(stack, _stack_file(tmp_path, stack, environments))
    message = str(error.value)
    assert f"Pulumi.{stack}.yaml: environment" in message and str(foreign) in message
    assert f"import only 'lightspeedpay/{stack}'" in message


def test_the_stacks_own_environment_and_shared_ones_are_accepted(tmp_path: Path) -> None:
    root = _stack_file(tmp_path, "staging", ["lightspeedpay/staging", "lightspeedpay/staging@stable",
                                             "observability/log-store"])
    assert load_esc_environments("staging", root) == (
        "lightspeedpay/staging", "lightspeedpay/staging@stable", "observability/log-store")
    # The repository's own convention: each stack file imports lightspeedpay/<stack>, and only that.
    for stack in ("production", "staging"):
        assert load_esc_environments(stack) == (f"lightspeedpay/{stack}",)
