"""The CLI's policy-config reconciliation, repeated offline: defaults, `all`, overrides, validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import PROJECT
from ops.analysis import PolicyRun
from ops.policy_config import PolicyConfigError, parse_policy_config
from tests.harness import explicit_provider, of_policy, single

ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"


def _run(tmp_path: Path, document: object) -> PolicyRun:
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps(document))
    return PolicyRun("production", PROJECT, path)


def _tls(version: str) -> list:
    return single(
        ZONE_SETTING,
        {"zoneId": "z", "settingId": "min_tls_version", "value": version},
        provider=explicit_provider(ZONE_SETTING),
    )


def test_schema_defaults_apply_without_a_file() -> None:
    run = PolicyRun("production", PROJECT, None)
    assert run.config["cloudflare-min-tls-version"].properties == {"minimumVersion": "1.2"}
    assert run.config["cloudflare-min-tls-version"].enforcement_level == "mandatory"  # pack default
    assert of_policy(run.analyze(_tls("1.1")), "cloudflare-min-tls-version")
    assert not of_policy(run.analyze(_tls("1.2")), "cloudflare-min-tls-version")


def test_all_key_then_per_policy_override(tmp_path: Path) -> None:
    run = _run(tmp_path, {"all": "advisory", "cloudflare-ssl-strict": "mandatory"})
    assert run.config["cloudflare-ssl-strict"].enforcement_level == "mandatory"
    assert run.config["cloudflare-tls-1-3"].enforcement_level == "advisory"
    [violation] = of_policy(run.analyze(_tls("1.0")), "cloudflare-min-tls-version")
    assert violation.enforcement == "advisory"


def test_properties_merge_over_defaults_and_change_the_verdict(tmp_path: Path) -> None:
    run = _run(tmp_path, {"cloudflare-min-tls-version": {"enforcementLevel": "mandatory", "minimumVersion": "1.3"}})
    assert of_policy(run.analyze(_tls("1.2")), "cloudflare-min-tls-version")


def test_disabled_policy_does_not_run(tmp_path: Path) -> None:
    run = _run(tmp_path, {"cloudflare-min-tls-version": "disabled"})
    assert not of_policy(run.analyze(_tls("1.0")), "cloudflare-min-tls-version")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"cloudflare-ssl-strict": "strict"}, "not a valid enforcement level"),
        ({"cloudflare-ssl-strict": {"enforcementLevel": "loud"}}, "is not valid"),
        ({"cloudflare-ssl-strict": 3}, "must be a level string or an object"),
        ({"cloudflare-min-tls-version": {"minimumVersion": "0.9"}}, "cloudflare-min-tls-version.minimumVersion"),
        ({"cloudflare-ssl-strikt": "mandatory"}, "unknown policies ['cloudflare-ssl-strikt']"),
        ([], "must be a JSON object"),
    ],
)
def test_bad_policy_config_is_refused(tmp_path: Path, document: object, message: str) -> None:
    with pytest.raises(PolicyConfigError) as error:
        _run(tmp_path, document)
    assert message in str(error.value)


def test_empty_entries_and_environments_are_ignored_like_the_cli() -> None:
    parsed = parse_policy_config({"environments": ["x"], "cloudflare-ssl-strict": {}})
    assert parsed == {}


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_repository_policy_configs_reconcile(stack: str) -> None:
    path = Path(__file__).resolve().parent.parent / "policies" / "config" / f"{stack}.json"
    run = PolicyRun(stack, PROJECT, path)
    assert set(run.policy_names()) <= set(run.config)
