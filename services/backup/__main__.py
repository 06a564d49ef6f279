"""`python -m services.backup`: one backup run, the scheduled task's command.

Exit 0 stored, 1 failed (the failure URL is pinged), 2 bad settings (nothing run).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from .heartbeat import ping
from .job import BackupError, log_event, run_backup
from .pg import redact, split_password
from .settings import SettingsError, failure_url_of, load_settings

EXIT_OK, EXIT_FAILED, EXIT_BAD_SETTINGS = 0, 1, 2


def main(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    try:
        settings = load_settings(env)
    except SettingsError as error:
        log_event({"event": "invalid-settings", "error": str(error)})
        print(f"error: {error}", file=sys.stderr)
        failure_url = failure_url_of(env)
        if failure_url:
            ping(failure_url, f"backup not run: {error}")
        return EXIT_BAD_SETTINGS
    try:
        result = run_backup(settings)
    except BackupError as error:
        return _failed(settings.failure_url, error.stage, str(error))
    except Exception as error:  # a bug or an unforeseen failure: still page, never with a secret in it
        message = redact(f"{type(error).__name__}: {error}", _password(settings.database_url))
        return _failed(settings.failure_url, "unexpected", message)
    if result.missing_tables:
        return _failed(settings.failure_url, "verify",
                       f"backup {result.manifest.key} is stored, but critical tables are missing from the database: "
                       f"{', '.join(result.missing_tables)} (services/backup/verification.toml)")
    problem = ping(settings.heartbeat_url, f"backup {result.manifest.key} stored, version {result.manifest.version_id}")
    if problem:
        # The backup is stored; the monitor will page for the missed ping, which is the safe side.
        log_event({"event": "heartbeat-failed", "error": problem})
    return EXIT_OK


def _failed(failure_url: str | None, stage: str, message: str) -> int:
    log_event({"event": "backup-failed", "stage": stage, "error": message})
    print(f"error: backup failed: {message}", file=sys.stderr)
    if failure_url:
        problem = ping(failure_url, f"backup failed ({stage}): {message}")
        if problem:
            log_event({"event": "failure-ping-failed", "error": problem})
    return EXIT_FAILED


def _password(dsn: str) -> str | None:
    try:
        return split_password(dsn)[1]
    except Exception:
        return None


if __name__ == "__main__":
    sys.exit(main())
