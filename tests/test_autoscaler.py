"""The autoscaler: its decision table, its settings, its Redis reads, and a run against the fake Railway."""

from __future__ import annotations

import itertools
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from fakeapis.railway import RailwayFake
from fakeapis.redis import FakeRedis
from fakeapis.server import FakeServer
from providers.railway.client import RailwayClient, RailwayError
from providers.railway.project import ProjectProvider
from providers.railway.service import ServiceInstanceProvider, ServiceProvider
from providers.railway.token import ProjectTokenProvider
from services.autoscaler.decide import ScalerState, ScalingPolicy, decide
from services.autoscaler.fleet import RailwayFleet
from services.autoscaler.queue import QueueError, RedisQueue
from services.autoscaler.runner import Autoscaler, serve_health
from services.autoscaler.settings import SettingsError, load
from tests.railway_helpers import configured, railway_api

POLICY = ScalingPolicy(min_replicas=2, max_replicas=10, target_jobs_per_replica=50, scale_up_cooldown=60,
                       scale_down_cooldown=300, scale_down_step=1, scale_down_utilisation=0.75)
FRESH = ScalerState()
REGION = "asia-southeast1-eqsg3a"
KEY = "bull:payments:wait"
REDIS_PASSWORD = "testRedisPasswordNotReal0123"


# ----------------------------------------------------------------------------------- decisions
@pytest.mark.parametrize(("current", "depth", "now", "state", "replicas", "why"), [
    (2, 0, 0, FRESH, 2, "fit 2"),                                     # idle at the floor
    (2, 101, 0, FRESH, 3, "need 3"),                                  # ceil(101 / 50)
    (2, 400, 0, FRESH, 8, "need 8"),                                  # straight to what the backlog needs
    (2, 10_000, 0, FRESH, 10, "need 10"),                             # never above max
    (1, 0, 5, ScalerState(last_change_at=0), 2, "below the minimum"),  # bounds ignore cooldowns
    (12, 10_000, 5, ScalerState(last_change_at=0), 10, "above the maximum"),
    (3, 400, 30, ScalerState(last_change_at=0), 3, "scale-up cooldown"),
    (3, 400, 60, ScalerState(last_change_at=0), 8, "need 8"),
    (8, 0, 1000, FRESH, 8, "sustained low"),                          # first low poll only starts the clock
    (8, 0, 1299, ScalerState(low_since=1000), 8, "sustained low"),
    (8, 0, 1300, ScalerState(last_change_at=0, low_since=1000), 7, "stepping down to 7"),  # one step at a time
    (8, 0, 1300, ScalerState(last_change_at=1100, low_since=1000), 8, "scale-down cooldown"),
    (5, 200, 0, FRESH, 5, "fit 5"),                                   # needs 4, but 4 would run >75% full
    (5, 140, 0, FRESH, 5, "sustained low"),                           # fits 4 at 75%: starts the clock
    (8, 260, 1300, ScalerState(last_change_at=0, low_since=1000), 7, "stepping down to 7"),
    (6, None, 0, FRESH, 6, "unknown"),                                # Redis down: hold
    (1, None, 0, FRESH, 2, "below the minimum"),                      # ... but still enforce the floor
])
def test_decision_table(current: int, depth: int | None, now: float, state: ScalerState, replicas: int,
                        why: str) -> None:
    decision = decide(POLICY, current, depth, now, state)
    assert (decision.replicas, decision.changes) == (replicas, replicas != current)
    assert why in decision.reason
    if decision.changes:
        assert decision.state.last_change_at == now
        assert decision.state.low_since == (state.low_since if decision.replicas < current <= 10 else None)


def test_a_bigger_step_still_stops_at_what_the_queue_needs() -> None:
    policy = ScalingPolicy(2, 10, 50, 60, 300, scale_down_step=3)
    assert decide(policy, 10, 0, 400, ScalerState(0, 50)).replicas == 7
    assert decide(policy, 10, 300, 400, ScalerState(0, 50)).replicas == 8  # ceil(300 / 37.5)


def test_a_queue_hovering_at_a_threshold_does_not_flap() -> None:
    state, current, changes = FRESH, 4, 0
    for tick in range(200):
        depth = 140 if tick % 2 else 160  # around 3.x replicas' worth of work
        decision = decide(POLICY, current, depth, tick * 30.0, state)
        changes += decision.changes
        current, state = decision.replicas, decision.state
    assert changes == 0 and current == 4


