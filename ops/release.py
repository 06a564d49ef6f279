"""`python -m ops.release --stack NAME`: what a release of the stack deploys, and where (docs/release.md).

One place for the names a release needs, read from the stack's config with the program's own loader:
the release workflow takes them as job outputs (`--github-output`), `ops.rollback` and `ops.announce`
build their commands and messages from them. Nothing here needs a credential or the network.

Exit codes: 0 printed, 2 bad usage (unknown stack, invalid stack file).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from config import ConfigError, StackConfig
from ops.cli import EXIT_OK, fail
from ops.smoke.target import SmokeTarget, UnknownStackError, load_stack

Stage = Literal["migrate", "api", "frontend", "jobs"]
STAGES: tuple[Stage, ...] = ("migrate", "api", "frontend", "jobs")
"""The guide's order (Deployment Process): database migrations, the API, the frontend, background jobs."""

PULUMI_ORGANIZATION = "lightspeedpay"
"""The Pulumi Cloud organization that holds the stacks (README, "Using the real Pulumi CLI")."""


@dataclass(frozen=True)
class ReleaseFacts:
    """The stack's names a release reads; each field says which setting (or naming rule) it comes from."""

    stack: str
    pulumi_stack: str
    """`lightspeedpay/<stack>`: the fully qualified stack the CLI commands name."""
    environment: str
    """`environment`: also the name of the application repository's GitHub environment the jobs run in."""
    vercel_scope: str
    """`vercel.team`: every Vercel CLI command runs with `--scope` set to it."""
    api_project: str
    """`<name prefix>-api`, the payments API's Vercel project (components/stack.py)."""
    web_project: str
    """`<name prefix>-web`, the site and checkout's Vercel project (components/stack.py)."""
    api_hosts: tuple[str, ...]
    """`domains.api`: what the API stage smoke-tests."""
    frontend_hosts: tuple[str, ...]
    """`domains.site`, `.www`, `.checkout`: what the frontend stage smoke-tests."""
    railway_project: str
    """`jobs.projectName`."""
    railway_environment: str
    """`jobs.environmentName`."""
    worker_service: str
    """`<name prefix>-worker`, the worker's Railway service (components/jobs.py)."""
    supabase_project: str
    """`database.projectName` (its ref is the stack output `supabaseProjectRef`)."""
    pitr_days: int
    """`database.pitrDays`: how far back a point-in-time restore can go (0: no PITR)."""
    rpo_minutes: int
    """`database.recovery.rpoMinutes`."""
    rto_minutes: int
    """`database.recovery.rtoMinutes`."""
    slack_channel: str
    """`monitoring.slackChannel`: where the release announcements go (the webhook posts there)."""
    node_version: str
    """`vercel.nodeVersion`: the Node.js the migrations run on, the one Vercel builds the application with."""
    rolling_release: bool
    """`vercel.rollingRelease` is set: `vercel promote` starts a rolling release the release then completes."""
    soak_minutes: int
    """`vercel.rollingRelease.soakMinutes`: how long the canary is watched before it gets all traffic (0 without)."""

    @classmethod
    def from_config(cls, stack: str, cfg: StackConfig) -> ReleaseFacts:
        prefix = cfg.name_prefix
        smoked = SmokeTarget.from_config(stack, cfg)  # the smoke test's split of hostnames by stage
        return cls(
            stack=stack, pulumi_stack=f"{PULUMI_ORGANIZATION}/{stack}", environment=cfg.environment,
            vercel_scope=cfg.vercel.team, api_project=f"{prefix}-api", web_project=f"{prefix}-web",
            api_hosts=smoked.stage_hosts("api"), frontend_hosts=smoked.stage_hosts("frontend"),
            railway_project=cfg.jobs.project_name, railway_environment=cfg.jobs.environment_name,
            worker_service=f"{prefix}-worker", supabase_project=cfg.database.project_name,
            pitr_days=cfg.database.pitr_days, rpo_minutes=cfg.database.recovery.rpo_minutes,
            rto_minutes=cfg.database.recovery.rto_minutes, slack_channel=cfg.monitoring.slack_channel,
            node_version=cfg.vercel.node_version, rolling_release=cfg.vercel.rolling_release is not None,
            soak_minutes=cfg.vercel.rolling_release.soak_minutes if cfg.vercel.rolling_release else 0)

    def vercel_project(self, stage: Stage) -> str:
        if stage == "api":
            return self.api_project
        if stage == "frontend":
            return self.web_project
        raise ValueError(f"stage '{stage}' deploys no Vercel project")

    def hosts(self, stage: Stage) -> tuple[str, ...]:
        """The public hostnames a stage changes (the jobs and the migrations serve none)."""
        return {"api": self.api_hosts, "frontend": self.frontend_hosts}.get(stage, ())

    def outputs(self) -> dict[str, str]:
        """`key=value` pairs for `$GITHUB_OUTPUT` (kebab-case keys; lists space-separated)."""
        return {
            "stack": self.stack, "pulumi-stack": self.pulumi_stack, "vercel-scope": self.vercel_scope,
            "api-project": self.api_project, "web-project": self.web_project,
            "api-hosts": " ".join(self.api_hosts), "frontend-hosts": " ".join(self.frontend_hosts),
            "railway-project": self.railway_project, "railway-environment": self.railway_environment,
            "worker-service": self.worker_service, "supabase-project": self.supabase_project,
            "node-version": self.node_version,
            "rolling-release": "true" if self.rolling_release else "false", "soak-minutes": str(self.soak_minutes),
        }


def load_facts(stack: str) -> ReleaseFacts:
    """Raises UnknownStackError or ConfigError (each names the stack or key)."""
    return ReleaseFacts.from_config(stack, load_stack(stack))


def _commit(text: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{40}", text):
        raise argparse.ArgumentTypeError(f"'{text}' is not a full commit SHA (40 lowercase hex digits): a release "
                                         f"names the exact commit, never a branch or tag that can move")
    return text


def config_for_command(stack: str) -> StackConfig | int:
    """The stack's config for a command line, or the exit code (2) after one message naming the problem."""
    try:
        return load_stack(stack)
    except UnknownStackError as exc:
        return fail(f"--stack: {exc}")
    except ConfigError as exc:
        return fail(str(exc))


def facts_for_command(stack: str) -> ReleaseFacts | int:
    """load_facts for a command line: the facts, or the exit code (2) after one message naming the problem."""
    cfg = config_for_command(stack)
    return cfg if isinstance(cfg, int) else ReleaseFacts.from_config(stack, cfg)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ops.release", description=__doc__.splitlines()[0])
    p.add_argument("--stack", required=True, help="stack name (reads Pulumi.<stack>.yaml)")
    p.add_argument("--ref", type=_commit, help="the commit to release (checked, and echoed as ref=)")
    p.add_argument("--github-output", type=Path, metavar="FILE",
                   help="append the names as key=value lines to FILE (the workflow passes $GITHUB_OUTPUT)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    facts = facts_for_command(args.stack)
    if isinstance(facts, int):
        return facts
    outputs = facts.outputs() | ({"ref": args.ref} if args.ref else {})
    lines = [f"{key}={value}" for key, value in outputs.items()]
    if args.github_output is not None:
        with args.github_output.open("a", encoding="utf-8") as out:
            out.write("".join(line + "\n" for line in lines))
    print("\n".join(lines))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
