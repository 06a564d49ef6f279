"""Every GraphQL document the Railway client can send is valid against Railway's published schema."""

from __future__ import annotations

import pytest
from graphql import parse, validate
from graphql.language import OperationDefinitionNode

from fakeapis.railway import railway_schema
from providers.railway.client import RailwayClient
from providers.railway.documents import DOCUMENTS, operation_name


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_validates_against_the_schema(name: str) -> None:
    document = parse(DOCUMENTS[name])
    assert validate(railway_schema(), document) == []
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert [op.name.value for op in operations if op.name] == [name]


def test_the_registry_covers_every_operation_the_provider_and_autoscaler_use() -> None:
    # A typo'd or unregistered document never leaves the process.
    client = RailwayClient(token="test-token-not-real", endpoint="http://127.0.0.1:9/graphql/v2")
    with pytest.raises(ValueError, match="registered"):
        client.execute("query Rogue { me { id } }")
    assert client.requests_sent == 0
    assert operation_name(DOCUMENTS["ProjectRead"]) == "ProjectRead"
    assert len(DOCUMENTS) >= 30


def test_instance_writes_always_name_the_environment() -> None:
    # Railway's trap: without environmentId an instance write hits every environment.
    for name in ("ServiceInstanceUpdate", "ServiceInstanceDeploy", "ServiceInstanceRedeploy", "ServiceDelete",
                 "VolumeInstanceUpdate"):
        assert "$environmentId: String!" in DOCUMENTS[name], name
