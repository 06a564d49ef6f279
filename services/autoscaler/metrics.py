"""The autoscaler's two gauges, pushed to the metrics backend after every poll (OTLP/HTTP, JSON encoding).

`lightspeedpay_queue_depth` (jobs waiting; absent when Redis could not be read) and
`lightspeedpay_worker_replicas` (the fleet as read from Railway), with the data-point attribute
`deployment.environment` (Railway's own RAILWAY_ENVIRONMENT_NAME), which the alert rules select on
(components/dashboards.py). Endpoint and `Authorization` header come from the OpenTelemetry SDK's own
variables, which the stack seals into the service (components/metrics.py): without them nothing is pushed.
A failed push is the caller's to log; it never stops a poll.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from config.vocabulary import oncall
from providers.http import JsonHttpClient

ENDPOINT, HEADERS = oncall.METRICS_PUSH_VARIABLES
QUEUE_DEPTH = oncall.QUEUE_DEPTH_METRIC
WORKER_REPLICAS = oncall.WORKER_REPLICAS_METRIC


def parse_headers(raw: str) -> dict[str, str]:
    """The OTel header list: ``key=value`` pairs separated by commas, values percent-encoded."""
    headers = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{HEADERS} holds an entry without key=value")
        headers[key.strip()] = urllib.parse.unquote(value.strip())
    return headers


def payload(depth: int | None, replicas: int, environment: str, now_ns: int) -> dict[str, Any]:
    """One OTLP ExportMetricsServiceRequest (JSON mapping of the protobuf) with the poll's gauges."""
    attributes = [{"key": "deployment.environment", "value": {"stringValue": environment}}]
    gauges = [(WORKER_REPLICAS, replicas)] + ([(QUEUE_DEPTH, depth)] if depth is not None else [])
    return {"resourceMetrics": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "autoscaler"}},
                                    {"key": "service.namespace", "value": {"stringValue": "lightspeedpay"}}]},
        "scopeMetrics": [{"scope": {"name": "lightspeedpay.autoscaler"}, "metrics": [
            {"name": name, "gauge": {"dataPoints": [
                {"asInt": str(value), "timeUnixNano": str(now_ns), "attributes": attributes}]}}
            for name, value in gauges]}],
    }]}


@dataclass
class OtlpGauges:
    client: JsonHttpClient
    path: str
    headers: Mapping[str, str] = field(repr=False)
    environment: str
    clock: Callable[[], float] = time.time

    def push(self, depth: int | None, replicas: int) -> None:
        body = payload(depth, replicas, self.environment, int(self.clock() * 1e9))
        self.client.request("POST", self.path, body, headers=self.headers)


def from_env(env: Mapping[str, str]) -> OtlpGauges | None:
    """The pusher the environment describes, or None when no endpoint is set (metrics off)."""
    endpoint = env.get(ENDPOINT, "")
    if not endpoint:
        return None
    parts = urllib.parse.urlsplit(endpoint)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"{ENDPOINT} must be an https URL")
    client = JsonHttpClient(base_url=f"{parts.scheme}://{parts.netloc}", token="", timeout=10.0, max_attempts=2,
                            user_agent="lightspeedpay-autoscaler")
    return OtlpGauges(client, parts.path or "/v1/metrics", parse_headers(env.get(HEADERS, "")),
                      env.get("RAILWAY_ENVIRONMENT_NAME", "unknown"))
