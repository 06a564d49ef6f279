"""`python -m ops.announce start|finish --stack NAME …`: release announcements to Slack (docs/release.md).

The release workflow posts one message when a release starts (with the maintenance window, if one is
planned) and one when it ends (each stage's result; on failure, where the rollback commands are). The
message goes to the Slack incoming webhook in `SLACK_WEBHOOK_URL` (a secret of the application
repository's GitHub environment); the webhook posts to the stack's `monitoring.slackChannel`.

Nothing secret is ever printed: not the webhook URL (it is the credential), not in errors, not with
`--dry-run` (which prints the message instead of sending it). Exit codes: 0 sent (or printed), 1 Slack
did not accept it, 2 bad usage (unknown stack, malformed argument, webhook URL missing or not https).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from ops.cli import EXIT_OK, EXIT_VIOLATIONS, fail, minutes
from ops.release import STAGES, ReleaseFacts, facts_for_command

WEBHOOK_ENV = "SLACK_WEBHOOK_URL"
RESULTS = ("success", "failure", "cancelled", "skipped")
"""What GitHub reports as a job's result (`needs.<job>.result`)."""
STEPS = ("backup", *STAGES, "verify")
"""The release's jobs a finish message reports, in the order they run."""
IST = timezone(timedelta(hours=5, minutes=30), "IST")
ATTEMPTS = 3
TIMEOUT_SECONDS = 10.0
_ICON = {"success": ":white_check_mark:", "failure": ":x:", "cancelled": ":no_entry_sign:", "skipped": ":fast_forward:"}


class AnnounceError(Exception):
    """Slack did not take the message; the text never contains the webhook URL."""


@dataclass(frozen=True)
class Release:
    facts: ReleaseFacts
    ref: str
    run_url: str
    actor: str