def test_a_burst_then_quiet_trace_stays_in_bounds_and_steps_down_slowly() -> None:
    state, current, history = FRESH, 2, []
    for tick in range(120):
        now = tick * 30.0
        depth = 1_000 if 10 <= tick < 20 else 0
        decision = decide(POLICY, current, depth, now, state)
        if decision.changes:
            history.append((now, decision.replicas))
        current, state = decision.replicas, decision.state
    assert history[0] == (300.0, 10)
    downs = history[1:]
    assert [r for _, r in downs] == list(range(9, 1, -1))
    assert all(later - earlier >= 300 for (earlier, _), (later, _) in itertools.pairwise(history))
    assert current == 2


def test_a_policy_with_inverted_bounds_is_refused() -> None:
    with pytest.raises(ValueError, match=r"MIN_REPLICAS \(5\) must be between 0 and MAX_REPLICAS \(3\)"):
        ScalingPolicy(5, 3, 50, 60, 300)


# ----------------------------------------------------------------------------------- settings
ENV = {"AUTOSCALER_RAILWAY_TOKEN": "test-project-token-not-real", "RAILWAY_ENVIRONMENT_ID": "env-1",
       "WORKER_SERVICE_ID": "svc-1", "REDIS_URL": "redis://default:x@redis.railway.internal:6379",
       "QUEUE_KEY": KEY, "MIN_REPLICAS": "2", "MAX_REPLICAS": "10", "TARGET_JOBS_PER_REPLICA": "50"}


def test_settings_come_from_the_environment_with_defaults() -> None:
    settings = load(ENV)
    assert settings.policy == ScalingPolicy(2, 10, 50, 60, 300, 1, 0.75)
    assert (settings.poll_interval, settings.port, settings.queue_key) == (30.0, 8080, KEY)
    assert "not-real" not in repr(settings) and "redis://" not in repr(settings)


def test_bad_settings_are_listed_together_without_values() -> None:
    env = {**ENV, "MIN_REPLICAS": "many", "MAX_REPLICAS": "99"}
    del env["AUTOSCALER_RAILWAY_TOKEN"]
    with pytest.raises(SettingsError) as caught:
        load(env)
    message = str(caught.value)
    assert "AUTOSCALER_RAILWAY_TOKEN is required" in message
    assert "MIN_REPLICAS must be a whole number in 0..50 (got 'many')" in message
    assert "MAX_REPLICAS must be in 1..50 (got 99)" in message
    with pytest.raises(SettingsError, match="must be between 0 and MAX_REPLICAS"):
        load({**ENV, "MIN_REPLICAS": "8", "MAX_REPLICAS": "4"})


# ----------------------------------------------------------------------------------- redis
@pytest.fixture
def redis() -> Iterator[FakeRedis]:
    with FakeRedis(REDIS_PASSWORD) as server:
        yield server


def test_queue_depth_over_resp(redis: FakeRedis) -> None:
    redis.set_depth(KEY, 42)
    assert RedisQueue(redis.url() + "/2", KEY).depth() == 42
    assert redis.commands[-3:] == [["AUTH", "default", REDIS_PASSWORD], ["SELECT", "2"], ["LLEN", KEY]]
    redis.sorted_sets["bull:payments:prioritized"] = {"a", "b"}
    assert RedisQueue(redis.url(), "bull:payments:prioritized").depth() == 2


def test_queue_errors_never_carry_the_password(redis: FakeRedis) -> None:
    with pytest.raises(QueueError, match="refused the credentials") as caught:
        RedisQueue(redis.url("test-wrong-password-not-real"), KEY).depth()
    assert "not-real" not in str(caught.value)
    with pytest.raises(QueueError, match=r"cannot reach Redis at 127\.0\.0\.1:9"):
        RedisQueue(f"redis://default:{REDIS_PASSWORD}@127.0.0.1:9", KEY, timeout=1).depth()
    with pytest.raises(QueueError, match="REDIS_URL must be redis://"):
        RedisQueue("http://example.invalid", KEY).depth()


