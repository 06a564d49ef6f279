"""Supabase on the shared dynamic-provider base: the vendor's token, client and identifier checks.

Everything else (pickling, diffs, adoption, idempotent create, unknowns, input checks) is
`providers.dynamic`. The token comes from ``lightspeedpay:supabaseAccessToken`` (stack config,
read in `configure`) or ``SUPABASE_ACCESS_TOKEN``; a Supabase kind's properties are snake_case,
as in state. Import-side-effect free: the provider host imports this package by reference.
"""

from __future__ import annotations

from typing import Any, ClassVar

from providers.dynamic.checks import Checker
from providers.dynamic.provider import DynamicProvider, Vendor

from .client import SupabaseClient
from .vocabulary import PROJECT_GONE, REF_PATTERN, SLUG_PATTERN, TOKEN_CONFIG_KEY, TOKEN_ENV

SUPABASE = Vendor("supabase", TOKEN_CONFIG_KEY, TOKEN_ENV, camel_case=False)


class SupabaseProvider(DynamicProvider):
    """Base of every Supabase kind."""

    vendor = SUPABASE

    def make_client(self, token: str, options: dict[str, Any]) -> SupabaseClient:
        return SupabaseClient(token, runtime=options.get("runtime"))

    def pause(self, api: SupabaseClient, seconds: float) -> None:
        api.runtime.sleep(seconds)


class SettingsProvider(SupabaseProvider):
    """A project surface that always exists: create adopts it and writes only what differs; delete
    changes nothing, because removing a declaration must never loosen a running production database
    (fail closed; the TF provider's `supabase_settings` does the same)."""

    surface: ClassVar[str] = ""
    replace_on_change = ("project_ref",)
    unset_on_removal = False
    delete_before_replace = False

    def find(self, api: SupabaseClient, p: dict[str, Any]) -> dict[str, Any] | None:
        return self.fetch(api, p)


def check_ref(c: Checker, prop: str = "project_ref") -> None:
    c.text(prop, 20, pattern=REF_PATTERN.pattern, what="a Supabase project ref (20 lower-case letters)")


def check_slug(c: Checker, prop: str = "organization_slug") -> None:
    c.text(prop, pattern=SLUG_PATTERN.pattern, what="an organization slug (letters, digits, '_' and '-')")


def project_gone(project: dict[str, Any]) -> bool:
    return project.get("status") in PROJECT_GONE
