"""ops.announce (Slack), ops.rollback's refusals, ops.smoke --stage: what the release workflow runs."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import schemas
from ops import announce, rollback
from ops.smoke import load_target, plan

REF = "0123456789abcdef0123456789abcdef01234567"
RUN = "https://github.com/lightspeedpay/platform/actions/runs/42"
SECRET_PATH = "/services/T0FAKE/B0FAKE/test-token-not-real"


class FakeSlack:
    """An incoming webhook on loopback: answers the queued statuses in turn (then 200 "ok"), keeps the bodies."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []
        slack = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                slack.bodies.append(json.loads(self.rfile.read(length)))
                slack.paths.append(self.path)
                status = slack.statuses.pop(0) if slack.statuses else 200
                answer = b"ok" if status == 200 else b"no_service" if status == 404 else b"internal_error"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{SECRET_PATH}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FakeSlack:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda seconds: None)


def run(argv: list[str], env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = announce.main(argv, environ=env)
    out, err = capsys.readouterr()
    return code, out + err


def test_the_start_message_reaches_slack_with_the_maintenance_window(slack: FakeSlack,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    slack.bodies.clear()
    code, printed = run(["start", "--stack", "production", "--ref", REF, "--run-url", RUN, "--actor", "<!channel>",
                         "--maintenance-minutes", "30"], {"SLACK_WEBHOOK_URL": slack.url}, capsys)
    assert code == 0 and "#payments-alerts" in printed
    [body] = slack.bodies
    assert body["blocks"][0]["text"]["text"] == body["text"]
    assert f"`{REF[:12]}` to production started" in body["text"]
    assert "Maintenance window" in body["text"] and "IST), 30 min" in body["text"]
    assert "&lt;!channel&gt;" in body["text"] and "<!channel>" not in body["text"]  # no mention smuggled in
    assert SECRET_PATH not in printed


def test_the_finish_message_names_the_failed_step_and_the_rollback(slack: FakeSlack,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    slack.bodies.clear()
    results = ["--result", "backup=success", "--result", "migrate=success", "--result", "api=failure",
               "--result", "frontend=skipped", "--result", "jobs=skipped", "--result", "verify=skipped"]
    code, _ = run(["finish", "--stack", "production", "--ref", REF, "--run-url", RUN, *results,
                   "--restore-point", "1764540000"], {"SLACK_WEBHOOK_URL": slack.url}, capsys)
    assert code == 0
    text = slack.bodies[-1]["text"]
    assert "did not finish" in text and ":x: api" in text and ":fast_forward: jobs" in text
    assert "python -m ops.rollback --stack production --stage api" in text
    assert "1764540000 (2025-11-30 22:00:00 UTC)" in text
    ok = ["--result", "backup=success", "--result", "migrate=success", "--result", "api=success",
          "--result", "frontend=success", "--result", "jobs=success", "--result", "verify=success"]
    assert run(["finish", "--stack", "staging", "--ref", REF, "--run-url", RUN, *ok],
               {"SLACK_WEBHOOK_URL": slack.url}, capsys)[0] == 0
    assert "to staging finished" in slack.bodies[-1]["text"] and "rollback" not in slack.bodies[-1]["text"]


def test_a_throttled_or_failing_slack_is_retried_and_never_shows_the_webhook(
        slack: FakeSlack, capsys: pytest.CaptureFixture[str]) -> None:
    slack.bodies.clear()
    slack.statuses[:] = [503, 429]
    argv = ["start", "--stack", "production", "--ref", REF, "--run-url", RUN]
    assert run(argv, {"SLACK_WEBHOOK_URL": slack.url}, capsys)[0] == 0
    assert len(slack.bodies) == 3  # two refusals, then delivered
    slack.statuses[:] = [500, 500, 500]
    code, printed = run(argv, {"SLACK_WEBHOOK_URL": slack.url}, capsys)
    assert code == 1 and "HTTP 500 (internal_error)" in printed and SECRET_PATH not in printed
    slack.bodies.clear()
    slack.statuses[:] = [404]
    code, printed = run(argv, {"SLACK_WEBHOOK_URL": slack.url}, capsys)
    assert code == 1 and len(slack.bodies) == 1 and "HTTP 404 (no_service)" in printed  # a revoked hook: no retry
    assert "test-token-not-real" not in printed


@pytest.mark.parametrize("url, problem", [
    ("", "SLACK_WEBHOOK_URL is not set"),
    ("http://hooks.example.com/services/T/B/test-token-not-real", "not an https:// URL"),
    ("ftp://127.0.0.1/test-token-not-real", "not an https:// URL"),
])
def test_a_bad_webhook_setting_is_refused_without_showing_it(url: str, problem: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, printed = run(["start", "--stack", "production", "--ref", REF, "--run-url", RUN],
                        {"SLACK_WEBHOOK_URL": url}, capsys)
    assert code == 2 and problem in printed and "test-token-not-real" not in printed


def test_announce_refuses_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["start", "--stack", "production", "--ref", "main", "--run-url", RUN],
                 ["start", "--stack", "production", "--ref", REF, "--run-url", "http://x"],
                 ["finish", "--stack", "production", "--ref", REF, "--run-url", RUN, "--result", "api=green"]):
        with pytest.raises(SystemExit) as exited:
            announce.main(argv, environ={})
        assert exited.value.code == 2
    assert announce.main(["start", "--stack", "nowhere", "--ref", REF, "--run-url", RUN], environ={}) == 2
    assert "unknown stack 'nowhere'" in capsys.readouterr().err


def test_rollback_refuses_what_it_cannot_do(capsys: pytest.CaptureFixture[str]) -> None:
    now = int(time.time())
    assert rollback.main(["--stack", "production", "--restore-point", str(now + 3600)]) == 2
    assert "in the future" in capsys.readouterr().err
    assert rollback.main(["--stack", "production", "--restore-point", str(now - 8 * 86_400)]) == 2
    assert "PITR window of 7 days (database.pitrDays)" in capsys.readouterr().err
    for bad in (["--previous", "api=not-a-deployment"], ["--previous", "jobs=dpl_1a2b3c4d5e6f"],
                ["--previous", "database=x"], ["--stage", "web"], ["--restore-point", "yesterday"]):
        with pytest.raises(SystemExit) as exited:
            rollback.main(["--stack", "production", *bad])
        assert exited.value.code == 2


def test_staging_without_pitr_restores_a_daily_backup(capsys: pytest.CaptureFixture[str]) -> None:
    assert rollback.main(["--stack", "staging", "--stage", "database"]) == 0
    printed = capsys.readouterr().out
    assert "PITR is off for this stack" in printed and "supabase backups list --project-ref" in printed
    assert "lightspeedpay/staging" in printed and "restore-pitr" not in printed


def test_the_pitr_request_body_is_supabases(capsys: pytest.CaptureFixture[str]) -> None:
    point = int(time.time()) - 3600
    assert rollback.main(["--stack", "production", "--stage", "database", "--restore-point", str(point)]) == 0
    printed = capsys.readouterr().out
    body = json.loads(printed.split("--data '")[1].split("'")[0])
    spec = schemas.load_json("supabase", "openapi.json")
    operation = spec["paths"]["/v1/projects/{ref}/database/backups/restore-pitr"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    jsonschema.validate(body, spec["components"]["schemas"][ref])
    assert body == {"recovery_time_target_unix": point} and f"--timestamp {point}" in printed


def test_smoke_stages_split_the_checks_by_hostname() -> None:
    target = load_target("production")
    every = [(c.name, c.host) for c in plan(target)]
    api = [(c.name, c.host) for c in plan(target, target.stage_hosts("api"))]
    frontend = [(c.name, c.host) for c in plan(target, target.stage_hosts("frontend"))]
    assert sorted(api + frontend) == sorted(every)  # together, exactly the whole smoke test
    assert {host for _, host in api} == {"api.lightspeedpay.com"}
    assert {"api-health", "razorpay-webhook-unsigned", "phonepe-callback-bad-signature"} <= {n for n, _ in api}
    assert ("checkout-page", "checkout.lightspeedpay.com") in frontend
    assert {host for _, host in frontend} == {"lightspeedpay.com", "www.lightspeedpay.com",
                                              "checkout.lightspeedpay.com"}
    with pytest.raises(ValueError, match="unknown stage"):
        target.stage_hosts("jobs")


def test_maintenance_is_only_what_the_stack_declared_on_the_status_page(capsys: pytest.CaptureFixture[str],
                                                                         tmp_path: Path) -> None:
    from ops import maintenance

    # Production declares 2027-01-10 20:30–21:30 UTC for checkout, API and payments.
    out = tmp_path / "github-output"
    assert maintenance.main(["--stack", "production", "--minutes", "30", "--at", "2027-01-10T20:45:00Z",
                             "--github-output", str(out)]) == 0
    assert out.read_text() == "maintenance-window=Database upgrade to Postgres 17.6\n"
    assert "checkout, api, payments, MAJOR" in capsys.readouterr().out
    # Running past the window's end, or at any other time, is refused: declare the window first.
    assert maintenance.main(["--stack", "production", "--minutes", "60", "--at", "2027-01-10T20:45:00Z"]) == 1
    assert "fits no declared window" in capsys.readouterr().err
    assert maintenance.main(["--stack", "staging", "--minutes", "10"]) == 1
    assert maintenance.main(["--stack", "staging", "--minutes", "0"]) == 0  # no downtime asked: nothing to declare
    for bad in (["--minutes", "-5"], ["--minutes", "10", "--at", "2027-01-10 20:45"]):
        with pytest.raises(SystemExit) as exited:
            maintenance.main(["--stack", "production", *bad])
        assert exited.value.code == 2
    assert maintenance.main(["--stack", "nowhere", "--minutes", "5"]) == 2
