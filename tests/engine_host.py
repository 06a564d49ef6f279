"""Pulumi's own dynamic-provider host, started as the engine starts it, for round-trip tests.

The engine runs `python -m pulumi.dynamic` in a fresh interpreter in the program directory (so the
by-reference pickles of `providers.*` import), reads its port from stdout, calls Configure with the
stack config, then Check/Create/Read/Diff/Update/Delete over gRPC with the `__provider` string the
program registered.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import grpc  # type: ignore[import-untyped]
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from tests.harness import REPO


def struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    json_format.ParseDict(dict(values), message)
    return message


@contextmanager
def dynamic_provider_host(
    env: Mapping[str, str], config: Mapping[str, Any], clear_prefixes: tuple[str, ...] = ("PULUMI_",)
) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """A configured host; ``env`` is added to a copy of ours without variables under ``clear_prefixes``."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(clear_prefixes)}
    environment.update(env)
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.dynamic"],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().strip())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            stub.Configure(provider_pb2.ConfigureRequest(args=struct(config), acceptSecrets=False), timeout=30)
            yield stub
    finally:
        process.kill()
        process.communicate(timeout=10)  # reaps the host and closes both of its pipes
