"""A local HTTP server for the vendor fakes: records every request, can inject failures.

Vendor fakes (Railway, Supabase) pass a handler that validates each request against the vendor's
published schema and keeps state; this class only does the transport.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    """Send these bytes as-is (e.g. an HTML error page) instead of JSON."""
    delay: float = 0.0


Handler = Callable[[Recorded], Reply]


class FakeServer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Recorded] = []
        self.failures: list[Reply] = []
        """Replies served (in order) before the handler sees requests again."""
        self.hang_ups = 0
        """Replies the client did not wait for (it closed the connection first)."""
        self.errors: list[Exception] = []
        """Exceptions the handler raised: a bug in the fake or the test, never a vendor's answer."""
        self._lock = threading.Lock()
        self._closing = threading.Event()
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except json.JSONDecodeError:
                    body = raw.decode("utf-8", "replace")
                recorded = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with fake._lock:
                    fake.requests.append(recorded)
                    reply = fake.failures.pop(0) if fake.failures else None
                if reply is None:
                    try:
                        reply = fake.handler(recorded)
                    except Exception as exc:
                        fake.errors.append(exc)
                        raise  # socketserver prints it; __exit__ fails the test that started the server
                if reply.delay:
                    fake._closing.wait(reply.delay)  # a slow vendor, cut short when the test ends
                payload = (
                    reply.raw
                    if reply.raw is not None
                    else (b"" if reply.body is None else json.dumps(reply.body).encode())
                )
                try:
                    self.send_response(reply.status)
                    content_type = "text/html" if reply.raw is not None else "application/json"
                    self.send_header("Content-Type", reply.headers.pop("content-type", content_type))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    # The client hung up before the reply, as a client that timed out on a slow vendor
                    # does: normal, and counted for the tests that provoke it. Nothing else is caught.
                    with fake._lock:
                        fake.hang_ups += 1

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        # A short poll interval: shutdown() waits up to one interval, once per test that starts a server.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        if self.errors and exc_type is None:
            raise AssertionError(f"the fake API failed on {len(self.errors)} request(s)") from self.errors[0]
