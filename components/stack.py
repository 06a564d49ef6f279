"""Build one LightSpeedPay stack from its config: providers first, then each piece, then outputs."""

from __future__ import annotations

import pulumi

from config import StackConfig, StackSecrets

from .app_env import api_env, frontend_env
from .payments_api import PaymentsApi, PaymentsApiArgs
from .providers import make_providers
from .web_app import VercelWebApp, VercelWebAppArgs
from .zone import CloudflareZone, CloudflareZoneArgs


def build_stack(cfg: StackConfig, secrets: StackSecrets) -> dict[str, pulumi.Input[object]]:
    """Declare every resource of the stack; return the stack outputs (no secrets among them)."""
    providers = make_providers(cfg, secrets)
    prefix = cfg.name_prefix
    vercel_opts = pulumi.ResourceOptions(providers=[providers.vercel])

    zone = CloudflareZone(
        f"{prefix}-zone", CloudflareZoneArgs(zone=cfg.dns.zone, tls=cfg.tls),
        opts=pulumi.ResourceOptions(providers=[providers.cloudflare]))

    site_domains = [cfg.domains.site, cfg.domains.checkout] + ([cfg.domains.www] if cfg.domains.www else [])
    web = VercelWebApp(
        f"{prefix}-web",
        VercelWebAppArgs(
            project_name=f"{prefix}-web", root_directory=cfg.frontend.root_directory, framework="nextjs",
            vercel=cfg.vercel, domains=site_domains,
            redirects={cfg.domains.www: cfg.domains.site} if cfg.domains.www else {},
            env=frontend_env(cfg)),
        opts=vercel_opts)

    api = PaymentsApi(
        f"{prefix}-api",
        PaymentsApiArgs(
            project_name=f"{prefix}-api", root_directory=cfg.api.root_directory, vercel=cfg.vercel,
            domain=cfg.domains.api,
            env=lambda jwt, preview_jwt: api_env(cfg, secrets, jwt, preview_jwt, database=None)),
        opts=pulumi.ResourceOptions(providers=[providers.vercel, providers.random]))

    return {
        "environment": cfg.environment,
        "zoneId": zone.zone_id,
        "webProjectId": web.project_id,
        "apiProjectId": api.project_id,
        "siteUrl": f"https://{cfg.domains.site}",
        "checkoutUrl": f"https://{cfg.domains.checkout}",
        "apiUrl": f"https://{cfg.domains.api}",
        # The checklist's sign-offs. A stack output, not a resource: the engine sends the root stack's
        # outputs to AnalyzeStack, and they stay in state, so `pulumi policy analyze` and ops.check see them.
        "attestations": {key: record.as_output() for key, record in cfg.attestations.items()},
    }
