"""The one retry wait formula every client and provider uses.

Exponential from ``base`` (0.5 s, 1 s, 2 s, …) capped at ``cap``; a wait the server asked for
(``Retry-After`` / ``X-RateLimit-Reset`` on a 429) replaces the formula, but a server asking for
more than ``max_wait`` ends the call instead: a deploy must fail clearly rather than hang.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import RateLimitedError


@dataclass(frozen=True)
class Backoff:
    base: float = 0.5
    cap: float = 20.0
    max_wait: float = 60.0
    """Longest single wait a server may impose before the call gives up."""

    def delay(self, attempt: int, asked: float | None = None, what: str = "the call") -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        if asked is not None:
            if asked > self.max_wait:
                raise RateLimitedError(f"{what}: rate limited for {asked:.0f}s, longer than the "
                                       f"{self.max_wait:.0f}s this provider waits; try again later")
            return max(0.0, asked)
        return min(self.cap, self.base * 2 ** (attempt - 1))


DEFAULT = Backoff()
