"""The Sentry scrubbing kind against the schema-checking fake, and the declared rules against Sentry's own scrubber.

The contract every kind meets (create, read by id, adopt, lost replies, the engine's host) is in
tests/test_provider_contract.py; here: what a PUT carries, drift written back, refusals, and the proof
with sentry-relay (the library Sentry's ingestion runs) that the rules strip payment data from an
exception message, which Sentry's defaults leave alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest
from sentry_relay.processing import convert_datascrubbing_config, pii_strip_event, validate_pii_config

from components.error_tracking import pii_config
from config.vocabulary import scrubbing
from fakeapis.sentry import TOKEN, FakeSentry
from fakeapis.server import FakeServer, Reply
from providers.dynamic.errors import ApiError, UnauthorizedError
from providers.sentry.scrubbing import ProjectScrubbingProvider

ORDER_ID = "order 1700000000123"


# ------------------------------------------------------------------------------------- the rules, in Relay
def _exception(message: str) -> dict[str, Any]:
    return {"exception": {"values": [{"type": "PaymentError", "value": message}]}}


def _scrubbed_message(config: dict[str, Any], message: str) -> str:
    event = pii_strip_event(config, _exception(message))
    return str(event["exception"]["values"][0]["value"])


def test_the_declared_rules_are_valid_for_sentry() -> None:
    assert validate_pii_config(json.dumps(pii_config())) is None
    assert scrubbing.undefined_rules(pii_config()) == []


def test_a_card_and_a_vpa_inside_an_exception_message_are_stripped() -> None:
    message = f"upi collect failed for bob.k@okaxis card 4111 1111 1111 1111 {ORDER_ID}"
    scrubbed = _scrubbed_message(pii_config(), message)
    assert "bob.k@okaxis" not in scrubbed and "4111" not in scrubbed and "[vpa]" in scrubbed
    assert ORDER_ID in scrubbed  # an order id is not an account number: kept for debugging


@pytest.mark.parametrize("cls", sorted(scrubbing.REQUIRED_CLASSES))
def test_every_class_the_pack_counts_as_covered_is_stripped_by_relay(cls: str) -> None:
    """The pack judges coverage with Python's regex engine; Relay's must agree on each class's sample."""
    sample = scrubbing.REQUIRED_CLASSES[cls]
    assert cls in scrubbing.covered_classes(pii_config())
    scrubbed = _scrubbed_message(pii_config(), sample)
    assert scrubbed != sample
    secret_part = {"card": "4111 1111 1111 1111", "upi": "bob.k@okaxis", "account": "00112233445566",
                   "token": "sk_live_FAKEabcdefgh12345"}[cls]
    assert secret_part not in scrubbed


def test_payment_keys_anywhere_in_an_event_are_removed() -> None:
    event = {**_exception("failed"), "extra": {"vpa": "bob@ybl", "card_number": "4111111111111111", "note": "ok"},
             "request": {"headers": [["Authorization", "Bearer not-a-real-token-123"]]}}
    stripped = pii_strip_event(pii_config(), event)
    assert stripped["extra"]["vpa"] is None and stripped["extra"]["card_number"] is None
    assert stripped["extra"]["note"] == "ok"
    assert "not-a-real-token" not in json.dumps(stripped["request"])


def test_sentrys_defaults_alone_leave_a_card_in_an_exception_message() -> None:
    """Why relayPiiConfig must carry $string rules (docs/error-tracking.md)."""
    defaults = convert_datascrubbing_config({"scrubData": True, "scrubDefaults": True, "scrubIpAddresses": True,
                                             "sensitiveFields": list(scrubbing.SENSITIVE_FIELD_NAMES)})
    message = "card 4111111111111111 declined for bob@ybl"
    assert _scrubbed_message(defaults, message) == message


# ------------------------------------------------------------------------------------- the kind, against the fake
PROPS: dict[str, Any] = {
    "organization": "lightspeedpay", "project": "lightspeedpay-api", "region": "us", "dataScrubber": True,
    "dataScrubberDefaults": True, "scrubIpAddresses": True, "sensitiveFields": list(scrubbing.SENSITIVE_FIELD_NAMES),
    "safeFields": [], "relayPiiConfig": pii_config()}


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[FakeServer, dict[str, FakeSentry]]]:
    current: dict[str, FakeSentry] = {}
    with FakeServer(lambda r: current["fake"].handle(r)) as listening:
        yield listening, current


@pytest.fixture
def fake(server: tuple[FakeServer, dict[str, FakeSentry]], monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSentry]:
    listening, current = server
    current["fake"] = FakeSentry()
    current["fake"].add_project("lightspeedpay-api")
    monkeypatch.setenv("SENTRY_API_URL", listening.url)
    monkeypatch.delenv("SENTRY_AUTH_TOKEN", raising=False)
    yield current["fake"]
    assert current["fake"].violations == []


