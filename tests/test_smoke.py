"""`python -m ops.smoke` against real nginx servers on loopback: one right, each other wrong in one way.

One nginx process (Debian's package) serves every scenario on its own ephemeral port, with
certificates from a CA made for the session. `--connect-to` points every hostname of the
production stack at one scenario's port, so each smoke run sees a whole stack served by it.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from config import ConfigError
from ops.smoke import Network, SmokeReport, SmokeTarget, load_target, parse_connect_to, probe_tls, run_smoke
from ops.smoke.checks import FAKE_PHONEPE_CREDENTIALS, FAKE_RAZORPAY_WEBHOOK_SECRET, certificate, hsts_max_age
from ops.smoke.cli import main
from ops.smoke.net import probe_context
from tests.harness import REPO, plan
from tests.nginx import Nginx
from tests.pki import LocalCA

TLS10, TLS11 = ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1
RAZORPAY_CHECKS_SIGNATURE = 'if ($http_x_razorpay_signature = "") { return 400; } return 401;'
PHONEPE_CHECKS_HASH = 'if ($http_authorization = "") { return 401; } return 403;'
PAGE = "<!doctype html><html><head><title>Checkout</title></head><body>LightSpeedPay checkout</body></html>"


@pytest.fixture(scope="session")
def target() -> SmokeTarget:
    return load_target("production")


def server_block(target: SmokeTarget, cert: tuple[Path, Path], *, protocols: str = "TLSv1.2 TLSv1.3",
                 hsts: str | None = "", health: str = "return 200 '{\"status\":\"ok\"}';",
                 razorpay: str = RAZORPAY_CHECKS_SIGNATURE, phonepe: str = PHONEPE_CHECKS_HASH,
                 page: str = f"default_type text/html; return 200 '{PAGE}';") -> str:
    """A stack's edge as it must be (the defaults), or with one thing wrong (one argument changed)."""
    lines = [f"ssl_certificate {cert[0]};", f"ssl_certificate_key {cert[1]};", f"ssl_protocols {protocols};"]
    if "TLSv1 " in protocols or "TLSv1.1" in protocols:
        lines.append("ssl_ciphers DEFAULT:@SECLEVEL=0;")  # what a server still serving TLS 1.0/1.1 really runs
    if hsts is not None:
        hsts = hsts or f"max-age={target.hsts_min_age_seconds}; includeSubDomains"
        lines.append(f'add_header Strict-Transport-Security "{hsts}" always;')
    lines += [
        f"location = {target.health_path} {{ default_type application/json; {health} }}",
        f"location = {target.razorpay_webhook_path} {{ {razorpay} }}",
        f"location = {target.phonepe_callback_path} {{ {phonepe} }}",
        f"location / {{ {page} }}",
    ]
    return "\n".join(f"    {line}" for line in lines)


