"""A client-side limiter that keeps every Management API endpoint inside its published budget.

Supabase allows 120 requests per minute per user, per project or organisation, per endpoint, and
says so in `X-RateLimit-Limit/-Remaining/-Reset` on every reply. Relying on 429 + backoff alone
would mean hitting the limit first and slowing down after; this limiter makes the budget a design
property instead:

- a sliding 60 s window per endpoint key (the concrete path, so per project and per organisation;
  GET and PATCH of one path share a budget, which is stricter than the server);
- a call is admitted only if it *and every retry the HTTP client may still make* fit in the
  window, so bounded retries can never push an endpoint over the limit;
- the server's own headers win: a lower `X-RateLimit-Limit` lowers the budget, and
  `X-RateLimit-Remaining: 0` blocks that endpoint until `X-RateLimit-Reset` has passed (this is
  what covers other processes using the same token).

Thread-safe (the provider host runs up to four operations at once) and picklable; the clock and
sleep are injectable so tests never wait.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

WINDOW_SECONDS = 60.0
DEFAULT_LIMIT = 120
"""Requests per minute per endpoint (docs: Management API rate limits)."""


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


@dataclass
class RateLimiter:
    limit: int = DEFAULT_LIMIT
    window: float = WINDOW_SECONDS
    clock: Callable[[], float] = field(default=time.time, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    waited: float = 0.0
    """Total seconds this limiter made callers wait (reported by the benchmark)."""
    _sent: dict[str, deque[float]] = field(default_factory=dict, repr=False)
    _limits: dict[str, int] = field(default_factory=dict, repr=False)
    _blocked_until: dict[str, float] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def acquire(self, key: str, reserve: int = 0) -> None:
        """Wait until one request to ``key`` (plus ``reserve`` possible retries) fits the budget."""
        while True:
            with self._lock:
                now = self.clock()
                wait = self._wait_for(key, now, 1 + reserve)
                if wait <= 0:
                    self._sent.setdefault(key, deque()).append(now)
                    return
            self.waited += wait
            self.sleep(wait)

    def charge(self, key: str, extra: int) -> None:
        """Count ``extra`` requests already sent for ``key`` (retries made inside one call)."""
        if extra <= 0:
            return
        with self._lock:
            now = self.clock()
            self._sent.setdefault(key, deque()).extend([now] * extra)

    def observe(self, key: str, headers: Mapping[str, str]) -> None:
        """Take the server's view of the budget from a reply's X-RateLimit-* headers."""
        limit = _number(headers.get("x-ratelimit-limit"))
        remaining = _number(headers.get("x-ratelimit-remaining"))
        reset = _number(headers.get("x-ratelimit-reset"))
        with self._lock:
            now = self.clock()
            if limit is not None and 0 < limit < self._limit(key):
                self._limits[key] = int(limit)
            if remaining is not None and remaining <= 0:
                # Reset is documented in seconds; an epoch timestamp is accepted as well.
                seconds = reset if reset is not None else self.window
                if seconds > 1_000_000_000:
                    seconds = max(0.0, seconds - time.time())
                self._blocked_until[key] = max(self._blocked_until.get(key, 0.0), now + min(seconds, self.window))

    def in_window(self, key: str) -> int:
        with self._lock:
            return len(self._prune(key, self.clock()))

    def _limit(self, key: str) -> int:
        return self._limits.get(key, self.limit)

    def _prune(self, key: str, now: float) -> deque[float]:
        sent = self._sent.setdefault(key, deque())
        while sent and sent[0] <= now - self.window:
            sent.popleft()
        return sent

    def _wait_for(self, key: str, now: float, needed: int) -> float:
        blocked = self._blocked_until.get(key, 0.0) - now
        if blocked > 0:
            return blocked
        sent = self._prune(key, now)
        limit = self._limit(key)
        needed = min(needed, limit)
        if len(sent) + needed <= limit:
            return 0.0
        # The oldest request that must leave the window before `needed` more fit.
        index = len(sent) + needed - limit - 1
        return max(sent[index] + self.window - now, 1e-3)


_SHARED: RateLimiter | None = None
_SHARED_LOCK = threading.Lock()


def shared_limiter() -> RateLimiter:
    """One limiter per process: every Supabase resource in a provider host shares the budget."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = RateLimiter()
        return _SHARED
