"""A small GraphQL client for Railway on top of the shared JSON client (providers/http.py).

- Endpoint: ``RAILWAY_API_URL`` or https://backboard.railway.com/graphql/v2.
- Auth: an account/workspace token as ``Authorization: Bearer``; a project token (what the
  autoscaler holds) as ``Project-Access-Token`` with no Authorization header (Railway's docs).
- Transport failures come from `JsonHttpClient` (429 Retry-After, 5xx/timeouts with bounded
  backoff, HTML pages). GraphQL ``errors`` become typed errors carrying the API's messages.
- Non-idempotent mutations (creates) are sent with ``retry=False``: a timed-out create may have
  happened, so the caller looks the object up before trying again (`providers.dynamic.provider`).
- The token is never part of a message, a repr, or the pickled provider.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from providers.dynamic.errors import ApiError, NotFoundError, PlanRequiredError, RateLimitedError, UnauthorizedError
from providers.http import JsonHttpClient, Response

from .documents import operation_name

DEFAULT_ENDPOINT = "https://backboard.railway.com/graphql/v2"
ENDPOINT_ENV = "RAILWAY_API_URL"
TokenKind = Literal["bearer", "project"]


class RailwayError(ApiError):
    """Railway answered with GraphQL ``errors`` (or no data); ``messages`` are the API's own."""

    def __init__(self, message: str, messages: list[str] | None = None, status: int = 200,
                 retryable: bool = False) -> None:
        super().__init__(message, status, retryable)
        self.messages = list(messages or [])


class RailwayNotFoundError(RailwayError, NotFoundError):
    """The object does not exist (or no longer exists)."""


class RailwayUnauthorizedError(RailwayError, UnauthorizedError):
    """The token is invalid, lacks access, or 2FA enforcement blocks it."""


class RailwayRateLimitedError(RailwayError, RateLimitedError):
    """HTTP 429; ``wait`` is the Retry-After Railway sent (it sets one on every 429)."""

    def __init__(self, message: str, status: int = 429, retryable: bool = True, wait: float | None = None) -> None:
        RailwayError.__init__(self, message, status=status, retryable=retryable)
        self.wait = wait


class RailwayPlanError(RailwayError, PlanRequiredError):
    """The workspace's plan is lower than the plan the stack was validated against."""


def endpoint_from_env() -> str:
    return os.environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT


class _RailwayHttp(JsonHttpClient):
    """The shared client, reading GraphQL ``errors`` out of non-2xx bodies (e.g. HTTP 400)."""

    @staticmethod
    def _message(body: Any) -> str:
        if isinstance(body, dict) and isinstance(body.get("errors"), list):
            return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in body["errors"])
        return JsonHttpClient._message(body)


class _ProjectTokenHttp(_RailwayHttp):
    """Railway's project tokens go in ``Project-Access-Token``, never as a Bearer token."""

    def _once(self, method: str, url: str, path: str, data: bytes | None,
              headers: Mapping[str, str]) -> Response:
        swapped = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        swapped["Project-Access-Token"] = self.token
        return super()._once(method, url, path, data, swapped)


def _classify(operation: str, errors: list[Any]) -> RailwayError:
    messages = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors] or ["unknown error"]
    text = f"Railway {operation}: {'; '.join(messages)}"
    lowered = " ".join(messages).lower()
    if "project token not found" in lowered or "not authorized" in lowered \
            or "two factor authentication required" in lowered:
        hint = " (check lightspeedpay:railwayApiToken and its workspace scope)"
        return RailwayUnauthorizedError(text + hint, messages)
    if "not found" in lowered:
        return RailwayNotFoundError(text, messages)
    return RailwayError(text, messages)


@dataclass
class RailwayClient:
    token: str = field(repr=False)
    endpoint: str = field(default_factory=endpoint_from_env)
    token_kind: TokenKind = "bearer"
    timeout: float = 30.0
    max_attempts: int = 5
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    user_agent: str = "lightspeedpay-infra (pulumi dynamic provider)"
    _http: dict[bool, JsonHttpClient] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.token:
            raise RailwayUnauthorizedError(
                "no Railway API token: set it with `pulumi config set --secret lightspeedpay:railwayApiToken` "
                "(or RAILWAY_API_TOKEN in the environment)")
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValueError(f"{ENDPOINT_ENV} must be an http(s) URL, got {self.endpoint!r}")
        self._base = f"{parts.scheme}://{parts.netloc}"
        self._path = parts.path + (f"?{parts.query}" if parts.query else "")

    def _transport(self, retry: bool) -> JsonHttpClient:
        if retry not in self._http:
            cls = _ProjectTokenHttp if self.token_kind == "project" else _RailwayHttp
            self._http[retry] = cls(
                self._base, self.token, user_agent=self.user_agent, timeout=self.timeout,
                max_attempts=self.max_attempts if retry else 1, sleep=self.sleep)
        return self._http[retry]

    @property
    def requests_sent(self) -> int:
        return sum(http.requests_sent for http in self._http.values())

    def execute(self, document: str, variables: Mapping[str, Any] | None = None, *,
                retry: bool = True) -> dict[str, Any]:
        """Send one registered document; return ``data`` or raise a typed error.

        ``retry=False`` sends it once (for creates, whose retry must look up the object first).
        """
        operation = operation_name(document)
        body = {"query": document, "variables": dict(variables or {}), "operationName": operation}
        try:
            response = self._transport(retry).request("POST", self._path, body)
        except UnauthorizedError as exc:
            raise RailwayUnauthorizedError(f"Railway {operation}: {exc}", status=exc.status) from None
        except RateLimitedError as exc:
            raise RailwayRateLimitedError(f"Railway {operation}: {exc}", exc.status, exc.retryable, exc.wait) from None
        except NotFoundError as exc:
            raise RailwayNotFoundError(f"Railway {operation}: {exc}", status=exc.status) from None
        except ApiError as exc:
            raise RailwayError(f"Railway {operation}: {exc}", status=exc.status, retryable=exc.retryable) from None
        payload = response.body
        if not isinstance(payload, dict):
            raise RailwayError(f"Railway {operation}: the reply is not a GraphQL response object",
                               status=response.status)
        errors = payload.get("errors")
        if errors:
            raise _classify(operation, errors if isinstance(errors, list) else [errors])
        data = payload.get("data")
        if not isinstance(data, dict):
            raise RailwayError(f"Railway {operation}: the reply has neither data nor errors", status=response.status)
        return data
