"""The engine's own path: the program's serialized providers, run by Pulumi's provider host in a fresh process.

The program registers each Railway resource with a ``__provider`` input (base64 dill, wrapped as
a secret). The engine hands that string to ``python -m pulumi.dynamic`` (a new interpreter), calls
Configure with the stack config and then Check/Create/Read/Diff/Update/Delete over gRPC. This test
does exactly that with the strings recorded from `ops.offline.run_program`, against the fake API.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc  # type: ignore[import-untyped]
import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from fakeapis.railway import TEST_TOKEN, RailwayFake
from fakeapis.server import FakeServer
from ops.dynamic_apply import substitute, unwrap
from ops.resources import PlannedResource
from tests.engine_host import dynamic_provider_host, struct
from tests.harness import plan

KINDS = ("Project", "Environment", "Service", "ServiceInstance", "Variables")


def plain(message: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(message)


@contextmanager
def provider_host(config: dict[str, Any]) -> Iterator[tuple[provider_pb2_grpc.ResourceProviderStub, RailwayFake]]:
    fake = RailwayFake()
    with FakeServer(fake.handler) as server, dynamic_provider_host(
            {"RAILWAY_API_URL": f"{server.url}/graphql/v2"}, config, ("RAILWAY_", "PULUMI_")) as stub:
        yield stub, fake
    assert fake.violations == []


@pytest.fixture
def host() -> Iterator[tuple[provider_pb2_grpc.ResourceProviderStub, RailwayFake]]:
    with provider_host({"lightspeedpay:railwayApiToken": TEST_TOKEN}) as started:
        yield started


def planned(kind: str, suffix: str) -> PlannedResource:
    return next(r for r in plan("production").resources
                if r.type == f"pulumi-python:dynamic/railway:{kind}" and r.name.endswith(suffix))


def test_the_recorded_provider_is_a_secret_base64_dill_string() -> None:
    resource = planned("ServiceInstance", "worker-instance")
    envelope = resource.inputs["__provider"]
    assert envelope["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
    pickled = base64.b64decode(envelope["value"])
    # By reference: the class path and an empty state, no code and no credentials.
    assert b"providers.railway.service" in pickled and b"ServiceInstanceProvider" in pickled
    assert TEST_TOKEN.encode() not in pickled and len(pickled) < 120


def test_serialized_providers_run_create_read_update_delete_in_a_fresh_interpreter(
        host: tuple[provider_pb2_grpc.ResourceProviderStub, RailwayFake]) -> None:
    stub, fake = host
    chain = [planned("Project", "jobs-project"), planned("Environment", "jobs-environment"),
             planned("Service", "jobs-worker"), planned("Variables", "worker-variables"),
             planned("ServiceInstance", "worker-instance")]
    assert [r.type.rsplit(":", 1)[1] for r in chain] == ["Project", "Environment", "Service", "Variables",
                                                        "ServiceInstance"]
    real_ids: dict[str, Any] = {}
    created: list[tuple[PlannedResource, str, dict[str, Any]]] = []
    for resource in chain:
        news = dict(substitute(unwrap(resource.inputs), real_ids))  # `__provider` stays the recorded string
        checked = stub.Check(provider_pb2.CheckRequest(urn=resource.urn, olds=struct({}), news=struct(news)))
        assert list(checked.failures) == []
        reply = stub.Create(provider_pb2.CreateRequest(urn=resource.urn, properties=checked.inputs))
        outs = plain(reply.properties)
        assert outs["__provider"] == news["__provider"]
        real_ids[resource.id] = reply.id
        created.append((resource, reply.id, outs))

    project_id, environment_id, worker_id = (item[1] for item in created[:3])
    assert fake.projects[project_id]["name"] == "lightspeedpay-jobs"
    assert fake.replicas(worker_id, environment_id) == {"asia-southeast1-eqsg3a": 2}
    assert fake.variables[(worker_id, environment_id)]["DATABASE_URL"]["isSealed"]
    redis_url = fake.variables[(worker_id, environment_id)]["REDIS_URL"]
    assert redis_url["isSealed"] and redis_url["value"].endswith("@lightspeedpay-redis.railway.internal:6379")

    for resource, id_, outs in created:  # refresh: one request each, nothing changed
        mark = len(fake.calls)
        read = stub.Read(provider_pb2.ReadRequest(id=id_, urn=resource.urn, properties=struct(outs)))
        assert read.id == id_ and len(fake.calls) == mark + 1
        news = dict(substitute(unwrap(resource.inputs), real_ids))
        diff = stub.Diff(provider_pb2.DiffRequest(id=id_, urn=resource.urn, olds=read.properties,
                                                  news=struct(news)))
        assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE, resource.name

    instance, instance_id, instance_outs = created[-1]
    news = dict(substitute(unwrap(instance.inputs), real_ids))
    news["healthcheckTimeout"] = 30
    diff = stub.Diff(provider_pb2.DiffRequest(id=instance_id, urn=instance.urn, olds=struct(instance_outs),
                                              news=struct(news)))
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME and list(diff.replaces) == []
    stub.Update(provider_pb2.UpdateRequest(id=instance_id, urn=instance.urn, olds=struct(instance_outs),
                                           news=struct(news)))
    assert fake.instances[(worker_id, environment_id)]["healthcheckTimeout"] == 30

    for resource, id_, outs in reversed(created):
        stub.Delete(provider_pb2.DeleteRequest(id=id_, urn=resource.urn, properties=struct(outs)))
    assert fake.projects == {} and fake.services == {}
    assert all(TEST_TOKEN not in str(outs) for _, _, outs in created)


def test_without_the_token_config_the_host_fails_with_the_fix_not_a_traceback_of_secrets() -> None:
    resource = planned("Project", "jobs-project")
    news = unwrap(resource.inputs)
    with provider_host({}) as (stub, fake):
        checked = stub.Check(provider_pb2.CheckRequest(urn=resource.urn, olds=struct({}), news=struct(news)))
        assert list(checked.failures) == []  # check and diff never need the API
        with pytest.raises(grpc.RpcError) as caught:
            stub.Create(provider_pb2.CreateRequest(urn=resource.urn, properties=checked.inputs))
        assert "pulumi config set --secret lightspeedpay:railwayApiToken" in str(caught.value.details())
        assert fake.calls == []
