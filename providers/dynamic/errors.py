"""One error hierarchy for every dynamic provider and vendor client.

Vendor clients keep their own subclasses (with the API's messages), but every failure is one of
these, so the shared plumbing (retries, "object gone", adoption) decides on the class, never on a
vendor's spelling. No error ever carries a token or a secret value.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Anything a provider reports; ``status`` is the HTTP status (0 when none), ``retryable``
    says whether sending the same request again may succeed."""

    def __init__(self, message: str, status: int = 0, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class ConfigError(ProviderError):
    """The provider cannot run: no token, or an identifier that cannot be sent."""


class ApiError(ProviderError):
    """A vendor API call failed (an HTTP error, a transport failure, or an error in the reply)."""


class NotFoundError(ApiError):
    """The object does not exist (or no longer exists): the one signal of "gone"."""


class UnauthorizedError(ApiError):
    """The token is invalid, revoked, or lacks the scope for this call."""


class RateLimitedError(ApiError):
    """The vendor throttled the call; ``wait`` is how long it asked us to wait, if it said."""

    def __init__(self, message: str, status: int = 429, retryable: bool = False,
                 wait: float | None = None) -> None:
        super().__init__(message, status, retryable)
        self.wait = wait


class PlanRequiredError(ApiError):
    """The account's plan does not allow what is declared (HTTP 402, or a plan checked up front)."""


class ConflictError(ApiError):
    """What exists at the vendor contradicts the declaration (an adopted object of another region,
    a declared id of another project, two objects with the declared name, …)."""


class NotReadyError(ApiError):
    """An object did not reach the wanted state in time, or reached a failed one."""
