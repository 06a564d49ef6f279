"""The fakes' transport: a client hanging up is normal and silent; a failing handler fails the test."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Callable

import pytest

from fakeapis.server import FakeServer, Recorded, Reply


def _eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_a_client_that_hangs_up_early_is_counted_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    client_gone = threading.Event()

    def slow(_request: Recorded) -> Reply:
        client_gone.wait(5)
        return Reply(200, raw=b"x" * 1_000_000)  # more than the socket buffers: the write meets the reset

    with FakeServer(slow) as server:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as client:
            client.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        client_gone.set()
        assert _eventually(lambda: server.hang_ups == 1), "the server never noticed the client leave"
    assert len(server.requests) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "BrokenPipeError" not in err and "ConnectionResetError" not in err


def test_an_exception_in_the_handler_fails_the_test_that_started_the_server() -> None:
    def broken(_request: Recorded) -> Reply:
        raise ValueError("the fake has a bug")

    failing_test = pytest.raises(AssertionError, match="failed on 1 request")
    with failing_test as failure, FakeServer(broken) as server, pytest.raises(OSError):  # closed, no reply
        urllib.request.urlopen(f"{server.url}/x", timeout=5)
    assert isinstance(failure.value.__cause__, ValueError)
