"""The backup tests' other servers: a local S3 with object lock (moto) and a heartbeat receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends
from moto.server import ThreadedMotoServer

from services.backup import store

REGION = "ap-south-1"
BUCKET = "lightspeedpay-test-backups"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test-key-not-real", "AWS_SECRET_ACCESS_KEY": "test-secret-not-real",
                    "AWS_SESSION_TOKEN": "test-token-not-real"}


@contextmanager
def s3_server() -> Iterator[str]:
    """moto in server mode on a loopback port (a real HTTP endpoint boto3 talks to); yields its URL."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in FAKE_CREDENTIALS.items():
            env.setenv(name, value)
        env.delenv("AWS_PROFILE", raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()
            s3_backends.reset()  # closes the objects' buffers


def create_locked_bucket(endpoint: str) -> Any:
    s3 = store.client(REGION, endpoint)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION},
                     ObjectLockEnabledForBucket=True)
    return s3


def flip_stored_bit(key: str, version_id: str, offset: int) -> None:
    """Bit rot at rest: change one stored byte behind S3's back (its recorded checksum stays)."""
    bucket = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].buckets[BUCKET]
    stored = next(k for k in bucket.keys.getlist(key) if k.version_id == version_id)
    data = bytearray(stored.value)
    data[offset] ^= 0x01
    checksum = stored.checksum_value
    stored.value = bytes(data)
    stored.checksum_value = checksum


@dataclass
class Pings:
    received: list[tuple[str, str]] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [path for path, _ in self.received]


@contextmanager
def heartbeat_server() -> Iterator[tuple[str, Pings]]:
    """A heartbeat monitor's ping endpoint: records (path, body) of every POST; yields its base URL."""
    pings = Pings()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            pings.received.append((self.path, body))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", pings
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
