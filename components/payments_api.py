"""The payments API: its Vercel project, and the signing secrets Pulumi generates for it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_random as random
from pulumiverse_vercel._inputs import FirewallConfigManagedRulesetsArgs, FirewallConfigRulesRuleArgs

from config.edge import FirewallConfig, VercelConfig

from .app_env import EnvVar
from .web_app import VercelWebApp, VercelWebAppArgs

EnvBuilder = Callable[[pulumi.Output[str], pulumi.Output[str] | None], Sequence[EnvVar]]


@dataclass(frozen=True)
class PaymentsApiArgs:
    project_name: str
    """Vercel project name of the API."""
    root_directory: str
    """Directory of the API inside the monorepo."""
    vercel: VercelConfig
    """Git, protection, runtime and function placement settings of the stack."""
    domain: str
    """The API's public hostname."""
    env: EnvBuilder
    """Builds the API's variables from (JWT secret, preview JWT secret or None)."""
    firewall: FirewallConfig
    """The stack's firewall settings."""
    firewall_rules: Sequence[FirewallConfigRulesRuleArgs]
    """Allowlists and the rate limit, in evaluation order."""
    managed_rulesets: FirewallConfigManagedRulesetsArgs
    """OWASP and bot-protection managed rules (bots logged, not challenged: machine clients)."""


def _signing_secret(name: str, parent: pulumi.Resource) -> pulumi.Output[str]:
    """64 random characters of every class: generated, never typed or seen by a person."""
    password = random.RandomPassword(
        name, random.RandomPasswordArgs(length=64, special=True, override_special="-_.~",
                                        min_lower=8, min_upper=8, min_numeric=8, min_special=4),
        opts=pulumi.ResourceOptions(parent=parent))
    return password.result


class PaymentsApi(pulumi.ComponentResource):
    """The API project (functions in the configured Indian region) and its generated JWT secrets."""

    app: VercelWebApp
    project_id: pulumi.Output[str]

    def __init__(self, name: str, args: PaymentsApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("lightspeedpay:edge:PaymentsApi", name, {}, opts)
        jwt_secret = _signing_secret(f"{name}-jwt-secret", self)
        # Previews get their own secret: a token minted on a preview must never verify in production.
        preview_jwt = _signing_secret(f"{name}-preview-jwt-secret", self) if args.vercel.previews else None
        self.app = VercelWebApp(
            name,
            VercelWebAppArgs(role="api", project_name=args.project_name, root_directory=args.root_directory,
                             vercel=args.vercel, domains=[args.domain], env=list(args.env(jwt_secret, preview_jwt)),
                             firewall=args.firewall, firewall_rules=args.firewall_rules,
                             managed_rulesets=args.managed_rulesets),
            opts=pulumi.ResourceOptions(parent=self))
        self.project_id = self.app.project_id
        self.register_outputs({"projectId": self.project_id})
