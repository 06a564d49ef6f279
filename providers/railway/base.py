"""Railway on the shared dynamic-provider base: the vendor's token, client and "gone" rule.

Everything else (pickling, diffs, adoption, idempotent create, unknowns, input checks) is
`providers.dynamic`. The token comes from ``lightspeedpay:railwayApiToken`` (stack config, read in
`configure`) or ``RAILWAY_API_TOKEN``; a Railway kind's properties are camelCase, as in state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers.dynamic.errors import ApiError, NotFoundError, UnauthorizedError
from providers.dynamic.provider import DynamicProvider, Vendor

from .client import RailwayClient, RailwayError
from .documents import TOKEN_WORKSPACES

RAILWAY = Vendor("railway", "lightspeedpay:railwayApiToken", "RAILWAY_API_TOKEN", camel_case=True,
                 token_hint=" (a workspace token of the workspace that holds the jobs project)")


class RailwayProvider(DynamicProvider):
    """Base of every Railway kind."""

    vendor = RAILWAY

    def make_client(self, token: str, options: dict[str, Any]) -> RailwayClient:
        return RailwayClient(token=token, **options)

    def is_gone(self, api: RailwayClient, error: ApiError) -> bool:
        """Railway answers "not found" for deleted objects and "Not Authorized" for ones the token
        cannot see. The latter means gone only if the token itself still works, so a revoked token
        fails the refresh instead of emptying the state (one extra request, only then)."""
        if isinstance(error, NotFoundError):
            return True
        if isinstance(error, UnauthorizedError):
            try:
                api.execute(TOKEN_WORKSPACES)
            except RailwayError:
                return False
            return True
        return False

    def fetch(self, api: RailwayClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        raise NotImplementedError


def edges(connection: Any) -> list[dict[str, Any]]:
    """The nodes of a Relay connection (``{edges: [{node}]}``), tolerating nulls."""
    if not isinstance(connection, Mapping):
        return []
    return [edge["node"] for edge in connection.get("edges") or [] if isinstance(edge, Mapping) and edge.get("node")]


def live(node: Mapping[str, Any] | None) -> bool:
    """An object the API returned that is not soft-deleted."""
    return bool(node) and not (node or {}).get("deletedAt")