EVERY_HOST = "*"
SCENARIOS: dict[str, set[tuple[str, str]]] = {
    # scenario → the checks it must fail, (check, host); EVERY_HOST for each of the stack's hostnames
    "right": set(),
    "tls1.0-on": {("tls1.0-refused", EVERY_HOST)},
    "tls1.1-on": {("tls1.1-refused", EVERY_HOST)},
    "no-hsts": {("hsts", EVERY_HOST)},
    "short-hsts": {("hsts", EVERY_HOST)},
    "expired-certificate": {("certificate", EVERY_HOST)},
    "certificate-near-expiry": {("certificate", EVERY_HOST)},
    "certificate-for-other-names": {("certificate", EVERY_HOST)},
    "certificate-from-unknown-ca": {("certificate", EVERY_HOST)},
    "health-down": {("api-health", "api")},
    "razorpay-webhook-open": {("razorpay-webhook-unsigned", "api"), ("razorpay-webhook-bad-signature", "api")},
    "phonepe-hash-unchecked": {("phonepe-callback-bad-signature", "api")},
    "checkout-not-html": {("checkout-page", "checkout")},
}


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> LocalCA:
    return LocalCA(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def servers(target: SmokeTarget, pki: LocalCA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, int]]:
    """One nginx serving every scenario; scenario name → port."""
    names = list(target.hostnames)
    good = pki.issue("good", names)
    stranger = LocalCA(tmp_path_factory.mktemp("other-ca"), "Some other CA (not trusted)")
    blocks = {
        "right": server_block(target, good),
        "tls1.0-on": server_block(target, good, protocols="TLSv1 TLSv1.2 TLSv1.3"),
        "tls1.1-on": server_block(target, good, protocols="TLSv1.1 TLSv1.2 TLSv1.3"),
        "no-hsts": server_block(target, good, hsts=None),
        "short-hsts": server_block(target, good, hsts="max-age=86400"),
        "expired-certificate": server_block(target, pki.issue("expired", names, days_valid=30, days_since_issue=31)),
        # 10 days left: valid, but under the stack's 21-day threshold
        "certificate-near-expiry": server_block(target, pki.issue("near", names, days_valid=11)),
        "certificate-for-other-names": server_block(target, pki.issue("other", ["example.com", "www.example.com"])),
        "certificate-from-unknown-ca": server_block(target, stranger.issue("stranger", names)),
        "health-down": server_block(target, good, health="return 503;"),
        "razorpay-webhook-open": server_block(target, good, razorpay="return 200;"),
        # checks that *a* hash is there, not that it is the right one
        "phonepe-hash-unchecked": server_block(target, good,
                                               phonepe='if ($http_authorization = "") { return 401; } return 200;'),
        "checkout-not-html": server_block(target, good, page="default_type application/json; return 200 '{}';"),
    }
    assert set(blocks) == set(SCENARIOS)
    nginx = Nginx(tmp_path_factory.mktemp("nginx"), blocks)
    nginx.start()
    try:
        yield nginx.ports
    finally:
        nginx.stop()
        assert "[emerg]" not in nginx.log() and "[alert]" not in nginx.log(), nginx.log()


def connect_all(target: SmokeTarget, port: int) -> dict[str, tuple[str, int]]:
    return {host: ("127.0.0.1", port) for host in target.hostnames}


def network(target: SmokeTarget, port: int, pki: LocalCA, timeout: float = 5.0) -> Network:
    return Network(connect_all(target, port), pki.ca_file, timeout)


@pytest.fixture(scope="session")
def report_of(target: SmokeTarget, servers: dict[str, int], pki: LocalCA) -> Callable[[str], SmokeReport]:
    """The smoke report of a scenario's server, run once per session."""
    @functools.cache
    def report(scenario: str) -> SmokeReport:
        return run_smoke(target, network(target, servers[scenario], pki))
    return report


def detail_of(report: SmokeReport, check: str, host: str) -> str:
    return next(r.detail for r in report.results if (r.check, r.host) == (check, host))


# --- the checks against right and wrong servers ----------------------------------------------------

@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_each_server_fails_exactly_its_check(scenario: str, target: SmokeTarget,
                                             report_of: Callable[[str], SmokeReport]) -> None:
    report = report_of(scenario)
    hosts = {"api": [target.api_host], "checkout": [target.checkout_host], EVERY_HOST: list(target.hostnames)}
    expected = {(check, host) for check, which in SCENARIOS[scenario] for host in hosts[which]}
    failed = {(r.check, r.host): r.detail for r in report.failures}
    assert set(failed) == expected, failed
    assert report.passed is (not expected)
    assert len(report.results) == 5 * len(target.hostnames) + 6


def test_the_right_server_passes_for_the_reasons_it_should(target: SmokeTarget,
                                                           report_of: Callable[[str], SmokeReport]) -> None:
    detail = {(r.check, r.host): r.detail for r in report_of("right").results}
    api = target.api_host
    assert "chains to the CA file" in detail[("certificate", api)]
    assert "TLSV1_ALERT_PROTOCOL_VERSION" in detail[("tls1.0-refused", api)]  # the server's alert, not ours
    assert detail[("tls1.2-accepted", api)].startswith("handshake completed: TLSv1.2")
    assert detail[("hsts", api)] == f"max-age={target.hsts_min_age_seconds} (at least {target.hsts_min_age_seconds})"
    assert detail[("razorpay-webhook-unsigned", api)] == "refused with HTTP 400"
    assert detail[("razorpay-webhook-bad-signature", api)] == "refused with HTTP 401"  # reached the signature check
    assert detail[("phonepe-callback-bad-signature", api)] == "refused with HTTP 403"
    assert detail[("checkout-page", target.checkout_host)].startswith("HTTP 200, text/html")


