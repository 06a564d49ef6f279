"""The Supabase provider's failures: the shared hierarchy (`providers.dynamic.errors`) under the
names earlier releases used. None of them ever carries a token or a secret value."""

from __future__ import annotations

from providers.dynamic.errors import ConfigError, ConflictError, NotReadyError, PlanRequiredError

SupabaseConfigError = ConfigError
"""The provider cannot run: no token, or a malformed identifier reached the client."""

__all__ = ["ConflictError", "NotReadyError", "PlanRequiredError", "SupabaseConfigError"]
