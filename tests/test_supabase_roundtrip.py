"""The engine's own path: the `__provider` our program registers, run by the real provider host.

The program runs under mocks (as in `ops.plan`); each Supabase resource's registration carries
`__provider`, a secret-wrapped base64 dill string. A fresh interpreter runs Pulumi's dynamic
provider host (`python -m pulumi.dynamic`, what `pulumi-resource-pulumi-python` starts, from the
program directory), and this test talks to it over gRPC exactly as the engine would: Configure
with the stack config (the token), then Check/Create/Read/Diff/Update/Delete with the recorded
inputs (secrets stripped, as the engine does for a host that does not accept secrets), against
the spec-validating fake Management API.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from ops.resources import SECRET_SIG, SIG_KEY, PlannedResource, is_secret
from tests.engine_host import dynamic_provider_host
from tests.fakes.supabase import TOKEN, FakeSupabase
from tests.harness import plan

DYNAMIC = "pulumi-python:dynamic/supabase:"
ORDER = ("Organization", "Project", "SslEnforcement", "NetworkRestrictions", "AuthConfig", "PostgresConfig",
         "Pooler", "Pitr", "Backups", "ReadReplica", "PgAudit")


def _plain(value: Any) -> Any:
    """Secrets unwrapped, as the engine sends them to a provider that does not accept secrets."""
    if is_secret(value):
        return _plain(value["value"])
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    json_format.ParseDict(value, struct)
    return struct


def _dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(json_format.MessageToDict(struct))


@pytest.fixture(scope="module")
def registrations() -> dict[str, PlannedResource]:
    found = {r.type.removeprefix(DYNAMIC): r for r in plan("production").resources if r.type.startswith(DYNAMIC)}
    assert set(found) == set(ORDER)
    return found


@pytest.fixture
def host() -> Iterator[tuple[provider_pb2_grpc.ResourceProviderStub, FakeSupabase]]:
    fake = FakeSupabase()
    # No PULUMI_PROJECT in the host's environment: the engine may not give it one.
    with fake.serve() as server, dynamic_provider_host(
            {"SUPABASE_API_URL": server.url}, {"lightspeedpay:supabaseAccessToken": TOKEN},
            ("SUPABASE_", "PULUMI_")) as stub:
        yield stub, fake
    assert fake.violations == [], fake.violations


def test_the_registered_provider_is_a_secret_reference_not_code(registrations: dict[str, PlannedResource]) -> None:
    for resource in registrations.values():
        provider = resource.inputs["__provider"]
        assert provider[SIG_KEY] == SECRET_SIG  # always secret in state
        pickled = base64.b64decode(provider["value"])
        assert b"providers.supabase." in pickled and TOKEN.encode() not in pickled
    assert set(registrations["Project"].additional_secret_outputs) == {"db_pass", "anon_key", "service_role_key"}


def test_a_fresh_host_runs_the_full_lifecycle(registrations: dict[str, PlannedResource],
                                              host: tuple[provider_pb2_grpc.ResourceProviderStub, FakeSupabase]
                                              ) -> None:
    stub, fake = host
    created: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}
    ref = ""
    for kind in ORDER:
        resource = registrations[kind]
        inputs = _plain(resource.inputs)
        if "project_ref" in inputs:
            inputs["project_ref"] = ref  # the ref the fake gave the project created just before
        checked = stub.Check(provider_pb2.CheckRequest(urn=resource.urn, olds=_struct({}), news=_struct(inputs)),
                             timeout=30)
        assert list(checked.failures) == [], (kind, checked.failures)
        reply = stub.Create(provider_pb2.CreateRequest(urn=resource.urn, properties=checked.inputs), timeout=60)
        outs = _dict(reply.properties)
        created[kind] = (reply.id, _dict(checked.inputs), outs)
        if kind == "Project":
            ref = reply.id
            assert outs["supabase_url"] == f"https://{ref}.supabase.co" and outs["anon_key"]

    project = fake.projects[ref]
    assert (project.region, project.size, project.ssl) == ("ap-south-1", "medium", True)
    # The stack file's ranges and the backup job's NAT address, taken from the Elastic IP it owns.
    [eip] = [r for r in plan("production").resources if r.type == "aws:ec2/eip:Eip"]
    egress = f"{eip.outputs['publicIp']}/32"
    assert project.cidrs_v4 == sorted(["198.51.100.16/29", "203.0.113.0/28", egress]) and project.cidrs_v6 == []
    assert project.addons["pitr"] == "pitr_7" and len(project.replicas) == 1
    assert project.auth["jwt_exp"] == 3600 and project.auth["password_min_length"] == 12
    assert project.role_settings["postgres"] == "ddl, role, write"
    assert project.schedule_changes == 0  # production declares no schedule (PITR takes no daily backups)

    for kind, (id_, inputs, outs) in created.items():  # refresh: identical, and nothing to change
        read = stub.Read(provider_pb2.ReadRequest(id=id_, urn=registrations[kind].urn, properties=_struct(outs)),
                         timeout=30)
        assert read.id == id_ and _dict(read.properties) == outs, kind
        diff = stub.Diff(provider_pb2.DiffRequest(id=id_, urn=registrations[kind].urn, olds=_struct(outs),
                                                  news=_struct(inputs)), timeout=30)
        assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE, kind

    id_, inputs, outs = created["AuthConfig"]
    news = {**inputs, "settings": {**inputs["settings"], "jwt_exp": 1800}}
    diff = stub.Diff(provider_pb2.DiffRequest(id=id_, urn="urn:auth", olds=_struct(outs), news=_struct(news)),
                     timeout=30)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME and list(diff.replaces) == []
    stub.Update(provider_pb2.UpdateRequest(id=id_, urn="urn:auth", olds=_struct(outs), news=_struct(news)),
                timeout=30)
    assert project.auth["jwt_exp"] == 1800

    id_, inputs, outs = created["Project"]
    renamed = {**inputs, "project_name": "lightspeedpay-production-renamed"}
    stub.Update(provider_pb2.UpdateRequest(id=id_, urn="urn:project", olds=_struct(outs), news=_struct(renamed)),
                timeout=30)
    assert project.name == "lightspeedpay-production-renamed"

    for kind in reversed(ORDER):
        id_, _, outs = created[kind]
        stub.Delete(provider_pb2.DeleteRequest(id=id_, urn=registrations[kind].urn, properties=_struct(outs)),
                    timeout=30)
    assert fake.projects == {}


def test_a_configured_provider_pickles_without_its_token() -> None:
    import dill  # type: ignore[import-untyped]
    from pulumi.dynamic import ConfigureRequest
    from pulumi.dynamic.config import Config

    from providers.supabase.settings import SslEnforcementProvider

    provider = SslEnforcementProvider()
    provider.configure(ConfigureRequest(Config({"lightspeedpay:supabaseAccessToken": TOKEN}, "lightspeedpay")))
    assert provider._token == TOKEN
    pickled = dill.dumps(provider, recurse=True)
    assert TOKEN.encode() not in pickled
    assert dill.loads(pickled)._token is None
