"""Stacks deployed before the provider redesign keep working: their state unpickles, refreshes and diffs clean.

tests/state_compat/fe23fde/ holds, for both stacks, what the engine stored after a first `pulumi up`
with the providers of commit fe23fde (see RECORDING.md there): every dynamic resource's id, inputs
and outputs, each with the `__provider` dill string of that commit, and the vendors' worlds. The
engine uses those strings for refresh and destroy (never the program's), so each must unpickle to
today's class at its old path; refresh must find every object; diff against the recorded inputs
must be empty; and today's program, diffed against that state, must replace nothing and change only
what this redesign meant to change.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dill  # type: ignore[import-untyped]
import pytest
from pulumi.dynamic import Config, ConfigureRequest

from fakeapis.railway import TEST_TOKEN, RailwayFake
from fakeapis.server import FakeServer
from fakeapis.supabase import TOKEN, FakeOrg, FakeProject, FakeSupabase
from ops.dynamic_apply import substitute, unwrap
from providers.dynamic.compat import SERIALIZED_PROVIDER_CLASSES, TYPE_TOKENS, resolve
from providers.dynamic.provider import DynamicProvider
from tests.harness import plan
from tests.supabase_support import instant_runtime

RECORDED = Path(__file__).parent / "state_compat" / "fe23fde"
FIRST_RELEASE = Path(__file__).parent / "state_compat" / "first-release" / "production.json"
"""Kinds added after fe23fde, as their first release left them in state (RECORDING.md there)."""
STACKS = ("production", "staging")
INTENDED = {
    # REDIS_URL moves from a Railway reference to a sealed URL (Pulumi knows the password).
    "jobs-worker-variables", "jobs-autoscaler-variables",
    # pgaudit now also logs the runtime roles.
    "database-pgaudit",
}
"""Resources today's program changes on purpose (updates in place, never replacements)."""


def recorded(stack: str) -> dict[str, Any]:
    return dict(json.loads((RECORDED / f"{stack}.json").read_text()))


def _provider_string(value: Any) -> str:
    return str(unwrap(value))


def _unpickle(resource: dict[str, Any]) -> DynamicProvider:
    provider = dill.loads(base64.b64decode(_provider_string(resource["outputs"]["__provider"])))
    assert isinstance(provider, DynamicProvider), resource["name"]
    return provider


def _railway_world(dump: dict[str, Any]) -> RailwayFake:
    fake = RailwayFake()
    fake.workspace = dump["workspace"]
    for name in ("projects", "environments", "services", "volumes", "volume_instances", "backups", "project_tokens"):
        setattr(fake, name, dump[name])
    fake.instances = {tuple(k.split("|")): v for k, v in dump["instances"].items()}
    fake.variables = {tuple(k.split("|")): v for k, v in dump["variables"].items()}
    return fake


def _supabase_world(dump: dict[str, Any]) -> FakeSupabase:
    fake = FakeSupabase()
    fake.orgs = {slug: FakeOrg(**org) for slug, org in dump["orgs"].items()}
    fake.projects = {ref: FakeProject(**project) for ref, project in dump["projects"].items()}
    return fake


@pytest.fixture(params=STACKS)
def deployed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The recorded state, with both vendors' worlds stood up again behind local servers."""
    document = recorded(request.param)
    railway, supabase = _railway_world(document["worlds"]["railway"]), _supabase_world(document["worlds"]["supabase"])
    with FakeServer(railway.handler) as r_server, supabase.serve() as s_server:
        monkeypatch.setenv("RAILWAY_API_URL", f"{r_server.url}/graphql/v2")
        monkeypatch.setenv("SUPABASE_API_URL", s_server.url)
        yield {**document, "railway": railway, "supabase": supabase}
    assert railway.violations == [] and supabase.violations == []


def _configured(provider: DynamicProvider) -> DynamicProvider:
    provider.configure(ConfigureRequest(Config(
        {"lightspeedpay:railwayApiToken": TEST_TOKEN, "lightspeedpay:supabaseAccessToken": TOKEN}, "lightspeedpay")))
    provider.options = {"runtime": instant_runtime()} if provider.vendor.name == "supabase" else {"timeout": 5.0}
    return provider


def test_every_class_path_ever_pickled_still_imports() -> None:
    for old, new in SERIALIZED_PROVIDER_CLASSES.items():
        assert resolve(old) is resolve(new), old
        assert issubclass(resolve(old), DynamicProvider), old