def test_what_the_wrong_servers_are_failed_for(target: SmokeTarget,
                                               report_of: Callable[[str], SmokeReport]) -> None:
    def detail(scenario: str, check: str) -> str:
        return detail_of(report_of(scenario), check, target.api_host)

    assert "certificate has expired" in detail("expired-certificate", "certificate")
    assert "under the stack's 21-day threshold (monitoring.sslExpiryAlertDays)" in detail(
        "certificate-near-expiry", "certificate")
    assert "Hostname mismatch" in detail("certificate-for-other-names", "certificate")
    assert "unable to get local issuer certificate" in detail("certificate-from-unknown-ca", "certificate")
    assert detail("tls1.0-on", "tls1.0-refused").startswith("TLSv1 accepted (handshake completed: TLSv1 ")
    assert detail("no-hsts", "hsts") == "no Strict-Transport-Security header (HTTP 200)"
    assert "max-age=86400 is under the stack's 31536000" in detail("short-hsts", "hsts")
    assert detail("razorpay-webhook-open", "razorpay-webhook-unsigned") == \
        "HTTP 200: must be refused with 400, 401 or 403"


def test_the_certificate_threshold_is_the_stack_setting(target: SmokeTarget, servers: dict[str, int],
                                                        pki: LocalCA) -> None:
    net = network(target, servers["right"], pki)
    host = target.api_host
    assert certificate(host, target.certificate_min_days)(net)[0]  # 88 days left
    passed, detail = certificate(host, 100)(net)
    assert not passed and "under the stack's 100-day threshold" in detail


# --- the TLS probe: a refusal must come from the server ------------------------------------------------

def test_the_tls10_server_really_accepts_tls10(target: SmokeTarget, servers: dict[str, int]) -> None:
    """The wrong server is really wrong: a TLS 1.0-only client completes a handshake with it."""
    net = Network(connect_all(target, servers["tls1.0-on"]))
    with net.tls(target.api_host, probe_context(TLS10)) as tls:
        assert tls.version() == "TLSv1"


def test_a_naive_probe_would_call_every_server_safe(target: SmokeTarget, servers: dict[str, int]) -> None:
    """OpenSSL 3 at its default security level cannot offer TLS 1.0 at all: a probe without
    `@SECLEVEL=0` fails on its own side, even against a server that accepts TLS 1.0. Ours succeeds,
    and a client-side failure is never counted as the server's refusal."""
    net = Network(connect_all(target, servers["tls1.0-on"]))
    naive = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    naive.check_hostname, naive.verify_mode = False, ssl.CERT_NONE
    naive.minimum_version = naive.maximum_version = TLS10
    with pytest.raises(ssl.SSLError) as error, net.tls(target.api_host, naive):
        pass
    assert error.value.reason in ("NO_CIPHERS_AVAILABLE", "NO_PROTOCOLS_AVAILABLE")
    naive_probe = probe_tls(net, target.api_host, TLS10, naive)
    assert not naive_probe.refused and not naive_probe.accepted
    assert "could not offer TLSv1 itself" in naive_probe.detail
    assert probe_tls(net, target.api_host, TLS10).accepted


def test_tls11_is_refused_by_a_server_that_only_still_speaks_tls10(target: SmokeTarget,
                                                                   servers: dict[str, int]) -> None:
    # Offered only 1.1, this server answers with 1.0: 1.1 was not accepted.
    net = Network(connect_all(target, servers["tls1.0-on"]))
    probe = probe_tls(net, target.api_host, TLS11)
    assert probe.refused and "UNSUPPORTED_PROTOCOL" in probe.detail


def test_nothing_listening_fails_every_check_never_passes_a_refusal(target: SmokeTarget,
                                                                    unused_port: int) -> None:
    report = run_smoke(target, Network(connect_all(target, unused_port), timeout=2))
    assert not report.passed and len(report.failures) == len(report.results)
    tls10 = next(r for r in report.results if r.check == "tls1.0-refused")
    assert tls10.detail.startswith(f"connection to {tls10.host} via 127.0.0.1:{unused_port} failed")


