"""Explicit provider resources, configured from stack config and secrets only.

Default providers are disabled in Pulumi.yaml, so no resource can fall back to credentials that
happen to be in someone's shell.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi_aws as aws
import pulumi_checkly as checkly
import pulumi_cloudflare as cloudflare
import pulumi_github as github
import pulumi_random as random
import pulumiverse_sentry as sentry
import pulumiverse_vercel as vercel
from pulumi_pagerduty.provider import Provider as PagerDutyProvider

from config import StackConfig, StackSecrets
from providers.sentry.vocabulary import PROVIDER_BASE_URLS


@dataclass(frozen=True)
class Providers:
    vercel: vercel.Provider
    cloudflare: cloudflare.Provider
    random: random.Provider
    checkly: checkly.Provider
    sentry: sentry.Provider
    github: github.Provider | None
    """Only the stack that owns the repository (production) talks to GitHub."""
    aws: aws.Provider
    """The stack's own AWS account in India (backups, log store); no other account is accepted."""
    pagerduty: PagerDutyProvider


def make_providers(cfg: StackConfig, secrets: StackSecrets) -> Providers:
    prefix = cfg.name_prefix
    github_provider = None
    if cfg.github is not None:
        github_provider = github.Provider(
            f"{prefix}-github", owner=cfg.github.owner, token=secrets["githubToken"])
    return Providers(
        vercel=vercel.Provider(f"{prefix}-vercel", api_token=secrets["vercelApiToken"], team=cfg.vercel.team),
        cloudflare=cloudflare.Provider(f"{prefix}-cloudflare", api_token=secrets["cloudflareApiToken"]),
        random=random.Provider(f"{prefix}-random"),
        checkly=checkly.Provider(f"{prefix}-checkly", api_key=secrets["checklyApiKey"],
                                 account_id=cfg.monitoring.checkly_account_id),
        # The organisation's own region host: an EU organisation is not served by the default (US) one.
        sentry=sentry.Provider(f"{prefix}-sentry", token=secrets["sentryAuthToken"],
                               base_url=PROVIDER_BASE_URLS[cfg.error_tracking.region]),
        github=github_provider,
        # Short-lived keys of the stack's deploy role (ESC aws-login, by OIDC); allowed_account_ids makes the
        # provider refuse to act with credentials of any other account, and no shared file or profile is read.
        aws=aws.Provider(
            f"{prefix}-aws", region=cfg.aws.region, allowed_account_ids=[cfg.aws.account_id],
            access_key=secrets["awsAccessKeyId"], secret_key=secrets["awsSecretAccessKey"],
            token=secrets["awsSessionToken"], skip_metadata_api_check=True,
            default_tags=aws.ProviderDefaultTagsArgs(tags={"lightspeedpay:stack": cfg.environment,
                                                           "lightspeedpay:managed-by": "pulumi"})),
        # The account's service region (US or EU; PagerDuty has no India region: pack finding oncall-outside-india).
        pagerduty=PagerDutyProvider(
            f"{prefix}-pagerduty", token=secrets["pagerdutyToken"],
            service_region=None if cfg.oncall.service_region == "us" else cfg.oncall.service_region),
    )
