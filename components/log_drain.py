"""Request logging: one Vercel log drain shipping every project's logs to the stack's log store (its ingest URL),
and Vercel's audit-log drain where the team's plan has one (Enterprise; otherwise a finding, docs/logs.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumiverse_vercel as vercel

SOURCES = ("lambda", "edge", "static", "external", "build", "firewall", "redirect")
"""Every log source Vercel offers: function, middleware, CDN, rewrites, builds, firewall decisions."""


@dataclass(frozen=True)
class VercelLogDrainArgs:
    drain_name: str
    """Name of the drain in the Vercel team."""
    endpoint: pulumi.Input[str]
    """The log store's ingest URL for Vercel (it answers Vercel's x-vercel-verify check)."""
    secret: pulumi.Input[str]
    """Signs every delivery (x-vercel-signature); the log store refuses what it does not sign (secret)."""
    project_ids: Sequence[pulumi.Input[str]]
    """Every project of the stack."""
    ready: Sequence[pulumi.Resource] = ()
    """What must exist first: Vercel calls the endpoint when the drain is created."""
    audit_endpoint: pulumi.Input[str] | None = None
    """The log store's ingest URL for Vercel's audit log, when the team's plan has audit-log drains."""


class VercelLogDrain(pulumi.ComponentResource):
    """Ships production and preview logs of every project, signed with the log store's drain secret."""

    drain_id: pulumi.Output[str]

    def __init__(self, name: str, args: VercelLogDrainArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("lightspeedpay:observability:VercelLogDrain", name, {}, opts)
        after_store = pulumi.ResourceOptions(parent=self, depends_on=list(args.ready),
                                             additional_secret_outputs=["secret"])
        drain = vercel.LogDrain(
            f"{name}-drain",
            vercel.LogDrainArgs(
                name=args.drain_name,
                delivery_format="ndjson",
                endpoint=args.endpoint,
                environments=["production", "preview"],
                sources=list(SOURCES),
                project_ids=list(args.project_ids),
                secret=args.secret,
                sampling_rate=1.0,
            ),
            opts=after_store,
        )
        if args.audit_endpoint is not None:
            vercel.AuditLogDrain(f"{name}-audit", vercel.AuditLogDrainArgs(http=vercel.AuditLogDrainHttpArgs(
                endpoint=args.audit_endpoint, encoding="ndjson", secret=args.secret)), opts=after_store)
        self.drain_id = drain.id
        self.register_outputs({"drainId": self.drain_id})