def test_every_network_call_times_out(target: SmokeTarget) -> None:
    """A server that accepts TCP connections and never answers: every check fails within the timeout."""
    import socket

    with socket.create_server(("127.0.0.1", 0), backlog=64) as silent:
        started = time.perf_counter()
        report = run_smoke(target, Network(connect_all(target, silent.getsockname()[1]), timeout=0.3), workers=32)
        elapsed = time.perf_counter() - started
    assert len(report.failures) == len(report.results)
    assert all("0.3s" in r.detail or "timed out" in r.detail for r in report.results), report.failures
    assert elapsed < 5


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as sock:  # bound, never listening: connections to it are refused
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the command --------------------------------------------------------------------------------------

def connect_args(target: SmokeTarget, port: int) -> list[str]:
    return [arg for host in target.hostnames for arg in ("--connect-to", f"{host}=127.0.0.1:{port}")]


def test_the_command_passes_a_right_stack_as_json(target: SmokeTarget, servers: dict[str, int], pki: LocalCA,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--stack", "production", *connect_args(target, servers["right"]), "--ca-file", str(pki.ca_file),
                 "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0 and document["passed"] is True
    assert document["summary"] == {"checks": 26, "failed": 0}
    assert {c["check"] for c in document["checks"]} >= {"certificate", "tls1.0-refused", "hsts", "api-health",
                                                        "razorpay-webhook-bad-signature", "checkout-page"}


def test_the_command_prints_a_line_per_check_and_exits_1(target: SmokeTarget, servers: dict[str, int],
                                                         pki: LocalCA, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--stack", "production", *connect_args(target, servers["razorpay-webhook-open"]),
                 "--ca-file", str(pki.ca_file)])
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert code == 1
    assert sum(line.startswith(("PASS  ", "FAIL  ")) for line in lines) == 26
    assert [line.split()[1] for line in lines if line.startswith("FAIL  ")] == [
        "razorpay-webhook-unsigned", "razorpay-webhook-bad-signature"]
    assert lines[-1] == "FAILED: 2 of 26 checks"
    assert FAKE_RAZORPAY_WEBHOOK_SECRET.decode() not in out and FAKE_PHONEPE_CREDENTIALS.decode() not in out


