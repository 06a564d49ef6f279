"""Session-wide set-up: the heavy SDKs are imported once per session, not once per test."""

import pulumi_cloudflare  # noqa: F401  (~4 s to import; every test shares this one import)
import pulumi_github  # noqa: F401
import pulumiverse_vercel  # noqa: F401
