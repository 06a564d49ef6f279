"""The rate limit is kept by design: the limiter's window, the server's headers, bounded retries."""

from __future__ import annotations

from fakeapis.server import FakeServer, Recorded, Reply
from fakeapis.supabase import TOKEN, FakeSupabase
from providers.supabase.client import SupabaseClient
from providers.supabase.ratelimit import DEFAULT_LIMIT, RateLimiter
from tests.supabase_support import FakeClock, instant_runtime, supabase_api_fixture, supabase_server_fixture  # noqa: F401


def limiter(clock: FakeClock) -> RateLimiter:
    return RateLimiter(clock=clock.time, sleep=clock.sleep)


def most_in_any_window(times: list[float], window: float = 60.0) -> int:
    return max(sum(1 for u in times if t - window < u <= t) for t in times)


def test_a_burst_is_spread_so_no_minute_holds_more_than_the_limit() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    admitted = []
    for _ in range(300):
        rl.acquire("/v1/projects/abcdefghijklmnopqrst/config/auth")
        admitted.append(clock.now)
    assert most_in_any_window(admitted) == DEFAULT_LIMIT
    assert admitted[DEFAULT_LIMIT - 1] == admitted[0]  # the first 120 go at once
    assert admitted[DEFAULT_LIMIT] >= admitted[0] + 60  # the 121st waits for the window
    assert rl.waited > 0


def test_budgets_are_per_endpoint() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    for _ in range(DEFAULT_LIMIT):
        rl.acquire("/v1/projects/aaaaaaaaaaaaaaaaaaaa/config/auth")
    rl.acquire("/v1/projects/bbbbbbbbbbbbbbbbbbbb/config/auth")  # another project: its own budget
    rl.acquire("/v1/projects/aaaaaaaaaaaaaaaaaaaa/ssl-enforcement")  # another endpoint: its own budget
    assert clock.sleeps == []


def test_a_call_is_admitted_only_if_its_retries_also_fit() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    for _ in range(DEFAULT_LIMIT - 4):
        rl.acquire("/x")
    rl.acquire("/x", reserve=4)  # 116 sent + this call + 4 possible retries = 121 > 120: it waits
    assert clock.sleeps and clock.sleeps[0] > 0


def test_retries_made_inside_a_call_are_charged() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    rl.acquire("/x")
    rl.charge("/x", 3)
    assert rl.in_window("/x") == 4


def test_server_remaining_zero_blocks_the_endpoint_until_reset() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    rl.acquire("/x")
    rl.observe("/x", {"x-ratelimit-limit": "120", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "17"})
    rl.acquire("/y")  # other endpoints unaffected
    assert clock.sleeps == []
    rl.acquire("/x")
    assert clock.sleeps == [17.0]


def test_a_lower_server_limit_becomes_the_budget() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    rl.observe("/x", {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "59", "x-ratelimit-reset": "60"})
    for _ in range(60):
        rl.acquire("/x")
    assert clock.sleeps == []
    rl.acquire("/x")
    assert clock.sleeps and clock.sleeps[0] > 0


def test_client_honours_the_servers_headers(supabase_api: tuple[FakeSupabase, FakeServer]) -> None:
    fake, server = supabase_api
    ref = fake.add_project("limited").ref
    clock = FakeClock()
    client = SupabaseClient(TOKEN, server.url, instant_runtime(clock))
    first = True

    def exhausted(_: Recorded) -> dict[str, str] | None:
        nonlocal first
        if first:
            first = False
            return {"X-RateLimit-Limit": "120", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "9"}
        return None

    fake.rate_headers = exhausted
    client.get_auth_config(ref)
    assert clock.sleeps == []
    client.get_auth_config(ref)
    assert clock.sleeps == [9.0]
    assert len(fake.requests) == 2


def test_a_429_waits_for_retry_after_and_is_charged(supabase_api: tuple[FakeSupabase, FakeServer]) -> None:
    fake, server = supabase_api
    ref = fake.add_project("throttled").ref
    clock = FakeClock()
    client = SupabaseClient(TOKEN, server.url, instant_runtime(clock))
    server.failures.append(Reply(429, {"message": "Rate limit exceeded"}, {"Retry-After": "4"}))
    client.get_ssl_enforcement(ref)
    assert clock.sleeps == [4.0]
    assert client.limiter.in_window(f"/v1/projects/{ref}/ssl-enforcement") == 2
    assert len(client.sent) == 2