def _escape(text: str) -> str:
    """Slack mrkdwn control characters, so a name can never become a link or a mention."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _window(start: datetime, minutes: int) -> str:
    end = start + timedelta(minutes=minutes)
    return (f"{start:%H:%M}–{end:%H:%M} UTC ({start.astimezone(IST):%H:%M}–{end.astimezone(IST):%H:%M} IST), "
            f"{minutes} min")


def start_message(release: Release, maintenance_minutes: int, now: datetime) -> dict[str, Any]:
    facts = release.facts
    lines = [f":rocket: *Release of `{release.ref[:12]}` to {facts.stack} started* by {_escape(release.actor)}",
             "Order: backup → database migrations → API → frontend → background jobs, each smoke-tested "
             "before the next."]
    if maintenance_minutes:
        lines.append(f":construction: *Maintenance window* {_window(now, maintenance_minutes)}: checkout and "
                     f"payments may be briefly unavailable.")
    lines.append(f"<{release.run_url}|Follow the release>")
    return _payload("\n".join(lines))


def finish_message(release: Release, results: Mapping[str, str], restore_point: int | None) -> dict[str, Any]:
    facts = release.facts
    ok = all(results.get(step) == "success" for step in STEPS)
    lines = [f"{':white_check_mark:' if ok else ':rotating_light:'} *Release of `{release.ref[:12]}` to "
             f"{facts.stack} {'finished' if ok else 'did not finish'}*",
             "  ".join(f"{_ICON[results.get(step, 'skipped')]} {step}" for step in STEPS)]
    if not ok:
        deployed = [s for s in ("jobs", "frontend", "api") if results.get(s) in ("success", "failure")]
        stages = "".join(f" --stage {s}" for s in deployed)
        lines.append(f"Stopped at the first failed check. Rollback commands are in the run's summary; "
                     f"anywhere: `python -m ops.rollback --stack {facts.stack}{stages}`. "
                     f"Decide per docs/runbooks/rollback.md.")
        if restore_point is not None and results.get("migrate") in ("success", "failure"):
            lines.append(f"Database restore point (before the migrations): {restore_point} "
                         f"({datetime.fromtimestamp(restore_point, UTC):%Y-%m-%d %H:%M:%S} UTC).")
    lines.append(f"<{release.run_url}|The release run>")
    return _payload("\n".join(lines))


def _payload(text: str) -> dict[str, Any]:
    # `text` is what notifications and screen readers show; the block renders the same mrkdwn.
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def webhook_url(environ: Mapping[str, str]) -> str:
    """The webhook from the environment; ValueError (never quoting it) unless it is https (or http to loopback,
    for tests)."""
    url = environ.get(WEBHOOK_ENV, "").strip()
    if not url:
        raise ValueError(f"{WEBHOOK_ENV} is not set (the Slack incoming webhook: a secret of the GitHub environment)")
    parts = urlsplit(url)
    host = parts.hostname or ""
    loopback = host == "localhost" or (_is_ip(host) and ipaddress.ip_address(host).is_loopback)
    if not (parts.scheme == "https" and host) and not (parts.scheme == "http" and loopback):
        raise ValueError(f"{WEBHOOK_ENV} is not an https:// URL (value not shown: it is a credential)")
    return url


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def post(url: str, payload: dict[str, Any]) -> None:
    """POST the message; retry a refused or throttled delivery (429, 5xx, no connection) up to ATTEMPTS times."""
    body = json.dumps(payload).encode()
    problem = ""
    for attempt in range(1, ATTEMPTS + 1):
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        retry_after = 1.0 * attempt
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                response.read()
                return
        except urllib.error.HTTPError as exc:
            answer = exc.read(200).decode("utf-8", "replace").strip()
            exc.close()
            problem = f"HTTP {exc.code}" + (f" ({answer})" if re.fullmatch(r"[a-z_]{1,60}", answer) else "")
            if exc.code != 429 and exc.code < 500:
                break
            header = exc.headers.get("Retry-After", "") if exc.headers else ""
            retry_after = min(float(header), 5.0) if header.isdigit() else retry_after
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            problem = f"no answer ({type(reason).__name__})"
        if attempt < ATTEMPTS:
            time.sleep(retry_after)
    raise AnnounceError(f"the Slack webhook ({WEBHOOK_ENV}) did not accept the message: {problem}")


# --- arguments -------------------------------------------------------------------------------------

def _ref(text: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{7,40}", text):
        raise argparse.ArgumentTypeError(f"'{text}' is not a commit SHA (7 to 40 lowercase hex digits)")
    return text


def _https(text: str) -> str:
    if urlsplit(text).scheme != "https" or not urlsplit(text).hostname:
        raise argparse.ArgumentTypeError(f"'{text}' is not an https:// URL")
    return text



def _result(text: str) -> tuple[str, str]:
    step, sep, result = text.partition("=")
    if not sep or step not in STEPS or result not in RESULTS:
        raise argparse.ArgumentTypeError(f"'{text}' is not STEP=RESULT with STEP one of {', '.join(STEPS)} and "
                                         f"RESULT one of {', '.join(RESULTS)}")
    return step, result


def _unix(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"'{text}' is not Unix seconds")
    return int(text)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ops.announce", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--stack", required=True, help="stack name (reads Pulumi.<stack>.yaml)")
    common.add_argument("--ref", type=_ref, required=True, help="the commit being released")
    common.add_argument("--run-url", type=_https, required=True, help="the release's workflow run")
    common.add_argument("--actor", default="the release workflow", help="who started the release")
    common.add_argument("--dry-run", action="store_true", help="print the message (JSON) instead of sending it")
    kinds = p.add_subparsers(dest="kind", required=True)
    start = kinds.add_parser("start", parents=[common], help="the release begins (and its maintenance window)")
    start.add_argument("--maintenance-minutes", type=minutes, default=0,
                       help="announce a maintenance window of this many minutes from now (0: none)")
    finish = kinds.add_parser("finish", parents=[common], help="the release ended: each step's result")
    finish.add_argument("--result", type=_result, action="append", default=[], metavar="STEP=RESULT",
                        help=f"a step's result (repeatable): STEP in {', '.join(STEPS)}")
    finish.add_argument("--restore-point", type=_unix, metavar="UNIX",
                        help="the moment before the migrations (named in a failure message)")
    return p


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = parser().parse_args(argv)
    facts = facts_for_command(args.stack)
    if isinstance(facts, int):
        return facts
    release = Release(facts, args.ref, args.run_url, args.actor)
    if args.kind == "start":
        message = start_message(release, args.maintenance_minutes, datetime.now(UTC))
    else:
        message = finish_message(release, dict(args.result), args.restore_point)
    if args.dry_run:
        print(json.dumps(message, indent=2, ensure_ascii=False))
        return EXIT_OK
    try:
        url = webhook_url(os.environ if environ is None else environ)
    except ValueError as exc:
        return fail(str(exc))
    try:
        post(url, message)
    except AnnounceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_VIOLATIONS
    print(f"announced the {args.kind} of the release of {args.ref[:12]} to {facts.stack} in {facts.slack_channel}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

