"""The log store's ingest function (services/log_ingest): what it accepts, refuses, writes and never reveals.

Events are shaped as Lambda function URLs deliver them (payload 2.0: lower-case headers, base64 bodies for
binary content types)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest

from services.log_ingest.handler import MAX_LINE_CHARS, handler

SECRET = "test-drain-secret-not-real"
TOKEN = "test-otlp-token-not-real"
ENV = {"VERCEL_VERIFY": "verify-code-123", "DRAIN_SECRET": SECRET,
       "INGEST_TOKEN_SHA256": hashlib.sha256(TOKEN.encode()).hexdigest()}


def event(path: str, body: bytes = b"", headers: dict[str, str] | None = None, method: str = "POST",
          binary: bool = False) -> dict[str, Any]:
    return {"rawPath": path, "headers": headers or {}, "requestContext": {"http": {"method": method}},
            "body": base64.b64encode(body).decode() if binary else body.decode(), "isBase64Encoded": binary}


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"x-vercel-signature": hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()}


def call(request: dict[str, Any], env: dict[str, str] = ENV) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    lines: list[str] = []
    answer = handler(request, None, env=env, write=lines.append)
    assert answer["headers"]["x-vercel-verify"] == env.get("VERCEL_VERIFY", "")  # on every answer
    return answer, [json.loads(line) for line in lines]


VERCEL_NDJSON = (b'{"id":"1","message":"GET /api/health 200","source":"lambda","projectId":"prj_1"}\n'
                 b'{"id":"2","message":"firewall deny","source":"firewall"}\n')


def test_vercels_verification_probe_gets_the_code_and_stores_nothing() -> None:
    for request in (event("/vercel", method="GET"), event("/vercel"), event("/", method="GET")):
        answer, lines = call(request)
        assert answer["statusCode"] == 200 and lines == []


@pytest.mark.parametrize("binary", [False, True])
def test_a_signed_drain_delivery_becomes_one_line_per_record(binary: bool) -> None:
    answer, lines = call(event("/vercel", VERCEL_NDJSON, signed(VERCEL_NDJSON), binary=binary))
    assert answer["statusCode"] == 200 and json.loads(answer["body"]) == {"accepted": 2}
    assert [line["log"]["id"] for line in lines] == ["1", "2"] and {line["source"] for line in lines} == {"vercel"}


def test_the_json_delivery_format_and_the_audit_drain_are_read_too() -> None:
    body = json.dumps([{"id": "a"}, {"id": "b"}]).encode()
    answer, lines = call(event("/vercel-audit", body, signed(body)))
    assert answer["statusCode"] == 200 and [(line["source"], line["log"]["id"]) for line in lines] == [
        ("vercel-audit", "a"), ("vercel-audit", "b")]


@pytest.mark.parametrize("headers", [{}, signed(VERCEL_NDJSON, "another-secret"), {"x-vercel-signature": "00" * 20},
                                     signed(VERCEL_NDJSON + b"{}")])
def test_an_unsigned_or_forged_delivery_is_refused_and_not_stored(headers: dict[str, str]) -> None:
    answer, lines = call(event("/vercel", VERCEL_NDJSON, headers))
    assert answer["statusCode"] == 403 and lines == []
    assert SECRET not in json.dumps(answer)


def test_without_a_configured_secret_nothing_is_accepted() -> None:
    answer, lines = call(event("/vercel", VERCEL_NDJSON, signed(VERCEL_NDJSON, "")), {**ENV, "DRAIN_SECRET": ""})
    assert answer["statusCode"] == 403 and lines == []


def otlp(*messages: str) -> bytes:
    return json.dumps({"resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "lightspeedpay-worker"}},
                                    {"key": "deployment.environment", "value": {"stringValue": "production"}}]},
        "scopeLogs": [{"logRecords": [
            {"timeUnixNano": "1764500000000000000", "severityText": "INFO", "body": {"stringValue": message},
             "attributes": [{"key": "job", "value": {"kvlistValue": {"values": [
                 {"key": "attempt", "value": {"intValue": "2"}}]}}},
                 {"key": "tags", "value": {"arrayValue": {"values": [{"stringValue": "settle"}]}}}],
             "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174"}
            for message in messages]}]}]}).encode()


def test_worker_logs_over_otlp_json_with_the_token() -> None:
    answer, lines = call(event("/v1/logs", otlp("job settled", "job retried"), {"authorization": f"Bearer {TOKEN}",
                                                                                "content-type": "application/json"}))
    assert answer["statusCode"] == 200 and answer["body"] == "{}"
    assert [line["body"] for line in lines] == ["job settled", "job retried"]
    first = lines[0]
    assert first["service"] == "lightspeedpay-worker" and first["resource"]["deployment.environment"] == "production"
    assert first["attributes"] == {"job": {"attempt": "2"}, "tags": ["settle"]} and first["severity"] == "INFO"


@pytest.mark.parametrize(("headers", "status"), [({}, 401), ({"authorization": "Bearer wrong-token"}, 403),
                                                 ({"authorization": f"Basic {TOKEN}"}, 401)])
def test_otlp_without_the_token_is_refused(headers: dict[str, str], status: int) -> None:
    answer, lines = call(event("/v1/logs", otlp("x"), headers))
    assert answer["statusCode"] == status and lines == [] and TOKEN not in json.dumps(answer)


def test_protobuf_otlp_is_refused_with_what_to_set() -> None:
    answer, lines = call(event("/v1/logs", b"\x0a\x02\x08\x01", {"authorization": f"Bearer {TOKEN}"}, binary=True))
    assert answer["statusCode"] == 400 and "http/json" in answer["body"] and lines == []


def test_unknown_routes_methods_and_bodies() -> None:
    assert call(event("/elsewhere", b"x"))[0]["statusCode"] == 404
    assert call(event("/vercel", b"x", method="PUT"))[0]["statusCode"] == 405
    assert call({**event("/vercel", b"x"), "body": "***", "isBase64Encoded": True})[0]["statusCode"] == 400


def test_an_oversized_record_is_cut_and_says_so() -> None:
    body = json.dumps({"message": "x" * (MAX_LINE_CHARS + 10)}).encode()
    _, [line] = call(event("/vercel", body, signed(body)))
    assert line["truncated"] is True and line["source"] == "vercel" and len(line["head"]) == MAX_LINE_CHARS


def test_a_line_that_is_not_json_is_kept_as_text() -> None:
    body = b'{"id":"1"}\nnot json\n'
    _, lines = call(event("/vercel", body, signed(body)))
    assert [line["log"] for line in lines] == [{"id": "1"}, {"unparsed": "not json"}]
