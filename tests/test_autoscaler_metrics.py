"""The autoscaler's gauges: what it pushes over OTLP/HTTP after each poll, how, and that a failed push never
stops scaling (services/autoscaler/metrics.py)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from fakeapis.server import FakeServer, Recorded, Reply
from providers.http import JsonHttpClient
from providers.railway import replicas
from services.autoscaler import metrics
from services.autoscaler.decide import ScalingPolicy
from services.autoscaler.runner import Autoscaler

AUTH = "Basic " + base64.b64encode(b"123456:glc_test-token-not-real").decode()


@pytest.fixture(name="gateway", scope="module")
def gateway_fixture() -> Iterator[FakeServer]:
    """Stands in for Grafana Cloud's OTLP gateway: 200 to a metrics export, 401 without the header."""
    def handle(recorded: Recorded) -> Reply:
        if recorded.headers.get("authorization") != AUTH:
            return Reply(401, {"message": "unauthorized"})
        return Reply(200, {})

    with FakeServer(handle) as server:
        yield server


def gauges(gateway: FakeServer, headers: str) -> metrics.OtlpGauges:
    client = JsonHttpClient(base_url=gateway.url, token="", max_attempts=1, sleep=lambda _s: None)
    return metrics.OtlpGauges(client, "/otlp/v1/metrics", metrics.parse_headers(headers), "production",
                              clock=lambda: 1_700_000_000.5)


def points(body: dict[str, Any]) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    [resource] = body["resourceMetrics"]
    [scope] = resource["scopeMetrics"]
    return {m["name"]: (m["gauge"]["dataPoints"][0]["asInt"], m["gauge"]["dataPoints"][0]["attributes"])
            for m in scope["metrics"]}


def test_each_poll_pushes_depth_and_replicas_with_the_sealed_header(gateway: FakeServer) -> None:
    gateway.requests.clear()
    gauges(gateway, "Authorization=" + AUTH.replace(" ", "%20")).push(120, 4)
    [sent] = gateway.requests
    assert (sent.method, sent.path) == ("POST", "/otlp/v1/metrics")
    assert sent.headers["authorization"] == AUTH and sent.headers["content-type"] == "application/json"
    found = points(sent.body)
    env = [{"key": "deployment.environment", "value": {"stringValue": "production"}}]
    assert found == {"lightspeedpay_worker_replicas": ("4", env), "lightspeedpay_queue_depth": ("120", env)}
    assert sent.body["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["gauge"]["dataPoints"][0][
        "timeUnixNano"] == "1700000000500000000"


def test_an_unreadable_queue_pushes_no_depth(gateway: FakeServer) -> None:
    gateway.requests.clear()
    gauges(gateway, "Authorization=" + AUTH.replace(" ", "%20")).push(None, 2)
    assert set(points(gateway.requests[0].body)) == {"lightspeedpay_worker_replicas"}


class OneQueue:
    def depth(self) -> int:
        return 30


class Fleet:
    def current(self) -> replicas.RegionMap:
        return {"asia-southeast1-eqsg3a": 2}

    def scale(self, total: int, current: replicas.RegionMap) -> replicas.RegionMap:
        return {"asia-southeast1-eqsg3a": total}


def test_a_rejected_push_is_logged_and_the_poll_still_decides(gateway: FakeServer) -> None:
    logged: list[dict[str, Any]] = []
    scaler = Autoscaler(ScalingPolicy(1, 10, 50, 60, 300, 1, 0.75), OneQueue(), Fleet(), clock=lambda: 100.0,
                        log=logged.append, gauges=gauges(gateway, "Authorization=Basic%20wrong"))
    decision = scaler.tick()
    assert decision.replicas == 2 and scaler.last_success == 100.0
    [failed] = [e for e in logged if e["event"] == "metrics-push-failed"]
    assert "401" in failed["error"] and "wrong" not in failed["error"]


def test_the_environment_decides_whether_and_where_to_push() -> None:
    assert metrics.from_env({}) is None  # no endpoint: metrics off, scaling unaffected
    pusher = metrics.from_env({
        metrics.ENDPOINT: "https://otlp-gateway-prod-ap-south-1.grafana.net/otlp/v1/metrics",
        metrics.HEADERS: "Authorization=Basic%20abc%3D%3D", "RAILWAY_ENVIRONMENT_NAME": "staging"})
    assert pusher is not None
    assert pusher.client.base_url == "https://otlp-gateway-prod-ap-south-1.grafana.net"
    assert pusher.path == "/otlp/v1/metrics" and pusher.environment == "staging"
    assert dict(pusher.headers) == {"Authorization": "Basic abc=="}
    assert "abc" not in repr(pusher)
    with pytest.raises(ValueError, match="must be an https URL"):
        metrics.from_env({metrics.ENDPOINT: "http://plain.example/v1/metrics"})
    with pytest.raises(ValueError, match="without key=value"):
        metrics.parse_headers("Authorization")
