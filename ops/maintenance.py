"""`python -m ops.maintenance --stack NAME --minutes N`: is this release's maintenance planned and announced?

The status page's maintenance windows are declared in the stack file (`lightspeedpay:monitoring.
maintenanceWindows`): a reviewed change that `pulumi up` puts on the public status page, which emails the
page's subscribers reminders before it starts and a notice when it starts and ends. A release that asks for
downtime (the release workflow's `maintenance-minutes`) may start only inside such a window: the same
declaration is then what merchants were told, what silences the stack's alerts, and what the release
announces. No API is called; the command reads the stack's config (docs/observability.md).

Exit codes: 0 no maintenance asked, or the release fits a declared window; 1 it fits none (declare one
first); 2 bad usage (unknown stack, invalid stack file, a malformed time).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from config import StackConfig
from config.monitoring import MaintenanceWindowConfig
from ops.cli import EXIT_OK, EXIT_VIOLATIONS, minutes
from ops.release import config_for_command


def covering(cfg: StackConfig, start: datetime, minutes: int) -> MaintenanceWindowConfig | None:
    """The first declared window that holds the whole of [start, start + minutes]."""
    end = start + timedelta(minutes=minutes)
    return next((w for w in cfg.monitoring.maintenance_windows if w.starts_at <= start and end <= w.ends_at), None)


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"'{text}' has no UTC offset (add 'Z' or '+05:30')")
    return value



def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ops.maintenance", description=__doc__.splitlines()[0])
    p.add_argument("--stack", required=True, help="stack name (reads Pulumi.<stack>.yaml)")
    p.add_argument("--minutes", type=minutes, required=True, help="the downtime the release asks for (0: none)")
    p.add_argument("--at", type=_instant, help="when the release starts (ISO 8601; default: now)")
    p.add_argument("--github-output", type=Path, metavar="FILE",
                   help="append maintenance-window=<name> to FILE (the workflow passes $GITHUB_OUTPUT)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    cfg = config_for_command(args.stack)
    if isinstance(cfg, int):
        return cfg
    if args.minutes == 0:
        print("No maintenance asked: the release must not take anything down.")
        return EXIT_OK
    start = args.at or datetime.now(UTC)
    window = covering(cfg, start, args.minutes)
    if window is None:
        print(f"error: a release asking for {args.minutes} minutes of maintenance from {start:%Y-%m-%d %H:%M} UTC fits "
              f"no declared window of stack '{args.stack}'. Declare it in lightspeedpay:monitoring.maintenanceWindows "
              f"(a reviewed change: `pulumi up` puts it on the status page and reminds its subscribers), then release "
              f"inside it.", file=sys.stderr)
        return EXIT_VIOLATIONS
    print(f"Maintenance '{window.name}' ({window.starts_at:%Y-%m-%d %H:%M}–{window.ends_at:%H:%M} UTC, "
          f"{', '.join(window.components)}, {window.severity}) is on the status page: subscribers were told.")
    if args.github_output is not None:
        with args.github_output.open("a", encoding="utf-8") as out:
            out.write(f"maintenance-window={window.name}\n")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
