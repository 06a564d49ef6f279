"""Sentry's own vocabulary: token key, API hosts per data-storage region, identifiers."""

from __future__ import annotations

import re

TOKEN_CONFIG_KEY = "lightspeedpay:sentryAuthToken"
TOKEN_ENV = "SENTRY_AUTH_TOKEN"
API_URL_ENV = "SENTRY_API_URL"
"""Overrides the region's API host (tests, a self-hosted Sentry)."""

REGION_API_URLS: dict[str, str] = {"us": "https://us.sentry.io", "de": "https://de.sentry.io"}
"""Sentry's data-storage locations and their API hosts (the schema's `servers`: https://{region}.sentry.io).
US (Iowa) and EU (Frankfurt) only: there is no India region. Fixed when the organisation is created."""
PROVIDER_BASE_URLS: dict[str, str] = {region: f"{url}/api/" for region, url in REGION_API_URLS.items()}
"""The same hosts as pulumiverse-sentry's `baseUrl` (its default is https://sentry.io/api/, the US host)."""

SLUG_PATTERN = re.compile(r"^(?![0-9]+$)[a-z0-9_\-]{1,100}$")
"""An organisation or project slug (the published schema's pattern for a project slug)."""

SENSITIVE_FIELDS_MAX_CHARS = 4000
"""Sentry refuses a sensitiveFields list longer than this in total (ProjectAdminSerializer)."""
