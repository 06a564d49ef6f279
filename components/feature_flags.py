"""Feature flags in a Vercel Edge Config, with a separate read token for production and previews."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumiverse_vercel as vercel

from config.edge import FlagValue


@dataclass(frozen=True)
class FeatureFlagsArgs:
    store_name: str
    """Edge Config name (one store per stack)."""
    flags: Mapping[str, FlagValue]
    """Flag key → value, validated by the config model."""
    preview_token: bool
    """Also mint a token for PR previews, so the production token is never given to a preview."""


class FeatureFlags(pulumi.ComponentResource):
    """An Edge Config holding the stack's flags; apps read it through the `EDGE_CONFIG` variable."""

    store_id: pulumi.Output[str]
    connection_string: pulumi.Output[str]
    preview_connection_string: pulumi.Output[str] | None

    def __init__(self, name: str, args: FeatureFlagsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("lightspeedpay:edge:FeatureFlags", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        store = vercel.EdgeConfig(f"{name}-store", vercel.EdgeConfigArgs(name=args.store_name), opts=child)
        self.store_id = store.id
        for key, value in sorted(args.flags.items()):
            vercel.EdgeConfigItem(f"{name}-{key.replace('_', '-')}",
                                  vercel.EdgeConfigItemArgs(edge_config_id=store.id, key=key, value_json=value),
                                  opts=child)
        token = vercel.EdgeConfigToken(f"{name}-token", vercel.EdgeConfigTokenArgs(
            edge_config_id=store.id, label="production"), opts=child)
        self.connection_string = pulumi.Output.secret(token.connection_string)
        self.preview_connection_string = None
        if args.preview_token:
            preview = vercel.EdgeConfigToken(f"{name}-preview-token", vercel.EdgeConfigTokenArgs(
                edge_config_id=store.id, label="previews"), opts=child)
            self.preview_connection_string = pulumi.Output.secret(preview.connection_string)
        self.register_outputs({"storeId": self.store_id})