# ----------------------------------------------------------------------------------- against Railway
class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fleet(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with railway_api(monkeypatch) as (fake, server):
        project = configured(ProjectProvider()).create(
            {"name": "lsp-jobs", "plan": "pro", "defaultEnvironmentName": "production"})
        environment_id = (project.outs or {})["defaultEnvironmentId"]
        worker = configured(ServiceProvider()).create({
            "projectId": project.id, "environmentId": environment_id, "name": "worker",
            "sourceRepo": "lightspeedpay/platform", "sourceBranch": "main"})
        props = {"serviceId": worker.id, "environmentId": environment_id,
                 "regions": {REGION: 2}, "replicaBounds": {"min": 2, "max": 10}, "healthcheckPath": "/health",
                 "restartPolicyType": "ON_FAILURE", "restartPolicyMaxRetries": 10, "drainingSeconds": 60}
        instance = configured(ServiceInstanceProvider()).create(props)
        token = configured(ProjectTokenProvider()).create(
            {"projectId": project.id, "environmentId": environment_id, "name": "autoscaler"})
        client = RailwayClient(token=(token.outs or {})["token"], token_kind="project")
        yield {"fake": fake, "server": server, "environment_id": environment_id, "worker_id": worker.id,
               "client": client, "instance": instance, "props": props}
        assert fake.violations == []


def test_autoscaler_run_against_railway_and_redis(fleet: dict[str, Any], redis: FakeRedis) -> None:
    fake, server = fleet["fake"], fleet["server"]
    clock = Clock()
    logs: list[dict[str, Any]] = []
    scaler = Autoscaler(POLICY, RedisQueue(redis.url(), KEY),
                        RailwayFleet(fleet["client"], fleet["environment_id"], fleet["worker_id"]),
                        clock=clock, log=logs.append)

    def tick(at: float, depth: int) -> int:
        clock.now = at
        redis.set_depth(KEY, depth)
        scaler.tick()
        return sum(fake.replicas(fleet["worker_id"], fleet["environment_id"]).values())

    mark = len(server.requests)
    assert tick(0, 400) == 8
    assert tick(30, 600) == 8          # scale-up cooldown
    assert tick(60, 600) == 10         # capped at max
    assert tick(100, 0) == 10          # the low stretch starts
    assert tick(399, 0) == 10
    assert tick(400, 0) == 9           # sustained for 300 s, last change 340 s ago
    assert tick(430, 0) == 9           # cooldown again before the next step
    assert tick(700, 0) == 8
    sent = server.requests[mark:]
    assert {r.headers.get("project-access-token") for r in sent} == {(fleet["client"]).token}
    assert not any("authorization" in r.headers for r in sent)
    writes = [r.body["variables"] for r in sent if r.body["operationName"] == "ServiceInstanceUpdate"]
    assert len(writes) == 4 and all(w["environmentId"] == fleet["environment_id"] for w in writes)
    assert writes[0]["input"] == {"multiRegionConfig": {REGION: {"numReplicas": 8}}}  # the replica map only
    assert [entry["event"] for entry in logs].count("scaled") == 4


def test_pulumi_keeps_the_count_the_autoscaler_set(fleet: dict[str, Any], redis: FakeRedis) -> None:
    fake = fleet["fake"]
    scaler = Autoscaler(POLICY, RedisQueue(redis.url(), KEY),
                        RailwayFleet(fleet["client"], fleet["environment_id"], fleet["worker_id"]),
                        clock=Clock(), log=lambda _: None)
    redis.set_depth(KEY, 350)
    scaler.tick()
    assert fake.replicas(fleet["worker_id"], fleet["environment_id"]) == {REGION: 7}

    provider = configured(ServiceInstanceProvider())
    instance, props = fleet["instance"], fleet["props"]
    refreshed = provider.read(instance.id, instance.outs or {}).outs or {}
    assert refreshed["regions"] == {REGION: 7}
    assert not provider.diff(instance.id, refreshed, props).changes          # `pulumi up` after a refresh
    assert not provider.diff(instance.id, instance.outs or {}, props).changes  # ... and without one
    # A real change (the health check) rewrites the settings and keeps the autoscaler's 7.
    provider.update(instance.id, instance.outs or {}, {**props, "healthcheckTimeout": 30})
    assert fake.replicas(fleet["worker_id"], fleet["environment_id"]) == {REGION: 7}


def test_the_project_token_cannot_touch_another_environment(fleet: dict[str, Any]) -> None:
    other = RailwayFleet(fleet["client"], "env-elsewhere", fleet["worker_id"])
    with pytest.raises(RailwayError, match="Not Authorized"):
        other.current()


def test_a_redis_outage_holds_and_a_railway_outage_is_logged_not_fatal(fleet: dict[str, Any]) -> None:
    logs: list[dict[str, Any]] = []
    broken_queue = RedisQueue(f"redis://default:{REDIS_PASSWORD}@127.0.0.1:9", KEY, timeout=1)
    scaler = Autoscaler(POLICY, broken_queue, RailwayFleet(fleet["client"], fleet["environment_id"],
                                                           fleet["worker_id"]), clock=Clock(), log=logs.append)
    decision = scaler.tick()
    assert not decision.changes and [e["event"] for e in logs] == ["queue-unreadable", "held"]
    assert scaler.last_success is None

    fleet["fake"].graphql_error_next("EnvironmentConfig", "Problem processing request")
    stop = threading.Event()

    def log_and_stop(entry: dict[str, Any]) -> None:
        logs.append(entry)
        stop.set()

    scaler.log = log_and_stop
    scaler.run(0.01, stop)
    assert logs[-1]["event"] == "tick-failed" and "Problem processing request" in logs[-1]["error"]


def test_health_endpoint_reports_recent_successful_polls() -> None:
    class Fixed:
        def __init__(self) -> None:
            self.value = 0

        def depth(self) -> int:
            return self.value

    class Static:
        def current(self) -> dict[str, int]:
            return {REGION: 2}

        def scale(self, total: int, current: dict[str, int]) -> dict[str, int]:
            raise AssertionError("no scaling expected")

    clock = Clock()
    scaler = Autoscaler(POLICY, Fixed(), Static(), clock=clock, log=lambda _: None)
    server = serve_health(scaler, 30.0, 0)
    port = server.server_address[1]

    def status(path: str) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as reply:
                return int(reply.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    try:
        assert status("/health") == 503  # no successful poll yet: a broken deploy never goes live
        scaler.tick()
        assert status("/health") == 200 and status("/other") == 404
        clock.now = 91.0
        assert status("/health") == 503  # three intervals without a successful poll
    finally:
        server.shutdown()
        server.server_close()


def test_fake_environment_is_clean(fleet: dict[str, Any]) -> None:
    fake: RailwayFake = fleet["fake"]
    server: FakeServer = fleet["server"]
    assert fake.replicas(fleet["worker_id"], fleet["environment_id"]) == {REGION: 2}
    assert all(r.path == "/graphql/v2" for r in server.requests)


def test_successful_polls_ping_the_heartbeat_and_a_failed_ping_is_logged_without_the_url() -> None:
    from fakeapis.server import Reply
    from services.backup.heartbeat import ping

    class Fixed:
        def __init__(self) -> None:
            self.broken = False

        def depth(self) -> int:
            if self.broken:
                raise QueueError("redis unreachable")
            return 0

    class Static:
        def current(self) -> dict[str, int]:
            return {REGION: 2}

        def scale(self, total: int, current: dict[str, int]) -> dict[str, int]:
            raise AssertionError("no scaling expected")

    replies = [Reply(200, raw=b"OK")]
    with FakeServer(lambda request: replies[0]) as checkly:
        url = f"{checkly.url}/secret-ping-token-not-real"
        clock, queue = Clock(), Fixed()
        logs: list[dict[str, Any]] = []
        scaler = Autoscaler(POLICY, queue, Static(), clock=clock, log=logs.append,
                            heartbeat=lambda: ping(url, "autoscaler poll read the queue", timeout=5.0,
                                                   sleep=lambda _: None))
        scaler.tick()
        clock.now = 30.0
        scaler.tick()  # within a minute of the last ping: no second one
        assert [(r.method, r.path) for r in checkly.requests] == [("POST", "/secret-ping-token-not-real")]
        queue.broken, clock.now = True, 90.0
        scaler.tick()  # the queue could not be read: no ping, so the heartbeat goes quiet
        assert len(checkly.requests) == 1
        queue.broken, clock.now, replies[0] = False, 120.0, Reply(404, raw=b"no such heartbeat")
        scaler.tick()
    failed = [entry for entry in logs if entry["event"] == "heartbeat-failed"]
    assert failed == [{"event": "heartbeat-failed", "error": "ping to 127.0.0.1 failed (HTTP 404)"}]
    assert "secret-ping-token" not in str(logs)
    sealed = "https://ping.checklyhq.com/00000000-test-not-real"
    settings = load({**ENV, "HEARTBEAT_URL": sealed})
    assert settings.heartbeat_url == sealed and sealed not in repr(settings)
    with pytest.raises(SettingsError, match="HEARTBEAT_URL must be an https:// URL"):
        load({**ENV, "HEARTBEAT_URL": url})
