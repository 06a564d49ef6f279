"""Pulumi and the autoscaler share the worker fleet: the count is the autoscaler's, the bounds are Pulumi's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fakeapis.railway import RailwayFake
from providers.railway.project import ProjectProvider
from providers.railway.service import ServiceInstanceProvider, ServiceProvider
from tests.railway_helpers import configured, railway_api

SG, US = "asia-southeast1-eqsg3a", "us-east4-eqdc4a"


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[RailwayFake, ServiceInstanceProvider, Any, dict]]:
    with railway_api(monkeypatch) as (fake, _):
        project = configured(ProjectProvider()).create(
            {"name": "lsp-jobs", "plan": "pro", "defaultEnvironmentName": "production"})
        environment_id = (project.outs or {})["defaultEnvironmentId"]
        service = configured(ServiceProvider()).create({
            "projectId": project.id, "environmentId": environment_id, "name": "worker",
            "sourceRepo": "lightspeedpay/platform", "sourceBranch": "main"})
        props = {"serviceId": service.id, "environmentId": environment_id,
                 "regions": {SG: 2.0}, "replicaBounds": {"min": 2.0, "max": 10.0}, "healthcheckPath": "/health",
                 "restartPolicyType": "ON_FAILURE", "restartPolicyMaxRetries": 10.0}
        provider = configured(ServiceInstanceProvider())
        created = provider.create(props)
        yield fake, provider, created, props
        assert fake.violations == []


def live(fake: RailwayFake, props: dict) -> dict[str, int]:
    return fake.replicas(props["serviceId"], props["environmentId"])


def test_a_count_inside_the_bounds_is_never_a_diff(worker: tuple) -> None:
    fake, provider, created, props = worker
    fake.scale(props["serviceId"], props["environmentId"], {SG: 7})
    refreshed = provider.read(created.id, created.outs).outs
    assert refreshed["regions"] == {SG: 7}
    assert not provider.diff(created.id, refreshed, props).changes
    mark = len(fake.calls)
    provider.update(created.id, refreshed, props)  # even a forced update writes nothing
    assert [n for n, _ in fake.calls[mark:]] == ["EnvironmentConfig"] and live(fake, props) == {SG: 7}


@pytest.mark.parametrize(("bounds", "expected"), [({"min": 2.0, "max": 5.0}, 5), ({"min": 8.0, "max": 10.0}, 8)])
def test_new_bounds_clamp_the_live_count(worker: tuple, bounds: dict, expected: int) -> None:
    fake, provider, created, props = worker
    fake.scale(props["serviceId"], props["environmentId"], {SG: 7})
    changed = {**props, "replicaBounds": bounds, "regions": {SG: bounds["min"]}}
    assert provider.diff(created.id, created.outs, changed).changes
    outs = provider.update(created.id, created.outs, changed).outs
    assert live(fake, props) == {SG: expected} == outs["regions"]


def test_a_count_pushed_outside_the_bounds_is_brought_back(worker: tuple) -> None:
    fake, provider, created, props = worker
    fake.scale(props["serviceId"], props["environmentId"], {SG: 14})  # e.g. by hand in the dashboard
    refreshed = provider.read(created.id, created.outs).outs
    assert provider.diff(created.id, refreshed, props).changes
    provider.update(created.id, refreshed, props)
    assert live(fake, props) == {SG: 10}


def test_adding_a_region_keeps_the_live_count_and_places_the_new_one(worker: tuple) -> None:
    fake, provider, created, props = worker
    fake.scale(props["serviceId"], props["environmentId"], {SG: 6})
    wider = {**props, "regions": {SG: 2.0, US: 1.0}}
    assert provider.diff(created.id, created.outs, wider).changes
    provider.update(created.id, created.outs, wider)
    assert live(fake, props) == {SG: 6, US: 1}
    narrower = provider.read(created.id, created.outs).outs
    provider.update(created.id, narrower, props)  # and removing it sends that region as null
    assert live(fake, props) == {SG: 6}


def test_without_bounds_the_declared_count_wins(worker: tuple) -> None:
    fake, provider, created, props = worker
    fixed = {k: v for k, v in props.items() if k != "replicaBounds"}
    fake.scale(props["serviceId"], props["environmentId"], {SG: 7})
    refreshed = provider.read(created.id, created.outs).outs
    assert provider.diff(created.id, refreshed, fixed).changes
    provider.update(created.id, refreshed, fixed)
    assert live(fake, props) == {SG: 2}
