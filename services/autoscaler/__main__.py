"""`python -m services.autoscaler`: the process Railway runs (start command set by the stack)."""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading

from providers.railway.client import RailwayClient
from services.backup.heartbeat import ping

from . import metrics
from .fleet import RailwayFleet
from .queue import RedisQueue
from .runner import Autoscaler, log_json, serve_health
from .settings import SettingsError, load


def main() -> int:
    try:
        settings = load()
    except SettingsError as error:
        log_json({"event": "invalid-settings", "error": str(error)})
        return 2
    try:
        gauges = metrics.from_env(os.environ)
    except ValueError as error:  # scaling goes on without metrics; the missing series alert on their own
        log_json({"event": "invalid-metrics-settings", "error": str(error)})
        gauges = None
    client = RailwayClient(token=settings.token, token_kind="project", timeout=15.0, max_attempts=3)
    heartbeat = (functools.partial(ping, settings.heartbeat_url, "autoscaler poll read the queue", timeout=5.0)
                 if settings.heartbeat_url else None)
    scaler = Autoscaler(settings.policy, RedisQueue(settings.redis_url, settings.queue_key),
                        RailwayFleet(client, settings.environment_id, settings.service_id), heartbeat=heartbeat,
                        gauges=gauges)
    stop = threading.Event()
    # Railway sends SIGTERM on redeploys and scale-downs; finish the current poll and leave.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server = serve_health(scaler, settings.poll_interval, settings.port)
    log_json({"event": "started", "min": settings.policy.min_replicas, "max": settings.policy.max_replicas,
              "queue": settings.queue_key, "interval": settings.poll_interval})
    try:
        scaler.run(settings.poll_interval, stop)
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
