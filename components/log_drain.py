"""Request logging: one Vercel log drain shipping every project's logs to the central log store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_random as random
import pulumiverse_vercel as vercel

SOURCES = ("lambda", "edge", "static", "external", "build", "firewall", "redirect")
"""Every log source Vercel offers: function, middleware, CDN, rewrites, builds, firewall decisions."""


@dataclass(frozen=True)
class VercelLogDrainArgs:
    drain_name: str
    """Name of the drain in the Vercel team."""
    endpoint: str
    """HTTPS ingest endpoint of the log store (it must answer Vercel's x-vercel-verify check)."""
    ingest_token: pulumi.Input[str]
    """Bearer token of the log store (secret)."""
    project_ids: Sequence[pulumi.Input[str]]
    """Every project of the stack."""


class VercelLogDrain(pulumi.ComponentResource):
    """Ships production and preview logs of every project, signed with a generated secret."""

    drain_id: pulumi.Output[str]

    def __init__(self, name: str, args: VercelLogDrainArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("lightspeedpay:observability:VercelLogDrain", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        # The store verifies x-vercel-signature with this secret, so forged log lines are refused.
        signing = random.RandomPassword(f"{name}-signing-secret",
                                        random.RandomPasswordArgs(length=48, special=False), opts=child)
        drain = vercel.LogDrain(
            f"{name}-drain",
            vercel.LogDrainArgs(
                name=args.drain_name,
                delivery_format="ndjson",
                endpoint=args.endpoint,
                environments=["production", "preview"],
                sources=list(SOURCES),
                project_ids=list(args.project_ids),
                headers={"Authorization": pulumi.Output.concat("Bearer ", args.ingest_token)},
                secret=signing.result,
                sampling_rate=1.0,
            ),
            opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["headers", "secret"]),
        )
        self.drain_id = drain.id
        self.register_outputs({"drainId": self.drain_id})
