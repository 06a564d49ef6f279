"""Typed failures of the Supabase provider; none of them ever carries a token or a secret value."""

from __future__ import annotations

from providers.http import ApiError


class SupabaseConfigError(Exception):
    """The provider cannot run: no token, or a malformed identifier reached the client."""


class PlanRequiredError(ApiError):
    """HTTP 402: the organisation's plan does not include the feature."""


class NotReadyError(ApiError):
    """A project, setting or replica did not reach the wanted state in time, or failed."""


class ConflictError(ApiError):
    """What exists at Supabase contradicts the declaration (e.g. same name, other region)."""
