"""Tier C: the real pack process, started exactly as the Pulumi CLI starts it, spoken to over gRPC.

`pulumi preview --policy-pack policies` loads the pack through the Python language host
(pulumi/pulumi: pkg/resource/plugin/analyzer_plugin.go, sdk/python/cmd/pulumi-language-python
`RunPlugin`, sdk/policy_proxy.go). The host answers the engine's Handshake and ConfigureStack itself,
then starts `<pack>/venv/bin/python -u -m pulumi.policy <engine address> <absolute pack dir>` with the
pack directory as its working directory and PULUMI_ORGANIZATION/PROJECT/STACK/DRY_RUN/CONFIG taken
from that ConfigureStack, reads the port the pack prints, forwards ConfigureStack and then proxies
GetAnalyzerInfo, Configure, Analyze and AnalyzeStack. Here the same process, in the venv that
`pulumi install -C policies` builds (./dev builds it the same way, from policies/requirements.txt
only), answers the same requests as the in-process servicer behind ops.plan, and must answer alike.
"""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import grpc  # type: ignore[import-untyped]
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime import proto

from config import PROJECT
from ops.analysis import POLICY_DIR, PolicyRun, Violation, over_grpc, policy_config_path
from ops.offline import engine_config
from ops.resources import STACK_TYPE, PlannedResource
from tests.harness import analyze, plan, resources, secret

PACK_PYTHON = POLICY_DIR / "venv" / "bin" / "python"


@dataclass
class PackProcess:
    stub: proto.AnalyzerStub
    argv: list[str]
    exit_code: int | None = None
    stderr: str = ""


def _cli_environment(stack: str) -> dict[str, str]:
    """The pack's environment as the language host builds it: ours with the venv activated
    (toolchain.ActivateVirtualEnv) plus what it read from the engine's ConfigureStack."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_") and k != "PYTHONHOME"}
    env["PATH"] = f"{PACK_PYTHON.parent}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(PACK_PYTHON.parent.parent)
    config, _secret_keys, _environments = engine_config(stack, None)
    env.update(PULUMI_ORGANIZATION="organization", PULUMI_PROJECT=PROJECT, PULUMI_STACK=stack,
               PULUMI_DRY_RUN="true", PULUMI_CONFIG=json.dumps(config))
    return env


@contextmanager
def pack_process(stack: str) -> Iterator[PackProcess]:
    """The running pack; on exit it is interrupted, reaped, and its exit code and stderr kept."""
    if not PACK_PYTHON.exists():
        pytest.fail(f"{PACK_PYTHON} is missing: `./dev test` builds it as `pulumi install -C policies` does")
    # The engine's address comes first: the pack does not call the engine back, so nothing listens there.
    argv = [str(PACK_PYTHON), "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(POLICY_DIR)]
    process = subprocess.Popen(argv, cwd=POLICY_DIR, env=_cli_environment(stack),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    running: PackProcess | None = None
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode().strip()
        if not line.isdigit():
            process.kill()
            _, err = process.communicate(timeout=10)
            pytest.fail(f"the pack printed {line!r} instead of a port; stderr:\n{err.decode()}")
        with grpc.insecure_channel(f"127.0.0.1:{int(line)}") as channel:
            grpc.channel_ready_future(channel).result(timeout=10)
            running = PackProcess(proto.AnalyzerStub(channel), argv)
            yield running
    finally:
        if process.poll() is None:
            # PolicyPack stops its server on KeyboardInterrupt once it sleeps in its serving loop (it does
            # after answering RPCs; an interrupt right after the port is printed would escape its handler).
            process.send_signal(signal.SIGINT)
        try:
            _, err = process.communicate(timeout=10)  # reaps the process and closes its pipes
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        if running is not None:
            running.exit_code, running.stderr = process.returncode, err.decode()


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


def _pinned(requirements: str) -> set[str]:
    names = set()
    for line in requirements.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            names.add(f"{re.sub(r'[-_.]+', '-', name).lower()}=={version}")
    return names


def test_the_pack_venv_holds_exactly_the_pack_requirements() -> None:
    """What the pack imports must be in policies/requirements.txt: the CLI's venv has nothing else."""
    listing = subprocess.run(
        [str(PACK_PYTHON), "-c", "import importlib.metadata as m; "
         "print('\\n'.join(f\"{d.metadata['Name']}=={d.version}\" for d in m.distributions()))"],
        capture_output=True, text=True, check=True, timeout=60).stdout
    tools = ("pip==", "setuptools==", "wheel==")  # what `python -m venv` (and `pulumi install`) put there
    installed = {p for p in _pinned(listing) if not p.startswith(tools)}
    assert installed == _pinned((POLICY_DIR / "requirements.txt").read_text())


def test_the_pack_process_answers_like_the_in_process_servicer() -> None:
    clean = plan("production").resources
    mutated = _mutated_production()
    with pack_process("production") as pack:
        info = pack.stub.GetAnalyzerInfo(empty_pb2.Empty())
        remote = PolicyRun("production", PROJECT, policy_config_path("production"), analyzer=over_grpc(pack.stub))
        remote_clean = remote.analyze(clean)
        remote_mutated = remote.analyze(mutated)

    assert pack.argv[1:4] == ["-u", "-m", "pulumi.policy"] and pack.argv[-1] == str(POLICY_DIR)
    assert pack.exit_code == 0, f"the pack process did not stop cleanly on SIGINT:\n{pack.stderr}"
    assert "Traceback" not in pack.stderr
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