def _provider(token: str = TOKEN) -> ProjectScrubbingProvider:
    provider = ProjectScrubbingProvider()
    provider.options = {"sleep": lambda _s: None, "timeout": 2.0}
    provider.configure(ConfigureRequest(Config({"lightspeedpay:sentryAuthToken": token}, "lightspeedpay")))
    return provider


def _puts(fake: FakeSentry) -> list[Any]:
    return [r.body for r in fake.requests if r.method == "PUT"]


def test_create_sends_one_partial_put_of_what_differs_and_keeps_it(fake: FakeSentry) -> None:
    created = _provider().create(PROPS)
    assert created.id == "lightspeedpay/lightspeedpay-api/scrubbing/us"
    # A new project already scrubs with defaults; only what differs is sent, the rules as Sentry's JSON string.
    [body] = _puts(fake)
    assert set(body) == {"scrubIPAddresses", "sensitiveFields", "relayPiiConfig"}
    assert json.loads(body["relayPiiConfig"]) == pii_config()
    held = fake.projects["lightspeedpay-api"].settings
    assert held["scrubIPAddresses"] is True and held["sensitiveFields"] == list(scrubbing.SENSITIVE_FIELD_NAMES)
    assert created.outs is not None and created.outs["relayPiiConfig"] == pii_config()


def test_a_change_made_in_sentrys_ui_is_read_back_as_drift_and_written_back(fake: FakeSentry) -> None:
    provider = _provider()
    created = provider.create(PROPS)
    assert created.outs is not None
    fake.projects["lightspeedpay-api"].settings.update(dataScrubber=False, safeFields=["card_number"])
    read = provider.read(created.id, created.outs)
    assert read.outs is not None and read.outs["dataScrubber"] is False and read.outs["safeFields"] == ["card_number"]
    assert provider.diff(created.id, read.outs, PROPS).changes is True
    mark = len(fake.requests)
    provider.update(created.id, read.outs, PROPS)
    assert [r.body for r in fake.requests[mark:] if r.method == "PUT"] == [{"dataScrubber": True, "safeFields": []}]
    assert fake.projects["lightspeedpay-api"].settings["dataScrubber"] is True


def test_removing_the_declaration_leaves_scrubbing_on(fake: FakeSentry) -> None:
    provider = _provider()
    created = provider.create(PROPS)
    assert created.outs is not None
    provider.delete(created.id, created.outs)
    assert [r.method for r in fake.requests].count("PUT") == 1  # the create's; delete changes nothing
    assert fake.projects["lightspeedpay-api"].settings["scrubIPAddresses"] is True


def test_a_rule_sentry_refuses_fails_with_its_reason_and_no_token(fake: FakeSentry) -> None:
    bad = {**PROPS, "relayPiiConfig": {"rules": {"x": {"type": "pattern", "pattern": "(unclosed",
                                                       "redaction": {"method": "remove"}}},
                                       "applications": {"$string": ["x"]}}}
    with pytest.raises(ApiError) as failed:
        _provider().create(bad)
    assert failed.value.status == 400 and "relayPiiConfig" in str(failed.value) and "regex" in str(failed.value)
    assert TOKEN not in str(failed.value)
    assert fake.projects["lightspeedpay-api"].settings["relayPiiConfig"] is None  # nothing stored


def test_a_wrong_token_and_a_missing_project_fail_cleanly(fake: FakeSentry) -> None:
    with pytest.raises(UnauthorizedError) as refused:
        _provider("wrong-token-not-real").create(PROPS)
    assert "wrong-token-not-real" not in str(refused.value)
    with pytest.raises(ApiError, match="HTTP 404"):
        _provider().create({**PROPS, "project": "lightspeedpay-nothing"})


def test_a_transient_failure_is_retried(fake: FakeSentry, server: tuple[FakeServer, Any]) -> None:
    server[0].failures.append(Reply(503, {"detail": "try again"}))
    created = _provider().create(PROPS)
    assert created.id.endswith("/scrubbing/us") and fake.projects["lightspeedpay-api"].settings["scrubIPAddresses"]


@pytest.mark.parametrize(("change", "prop", "reason"), [
    ({"region": "in"}, "region", "allowed: de, us"),
    ({"dataScrubber": None}, "dataScrubber", "is required"),
    ({"relayPiiConfig": {"rules": {}, "applications": {"$string": ["lsp_upi"]}}}, "relayPiiConfig",
     "not defined: ['lsp_upi']"),
    ({"project": "Lightspeed Pay"}, "project", "is not a Sentry slug"),
    ({"sensitiveFields": ["x" * 4001]}, "sensitiveFields", "at most 4000 characters"),
])
def test_bad_inputs_are_refused_before_any_request(change: dict[str, Any], prop: str, reason: str) -> None:
    failures = _provider().check({}, {**PROPS, **change}).failures
    assert any(f.property == prop and reason in f.reason for f in failures), failures
