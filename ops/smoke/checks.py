"""The smoke checks: each proves one thing about a released stack, over the network.

A check returns (passed, detail). The detail says what was seen (a status, a header, a date),
never a response body, and no real secret exists here to leak: the webhook probes sign with
obviously fake secrets, on purpose, to be refused.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import re
import ssl
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from .net import Network, probe_context
from .target import SmokeTarget

Outcome = tuple[bool, str]

REFUSED_STATUSES = (400, 401, 403)
"""What a webhook endpoint answers a request it cannot authenticate."""
FAKE_RAZORPAY_WEBHOOK_SECRET = b"smoke-test-not-the-razorpay-webhook-secret"
FAKE_PHONEPE_CREDENTIALS = b"smoke_test_fake:not-the-phonepe-password-0"

_CLIENT_CANNOT_OFFER = ("NO_PROTOCOLS_AVAILABLE", "NO_CIPHERS_AVAILABLE")
"""OpenSSL giving up on its own side: nothing was asked of the server, so nothing was refused."""


@dataclass(frozen=True)
class Check:
    name: str
    """What is checked, e.g. ``tls1.0-refused``."""
    host: str
    path: str | None
    run: Callable[[Network], Outcome]


@dataclass(frozen=True)
class CheckResult:
    check: str
    host: str
    url: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class SmokeReport:
    stack: str
    results: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(result for result in self.results if not result.passed)

    def as_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "passed": self.passed,
                "summary": {"checks": len(self.results), "failed": len(self.failures)},
                "checks": [asdict(result) for result in self.results]}


# --- TLS -----------------------------------------------------------------------------------------

def certificate(host: str, min_days: int) -> Callable[[Network], Outcome]:
    """Chains to the trust store, is valid for ``host`` today, and has at least ``min_days`` left."""
    def run(network: Network) -> Outcome:
        try:
            with network.tls(host, network.verifying) as tls:
                peer = tls.getpeercert()
                version = tls.version()
        except ssl.SSLCertVerificationError as exc:
            return False, f"not valid for {host} under {network.trust}: {exc.verify_message}"
        if not peer:  # typed Optional; a verified handshake always has one
            return False, "the server sent no certificate"
        not_after = ssl.cert_time_to_seconds(str(peer["notAfter"]))
        days_left = int((not_after - time.time()) // 86_400)
        expires = time.strftime("%Y-%m-%d", time.gmtime(not_after))
        if days_left < min_days:
            return False, (f"expires {expires}: {days_left} day(s) left, under the stack's {min_days}-day threshold "
                           f"(monitoring.sslExpiryAlertDays)")
        return True, f"valid, chains to {network.trust}, expires {expires} ({days_left} days left), {version}"
    return run


@dataclass(frozen=True)
class Probe:
    accepted: bool
    refused: bool
    detail: str


def probe_tls(network: Network, host: str, version: ssl.TLSVersion,
              context: ssl.SSLContext | None = None) -> Probe:
    """Offer only ``version`` and say whether the server accepted it, refused it, or neither could be
    told (no connection, a timeout, a client that could not offer it): never a refusal by default."""
    context = context or probe_context(version)
    try:
        raw = network.connect(host)
    except OSError as exc:
        return Probe(False, False, f"connection to {network.describe(host)} failed: {exc}")
    try:
        with raw, context.wrap_socket(raw, server_hostname=host) as tls:
            cipher = tls.cipher()
            return Probe(True, False, f"handshake completed: {tls.version()} {cipher[0] if cipher else ''}".strip())
    except ssl.SSLError as exc:
        reason = exc.reason or type(exc).__name__
        if reason in _CLIENT_CANNOT_OFFER:
            return Probe(False, False, f"the probe could not offer {version.name} itself ({reason}); "
                                       f"nothing was asked of the server")
        return Probe(False, True, f"refused by the server ({reason})")
    except TimeoutError:
        return Probe(False, False, f"no answer within {network.timeout:g}s")
    except (ConnectionResetError, BrokenPipeError) as exc:
        return Probe(False, True, f"refused: the server closed the connection ({type(exc).__name__})")
    except OSError as exc:
        return Probe(False, False, f"handshake failed: {exc}")


def tls_refused(host: str, version: ssl.TLSVersion) -> Callable[[Network], Outcome]:
    def run(network: Network) -> Outcome:
        probe = probe_tls(network, host, version)
        if probe.accepted:
            return False, f"{version.name} accepted ({probe.detail}); it must be refused (PCI DSS 4.2.1)"
        return probe.refused, probe.detail
    return run


def tls_accepted(host: str, version: ssl.TLSVersion) -> Callable[[Network], Outcome]:
    def run(network: Network) -> Outcome:
        probe = probe_tls(network, host, version)
        return probe.accepted, probe.detail
    return run


# --- HTTP ----------------------------------------------------------------------------------------

_MAX_AGE = re.compile(r'(?:^|;)\s*max-age\s*=\s*"?(\d+)"?\s*(?:;|$)', re.IGNORECASE)


def hsts_max_age(value: str) -> int | None:
    match = _MAX_AGE.search(value)
    return int(match.group(1)) if match else None


def hsts(host: str, min_age: int) -> Callable[[Network], Outcome]:
    def run(network: Network) -> Outcome:
        response = network.request(host, "GET", "/")
        value = response.header("Strict-Transport-Security")
        if value is None:
            return False, f"no Strict-Transport-Security header (HTTP {response.status})"
        max_age = hsts_max_age(value)
        if max_age is None:
            return False, f"Strict-Transport-Security without a valid max-age: {value!r}"
        if max_age < min_age:
            return False, f"max-age={max_age} is under the stack's {min_age} (tls.hsts.maxAgeSeconds)"
        return True, f"max-age={max_age} (at least {min_age})"
    return run


def answers_200(host: str, path: str) -> Callable[[Network], Outcome]:
    def run(network: Network) -> Outcome:
        response = network.request(host, "GET", path)
        return response.status == 200, f"HTTP {response.status}" + ("" if response.status == 200 else ", expected 200")
    return run


def html_page(host: str, path: str) -> Callable[[Network], Outcome]:
    def run(network: Network) -> Outcome:
        response = network.request(host, "GET", path)
        content_type = response.header("Content-Type") or "none"
        if response.status != 200:
            return False, f"HTTP {response.status}, expected 200"
        if not content_type.lower().startswith("text/html") or b"<html" not in response.body.lower():
            return False, f"HTTP 200 but not an HTML page (Content-Type: {content_type})"
        return True, f"HTTP 200, {content_type}"
    return run


WebhookRequest = tuple[bytes, dict[str, str]]


def razorpay_event() -> bytes:
    return json.dumps({"entity": "event", "account_id": "acc_SMOKETESTFAKE", "event": "payment.captured",
                       "contains": ["payment"], "payload": {}, "created_at": int(time.time())}).encode()


def phonepe_event() -> bytes:
    return json.dumps({"event": "checkout.order.completed",
                       "payload": {"merchantOrderId": "SMOKE-TEST-FAKE", "state": "COMPLETED"}}).encode()


def razorpay_unsigned() -> WebhookRequest:
    return razorpay_event(), {}


def razorpay_bad_signature() -> WebhookRequest:
    """`X-Razorpay-Signature` is HMAC-SHA256(webhook secret, raw body) in hex: here with a fake secret."""
    body = razorpay_event()
    return body, {"X-Razorpay-Signature": hmac.new(FAKE_RAZORPAY_WEBHOOK_SECRET, body, hashlib.sha256).hexdigest()}


def phonepe_unsigned() -> WebhookRequest:
    return phonepe_event(), {}


def phonepe_bad_signature() -> WebhookRequest:
    """PhonePe sends `Authorization: SHA256(username:password)` in hex: here of fake credentials."""
    return phonepe_event(), {"Authorization": hashlib.sha256(FAKE_PHONEPE_CREDENTIALS).hexdigest()}


def webhook_refuses(host: str, path: str, make: Callable[[], WebhookRequest]) -> Callable[[Network], Outcome]:
    def run(network: Network) -> Outcome:
        body, headers = make()
        response = network.request(host, "POST", path, {"Content-Type": "application/json", **headers}, body)
        if response.status in REFUSED_STATUSES:
            return True, f"refused with HTTP {response.status}"
        return False, f"HTTP {response.status}: must be refused with 400, 401 or 403"
    return run


# --- the plan and the run ------------------------------------------------------------------------

def plan(target: SmokeTarget, hosts: tuple[str, ...] | None = None) -> list[Check]:
    """Every check for a stack, in the order they are reported; with ``hosts``, only the checks of those
    hostnames (a release stage's: the API's health and webhooks go with its host, the page with checkout)."""
    checks: list[Check] = []
    for host in target.hostnames:
        checks += [
            Check("certificate", host, None, certificate(host, target.certificate_min_days)),
            Check("tls1.0-refused", host, None, tls_refused(host, ssl.TLSVersion.TLSv1)),
            Check("tls1.1-refused", host, None, tls_refused(host, ssl.TLSVersion.TLSv1_1)),
            Check("tls1.2-accepted", host, None, tls_accepted(host, ssl.TLSVersion.TLSv1_2)),
            Check("hsts", host, "/", hsts(host, target.hsts_min_age_seconds)),
        ]
    api = target.api_host
    checks += [
        Check("api-health", api, target.health_path, answers_200(api, target.health_path)),
        Check("razorpay-webhook-unsigned", api, target.razorpay_webhook_path,
              webhook_refuses(api, target.razorpay_webhook_path, razorpay_unsigned)),
        Check("razorpay-webhook-bad-signature", api, target.razorpay_webhook_path,
              webhook_refuses(api, target.razorpay_webhook_path, razorpay_bad_signature)),
        Check("phonepe-callback-unsigned", api, target.phonepe_callback_path,
              webhook_refuses(api, target.phonepe_callback_path, phonepe_unsigned)),
        Check("phonepe-callback-bad-signature", api, target.phonepe_callback_path,
              webhook_refuses(api, target.phonepe_callback_path, phonepe_bad_signature)),
        Check("checkout-page", target.checkout_host, "/", html_page(target.checkout_host, "/")),
    ]
    return checks if hosts is None else [check for check in checks if check.host in hosts]


def _run_one(check: Check, network: Network) -> CheckResult:
    url = f"https://{check.host}{check.path or ''}"
    try:
        passed, detail = check.run(network)
    except TimeoutError:
        passed, detail = False, f"no answer from {network.describe(check.host)} within {network.timeout:g}s"
    except (OSError, http.client.HTTPException) as exc:
        passed, detail = False, f"connection to {network.describe(check.host)} failed: {exc}"
    return CheckResult(check.name, check.host, url, passed, detail)


def run_smoke(target: SmokeTarget, network: Network, workers: int = 8,
              hosts: tuple[str, ...] | None = None) -> SmokeReport:
    """Run every check (of ``hosts`` only, if given; concurrently: they are independent) and report them in
    plan order."""
    checks = plan(target, hosts)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(checks)))) as pool:
        results = list(pool.map(lambda check: _run_one(check, network), checks))
    return SmokeReport(target.stack, tuple(results))
