"""A stateful fake of Sentry's project-details endpoint that refuses what Sentry would refuse.

Every request is checked against Sentry's published OpenAPI document (schemas/sentry: method,
path, parameters, body; every 2xx reply too) and the bearer token. The published PUT body omits
the admin-only data-scrubbing fields that Sentry's serializer accepts (`ProjectAdminSerializer`);
those are checked against the types the same document gives them in the project's GET reply, and
any other undeclared field is refused (the real API would ignore a misspelt field silently). As
Sentry does, the PUT is partial (fields left out are untouched, each field sent is stored whole)
and ``relayPiiConfig`` is validated by Relay's own validator (sentry-relay, test-only). Refused
requests get Sentry's 400 shape and are recorded in `violations`, which tests assert is empty.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from openapi_core import Config as OpenAPIConfig
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

import schemas

from .server import FakeServer, Recorded, Reply

TOKEN = "test-sentry-token-not-real"
HOST = "https://us.sentry.io"
PATH = "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/"
_CONCRETE = re.compile(r"^/api/0/projects/([^/]+)/([^/]+)/$")
ADMIN_FIELDS = ("dataScrubber", "dataScrubberDefaults", "scrubIPAddresses", "sensitiveFields", "safeFields",
                "relayPiiConfig")
"""Fields of Sentry's ProjectAdminSerializer the published PUT body does not list (schemas/sentry/SOURCE.md)."""


@functools.cache
def document() -> dict[str, Any]:
    return dict(schemas.load_json("sentry", "project-details.openapi.json"))


@functools.cache
def _openapi() -> OpenAPI:
    return OpenAPI.from_dict(copy.deepcopy(document()), config=OpenAPIConfig())


def _operation(method: str) -> dict[str, Any]:
    return dict(document()["paths"][PATH][method.lower()])


def _reply_schema() -> dict[str, Any]:
    return dict(_operation("GET")["responses"]["200"]["content"]["application/json"]["schema"])


def _example(schema: dict[str, Any]) -> Any:
    """The smallest value a schema accepts, for the fields a reply requires."""
    if schema.get("nullable"):
        return None
    kind = schema.get("type")
    if kind == "object":
        return {k: _example(schema["properties"][k]) for k in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "string":
        return "2026-06-01T00:00:00Z" if schema.get("format") == "date-time" else ""
    return {"integer": 0, "number": 0, "boolean": False}.get(str(kind), {})


def request_problems(method: str, path: str, body: Any) -> list[str]:
    data = None if body is None else json.dumps(body).encode()
    try:
        _openapi().validate_request(MockRequest(HOST, method.lower(), path, data=data,
                                                headers={"Authorization": "Bearer checked-separately"}))
    except Exception as error:  # openapi-core raises one of many error classes
        cause = f" ({error.__cause__})" if error.__cause__ else ""
        return [f"{method} {path}: {type(error).__name__}: {error}{cause}"]
    if method != "PUT" or not isinstance(body, dict):
        return []
    published = _operation("PUT")["requestBody"]["content"]["application/json"]["schema"]["properties"]
    problems = []
    for key, value in body.items():
        if key in ADMIN_FIELDS:
            try:
                jsonschema.validate(value, _reply_schema()["properties"][key])
            except jsonschema.ValidationError as error:
                problems.append(f"PUT {path}: {key}: {error.message}")
        elif key not in published:
            problems.append(f"PUT {path}: undeclared property {key!r}")
    return problems


def response_problems(method: str, path: str, status: int, body: Any) -> list[str]:
    try:
        _openapi().validate_response(MockRequest(HOST, method.lower(), path),
                                     MockResponse(json.dumps(body).encode(), status_code=status))
    except Exception as error:
        return [f"{method} {path} → {status}: {type(error).__name__}: {str(error)[:300]}"]
    return []


def _relay_problem(value: str) -> str | None:
    """Sentry validates relayPiiConfig with Relay's own validator (an empty string clears it)."""
    if not value:
        return None
    from sentry_relay.processing import validate_pii_config

    try:
        return validate_pii_config(value)
    except Exception as error:  # Relay raises its own error classes
        return " ".join(str(error).split())[:300]


@dataclass
class FakeProject:
    slug: str
    settings: dict[str, Any] = field(default_factory=lambda: {
        # A new project's defaults, as Sentry's project serializer reports them.
        "dataScrubber": True, "dataScrubberDefaults": True, "scrubIPAddresses": False,
        "sensitiveFields": [], "safeFields": [], "relayPiiConfig": None})


class FakeSentry:
    def __init__(self, organization: str = "lightspeedpay") -> None:
        self.organization = organization
        self.projects: dict[str, FakeProject] = {}
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self._lock = threading.Lock()

    def add_project(self, slug: str) -> FakeProject:
        self.projects[slug] = FakeProject(slug)
        return self.projects[slug]

    def serve(self) -> FakeServer:
        return FakeServer(self.handle)

    def _reply(self, project: FakeProject) -> dict[str, Any]:
        body = _example(_reply_schema())
        body.update({"id": str(abs(hash(project.slug)) % 10**9), "slug": project.slug, "name": project.slug,
                     **copy.deepcopy(project.settings)})
        return dict(body)

    def handle(self, request: Recorded) -> Reply:
        with self._lock:
            self.requests.append(request)
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                return Reply(401, {"detail": "Invalid token"})
            problems = request_problems(request.method, request.path, request.body)
            if problems:
                self.violations += problems
                return Reply(400, {"detail": problems[0]})
            match = _CONCRETE.match(request.path)
            project = self.projects.get(match.group(2)) if match and match.group(1) == self.organization else None
            if project is None:
                return Reply(404, {"detail": "The requested resource does not exist"})
            if request.method == "PUT":
                pii = request.body.get("relayPiiConfig") if isinstance(request.body, dict) else None
                problem = _relay_problem(pii) if isinstance(pii, str) else None
                if problem:
                    return Reply(400, {"relayPiiConfig": [problem]})
                for key in ADMIN_FIELDS:
                    if key in request.body:
                        value = request.body[key]
                        project.settings[key] = (value or None) if key == "relayPiiConfig" else value
            body = self._reply(project)
            problems = response_problems(request.method, request.path, 200, body)
            self.violations += problems
            return Reply(200, body)
