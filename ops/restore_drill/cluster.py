"""A throwaway PostgreSQL server: initdb into a temporary directory, pg_ctl on a free loopback port.

PostgreSQL refuses to run as root, so when the caller is root (CI, a developer's container) the
server programs run as an unprivileged user: ``LSP_PG_USER`` if set, else ``lsp-test`` (which
`.ci/run` creates) if it exists, else ``nobody``. The directory is made for and owned by that
user; the client programs (pg_restore, psql) keep running as the caller and connect over TCP.
Durability is off (fsync, full-page writes): nothing here outlives the drill.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

from services.backup.pg import PostgresError, Program, find_program

DEFAULT_USERS = ("lsp-test", "nobody")
_START_ATTEMPTS = 3


def server_user() -> pwd.struct_passwd | None:
    """The user the server programs run as; None to run them as the caller (who is not root)."""
    if os.geteuid() != 0:
        return None
    names = [os.environ["LSP_PG_USER"]] if os.environ.get("LSP_PG_USER") else list(DEFAULT_USERS)
    for name in names:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresError(f"running as root and none of the users {', '.join(names)} exists to run PostgreSQL as "
                        f"(initdb refuses root); create one: useradd --system --no-create-home lsp-test")


class TemporaryCluster:
    """``with TemporaryCluster(major=17) as cluster: cluster.dsn("postgres")`` — gone on exit."""

    def __init__(self, major: int | None = None, bindir: Path | None = None) -> None:
        self.postgres: Program = find_program("postgres", major=major, bindir=bindir)
        self.bindir = self.postgres.path.parent
        self.directory: Path | None = None
        self.port = 0
        self._run_as: dict[str, Any] = {}

    @property
    def version(self) -> str:
        return self.postgres.version

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname} connect_timeout=10"

    def start(self) -> TemporaryCluster:
        user = server_user()
        directory = Path(tempfile.mkdtemp(prefix="lsp-pg-"))
        self.directory = directory
        self._run_as = {"cwd": directory}
        if user is not None:
            os.chown(directory, user.pw_uid, user.pw_gid)
            self._run_as.update(user=user.pw_uid, group=user.pw_gid, extra_groups=[])
        try:
            self._program("initdb", "--pgdata", str(directory / "data"), "--username=postgres", "--auth=trust",
                          "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions")
            self._start_on_a_free_port(directory)
        except BaseException:
            self.stop()  # `with` does not call __exit__ when __enter__ fails: leave nothing behind
            raise
        return self

    def _start_on_a_free_port(self, directory: Path) -> None:
        for attempt in range(_START_ATTEMPTS):
            self.port = _free_port()
            options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={directory} "
                       "-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=40")
            try:
                self._program("pg_ctl", "start", "--pgdata", str(directory / "data"), "--wait", "--timeout=60",
                              "--log", str(directory / "server.log"), "-o", options)
                return
            except PostgresError:
                if attempt == _START_ATTEMPTS - 1:
                    raise  # else another process took the port between the probe and the start: retry

    def stop(self) -> None:
        if self.directory is None:
            return
        try:
            if (self.directory / "data" / "postmaster.pid").exists():
                self._program("pg_ctl", "stop", "--pgdata", str(self.directory / "data"), "--mode=fast", "--wait")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> TemporaryCluster:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def _program(self, name: str, *args: str) -> None:
        result = subprocess.run([str(self.bindir / name), *args], capture_output=True, text=True, check=False,
                                **self._run_as)
        if result.returncode != 0:
            log = self.directory / "server.log" if self.directory else None
            tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log and log.exists() else []
            raise PostgresError(f"{name} failed (exit {result.returncode}): "
                                + " | ".join([*result.stderr.strip().splitlines()[-3:], *tail]))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
