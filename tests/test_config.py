"""Every class of bad stack config is refused before any resource is declared, with exit code 2."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from config import ConfigError
from config.model import StackConfig
from config.stackfile import read_stack_file
from config.strictness import compare
from ops import plan as plan_cli
from ops.offline import OfflineMocks, RecordingMonitor, run_program
from tests.harness import REPO

Edit = Callable[[dict[str, Any]], None]


def _stack_document(stack: str = "production") -> dict[str, Any]:
    return yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())


def _write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "Pulumi.candidate.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def _edited(tmp_path: Path, edit: Edit, stack: str = "production") -> Path:
    document = copy.deepcopy(_stack_document(stack))
    edit(document["config"])
    return _write(tmp_path, document)


def _set(path: str, value: Any) -> Edit:
    def edit(config: dict[str, Any]) -> None:
        head, *rest = path.split(".")
        node = config[f"lightspeedpay:{head}"]
        for part in rest[:-1]:
            node = node[part]
        node[rest[-1]] = value

    return edit


def _delete(path: str) -> Edit:
    def edit(config: dict[str, Any]) -> None:
        head, *rest = path.split(".")
        if not rest:
            del config[f"lightspeedpay:{head}"]
            return
        node = config[f"lightspeedpay:{head}"]
        for part in rest[:-1]:
            node = node[part]
        del node[rest[-1]]

    return edit


def _add(key: str, value: Any) -> Edit:
    return lambda config: config.__setitem__(key, value)


CASES: list[tuple[str, Edit, list[str]]] = [
    ("wrong type", _set("jobs.minReplicas", "two"), ["lightspeedpay:jobs.minReplicas", "'two'", "valid integer"]),
    (
        "out of range",
        _set("jobs.maxReplicas", 60),
        ["lightspeedpay:jobs.maxReplicas", "60", "less than or equal to 50"],
    ),
    (
        "not an allowed value",
        _set("tls.sslMode", "strictest"),
        ["lightspeedpay:tls.sslMode", "'strictest'", "must be one of 'off', 'flexible', 'full', 'strict'"],
    ),
    ("missing required key", _delete("database.region"), ["lightspeedpay:database.region", "is required"]),
    ("missing section", _delete("dns"), ["lightspeedpay:dns", "is required"]),
    (
        "unknown nested key",
        _set("jobs.minReplica", 2),
        ["lightspeedpay:jobs.minReplica", "unknown key", "'minReplicas'"],
    ),
    (
        "unknown top-level key",
        _add("lightspeedpay:featureFlag", {}),
        ["lightspeedpay:featureFlag", "did you mean 'lightspeedpay:featureFlags'"],
    ),
    ("bad CIDR", _set("database.allowedCidrs", ["10.0.0.1/8"]), ["lightspeedpay:database.allowedCidrs[0]", "CIDR"]),
    ("bad hostname", _set("domains.api", "API.LightSpeedPay.com"), ["lightspeedpay:domains.api", "hostname"]),
    (
        "unknown Vercel region",
        _set("vercel.functions.regions", ["mum1"]),
        ["lightspeedpay:vercel.functions.regions", "mum1"],
    ),
    (
        "min above max",
        _set("jobs.minReplicas", 12),
        ["lightspeedpay:jobs.minReplicas = 12", "must be <= maxReplicas (10)"],
    ),
    (
        "max above plan cap",
        _set("jobs.plan", "hobby"),
        ["lightspeedpay:jobs.maxReplicas = 10", "'hobby' plan cap of 6"],
    ),
    (
        "domain outside the zone",
        _set("domains.checkout", "checkout.example.com"),
        ["lightspeedpay:domains.checkout", "inside the DNS zone 'lightspeedpay.com'"],
    ),
    (
        "CORS wider than site and checkout",
        _set("api.corsAllowedOrigins", ["https://lightspeedpay.com", "https://evil.example"]),
        ["lightspeedpay:api.corsAllowedOrigins", "exactly the site and checkout origins"],
    ),
    (
        "CORS wildcard",
        _set("api.corsAllowedOrigins", ["*"]),
        ["lightspeedpay:api.corsAllowedOrigins[0]", "never allowed"],
    ),
    ("test keys in production", _set("gateways.mode", "test"), ["lightspeedpay:gateways.mode", "'live'"]),
    (
        "webhook path not exempt from rate limits",
        _set("firewall.webhookPaths", ["/webhooks/razorpay"]),
        ["lightspeedpay:firewall.webhookPaths", "/webhooks/phonepe"],
    ),
    (
        "error tracking key misspelt",
        _set("errorTracking.tracesSampleRat", 0.1),
        ["lightspeedpay:errorTracking.tracesSampleRat", "unknown key", "'tracesSampleRate'"],
    ),
    (
        "a Sentry region that does not exist",
        _set("errorTracking.region", "in"),
        ["lightspeedpay:errorTracking.region = 'in'", "should be 'us' or 'de'"],
    ),
    ("a legal change still plans", _set("jobs.healthcheckTimeoutSeconds", 90), []),
    (
        "a guide value typed wrong in production",
        _set("jobs.jobConcurrency", 6),
        ["lightspeedpay:jobs.jobConcurrency = 6", "the guide sets JOB_CONCURRENCY=5 in production"],
    ),
    (
        "the guide's autoscaling bound lowered",
        _set("jobs.maxReplicas", 4),
        ["lightspeedpay:jobs.maxReplicas = 4", "up to 10 in production"],
    ),
    (
        "production looser than staging (HSTS)",
        _set("tls.hsts.maxAgeSeconds", 300),
        ["lightspeedpay:tls.hsts.maxAgeSeconds", "at least staging's"],
    ),
    (
        "a resource shared with staging",
        _set("database.projectName", "lightspeedpay-staging"),
        ["lightspeedpay:database.projectName", "production and staging must not share a resource"],
    ),
    (
        "secret in plain text",
        _add("lightspeedpay:razorpayKeySecret", "plain-text-not-a-real-secret"),
        ["lightspeedpay:razorpayKeySecret", "must not be stored in plain text"],
    ),
    (
        "a misspelled on-call key",
        _set("oncall.member", []),
        ["lightspeedpay:oncall.member", "unknown key", "'members'"],
    ),
    (
        "production that does not page",
        _set("oncall.paging", False),
        ["lightspeedpay:oncall.paging", "production's critical alerts page the person on call"],
    ),
    (
        "a one-person rotation in production",
        _set("oncall.members", [{"name": "Test Person", "email": "test.person@example.test"}]),
        ["lightspeedpay:oncall.members", "at least 2 people"],
    ),
    (
        "a member listed twice",
        _set("oncall.members", [{"name": "A", "email": "same@example.test"},
                                {"name": "B", "email": "Same@example.test"}]),
        ["lightspeedpay:oncall.members", "listed twice"],
    ),
    (
        "a rotation start without an offset",
        _set("oncall.rotationStart", "2026-12-07T10:00:00"),
        ["lightspeedpay:oncall.rotationStart", "explicit UTC offset"],
    ),
    (
        "PagerDuty has no India region to pick",
        _set("oncall.serviceRegion", "in"),
        ["lightspeedpay:oncall.serviceRegion", "'us' or 'eu'"],
    ),
    (
        "a scrape interval Grafana does not offer",
        _set("metrics.scrapeIntervalSeconds", 15),
        ["lightspeedpay:metrics.scrapeIntervalSeconds", "30, 60 or 120"],
    ),
    (
        "previews pointing at production",
        _set("vercel.previews.apiUrl", "https://api.lightspeedpay.com"),
        ["lightspeedpay:vercel.previews.apiUrl", "must not point at this stack's own public endpoints"],
    ),
]


@pytest.mark.parametrize(("label", "edit", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_config_is_refused_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], label: str, edit: Edit, expected: list[str]
) -> None:
    path = _edited(tmp_path, edit)
    code = plan_cli.main(["--stack", "production", "--config-file", str(path)])
    captured = capsys.readouterr()
    if not expected:  # the control case: a legal change still plans
        assert code in (0, 1), captured.err
        return
    assert code == 2, captured.out
    assert "Traceback" not in captured.err
    for text in expected:
        assert text in captured.err, f"{label}: {text!r} not in:\n{captured.err}"


def test_invalid_yaml_and_missing_stack_are_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "Pulumi.broken.yaml"
    broken.write_text("config: [unclosed\n")
    assert plan_cli.main(["--stack", "production", "--config-file", str(broken)]) == 2
    assert "not valid YAML" in capsys.readouterr().err
    assert plan_cli.main(["--stack", "no-such-stack"]) == 2
    assert "stack file not found" in capsys.readouterr().err


def test_usage_errors_are_exit_2() -> None:
    with pytest.raises(SystemExit) as exit_info:
        plan_cli.main([])
    assert exit_info.value.code == 2


def test_nothing_is_declared_when_config_is_bad(tmp_path: Path) -> None:
    path = _edited(tmp_path, _set("jobs.maxReplicas", 60))
    monitor = RecordingMonitor(OfflineMocks())
    with pytest.raises(ConfigError) as error:
        run_program("production", path, monitor=monitor)
    assert [r.type for r in monitor.planned] == ["pulumi:pulumi:Stack"]
    assert "lightspeedpay:jobs.maxReplicas = 60" in str(error.value)


def test_a_missing_secret_is_named_with_where_to_get_it() -> None:
    from config.loader import load_stack_secrets

    cfg = StackConfig.model_validate(read_stack_file(REPO / "Pulumi.staging.yaml").project_values())
    import pulumi

    # Config is all the loader reads: no mock monitor (whose root stack registration would never run).
    pulumi.runtime.set_all_config({}, [])
    with pytest.raises(ConfigError) as error:
        load_stack_secrets(cfg, "staging")
    message = str(error.value)
    assert "lightspeedpay:razorpayKeySecret" in message and "pulumi config set --secret" in message
    assert "previewRazorpayKeyId" not in message  # production-only secret


def test_strictness_compares_every_rule_both_ways() -> None:
    production = StackConfig.model_validate(read_stack_file(REPO / "Pulumi.production.yaml").project_values())
    staging = StackConfig.model_validate(read_stack_file(REPO / "Pulumi.staging.yaml").project_values())
    assert compare(production, staging) == []
    # Swapping the roles shows the rules bite: staging is looser than production on several settings.
    looser = {issue.key for issue in compare(staging, production)}
    assert {
        "lightspeedpay:jobs.minReplicas",
        "lightspeedpay:database.pitrDays",
        "lightspeedpay:backups.retentionDays",
    } <= looser


def test_a_section_stored_as_a_secret_is_never_echoed() -> None:
    import json

    import pulumi

    from config.loader import load_stack_config
    from config.stackfile import as_engine_config

    values = read_stack_file(REPO / "Pulumi.staging.yaml").values
    database = dict(values["lightspeedpay:database"], password="not-a-real-password-but-secret")
    config = as_engine_config({**values, "lightspeedpay:database": database})
    pulumi.runtime.set_all_config(config, ["lightspeedpay:database"])
    with pytest.raises(ConfigError) as error:
        load_stack_config("staging")
    message = str(error.value)
    assert "lightspeedpay:database.password: unknown key" in message
    assert "not-a-real-password-but-secret" not in message and json.dumps(database) not in message
