"""Lambda handler of the log store's ingest URL (function URL, payload format 2.0). Standard library only.

Routes (POST):
- ``/vercel``, ``/vercel-audit``: Vercel's log drain and audit-log drain, NDJSON or a JSON array; the
  ``x-vercel-signature`` header must be the hex HMAC-SHA1 of the raw body with the drain secret;
- ``/v1/logs``: OTLP/HTTP logs in JSON (``OTEL_EXPORTER_OTLP_PROTOCOL=http/json``) from the workers, with
  ``Authorization: Bearer <token>``; the function knows only the token's SHA-256.
Every answer carries ``x-vercel-verify`` (Vercel checks it when a drain is created: a GET, or a request with
no body, gets 200 and stores nothing). Each record becomes one JSON line on stdout, which Lambda writes to
the function's log group: the log store. Nothing secret is ever printed or answered.

Environment: ``VERCEL_VERIFY`` (the team's endpoint verification code), ``DRAIN_SECRET``,
``INGEST_TOKEN_SHA256`` (hex). The log group is the stack's own, so records carry no stack name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any

VERCEL_ROUTES = {"/vercel": "vercel", "/vercel-audit": "vercel-audit"}
OTLP_ROUTE = "/v1/logs"
MAX_LINE_CHARS = 200_000
"""A CloudWatch Logs event holds 256 KB; longer records are cut, and say so."""

Response = dict[str, Any]
Write = Callable[[str], None]


def _write(line: str) -> None:
    sys.stdout.write(line + "\n")


def handler(event: Mapping[str, Any], _context: Any = None, *, env: Mapping[str, str] | None = None,
            write: Write = _write) -> Response:
    env = os.environ if env is None else env
    verify = {"x-vercel-verify": env.get("VERCEL_VERIFY", "")}
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", "POST")).upper()
    path = str(event.get("rawPath") or "/")
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    try:
        body = _body(event)
    except ValueError:
        return _answer(400, "the body is not valid base64", verify)
    if method == "GET" or (not body and path in VERCEL_ROUTES):
        return _answer(200, "", verify)  # Vercel's ownership check: the header is the answer
    if method != "POST":
        return _answer(405, "POST only", verify)
    if path in VERCEL_ROUTES:
        secret = env.get("DRAIN_SECRET", "")
        expected = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
        if not secret or not hmac.compare_digest(expected, headers.get("x-vercel-signature", "")):
            return _answer(403, "bad signature", verify)
        count = 0
        for record in _vercel_records(body):
            write(_line({"source": VERCEL_ROUTES[path], "log": record}))
            count += 1
        return _answer(200, json.dumps({"accepted": count}), verify)
    if path == OTLP_ROUTE:
        token = headers.get("authorization", "")
        if not token.lower().startswith("bearer "):
            return _answer(401, "a bearer token is required", verify)
        presented = hashlib.sha256(token[7:].strip().encode()).hexdigest()
        wanted = env.get("INGEST_TOKEN_SHA256", "")
        if not wanted or not hmac.compare_digest(presented, wanted):
            return _answer(403, "bad token", verify)
        try:
            document = json.loads(body)
        except ValueError:
            return _answer(400, "OTLP logs must be JSON (OTEL_EXPORTER_OTLP_PROTOCOL=http/json)", verify)
        for record in otlp_records(document):
            write(_line({"source": "otlp", **record}))
        return _answer(200, "{}", verify, "application/json")  # an empty ExportLogsServiceResponse
    return _answer(404, "unknown route", verify)


def _body(event: Mapping[str, Any]) -> bytes:
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(raw, validate=True)
    return str(raw).encode()


def _answer(status: int, text: str, headers: Mapping[str, str], content_type: str = "text/plain") -> Response:
    return {"statusCode": status, "headers": {**headers, "content-type": content_type}, "body": text}


def _vercel_records(body: bytes) -> Iterator[Any]:
    text = body.decode("utf-8", errors="replace").strip()
    if text.startswith("["):  # delivery format "json": one array
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            yield from parsed
            return
    for line in text.splitlines():
        if line.strip():
            try:
                yield json.loads(line)
            except ValueError:
                yield {"unparsed": line}


def otlp_records(document: Any) -> Iterator[dict[str, Any]]:
    """One flat record per OTLP log record: service, resource attributes, time, severity, body, attributes."""
    if not isinstance(document, Mapping):
        return
    for resource_logs in document.get("resourceLogs") or []:
        resource = _attributes((resource_logs.get("resource") or {}).get("attributes"))
        for scope_logs in resource_logs.get("scopeLogs") or []:
            for record in scope_logs.get("logRecords") or []:
                yield {"service": resource.get("service.name"), "resource": resource,
                       "time": record.get("timeUnixNano") or record.get("observedTimeUnixNano"),
                       "severity": record.get("severityText") or record.get("severityNumber"),
                       "body": _value(record.get("body")), "attributes": _attributes(record.get("attributes")),
                       "traceId": record.get("traceId"), "spanId": record.get("spanId")}


def _attributes(items: Any) -> dict[str, Any]:
    return {str(item.get("key")): _value(item.get("value")) for item in items or [] if isinstance(item, Mapping)}


def _value(value: Any) -> Any:
    """An OTLP AnyValue as plain JSON."""
    if not isinstance(value, Mapping):
        return value
    if "arrayValue" in value:
        return [_value(v) for v in (value["arrayValue"] or {}).get("values") or []]
    if "kvlistValue" in value:
        return _attributes((value["kvlistValue"] or {}).get("values"))
    for kind in ("stringValue", "boolValue", "intValue", "doubleValue", "bytesValue"):
        if kind in value:
            return value[kind]
    return None


def _line(record: Mapping[str, Any]) -> str:
    line = json.dumps(record, separators=(",", ":"), ensure_ascii=False, default=str)
    if len(line) > MAX_LINE_CHARS:
        line = json.dumps({"source": record.get("source"),
                           "truncated": True, "head": line[:MAX_LINE_CHARS]}, ensure_ascii=False)
    return line
