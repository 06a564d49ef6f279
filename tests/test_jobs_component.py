"""The background-jobs component as planned, its config, and the import hygiene its providers need."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from components.metrics import AUTOSCALER_METRICS_VARIABLES
from config.loader import issues_from_validation
from config.model import StackConfig
from ops.resources import is_secret
from tests.harness import REPO, find, plan

P = "pulumi-python:dynamic/railway:"


def of_stack(stack: str, kind: str, name_part: str, prefix: str = P) -> Any:
    return find(plan(stack).resources, f"{prefix}{kind}", name_part)


def jobs_yaml(stack: str = "production") -> dict[str, Any]:
    document = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())
    return dict(document["config"]["lightspeedpay:jobs"])


def test_every_railway_resource_has_its_own_type_token_under_the_component() -> None:
    run = plan("production")
    component = next(r for r in run.resources if r.type == "lightspeedpay:jobs:BackgroundJobs")
    railway = [r for r in run.resources if r.type.startswith(P)]
    assert sorted({r.type.removeprefix(P) for r in railway}) == [
        "DeploymentTrigger", "Environment", "Project", "ProjectToken", "Redis", "Service", "ServiceInstance",
        "Variables"]
    assert all(r.parent == component.urn for r in railway)
    assert all(is_secret(r.inputs["__provider"]) for r in railway)


def test_worker_environment_matches_the_guide() -> None:
    variables = of_stack("production", "Variables", "worker-variables").inputs
    redis = of_stack("production", "Redis", "jobs-redis").inputs
    plain = variables["variables"]
    assert {k: plain[k] for k in ("JOB_CONCURRENCY", "LOG_LEVEL", "NODE_ENV")} == {
        "JOB_CONCURRENCY": "5", "LOG_LEVEL": "info", "NODE_ENV": "production"}
    assert "REDIS_URL" not in plain and not any("redis://" in str(v) for v in plain.values())
    assert plain["JOB_RETENTION_SECONDS"] == "86400"
    assert plain["OTEL_EXPORTER_OTLP_ENDPOINT"].endswith(".lambda-url.ap-south-2.on.aws")  # the log store's ingest
    assert plain["OTEL_LOGS_EXPORTER"] == "otlp"
    sealed = variables["sealedVariables"]
    assert set(sealed) == {"DATABASE_URL", "OTEL_EXPORTER_OTLP_HEADERS", "REDIS_URL", "HEARTBEAT_URL", "SENTRY_DSN"}
    assert all(is_secret(value) for value in sealed.values())  # whatever the database component provides
    assert is_secret(redis["password"])
    # Pulumi knows the password: the worker gets the whole URL, sealed, to the Redis service's private host.
    password = of_stack("production", "RandomPassword", "redis-password", prefix="random:index/randomPassword:")
    assert sealed["REDIS_URL"]["value"] == (f"redis://default:{password.outputs['result']['value']}"
                                            f"@{redis['name']}.railway.internal:6379")


@pytest.mark.parametrize(("stack", "minimum", "maximum", "retries"), [("production", 2, 10, 10),
                                                                      ("staging", 1, 2, 5)])
def test_worker_fleet_settings_come_from_the_stack(stack: str, minimum: int, maximum: int, retries: int) -> None:
    worker = of_stack(stack, "ServiceInstance", "worker-instance").inputs
    assert worker["regions"] == {"asia-southeast1-eqsg3a": minimum}
    assert worker["replicaBounds"] == {"min": minimum, "max": maximum}
    assert "role" not in worker and "replicaCap" not in worker  # the facts say which fleet and cap
    assert (worker["restartPolicyType"], worker["restartPolicyMaxRetries"]) == ("ON_FAILURE", retries)
    assert worker["healthcheckPath"] == "/health" and worker["startCommand"] == "node dist/worker.js"
    assert worker["drainingSeconds"] > 0


def test_the_autoscaler_is_deployed_with_its_bounds_token_and_queue() -> None:
    worker = of_stack("production", "Service", "jobs-worker")
    instance = of_stack("production", "ServiceInstance", "autoscaler-instance").inputs
    variables = of_stack("production", "Variables", "autoscaler-variables").inputs
    token = of_stack("production", "ProjectToken", "autoscaler-token")
    assert instance["startCommand"] == "python -m services.autoscaler" and instance["healthcheckPath"] == "/health"
    assert instance["regions"] == {"asia-southeast1-eqsg3a": 1} and "replicaBounds" not in instance
    plain = variables["variables"]
    assert (plain["MIN_REPLICAS"], plain["MAX_REPLICAS"], plain["QUEUE_KEY"]) == ("2", "10", "bull:payments:wait")
    assert plain["WORKER_SERVICE_ID"] == worker.id
    assert set(variables["sealedVariables"]) == {"AUTOSCALER_RAILWAY_TOKEN", "REDIS_URL", "HEARTBEAT_URL",
                                                 *AUTOSCALER_METRICS_VARIABLES}
    assert is_secret(variables["sealedVariables"]["AUTOSCALER_RAILWAY_TOKEN"])
    assert token.additional_secret_outputs == ["token"]
    # Every variable the autoscaler reads is given to it (RAILWAY_ENVIRONMENT_ID is Railway's own).
    from services.autoscaler.settings import REQUIRED
    assert set(REQUIRED) - set(plain) - set(variables["sealedVariables"]) == {"RAILWAY_ENVIRONMENT_ID"}


def test_stack_outputs_carry_ids_not_secrets() -> None:
    outputs = plan("production").outputs
    assert outputs["jobsProjectId"] == "offline-lightspeedpay-jobs-project"
    assert outputs["workerServiceId"] == "offline-lightspeedpay-jobs-worker"


# --------------------------------------------------------------------------------- config
def test_max_replicas_is_checked_against_the_plan_cap() -> None:
    from config.jobs import JobsConfig

    jobs = JobsConfig.model_validate({**jobs_yaml(), "plan": "hobby"})
    assert jobs.replica_issues() == [
        ("maxReplicas", "exceeds the Railway 'hobby' plan cap of 6 replicas per service; allowed: 1..6", 10)]


def test_jobs_config_names_each_bad_key() -> None:
    values = jobs_yaml()
    values["autoscaler"] = {k: v for k, v in values["autoscaler"].items() if k != "source"}
    values["jobRetentionSeconds"] = 5
    values["region"] = "ap-south-1"
    with pytest.raises(ValidationError) as caught:
        StackConfig.model_validate({"jobs": values})
    rendered = {i.key: i.message for i in issues_from_validation(caught.value)
                if i.key.startswith("lightspeedpay:jobs")}
    assert rendered["lightspeedpay:jobs.autoscaler.source"] == "is required"
    assert "greater than or equal to 60" in rendered["lightspeedpay:jobs.jobRetentionSeconds"]
    assert "asia-southeast1-eqsg3a" in rendered["lightspeedpay:jobs.region"]  # the allowed regions are listed


# --------------------------------------------------------------------------------- import hygiene
def test_provider_modules_import_without_side_effects_and_the_autoscaler_without_pulumi() -> None:
    code = (
        "import sys\n"
        "import services.autoscaler.__main__, services.autoscaler.fleet, services.autoscaler.runner\n"
        "assert 'pulumi' not in sys.modules, 'the autoscaler must not need the Pulumi SDK'\n"
        "import providers.railway.project, providers.railway.service, providers.railway.variables\n"
        "import providers.railway.redis, providers.railway.token\n"
        "from pulumi.runtime import settings\n"
        "assert settings.get_root_resource() is None  # importing registered nothing\n"
        "print('ok')\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_cost_benchmark_runs_and_reports_the_figures(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from ops import bench_railway

    monkeypatch.setenv("RAILWAY_API_URL", "http://127.0.0.1:9/graphql/v2")  # restored after the test
    assert bench_railway.main([]) == 0
    out = capsys.readouterr().out
    assert "Refresh (read every resource): 12 requests for 12 resources (0 mutations)" in out
    assert "No-op diff after refresh: 0 requests, resources with changes: none" in out
    assert "0 mutations ({'EnvironmentConfig': 2})" in out
    assert "Schema violations seen by the fake: 0" in out
    # Unchanged or better than before the shared base, operation by operation, for the resources it had; what
    # came later (the two deploy triggers, each service's HEARTBEAT_URL, the worker's three SENTRY_* variables) is
    # printed beside, never folded in.
    compared = re.findall(r"^  (\w[\w -]*?) +(\d+) \((\d+)\)  -> +(\d+) \((\d+)\)(?:  \+ (\d+) \((\d+)\) .*)?$",
                          out, re.M)
    assert [row[0] for row in compared] == ["first create", "refresh", "no-op update", "destroy"]
    for operation, *figures in compared:
        was_requests, was_mutations, requests, mutations = map(int, figures[:4])
        assert requests <= was_requests and mutations <= was_mutations, operation
    assert {row[0]: tuple(map(int, row[5:])) for row in compared if row[5]} == {
        "first create": (4, 2), "refresh": (2, 0), "destroy": (7, 7)}  # + the autoscaler's two metrics variables
    assert "First create of the worker fleet: 30 requests (16 mutations, 14 queries) for 12 resources" in out
