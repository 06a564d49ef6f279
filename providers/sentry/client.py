"""The Sentry API calls the scrubbing kind makes: read a project's settings, write some of them.

Built on `providers.http.JsonHttpClient` (timeouts, 429/5xx backoff, HTML pages, token-free
messages). Sentry answers a refused PUT with field errors (``{"relayPiiConfig": ["…"]}``); they
become the error's message, so a bad rule names itself. Every operation is in `OPERATIONS`, and
the fake (fakeapis/sentry.py) checks each request against Sentry's published OpenAPI document.
"""

from __future__ import annotations

import os
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from providers.dynamic.errors import ConfigError
from providers.http import JsonHttpClient

from .vocabulary import API_URL_ENV, REGION_API_URLS, SLUG_PATTERN

PROJECT_PATH = "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/"
OPERATIONS: tuple[tuple[str, str], ...] = (("GET", PROJECT_PATH), ("PUT", PROJECT_PATH))
"""(method, path template) of every request this client can send."""


class _SentryHttp(JsonHttpClient):
    @staticmethod
    def _message(body: Any) -> str:
        # Django REST framework's field errors: {"field": ["reason", …], …}; "detail" for the rest.
        if isinstance(body, dict) and not isinstance(body.get("detail"), str):
            fields = [f"{key}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for key, v in body.items()]
            if fields:
                return "; ".join(fields)
        return JsonHttpClient._message(body)


@dataclass
class SentryClient:
    token: str = field(repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    timeout: float = 30.0

    def _http(self, region: str) -> _SentryHttp:
        base = os.environ.get(API_URL_ENV) or REGION_API_URLS.get(region)
        if not base:
            raise ConfigError(f"sentry: region {region!r} is not one of {sorted(REGION_API_URLS)}")
        return _SentryHttp(base, self.token, sleep=self.sleep, timeout=self.timeout)

    @staticmethod
    def _path(organization: str, project: str) -> str:
        for what, slug in (("organization", organization), ("project", project)):
            if not SLUG_PATTERN.match(slug or ""):
                raise ConfigError(f"sentry: {what} slug {slug!r} is not a Sentry slug")
        return PROJECT_PATH.format(organization_id_or_slug=urllib.parse.quote(organization),
                                   project_id_or_slug=urllib.parse.quote(project))

    def get_project(self, region: str, organization: str, project: str) -> dict[str, Any]:
        body = self._http(region).request("GET", self._path(organization, project)).body
        return body if isinstance(body, dict) else {}

    def update_project(self, region: str, organization: str, project: str, fields: dict[str, Any]) -> dict[str, Any]:
        """A partial PUT: only ``fields`` change, and each one sent replaces that setting whole."""
        body = self._http(region).request("PUT", self._path(organization, project), fields).body
        return body if isinstance(body, dict) else {}
