"""A small, dependency-free JSON-over-HTTPS client shared by the dynamic providers.

Why not requests/httpx: a dynamic provider is pickled by the engine (dill), and live sessions,
SSL contexts and sockets cannot be pickled. Each call here opens its own connection, so a client
object holds only plain values and pickles cleanly.

Behaviour every provider relies on:
- explicit timeouts on every call (the dynamic-provider host ignores Pulumi custom timeouts);
- 429 honours ``Retry-After`` (seconds or HTTP date) and ``X-RateLimit-Reset``; 5xx, timeouts
  and connection errors retry with the shared backoff (`providers.dynamic.backoff`); other 4xx
  fail at once;
- an HTML or otherwise non-JSON body becomes a clear `ApiError`, not a JSON traceback;
- the token is never part of any message, repr or exception.
"""

from __future__ import annotations

import email.utils
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from providers.dynamic.backoff import DEFAULT as DEFAULT_BACKOFF
from providers.dynamic.backoff import Backoff
from providers.dynamic.errors import ApiError, NotFoundError, RateLimitedError, UnauthorizedError

__all__ = ["ApiError", "JsonHttpClient", "NotFoundError", "RateLimitedError", "Response", "UnauthorizedError"]

DEFAULT_TIMEOUT_SECONDS = 30.0
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: Any


def _retry_after(headers: Mapping[str, str], now: float) -> float | None:
    value = headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(value)
            if parsed is not None:
                return max(0.0, parsed.timestamp() - now)
    reset = headers.get("x-ratelimit-reset")
    if reset:
        try:
            number = float(reset)
        except ValueError:
            return None
        # Either seconds until reset or an epoch timestamp; both appear in the wild.
        return max(0.0, number - now) if number > 1_000_000_000 else max(0.0, number)
    return None


@dataclass
class JsonHttpClient:
    """JSON requests to one API with a bearer token, retries and clean errors."""

    base_url: str
    token: str = field(repr=False)
    user_agent: str = "lightspeedpay-infra"
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    max_attempts: int = 5
    backoff: Backoff = DEFAULT_BACKOFF
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    requests_sent: int = 0
    """Count of HTTP requests actually sent (retries included), for cost reports."""

    def request(self, method: str, path: str, body: Any = None,
                headers: Mapping[str, str] | None = None) -> Response:
        url = self.base_url.rstrip("/") + path
        data = None if body is None else json.dumps(body).encode()
        all_headers = {
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/json",
            "User-Agent": self.user_agent,
            **({"Content-Type": "application/json"} if data is not None else {}),
            **(headers or {}),
        }
        last: ApiError | None = None
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self._once(method, url, path, data, all_headers)
            except ApiError as error:
                last = error
                if not error.retryable or attempt == self.max_attempts:
                    raise
                asked = error.wait if isinstance(error, RateLimitedError) else None
                self.sleep(self.backoff.delay(attempt, asked, f"{method} {path}"))
        raise last or ApiError(f"{method} {path}: no attempt made")

    def _once(self, method: str, url: str, path: str, data: bytes | None,
              headers: Mapping[str, str]) -> Response:
        request = urllib.request.Request(url, data=data, method=method, headers=dict(headers))
        self.requests_sent += 1
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                status, raw, reply_headers = reply.status, reply.read(), reply.headers
        except urllib.error.HTTPError as error:
            status, raw, reply_headers = error.code, error.read(), error.headers
        except TimeoutError:
            raise ApiError(f"{method} {path}: timed out after {self.timeout:.0f}s", retryable=True) from None
        except urllib.error.URLError as error:
            raise ApiError(f"{method} {path}: connection failed ({error.reason})", retryable=True) from None
        lowered = {k.lower(): v for k, v in reply_headers.items()}
        body = self._decode(method, path, status, raw, lowered)
        if 200 <= status < 300:
            return Response(status, lowered, body)
        message = self._message(body) or f"HTTP {status}"
        text = f"{method} {path}: HTTP {status}: {message}"
        if status == 429:
            raise RateLimitedError(text, status, retryable=True, wait=_retry_after(lowered, time.time()))
        if status in (401, 403):
            raise UnauthorizedError(text + " (check the API token and its scope)", status)
        if status == 404:
            raise NotFoundError(text, status)
        raise ApiError(text, status, retryable=status in RETRYABLE_STATUS)

    @staticmethod
    def _decode(method: str, path: str, status: int, raw: bytes, headers: Mapping[str, str]) -> Any:
        if not raw:
            return None
        text = raw.decode("utf-8", errors="replace")
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            kind = "an HTML page" if "html" in headers.get("content-type", "") or "<html" in text[:200].lower() \
                else "a non-JSON body"
            retryable = status in RETRYABLE_STATUS
            raise ApiError(f"{method} {path}: HTTP {status} returned {kind} instead of JSON "
                           f"(a proxy or outage page?)", status, retryable=retryable) from None

    @staticmethod
    def _message(body: Any) -> str:
        if isinstance(body, dict):
            for key in ("message", "error", "msg", "detail"):
                if isinstance(body.get(key), str):
                    return str(body[key])
        return ""
