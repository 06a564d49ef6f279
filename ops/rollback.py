"""`python -m ops.rollback --stack NAME`: the exact commands that roll a release back (docs/runbooks/rollback.md).

The one source of rollback commands: the release workflow prints them (with the deployment ids and the
restore point it recorded) when a stage fails, and the rollback runbook shows them. Each command names
the stack's real projects, services and scope (from its config, through `ops.release`); what only a
release knows (the deployment that was live before it, the moment before its migrations) is filled in
when given, else left as a shell variable with the command that finds it.

Stages are printed newest first, the order to undo them: jobs, frontend, api, database, infrastructure.
Exit codes: 0 printed, 2 bad usage (unknown stack, malformed id, a restore point PITR cannot reach).
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ops.cli import EXIT_OK, fail
from ops.release import ReleaseFacts, facts_for_command

ROLLBACK_STAGES = ("jobs", "frontend", "api", "database", "infrastructure")
"""Undo order: the reverse of the release (ops.release.STAGES), then the infrastructure itself."""
VERCEL_TIMEOUT = "5m"
"""How long `vercel rollback` / `vercel promote` wait for the domains to move before they give up."""
SUPABASE_API = "https://api.supabase.com"

_VERCEL_DEPLOYMENT = re.compile(r"^(dpl_[A-Za-z0-9]{8,64}|https://[a-z0-9.-]+\.vercel\.app)$")
_RAILWAY_DEPLOYMENT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_PREVIOUS_KEYS = ("api", "frontend", "jobs")


@dataclass(frozen=True)
class Known:
    """What the release recorded; each None becomes a shell variable with the command that finds it."""

    previous: dict[str, str] = field(default_factory=dict)
    """Stage → the deployment that was live before the release (Vercel `dpl_…`/URL, Railway id)."""
    released: dict[str, str] = field(default_factory=dict)
    """Stage → the deployment the release promoted (for aborting a rolling release)."""
    restore_point: int | None = None
    """Unix seconds just before the migrations: the PITR target that undoes them."""


@dataclass(frozen=True)
class Action:
    stage: str
    title: str
    note: str
    commands: tuple[str, ...]


def _q(value: str) -> str:
    return shlex.quote(value)


def _vercel(facts: ReleaseFacts, stage: str, known: Known) -> Action:
    project = facts.vercel_project("api" if stage == "api" else "frontend")
    scope = f"--scope {_q(facts.vercel_scope)}"
    previous = known.previous.get(stage)
    commands = []
    if facts.rolling_release:
        released = known.released.get(stage)
        if released is None:
            commands.append(f"vercel rolling-release fetch --project {_q(project)} {scope}"
                            "   # RELEASED_DEPLOYMENT: the canary of the active rolling release, if any")
        commands.append(f"vercel rolling-release abort --project {_q(project)} {scope} --dpl "
                        + (_q(released) if released else '"$RELEASED_DEPLOYMENT"')
                        + "   # while the release is still at its canary; once it completed, the rollback below")
    if previous is None:
        commands.append(f"vercel list {_q(project)} --environment production --status READY {scope}"
                        "   # PREVIOUS_DEPLOYMENT: the newest one the release did not create")
        commands.append(f'vercel rollback "$PREVIOUS_DEPLOYMENT" --yes --timeout {VERCEL_TIMEOUT} {scope}')
    else:
        commands.append(f"vercel rollback {_q(previous)} --yes --timeout {VERCEL_TIMEOUT} {scope}")
    hosts = ", ".join(facts.hosts("api" if stage == "api" else "frontend"))
    return Action(stage, f"{'API' if stage == 'api' else 'Frontend'}: Vercel instant rollback of {project}",
                  f"Moves {hosts} back to the previous production deployment in seconds (no rebuild). Vercel never "
                  f"gives the domains to a new deployment by itself (automatic assignment is off, docs/gates.md): "
                  f"the next release's `vercel promote` moves them forward again.", tuple(commands))


def _railway(facts: ReleaseFacts, known: Known) -> Action:
    where = f"--service {_q(facts.worker_service)} --environment {_q(facts.railway_environment)}"
    mutation = _q("mutation($id: String!) { deploymentRollback(id: $id) }")
    previous = known.previous.get("jobs")
    commands: tuple[str, ...]
    if previous is None:
        commands = (f"railway deployment list {where} --limit 5 --json"
                    "   # PREVIOUS_DEPLOYMENT: the newest SUCCESS/REMOVED one before the release's",
                    f'railway api {mutation} --var "id=$PREVIOUS_DEPLOYMENT"')
    else:
        commands = (f"railway api {mutation} --var {_q('id=' + previous)}",)
    return Action("jobs", f"Background jobs: Railway rollback of {facts.worker_service}",
                  f"Redeploys the worker's previous deployment (its image and variables) in "
                  f"{facts.railway_project}/{facts.railway_environment}; draining lets running jobs finish. "
                  f"Needs RAILWAY_TOKEN (a project token of that environment).", commands)


def _database(facts: ReleaseFacts, known: Known) -> Action:
    ref = f'"$(pulumi stack output supabaseProjectRef --stack {facts.pulumi_stack})"'
    if facts.pitr_days == 0:
        return Action("database", f"Database: restore {facts.supabase_project} from a daily backup",
                      "PITR is off for this stack (database.pitrDays 0): the newest restorable point is the "
                      "last daily backup (docs/runbooks/database-restore.md).",
                      (f"supabase backups list --project-ref {ref}",))
    if known.restore_point is None:
        when, restored = '"$RESTORE_POINT"', "RESTORE_POINT (Unix seconds)"
        data = '"{\\"recovery_time_target_unix\\": $RESTORE_POINT}"'
    else:
        when = str(known.restore_point)
        restored = datetime.fromtimestamp(known.restore_point, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        data = _q(json.dumps({"recovery_time_target_unix": known.restore_point}))
    return Action(
        "database", f"Database: point-in-time restore of {facts.supabase_project} to {restored}",
        f"LAST RESORT, an incident commander's decision: every write after that moment is lost (payments "
        f"included: reconcile them from the gateways afterwards). The project is unavailable while it restores; "
        f"the stack's RTO is {facts.rto_minutes} min, its RPO {facts.rpo_minutes} min "
        f"(docs/runbooks/database-restore.md). Needs SUPABASE_ACCESS_TOKEN.",
        (f"supabase backups restore --project-ref {ref} --timestamp {when}",
         f"curl -sS -X POST \"{SUPABASE_API}/v1/projects/$(pulumi stack output supabaseProjectRef --stack "
         f"{facts.pulumi_stack})/database/backups/restore-pitr\" -H \"Authorization: Bearer $SUPABASE_ACCESS_TOKEN\" "
         f"-H 'Content-Type: application/json' --data {data}   # the same restore through the Management API"))


def _infrastructure(facts: ReleaseFacts) -> Action:
    stack = facts.pulumi_stack
    pack = f"--policy-pack policies --policy-pack-config policies/config/{facts.stack}.json"
    return Action(
        "infrastructure", f"Infrastructure: re-apply the last good configuration of {stack}",
        "Only when the release also changed the infrastructure. Find the last good update's commit in the "
        "history (`environment.\"git.head\"` in --json), check it out, and apply it with the policy pack.",
        (f"pulumi stack history --stack {stack} --json --page-size 5",
         'git checkout "$LAST_GOOD_COMMIT"',
         "pulumi install && pulumi install -C policies",
         f"pulumi up --stack {stack} {pack}"))


def rollback_plan(facts: ReleaseFacts, known: Known, stages: tuple[str, ...] = ROLLBACK_STAGES) -> list[Action]:
    """The actions for ``stages``, always in undo order."""
    actions = []
    for stage in ROLLBACK_STAGES:
        if stage not in stages:
            continue
        if stage in ("api", "frontend"):
            actions.append(_vercel(facts, stage, known))
        elif stage == "jobs":
            actions.append(_railway(facts, known))
        elif stage == "database":
            actions.append(_database(facts, known))
        else:
            actions.append(_infrastructure(facts))
    return actions


def render(facts: ReleaseFacts, actions: list[Action], markdown: bool = False) -> str:
    title = f"Rollback of stack '{facts.stack}' (newest stage first; docs/runbooks/rollback.md)"
    lines = [f"### {title}" if markdown else title]
    for number, action in enumerate(actions, 1):
        if markdown:
            lines += ["", f"{number}. **{action.title}**. {action.note}", "", "   ```bash",
                      *(f"   {command}" for command in action.commands), "   ```"]
        else:
            lines += ["", f"# {number}. {action.title}", f"#    {action.note}", *action.commands]
    return "\n".join(lines)


# --- arguments -------------------------------------------------------------------------------------

def _previous(text: str) -> tuple[str, str]:
    stage, sep, value = text.partition("=")
    if not sep or stage not in _PREVIOUS_KEYS:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not STAGE=DEPLOYMENT with STAGE one of {', '.join(_PREVIOUS_KEYS)}")
    pattern, what = ((_RAILWAY_DEPLOYMENT, "a Railway deployment id (a UUID)") if stage == "jobs"
                     else (_VERCEL_DEPLOYMENT, "a Vercel deployment id (dpl_…) or https://….vercel.app URL"))
    if not pattern.match(value):
        raise argparse.ArgumentTypeError(f"'{value}' for {stage} is not {what}")
    return stage, value


def _restore_point(text: str) -> int:
    try:
        value = int(text) if text.isdigit() else int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is neither Unix seconds nor an ISO 8601 time") from None
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ops.rollback", description=__doc__.splitlines()[0])
    p.add_argument("--stack", required=True, help="stack name (reads Pulumi.<stack>.yaml)")
    p.add_argument("--stage", action="append", choices=ROLLBACK_STAGES, default=[],
                   help="only this stage (repeatable); default: every stage")
    p.add_argument("--previous", type=_previous, action="append", default=[], metavar="STAGE=DEPLOYMENT",
                   help="the deployment live before the release: api=dpl_…, frontend=dpl_…, jobs=<Railway id>")
    p.add_argument("--released", type=_previous, action="append", default=[], metavar="STAGE=DEPLOYMENT",
                   help="the deployment the release promoted (to abort a rolling release of it)")
    p.add_argument("--restore-point", type=_restore_point, metavar="TIME",
                   help="the PITR target: Unix seconds or ISO 8601 (the release records the moment before its "
                        "migrations)")
    p.add_argument("--markdown", action="store_true", help="Markdown (a job summary) instead of text")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    facts = facts_for_command(args.stack)
    if isinstance(facts, int):
        return facts
    if args.restore_point is not None:
        now = int(time.time())
        if args.restore_point > now:
            return fail(f"--restore-point: {args.restore_point} is in the future")
        if facts.pitr_days and args.restore_point < now - facts.pitr_days * 86_400:
            return fail(f"--restore-point: older than the stack's PITR window of {facts.pitr_days} days "
                        f"(database.pitrDays)")
    known = Known(previous=dict(args.previous), released=dict(args.released), restore_point=args.restore_point)
    stages = tuple(args.stage) or ROLLBACK_STAGES
    print(render(facts, rollback_plan(facts, known, stages), args.markdown))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
