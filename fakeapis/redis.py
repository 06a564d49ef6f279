"""A tiny in-memory Redis speaking RESP over TCP: AUTH, SELECT, LLEN, ZCARD (what the autoscaler sends)."""

from __future__ import annotations

import socketserver
import threading
from typing import Any


class FakeRedis:
    def __init__(self, password: str) -> None:
        self.password = password
        self.lists: dict[str, list[str]] = {}
        self.sorted_sets: dict[str, set[str]] = {}
        self.commands: list[list[str]] = []
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                authed = False
                while True:
                    command = self._read_command()
                    if command is None:
                        return
                    fake.commands.append(command)
                    name = command[0].upper()
                    if name == "AUTH":
                        authed = command[-1] == fake.password
                        self._send(b"+OK\r\n" if authed else b"-WRONGPASS invalid username-password pair\r\n")
                    elif not authed:
                        self._send(b"-NOAUTH Authentication required.\r\n")
                    elif name == "SELECT":
                        self._send(b"+OK\r\n")
                    elif name == "LLEN":
                        if command[1] in fake.sorted_sets:
                            self._send(b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
                        else:
                            self._send(b":%d\r\n" % len(fake.lists.get(command[1], [])))
                    elif name == "ZCARD":
                        self._send(b":%d\r\n" % len(fake.sorted_sets.get(command[1], set())))
                    else:
                        self._send(b"-ERR unknown command\r\n")

            def _read_command(self) -> list[str] | None:
                header = self.rfile.readline()
                if not header:
                    return None
                count = int(header[1:].strip())
                parts = []
                for _ in range(count):
                    size = int(self.rfile.readline()[1:].strip())
                    parts.append(self.rfile.read(size + 2)[:-2].decode())
                return parts

            def _send(self, data: bytes) -> None:
                self.wfile.write(data)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    def url(self, password: str | None = None) -> str:
        host, port = self._server.server_address[:2]
        return f"redis://default:{password or self.password}@{host!s}:{port}"

    def set_depth(self, key: str, depth: int) -> None:
        self.lists[key] = [f"job-{i}" for i in range(depth)]

    def __enter__(self) -> FakeRedis:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
