"""The published Supabase Management API spec, as an openapi-core validator for tests.

The spec is the copy in this repository (`schemas/supabase/openapi.json`). Two adjustments, both
documented in its SOURCE.md: openapi-core's meta-validation is off (the schema carries a
non-standard `hideDefinitions` keyword) and `discriminator` keys over inline schemas are removed
(openapi-core would try to resolve them as component names). On top of the spec, request bodies
are checked for undeclared properties: most schemas allow them, and the real API ignores a
misspelled field silently, which is exactly the bug this check exists to catch.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from openapi_core import Config as OpenAPIConfig
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

import schemas

HOST = "https://api.supabase.com"


@functools.cache
def spec_document() -> dict[str, Any]:
    return dict(schemas.load_json("supabase", "openapi.json"))


def _without_discriminators(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_discriminators(v) for k, v in node.items() if k != "discriminator"}
    if isinstance(node, list):
        return [_without_discriminators(v) for v in node]
    return node


def _entitlements_any_of(document: dict[str, Any]) -> dict[str, Any]:
    """Spec defect: an entitlement's `config` is a oneOf whose first variant ({enabled}) matches
    every config object, so a numeric or set entitlement can never be valid under oneOf. The
    variants are meant as alternatives; check them as anyOf (responses only; no request uses it)."""
    items = document["components"]["schemas"]["V1ListEntitlementsResponse"]["properties"]["entitlements"]["items"]
    config = items["properties"]["config"]
    if "oneOf" in config:
        config["anyOf"] = config.pop("oneOf")
    return document


@functools.cache
def openapi() -> OpenAPI:
    document = _entitlements_any_of(_without_discriminators(spec_document()))
    # None switches spec meta-validation off (documented); the stub's annotation omits it.
    return OpenAPI.from_dict(document, config=OpenAPIConfig(spec_validator_cls=None))  # type: ignore[arg-type]


def operation(method: str, template: str) -> dict[str, Any] | None:
    return (spec_document()["paths"].get(template) or {}).get(method.lower())


def template_of(path: str) -> str | None:
    """The spec path template a concrete path matches (literal segments preferred)."""
    best: tuple[int, str] | None = None
    for template in spec_document()["paths"]:
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            literal = template.count("{")
            if best is None or literal < best[0]:
                best = (literal, template)
    return best[1] if best else None


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec_document()["components"]["schemas"][name]
    return schema


def undeclared(body: Any, schema: dict[str, Any], where: str = "body") -> list[str]:
    """Paths of properties the schema does not declare (recursing into objects and arrays)."""
    schema = _resolve(schema)
    problems: list[str] = []
    variants = schema.get("oneOf") or schema.get("anyOf")
    if variants:
        # Accept the body if any variant declares all of it.
        results = [undeclared(body, v, where) for v in variants]
        return [] if any(not r for r in results) else min(results, key=len)
    if isinstance(body, dict) and "properties" in schema:
        declared = schema["properties"]
        for key, value in body.items():
            if key not in declared:
                problems.append(f"{where}.{key}")
            else:
                problems += undeclared(value, declared[key], f"{where}.{key}")
    elif isinstance(body, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(body):
            problems += undeclared(item, schema["items"], f"{where}[{index}]")
    return problems


def _mock_request(method: str, path: str, query: dict[str, str], body: Any) -> MockRequest:
    data = None if body is None else json.dumps(body).encode()
    return MockRequest(HOST, method.lower(), path, args=query, data=data,
                       headers={"Authorization": "Bearer checked-separately"})


def request_problems(method: str, path: str, query: dict[str, str], body: Any) -> list[str]:
    """Why this request does not match the spec (empty when it does)."""
    try:
        openapi().validate_request(_mock_request(method, path, query, body))
    except Exception as error:  # openapi-core raises one of many error classes
        cause = f" ({error.__cause__})" if error.__cause__ else ""
        return [f"{method} {path}: {type(error).__name__}: {error}{cause}"]
    template = template_of(path)
    op = operation(method, template) if template else None
    content = ((op or {}).get("requestBody") or {}).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema")
    if schema is not None and body is not None:
        extra = undeclared(body, schema)
        if extra:
            return [f"{method} {path}: undeclared properties {extra}"]
    return []


def response_problems(method: str, path: str, query: dict[str, str], status: int, body: Any) -> list[str]:
    data = b"" if body is None else json.dumps(body).encode()
    try:
        openapi().validate_response(_mock_request(method, path, query, None),
                                    MockResponse(data, status_code=status))
    except Exception as error:
        cause = f" ({error.__cause__})" if error.__cause__ else ""
        return [f"{method} {path} → {status}: {type(error).__name__}: {str(error)[:300]}{cause[:1500]}"]
    return []
