"""What a smoke test checks, read from the stack's typed config (the same loader the program uses)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi

from config import StackConfig, load_stack_config
from config.stackfile import REPO_ROOT, stack_file_path
from ops.offline import engine_config

STAGES = ("api", "frontend")
"""The release stages that change public hostnames (`--stage`; the release workflow smoke-tests each)."""


class UnknownStackError(ValueError):
    """No `Pulumi.<stack>.yaml` for the stack named on the command line."""


@dataclass(frozen=True)
class SmokeTarget:
    """Every figure a smoke test judges by, each from one stack setting (named in the comments)."""

    stack: str
    hostnames: tuple[str, ...]
    """Every public hostname (`domains`): certificate, TLS versions and HSTS are checked on each."""
    api_host: str
    """`domains.api`: serves the health endpoint and the gateways' webhooks."""
    checkout_host: str
    """`domains.checkout`: the hosted checkout page."""
    health_path: str
    """`monitoring.apiHealthPath`, the path the Checkly API check requests too."""
    razorpay_webhook_path: str
    """`gateways.razorpay.webhookPath`."""
    phonepe_callback_path: str
    """`gateways.phonepe.callbackPath`."""
    hsts_min_age_seconds: int
    """`tls.hsts.maxAgeSeconds`: the least max-age every hostname must announce."""
    certificate_min_days: int
    """`monitoring.sslExpiryAlertDays`: the one certificate-expiry threshold, shared with the Checkly alerts."""

    def stage_hosts(self, stage: str) -> tuple[str, ...]:
        """The hostnames a release stage deploys: `api` is the API's; `frontend` every other one (site, www,
        checkout). ValueError for any other stage."""
        if stage not in STAGES:
            raise ValueError(f"unknown stage '{stage}'; allowed: {', '.join(STAGES)}")
        return (self.api_host,) if stage == "api" else tuple(h for h in self.hostnames if h != self.api_host)

    @classmethod
    def from_config(cls, stack: str, cfg: StackConfig) -> SmokeTarget:
        return cls(
            stack=stack,
            hostnames=tuple(cfg.domains.all()),
            api_host=cfg.domains.api,
            checkout_host=cfg.domains.checkout,
            health_path=cfg.monitoring.api_health_path,
            razorpay_webhook_path=cfg.gateways.razorpay.webhook_path,
            phonepe_callback_path=cfg.gateways.phonepe.callback_path,
            hsts_min_age_seconds=cfg.tls.hsts.max_age_seconds,
            certificate_min_days=cfg.monitoring.ssl_expiry_alert_days,
        )


def known_stacks(root: Path = REPO_ROOT) -> list[str]:
    return sorted(path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in root.glob("Pulumi.*.yaml"))


def load_stack(stack: str, root: Path = REPO_ROOT) -> StackConfig:
    """The stack's config exactly as the program validates it, without the Pulumi CLI: the stack file
    is handed over the way `ops.plan` hands it to the program (ops.offline.engine_config), then the
    program's own loader validates it. Raises UnknownStackError, or ConfigError naming each bad key."""
    if not stack_file_path(stack, root).exists():
        raise UnknownStackError(f"unknown stack '{stack}' (no {stack_file_path(stack, root).name}); "
                                f"known stacks: {', '.join(known_stacks(root)) or 'none'}")
    config, placeholders, _environments = engine_config(stack, None, root)
    try:
        pulumi.runtime.set_all_config(config, placeholders)
        return load_stack_config(stack, root=root, applying=False)  # a release's checks read, never apply
    finally:
        pulumi.runtime.set_all_config({}, [])


def load_target(stack: str, root: Path = REPO_ROOT) -> SmokeTarget:
    return SmokeTarget.from_config(stack, load_stack(stack, root))
