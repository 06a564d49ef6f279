"""A real nginx (Debian's package) on loopback for tests: one process, one server block per port.

The listening sockets are opened here, on ephemeral loopback ports, and handed to nginx through
its own socket-inheritance mechanism (the ``NGINX`` environment variable of its binary upgrade):
no port is picked and then raced for, and a test can connect the moment the fixture returns.
Everything nginx writes (config, pid, error log, temp files) stays in the test's directory, and it
runs as the current user.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx")


def nginx_binary() -> str:
    """nginx's path; skips the calling test when it is absent, except in CI (`CI` set), which fails
    instead: CI installs it (.ci/run), so a missing nginx there is a broken run, never a skip."""
    found = shutil.which("nginx") or next((path for path in _CANDIDATES if os.access(path, os.X_OK)), None)
    if found:
        return found
    message = "nginx is not installed (Debian: apt-get install nginx-light; .ci/run does this)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must run the smoke tests, not skip them")
    pytest.skip(message)


class Nginx:
    """``servers`` maps a name to the inside of its ``server { }`` block (without ``listen``)."""

    def __init__(self, directory: Path, servers: Mapping[str, str]) -> None:
        self.directory = directory
        self.binary = nginx_binary()
        self.error_log = directory / "error.log"
        self._sockets = {name: self._listen() for name in servers}
        self.ports = {name: sock.getsockname()[1] for name, sock in self._sockets.items()}
        self.config = directory / "nginx.conf"
        self.config.write_text(self._render(servers), encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def _listen() -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        return sock

    def _render(self, servers: Mapping[str, str]) -> str:
        d = self.directory
        temp = "\n".join(f"    {kind}_temp_path {d / kind};"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        blocks = "\n".join(
            f"  server {{  # {name}\n    listen 127.0.0.1:{self.ports[name]} ssl;\n{body}\n  }}"
            for name, body in servers.items())
        # The master drops worker privileges to `user` only when it runs as root: keep them ours.
        user = ""
        if os.geteuid() == 0:
            user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
        return (f"{user}\nworker_processes 1;\npid {d / 'nginx.pid'};\nerror_log {self.error_log} notice;\n"
                f"events {{ worker_connections 256; }}\n"
                f"http {{\n    access_log off;\n{temp}\n{blocks}\n}}\n")

    def _command(self, *extra: str) -> list[str]:
        return [self.binary, "-p", str(self.directory), "-c", str(self.config), "-e", str(self.error_log), *extra]

    def start(self) -> None:
        # `nginx -t` first: a config mistake fails here with nginx's own message, not as a hung test.
        check = subprocess.run(self._command("-t", "-q"), capture_output=True, text=True, timeout=30, check=False)
        if check.returncode != 0:
            self.close_sockets()
            raise RuntimeError(f"nginx refused its test config:\n{check.stderr}{self.log()}")
        fds = [sock.fileno() for sock in self._sockets.values()]
        self.process = subprocess.Popen(
            self._command("-g", "daemon off;"), pass_fds=fds, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "NGINX": "".join(f"{fd};" for fd in fds)})
        self.close_sockets()  # nginx holds its own copies now; connections queue until a worker accepts

    def close_sockets(self) -> None:
        for sock in self._sockets.values():
            sock.close()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def log(self) -> str:
        return self.error_log.read_text(encoding="utf-8", errors="replace") if self.error_log.exists() else ""