def test_python_dash_m_ops_smoke(target: SmokeTarget, servers: dict[str, int], pki: LocalCA) -> None:
    """The documented command, as a process: exit code, JSON on stdout, nothing on stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "ops.smoke", "--stack", "production", *connect_args(target, servers["tls1.0-on"]),
         "--ca-file", str(pki.ca_file), "--json", "--timeout", "5"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "PYTHONWARNINGS": ""})
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    failed = [c for c in json.loads(result.stdout)["checks"] if not c["passed"]]
    assert {c["check"] for c in failed} == {"tls1.0-refused"} and len(failed) == len(target.hostnames)


@pytest.mark.parametrize(("argv", "message"), [
    (["--stack", "nope"], "--stack: unknown stack 'nope' (no Pulumi.nope.yaml); known stacks: production, staging"),
    (["--stack", "production", "--connect-to", "api.lightspeedpay.com"], "argument --connect-to: 'api."),
    (["--stack", "production", "--connect-to", "api.lightspeedpay.com=127.0.0.1"], "argument --connect-to"),
    (["--stack", "production", "--connect-to", "api.lightspeedpay.com=127.0.0.1:70000"], "port 1-65535"),
    (["--stack", "production", "--connect-to", "api.lightspeedpay.com=[not-v6]:443"], "argument --connect-to"),
    (["--stack", "production", "--connect-to", "=127.0.0.1:443"], "argument --connect-to"),
    (["--stack", "production", "--connect-to", "example.com=127.0.0.1:443"],
     "--connect-to: 'example.com' is not a hostname of stack 'production' (hostnames: lightspeedpay.com, "),
    (["--stack", "production", "--connect-to", "api.lightspeedpay.com=127.0.0.1:1",
      "--connect-to", "api.lightspeedpay.com=127.0.0.1:2"], "--connect-to: 'api.lightspeedpay.com' is given twice"),
    (["--stack", "production", "--ca-file", "/nonexistent/ca.pem"], "--ca-file: no such file: /nonexistent/ca.pem"),
    (["--stack", "production", "--ca-file", str(REPO / "README.md")], "--ca-file: "),
    (["--stack", "production", "--timeout", "0"], "argument --timeout"),
    ([], "the following arguments are required: --stack"),
])
def test_bad_usage_exits_2_with_one_clear_message(argv: list[str], message: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        code = int(exit_.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    lines = err.strip().splitlines()  # argparse's usage (up to three lines), then the one message
    assert "Traceback" not in err and len(lines) <= 4 and sum("error:" in line for line in lines) == 1


# --- what the checks read from config ------------------------------------------------------------------

def test_the_target_is_the_stack_config(target: SmokeTarget) -> None:
    document = yaml.safe_load((REPO / "Pulumi.production.yaml").read_text(encoding="utf-8"))["config"]
    domains = document["lightspeedpay:domains"]
    assert set(target.hostnames) == {domains[k] for k in ("site", "www", "checkout", "api")}
    assert (target.api_host, target.checkout_host) == (domains["api"], domains["checkout"])
    monitoring = document["lightspeedpay:monitoring"]
    assert target.health_path == monitoring["apiHealthPath"]
    assert target.certificate_min_days == monitoring["sslExpiryAlertDays"]
    assert target.hsts_min_age_seconds == document["lightspeedpay:tls"]["hsts"]["maxAgeSeconds"]
    gateways = document["lightspeedpay:gateways"]
    assert target.razorpay_webhook_path == gateways["razorpay"]["webhookPath"]
    assert target.phonepe_callback_path == gateways["phonepe"]["callbackPath"]


def test_checkly_alerts_and_the_smoke_test_share_one_certificate_threshold(target: SmokeTarget) -> None:
    channels = [r for r in plan("production").resources if r.type == "checkly:index/alertChannel:AlertChannel"]
    assert channels and all(c.inputs["sslExpiry"] is True for c in channels)
    assert {c.inputs["sslExpiryThreshold"] for c in channels} == {target.certificate_min_days}


def test_the_threshold_is_read_from_the_stack_file_within_checklys_range(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("Pulumi.yaml", "Pulumi.staging.yaml"):
        shutil.copy(REPO / name, tmp_path / name)
    text = (REPO / "Pulumi.production.yaml").read_text(encoding="utf-8")
    assert text.count("sslExpiryAlertDays: 21") == 1

    def with_days(days: int) -> None:
        (tmp_path / "Pulumi.production.yaml").write_text(text.replace("sslExpiryAlertDays: 21",
                                                                      f"sslExpiryAlertDays: {days}"))

    with_days(14)
    assert load_target("production", root=tmp_path).certificate_min_days == 14
    with_days(45)  # Checkly refuses an alert threshold above 30 days: the config refuses it first
    with pytest.raises(ConfigError, match=r"lightspeedpay:monitoring.sslExpiryAlertDays = 45: .*less than or equal "
                                          r"to 30"):
        load_target("production", root=tmp_path)
    monkeypatch.setattr("ops.smoke.cli.load_target", functools.partial(load_target, root=tmp_path))
    assert main(["--stack", "production"]) == 2
    assert "lightspeedpay:monitoring.sslExpiryAlertDays = 45" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "expected"), [
    ("api.lightspeedpay.com=127.0.0.1:8443", ("api.lightspeedpay.com", ("127.0.0.1", 8443))),
    ("API.lightspeedpay.com=localhost:443", ("api.lightspeedpay.com", ("localhost", 443))),
    ("api.lightspeedpay.com=[::1]:8443", ("api.lightspeedpay.com", ("::1", 8443))),
])
def test_connect_to_forms(text: str, expected: tuple[str, tuple[str, int]]) -> None:
    assert parse_connect_to(text) == expected


@pytest.mark.parametrize(("header", "max_age"), [
    ("max-age=31536000; includeSubDomains", 31536000),
    ('includeSubDomains; Max-Age="63072000"; preload', 63072000),
    ("max-age=abc", None),
    ("includeSubDomains", None),
    ("smax-age=5", None),
])
def test_hsts_max_age(header: str, max_age: int | None) -> None:
    assert hsts_max_age(header) == max_age
