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

from fakeapis.supabase import TOKEN, FakeSupabase
from ops.resources import SECRET_SIG, SIG_KEY, PlannedResource, is_secret
from tests.engine_host import dynamic_provider_host
from tests.harness import plan

DYNAMIC = "pulumi-python:dynamic/supabase:"
KINDS = {"Organization", "Project", "SslEnforcement", "NetworkRestrictions", "AuthConfig", "PostgresConfig",
         "Pooler", "Pitr", "Backups", "ReadReplica", "Role", "PgAudit"}


def _plain(value: Any) -> Any:
    """Secrets unwrapped, as the engine sends them to a provider that does not accept secrets; the offline
    plan's stand-ins for generated passwords become passwords of the generator's alphabet."""
    if is_secret(value):
        return _plain(value["value"])
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str) and value.startswith("offline-random-"):
        return "testPasswordNotReal" + "".join(c for c in value.title() if c.isalnum())
    return value


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    json_format.ParseDict(value, struct)
    return struct


def _dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(json_format.MessageToDict(struct))


@pytest.fixture(scope="module")
def registrations() -> list[PlannedResource]:
    """Every Supabase registration of production, in the order the program made them (dependencies first)."""
    found = [r for r in plan("production").resources if r.type.startswith(DYNAMIC)]
    assert {r.type.removeprefix(DYNAMIC) for r in found} == KINDS
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


def test_the_registered_provider_is_a_secret_reference_not_code(registrations: list[PlannedResource]) -> None:
    for resource in registrations:
        provider = resource.inputs["__provider"]
        assert provider[SIG_KEY] == SECRET_SIG  # always secret in state
        pickled = base64.b64decode(provider["value"])
        assert b"providers.supabase." in pickled and TOKEN.encode() not in pickled
    project = next(r for r in registrations if r.type == DYNAMIC + "Project")
    assert set(project.additional_secret_outputs) == {"db_pass", "anon_key", "service_role_key"}
    roles = [r for r in registrations if r.type == DYNAMIC + "Role"]
    assert len(roles) == 3 and all(r.additional_secret_outputs == ["password"] for r in roles)


def test_a_fresh_host_runs_the_full_lifecycle(registrations: list[PlannedResource],
                                              host: tuple[provider_pb2_grpc.ResourceProviderStub, FakeSupabase]
                                              ) -> None:
    stub, fake = host
    created: dict[str, tuple[PlannedResource, str, dict[str, Any], dict[str, Any]]] = {}
    ref = ""
    for resource in registrations:
        kind = resource.type.removeprefix(DYNAMIC)
        inputs = _plain(resource.inputs)
        if "project_ref" in inputs:
            inputs["project_ref"] = ref  # the ref the fake gave the project created just before
        checked = stub.Check(provider_pb2.CheckRequest(urn=resource.urn, olds=_struct({}), news=_struct(inputs)),
                             timeout=30)
        assert list(checked.failures) == [], (kind, checked.failures)
        reply = stub.Create(provider_pb2.CreateRequest(urn=resource.urn, properties=checked.inputs), timeout=60)
        outs = _dict(reply.properties)
        created[resource.urn] = (resource, reply.id, _dict(checked.inputs), outs)
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
    assert project.postgres["statement_timeout"] == "60s" and project.postgres["max_connections"] == 90
    assert project.pending_restart == {"track_commit_timestamp"} and project.restarts == 0
    assert sorted(project.login_roles) == ["lightspeedpay_api", "lightspeedpay_backup", "lightspeedpay_worker"]
    assert project.login_roles["lightspeedpay_backup"]["default_tables"] == {"public": ["select"]}
    assert all(project.role_settings[r] == "ddl, role, write" for r in ("postgres", *project.login_roles))
    assert project.schedule_changes == 0  # production declares no schedule (PITR takes no daily backups)

    for resource, id_, inputs, outs in created.values():  # refresh: identical, and nothing to change
        read = stub.Read(provider_pb2.ReadRequest(id=id_, urn=resource.urn, properties=_struct(outs)), timeout=30)
        assert read.id == id_ and _dict(read.properties) == outs, resource.name
        diff = stub.Diff(provider_pb2.DiffRequest(id=id_, urn=resource.urn, olds=_struct(outs), news=_struct(inputs)),
                         timeout=30)
        assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE, resource.name

    def of_kind(kind: str) -> tuple[PlannedResource, str, dict[str, Any], dict[str, Any]]:
        return next(item for item in created.values() if item[0].type == DYNAMIC + kind)

    _, id_, inputs, outs = of_kind("AuthConfig")
    news = {**inputs, "settings": {**inputs["settings"], "jwt_exp": 1800}}
    diff = stub.Diff(provider_pb2.DiffRequest(id=id_, urn="urn:auth", olds=_struct(outs), news=_struct(news)),
                     timeout=30)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME and list(diff.replaces) == []
    stub.Update(provider_pb2.UpdateRequest(id=id_, urn="urn:auth", olds=_struct(outs), news=_struct(news)),
                timeout=30)
    assert project.auth["jwt_exp"] == 1800

    _, id_, inputs, outs = of_kind("Project")
    renamed = {**inputs, "project_name": "lightspeedpay-production-renamed"}
    stub.Update(provider_pb2.UpdateRequest(id=id_, urn="urn:project", olds=_struct(outs), news=_struct(renamed)),
                timeout=30)
    assert project.name == "lightspeedpay-production-renamed"

    for resource, id_, _, outs in reversed(list(created.values())):
        stub.Delete(provider_pb2.DeleteRequest(id=id_, urn=resource.urn, properties=_struct(outs)), timeout=30)
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
