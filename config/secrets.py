"""Every secret the program reads: what it is for, where it comes from, who needs it.

Secrets never sit in stack files in plain text. They arrive either from
`pulumi config set --secret lightspeedpay:<key>` (stored encrypted in the stack file) or from the
Pulumi ESC environment the stack file names. Offline (``python -m ops.plan``) each one is replaced
by an obviously fake placeholder that is still marked secret.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import PROJECT


@dataclass(frozen=True)
class SecretSpec:
    key: str
    """Config key without the namespace, e.g. ``razorpayKeySecret``."""
    purpose: str
    source: str
    """Where an operator gets the value."""
    production_only: bool = False
    """Only the production stack reads it (values for PR previews of the production projects)."""

    @property
    def full_key(self) -> str:
        return f"{PROJECT}:{self.key}"

    @property
    def offline_placeholder(self) -> str:
        return f"offline-placeholder-{self.key}"


SECRETS: tuple[SecretSpec, ...] = (
    # Provider credentials: every provider is explicit, so nothing is read from the environment.
    SecretSpec("vercelApiToken", "Vercel provider token (team scope).",
               "Vercel → Account Settings → Tokens, scoped to the team"),
    SecretSpec("cloudflareApiToken", "Cloudflare provider token for the zone.",
               "Cloudflare → My Profile → API Tokens: Zone Read, Zone Settings Edit, DNS Edit, on this zone only"),
    SecretSpec("githubToken", "GitHub provider token: both repositories' adoption, security settings, branch "
               "protection, rulesets, environments and the release's environment secret.",
               "GitHub fine-grained token on both repositories: Administration, Environments and Secrets read/write",
               production_only=True),
    SecretSpec("railwayApiToken", "Railway API token for the Railway dynamic provider.",
               "Railway → Workspace Settings → Tokens (workspace token)"),
    SecretSpec("supabaseAccessToken", "Supabase Management API token for the Supabase dynamic provider.",
               "Supabase → Account → Access Tokens (an org member with Owner/Admin role)"),
    # Payment gateways: live keys in production, test keys in every other stack.
    SecretSpec("razorpayKeyId", "Razorpay key id (rzp_live_… in production, rzp_test_… elsewhere).",
               "Razorpay Dashboard → Account & Settings → API Keys"),
    SecretSpec("razorpayKeySecret", "Razorpay key secret.", "Razorpay Dashboard → API Keys (shown once)"),
    SecretSpec("razorpayWebhookSecret", "Secret Razorpay signs webhooks with (X-Razorpay-Signature).",
               "Chosen when the webhook is added in Razorpay Dashboard → Webhooks"),
    SecretSpec("phonepeClientId", "PhonePe PG client id.", "PhonePe Business Dashboard → Developer Settings"),
    SecretSpec("phonepeClientSecret", "PhonePe PG client secret.", "PhonePe Business Dashboard → Developer Settings"),
    SecretSpec("phonepeWebhookUsername", "Username PhonePe sends in the callback Authorization hash.",
               "Chosen when the webhook is configured in the PhonePe dashboard"),
    SecretSpec("phonepeWebhookPassword", "Password PhonePe hashes into the callback Authorization header.",
               "Chosen when the webhook is configured in the PhonePe dashboard"),
    # Observability.
    SecretSpec("checklyApiKey", "Checkly API key for the uptime checks and alert channels.",
               "Checkly → User Settings → API Keys"),
    # AWS (off-site backups, log store): short-lived credentials of the stack's deploy role, by OIDC.
    SecretSpec("awsAccessKeyId", "AWS access key id of the stack's deploy role (short-lived).",
               "Pulumi ESC `fn::open::aws-login` (OIDC) in the stack's environment: ${aws.login.accessKeyId}"),
    SecretSpec("awsSecretAccessKey", "AWS secret access key of the stack's deploy role (short-lived).",
               "Pulumi ESC `fn::open::aws-login`: ${aws.login.secretAccessKey}"),
    SecretSpec("awsSessionToken", "AWS session token of the stack's deploy role.",
               "Pulumi ESC `fn::open::aws-login`: ${aws.login.sessionToken}"),
    SecretSpec("pagerdutyToken", "PagerDuty REST API token for the on-call users, schedule, escalation and service.",
               "PagerDuty → Integrations → API Access Keys (a full-access account key)"),
    SecretSpec("grafanaCloudToken", "Grafana Cloud access policy token for the stack, its scrape jobs and tokens.",
               "Grafana Cloud → Administration → Access policies (stacks, access policies, metrics scrape jobs)"),
    SecretSpec("syntheticMerchantKey", "API key of the synthetic merchant the payment-path browser check creates "
               "orders with (a secret Checkly variable).",
               "The payments API's merchant console: a dedicated synthetic merchant (test mode in staging)"),
    SecretSpec("sentryAuthToken", "Sentry token for the Sentry provider and the scrubbing dynamic provider.",
               "Sentry → Settings → Developer Settings → Internal Integration: Project Admin, Team Admin, "
               "Alerts Read & Write"),
    # Pull-request previews of the production projects get test-mode values only.
    SecretSpec("previewRazorpayKeyId", "Razorpay test key id for PR previews.", "Razorpay test-mode API Keys",
               production_only=True),
    SecretSpec("previewRazorpayKeySecret", "Razorpay test key secret for PR previews.",
               "Razorpay test-mode API Keys", production_only=True),
    SecretSpec("previewPhonepeClientId", "PhonePe sandbox client id for PR previews.",
               "PhonePe sandbox credentials", production_only=True),
    SecretSpec("previewPhonepeClientSecret", "PhonePe sandbox client secret for PR previews.",
               "PhonePe sandbox credentials", production_only=True),
    SecretSpec("previewDatabaseUrl", "Pooled URL of the database PR previews use (never production's).",
               "A non-production Supabase project or branch: Project Settings → Database", production_only=True),
    SecretSpec("previewSupabaseUrl", "Supabase URL for PR previews.", "The same non-production project",
               production_only=True),
    SecretSpec("previewSupabaseAnonKey", "Supabase anon key for PR previews.", "The same non-production project",
               production_only=True),
    SecretSpec("previewSupabaseServiceRoleKey", "Supabase service-role key for PR previews.",
               "The same non-production project", production_only=True),
)


def secrets_for(environment: str) -> tuple[SecretSpec, ...]:
    return tuple(s for s in SECRETS if environment == "production" or not s.production_only)
