"""Queue depth from Redis over RESP, with the standard library only (no redis package to pin).

One short connection per poll: AUTH, SELECT (if the URL names a database), LLEN of the queue
key (BullMQ keeps waiting jobs in a list, e.g. ``bull:payments:wait``). ``rediss://`` uses TLS.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit


class QueueError(Exception):
    """Redis could not be asked (network, auth, or an unexpected reply). Never holds the password."""


def encode(*parts: str) -> bytes:
    out = [f"*{len(parts)}\r\n".encode()]
    for part in parts:
        data = part.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class _Reader:
    def __init__(self, sock: socket.socket) -> None:
        self.file = sock.makefile("rb")

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *_: object) -> None:
        self.file.close()  # the socket's descriptor stays open while a file made from it is

    def line(self) -> bytes:
        raw = self.file.readline()
        if not raw.endswith(b"\r\n"):
            raise QueueError("Redis closed the connection mid-reply")
        return raw[:-2]

    def reply(self) -> object:
        head = self.line()
        kind, rest = head[:1], head[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RedisReplyError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            data = self.file.read(size + 2)
            return data[:-2].decode()
        if kind == b"*":
            count = int(rest)
            return None if count < 0 else [self.reply() for _ in range(count)]
        raise QueueError(f"unexpected Redis reply type {kind!r}")


class RedisReplyError(QueueError):
    """Redis answered with an error reply (e.g. WRONGPASS, WRONGTYPE)."""


@dataclass(frozen=True)
class RedisQueue:
    url: str = field(repr=False)
    key: str
    timeout: float = 5.0

    def depth(self) -> int:
        parts = urlsplit(self.url)
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise QueueError("REDIS_URL must be redis://[user:password@]host:port[/db] (or rediss://)")
        try:
            with socket.create_connection((parts.hostname, parts.port or 6379), timeout=self.timeout) as raw:
                sock: socket.socket = raw
                if parts.scheme == "rediss":
                    sock = ssl.create_default_context().wrap_socket(raw, server_hostname=parts.hostname)
                with sock, _Reader(sock) as reader:
                    return self._ask(sock, reader, parts.username, parts.password, parts.path.strip("/"))
        except RedisReplyError as error:
            text = str(error)
            if text.startswith(("WRONGPASS", "NOAUTH")):
                raise QueueError("Redis refused the credentials in REDIS_URL") from None
            raise QueueError(f"Redis answered: {text}") from None
        except OSError as error:
            where = f"{parts.hostname}:{parts.port or 6379}"
            raise QueueError(f"cannot reach Redis at {where} ({error.strerror or error})") from None

    def _ask(self, sock: socket.socket, reader: _Reader, user: str | None, password: str | None,
             database: str) -> int:

        def call(*args: str) -> object:
            sock.sendall(encode(*args))
            return reader.reply()

        if password:
            call(*(["AUTH", unquote(user)] if user else ["AUTH"]), unquote(password))
        if database and database != "0":
            call("SELECT", database)
        try:
            depth = call("LLEN", self.key)
        except RedisReplyError as error:
            if not str(error).startswith("WRONGTYPE"):
                raise
            depth = call("ZCARD", self.key)  # BullMQ's prioritized/delayed sets
        if not isinstance(depth, int):
            raise QueueError(f"Redis gave a non-integer length for {self.key!r}")
        return depth