@pytest.mark.parametrize("stack", STACKS)
def test_the_recorded_provider_strings_unpickle_to_todays_classes(stack: str) -> None:
    document = recorded(stack)
    for resource in document["resources"]:
        registered = _provider_string(resource["registered"]["__provider"])
        assert registered == _provider_string(resource["outputs"]["__provider"])
        provider = _unpickle(resource)
        path = f"{type(provider).__module__}.{type(provider).__qualname__}"
        assert path in SERIALIZED_PROVIDER_CLASSES.values()
        assert resource["type"] in TYPE_TOKENS
        assert provider._token is None and provider.options is None  # nothing from the old pickle survives


def test_refresh_finds_everything_and_the_recorded_inputs_diff_clean(deployed: dict[str, Any]) -> None:
    railway, supabase = deployed["railway"], deployed["supabase"]
    for resource in deployed["resources"]:
        provider = _configured(_unpickle(resource))
        outputs = {k: v for k, v in resource["outputs"].items() if k != "__provider"}
        writes_before = (len(railway.mutations()), len(supabase.requests))
        refreshed = provider.read(resource["id"], outputs)
        assert refreshed.id == resource["id"], f"{resource['name']}: refresh lost it"
        assert len(railway.mutations()) == writes_before[0], resource["name"]
        diff = provider.diff(resource["id"], dict(refreshed.outs or {}), resource["inputs"])
        assert diff.changes is False and not diff.replaces, f"{resource['name']}: {diff.__dict__}"


def test_kinds_added_later_are_held_from_their_first_released_state(monkeypatch: pytest.MonkeyPatch) -> None:
    document = json.loads(FIRST_RELEASE.read_text())
    assert {r["type"] for r in document["resources"]} == {"pulumi-python:dynamic/railway:DeploymentTrigger"}
    fake = RailwayFake()
    fake.triggers = document["worlds"]["railway"]["triggers"]
    mapping = _offline_to_real(document)
    today = {r.urn: r for r in plan(document["stack"]).resources}
    with FakeServer(fake.handler) as server:
        monkeypatch.setenv("RAILWAY_API_URL", f"{server.url}/graphql/v2")
        for resource in document["resources"]:
            provider = _unpickle(resource)
            assert f"{type(provider).__module__}.{type(provider).__qualname__}" in SERIALIZED_PROVIDER_CLASSES.values()
            assert resource["type"] in TYPE_TOKENS
            _configured(provider)
            outputs = {k: v for k, v in resource["outputs"].items() if k != "__provider"}
            refreshed = provider.read(resource["id"], outputs)
            assert refreshed.id == resource["id"] and fake.mutations() == [], resource["name"]
            assert not provider.diff(resource["id"], dict(refreshed.outs or {}), resource["inputs"]).changes
            planned = today.get(resource["urn"])
            assert planned is not None, f"{resource['name']} is no longer declared (its URN or type token changed)"
            news = substitute({k: v for k, v in unwrap(planned.inputs).items() if k != "__provider"}, mapping)
            checked = provider.check({}, news)
            assert checked.failures == [], (resource["name"], checked.failures)
            diff = provider.diff(resource["id"], outputs, checked.inputs)
            assert not diff.changes and not diff.replaces, (resource["name"], diff.__dict__)
    assert fake.violations == []


def _offline_to_real(document: dict[str, Any]) -> dict[str, Any]:
    """Offline plan values (ids, refs, generated passwords) → the values the recorded state holds."""
    mapping: dict[str, Any] = {}

    def walk(planned: Any, real: Any) -> None:
        if isinstance(planned, dict) and isinstance(real, dict):
            for key in planned.keys() & real.keys():
                walk(planned[key], real[key])
        elif isinstance(planned, str) and isinstance(real, str) and planned != real:
            mapping[planned] = real

    for resource in document["resources"]:
        walk(unwrap(resource["registered"]), resource["inputs"])
        mapping[f"offline-{resource['name']}"] = resource["id"]
    return mapping


@pytest.mark.parametrize("stack", STACKS)
def test_todays_program_against_that_state_replaces_nothing(stack: str) -> None:
    document = recorded(stack)
    mapping = _offline_to_real(document)
    today = {r.urn: r for r in plan(stack).resources}
    changed = set()
    for resource in document["resources"]:
        planned = today.get(resource["urn"])
        assert planned is not None, f"{resource['name']} is no longer declared (its URN or type token changed)"
        news = substitute({k: v for k, v in unwrap(planned.inputs).items() if k != "__provider"}, mapping)
        provider = _unpickle(resource)
        checked = provider.check({}, news)
        assert checked.failures == [], (resource["name"], checked.failures)
        olds = {k: v for k, v in resource["outputs"].items() if k != "__provider"}
        diff = provider.diff(resource["id"], olds, checked.inputs)
        assert not diff.replaces, f"{resource['name']} would be replaced: {diff.replaces}"
        if diff.changes:
            changed.add(resource["name"].split("lightspeedpay-", 1)[1].removeprefix("staging-"))
    assert changed == INTENDED
