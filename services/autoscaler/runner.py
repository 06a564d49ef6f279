"""The poll loop: one `tick` per interval, a health endpoint, one JSON log line per decision."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from providers.railway import replicas

from .decide import Decision, ScalerState, ScalingPolicy, decide
from .queue import QueueError


class DepthSource(Protocol):
    def depth(self) -> int: ...


class Gauges(Protocol):
    def push(self, depth: int | None, replicas: int) -> None: ...


class Fleet(Protocol):
    def current(self) -> replicas.RegionMap: ...

    def scale(self, total: int, current: replicas.RegionMap) -> replicas.RegionMap: ...


def log_json(record: dict[str, Any]) -> None:
    print(json.dumps(record, sort_keys=True), flush=True)  # stdout: Railway's log, shipped by the platform


@dataclass
class Autoscaler:
    policy: ScalingPolicy
    queue: DepthSource
    fleet: Fleet
    clock: Callable[[], float] = time.monotonic
    log: Callable[[dict[str, Any]], None] = log_json
    state: ScalerState = field(default_factory=ScalerState)
    last_success: float | None = None
    heartbeat: Callable[[], str | None] | None = None
    """Pings the stack's Checkly heartbeat (HEARTBEAT_URL); returns why it failed, or None. A silent autoscaler
    (hung, crashed, unable to read the queue) pages someone when the pings stop."""
    heartbeat_every: float = 60.0
    last_ping: float | None = None
    gauges: Gauges | None = None
    """Where the queue depth and replica count go after each poll (services/autoscaler/metrics.py), if anywhere."""

    def tick(self) -> Decision:
        """One poll. Railway errors propagate (nothing is written); a Redis error holds the count."""
        now = self.clock()
        try:
            depth: int | None = self.queue.depth()
        except QueueError as error:
            depth = None
            self.log({"event": "queue-unreadable", "error": str(error)})
        current_map = self.fleet.current()
        decision = decide(self.policy, replicas.total(current_map), depth, now, self.state)
        if decision.changes:
            written = self.fleet.scale(decision.replicas, current_map)
            self.log({"event": "scaled", "from": decision.current, "to": decision.replicas, "depth": depth,
                      "regions": written, "reason": decision.reason})
        else:
            self.log({"event": "held", "replicas": decision.current, "depth": depth, "reason": decision.reason})
        self.state = decision.state
        if depth is not None:
            self.last_success = now
            self._ping(now)
        if self.gauges is not None:
            try:
                self.gauges.push(depth, decision.replicas)
            except Exception as error:  # metrics are worth less than the scaling they describe
                self.log({"event": "metrics-push-failed", "error": f"{type(error).__name__}: {error}"})
        return decision

    def _ping(self, now: float) -> None:
        """After a poll that read the queue and reached Railway, at most once per ``heartbeat_every``."""
        if self.heartbeat is None or (self.last_ping is not None and now - self.last_ping < self.heartbeat_every):
            return
        self.last_ping = now
        problem = self.heartbeat()
        if problem is not None:
            self.log({"event": "heartbeat-failed", "error": problem})

    def run(self, interval: float, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.tick()
            except Exception as error:  # a bad poll must not end the service
                self.log({"event": "tick-failed", "error": f"{type(error).__name__}: {error}"})
            stop.wait(interval)

    def healthy(self, interval: float) -> bool:
        """Healthy once a poll has succeeded within the last three intervals."""
        return self.last_success is not None and self.clock() - self.last_success <= 3 * interval


def serve_health(scaler: Autoscaler, interval: float, port: int) -> ThreadingHTTPServer:
    """``GET /health``: 200 when polls succeed, else 503 (Railway gates deploys on it)."""

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.path == "/health" and scaler.healthy(interval)
            body = b"ok\n" if ok else b"unhealthy\n"
            self.send_response(200 if ok else (404 if self.path != "/health" else 503))
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("", port), Health)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return server
