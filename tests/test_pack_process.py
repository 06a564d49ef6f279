"""Tier C: the real pack process, started as the CLI starts it, spoken to over gRPC.

`pulumi preview --policy-pack policies` has the Python language host run `python policies` (the
pack directory as the program, PYTHONUNBUFFERED set); `PolicyPack(...)` prints its port on stdout and
serves the Analyzer service. Here the same process answers the same requests as the in-process
servicer behind ops.plan, and the answers must match exactly.
"""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import grpc  # type: ignore[import-untyped]
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime import proto

from config import PROJECT
from ops.analysis import POLICY_DIR, PolicyRun, Violation, over_grpc, policy_config_path
from ops.resources import STACK_TYPE, PlannedResource
from tests.harness import REPO, analyze, plan, resources, secret


@contextmanager
def pack_process(exit_codes: list[int]) -> Iterator[proto.AnalyzerStub]:
    """The running pack's stub; on exit the process is interrupted and its exit code appended."""
    # No PULUMI_* variables: with PULUMI_PROJECT/STACK/DRY_RUN set the SDK would reconfigure itself.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    env["PYTHONUNBUFFERED"] = "1"  # the language host sets it; PolicyPack writes the port without a flush
    process = subprocess.Popen(
        [sys.executable, POLICY_DIR.name, "127.0.0.1:0"],  # argv[1] is the engine address, which Python ignores
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode().strip()
        if not line.isdigit():
            process.kill()
            _, err = process.communicate(timeout=10)
            pytest.fail(f"the pack printed {line!r} instead of a port; stderr:\n{err.decode()}")
        with grpc.insecure_channel(f"127.0.0.1:{int(line)}") as channel:
            grpc.channel_ready_future(channel).result(timeout=10)
            yield proto.AnalyzerStub(channel)
    finally:
        if process.poll() is None:
            # PolicyPack stops its server on KeyboardInterrupt once it sleeps in its serving loop (it is,
            # after answering RPCs; an interrupt right after the port is printed would escape its handler).
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        exit_codes.append(process.returncode)


def _mutated_production() -> list[PlannedResource]:
    """The production plan with a handful of careless edits, so there is something to compare."""
    items = resources("production")
    for resource in items:
        if resource.type == "cloudflare:index/zoneSetting:ZoneSetting" and resource.inputs["settingId"] == "ssl":
            resource.inputs["value"] = resource.outputs["value"] = "flexible"
        if resource.type == "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable" \
                and resource.inputs["key"] == "RAZORPAY_KEY_SECRET":
            resource.inputs["sensitive"] = resource.outputs["sensitive"] = False
        if resource.type == STACK_TYPE:
            facts = copy.deepcopy(resource.outputs["facts"])
            del facts["attestations"]["security-audit"]
            facts["attestations"]["security-scan"]["validUntil"] = "2020-01-01"
            facts["domains"]["api"] = "payments.example.org"
            resource.outputs = {**resource.outputs, "facts": facts, "leak": secret("never-printed")}
    return items


def _key(violations: list[Violation]) -> list[tuple[str, str, str, str, str, bool]]:
    return sorted((v.policy, v.enforcement, v.urn, v.message, v.severity, v.not_verified) for v in violations)


def test_the_pack_process_answers_like_the_in_process_servicer() -> None:
    clean = plan("production").resources
    mutated = _mutated_production()
    exit_codes: list[int] = []
    with pack_process(exit_codes) as stub:
        info = stub.GetAnalyzerInfo(empty_pb2.Empty())
        remote = PolicyRun("production", PROJECT, policy_config_path("production"), analyzer=over_grpc(stub))
        remote_clean = remote.analyze(clean)
        remote_mutated = remote.analyze(mutated)

    assert exit_codes == [0], "the pack process did not stop cleanly on SIGINT"
    local = PolicyRun("production", PROJECT, policy_config_path("production"))
    assert info.name == local.info.name == "lightspeedpay"
    assert [p.name for p in info.policies] == local.policy_names()
    assert dict(info.initialConfig) == dict(local.info.initialConfig)

    clean_local = _key(analyze("production", clean))
    assert _key(remote_clean) == clean_local
    assert all(v[1] == "advisory" for v in clean_local)  # the standing advisory findings only
    expected = _key(local.analyze(mutated))
    assert _key(remote_mutated) == expected
    mandatory = {v[0] for v in expected if v[1] == "mandatory"}
    assert {"cloudflare-ssl-strict", "vercel-secrets-sensitive", "checklist-attestations",
            "checklist-resources-declared"} <= mandatory
