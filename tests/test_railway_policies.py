"""Railway policies through the real analyzer: each refuses the unsafe edit and passes the stack as planned."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from config import PROJECT
from ops.analysis import PolicyRun
from ops.resources import UNKNOWN
from tests.harness import analyze, find, mutate, of_policy, plan, plan_violations, resources, single

P = "pulumi-python:dynamic/railway:"
INSTANCE, VARIABLES, REDIS, PROJECT_TYPE, SERVICE = (
    f"{P}ServiceInstance",
    f"{P}Variables",
    f"{P}Redis",
    f"{P}Project",
    f"{P}Service",
)
JOBS = "lightspeedpay:jobs:BackgroundJobs"
RAILWAY_POLICIES = (
    "railway-min-replicas",
    "autoscaler-coherence",
    "railway-health-check",
    "railway-restart-policy",
    "railway-replicas-within-plan",
    "railway-no-plain-secrets",
    "railway-logs-shipped",
    "railway-outside-india",
    "railway-region-allowed",
    "railway-no-payment-data-at-rest",
)


def _facts(props: dict[str, Any]) -> dict[str, Any]:
    """The facts a component publishes (its outputs; its inputs are empty and get a throwaway record)."""
    return props.setdefault("facts", {"logShipping": {}})


def sealed(props: dict[str, Any]) -> dict[str, Any]:
    """The sealed map, whether whole-secret (outputs) or secret per value (inputs)."""
    value: dict[str, Any] = props["sealedVariables"]
    return value["value"] if "value" in value and len(value) == 2 else value


def mandatory(stack: str, items: list[Any], policy: str) -> list[str]:
    """What each mandatory violation reports (the analyzer prefixes the policy's description)."""
    return [v.message.split("\n", 1)[-1] for v in of_policy(analyze(stack, items, only=policy), policy) if v.mandatory]


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_the_planned_stacks_pass_every_railway_policy(stack: str) -> None:
    violations = list(plan_violations(stack))
    failing = [v for v in violations if v.policy.startswith("railway-") and v.mandatory]
    assert failing == []
    names = {p for p in RAILWAY_POLICIES}
    assert names <= set(PolicyRun(stack, PROJECT, None).policy_names())


# ------------------------------------------------------------------------------------ availability
def test_min_replicas_refuses_a_fleet_that_can_shrink_to_one_in_production() -> None:
    def shrink(props: dict[str, Any]) -> None:
        props["replicaBounds"]["min"] = 1.0
        props["regions"] = {"asia-southeast1-eqsg3a": 1.0}

    items = mutate("production", INSTANCE, "worker-instance", shrink)
    assert mandatory("production", items, "railway-min-replicas") == [
        "The worker fleet can run with 1 replica(s); at least 2 must always run so one crash or deploy never "
        "stops job processing."
    ]

    # Dropping the autoscaler bounds does not dodge it: a fixed fleet of one is just as short.
    def fixed_at_one(props: dict[str, Any]) -> None:
        props.pop("replicaBounds")
        props["regions"] = {"asia-southeast1-eqsg3a": 1.0}

    items = mutate("production", INSTANCE, "worker-instance", fixed_at_one)
    assert mandatory("production", items, "railway-min-replicas")


def test_min_replicas_is_per_stack() -> None:
    staging_worker = find(plan("staging").resources, INSTANCE, "worker-instance")
    assert staging_worker.inputs["replicaBounds"]["min"] == 1
    assert (
        of_policy(analyze("staging", plan("staging").resources, only="railway-min-replicas"), "railway-min-replicas")
        == []
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda p: p.pop("healthcheckPath"), "has no health check path"),
        (lambda p: p.update(healthcheckTimeout=900.0), "healthcheckTimeout is 900s; at most 300s"),
    ],
)
def test_health_check_is_required_and_bounded(change: Any, expected: str) -> None:
    items = mutate("production", INSTANCE, "worker-instance", change)
    assert any(expected in m for m in mandatory("production", items, "railway-health-check"))
    autoscaler = mutate("production", INSTANCE, "autoscaler-instance", change)
    assert mandatory("production", autoscaler, "railway-health-check")


@pytest.mark.parametrize(
    ("type_", "name", "change", "expected"),
    [
        (INSTANCE, "worker-instance", lambda p: p.update(restartPolicyType="NEVER"), "restartPolicyType is 'NEVER'"),
        (INSTANCE, "worker-instance", lambda p: p.update(restartPolicyMaxRetries=0.0), "ON_FAILURE would never"),
        (REDIS, "jobs-redis", lambda p: p.update(restartPolicyType="NEVER"), "a crashed replica would stay down"),
    ],
)
def test_restart_policy_must_recover(type_: str, name: str, change: Any, expected: str) -> None:
    items = mutate("production", type_, name, change)
    assert any(expected in m for m in mandatory("production", items, "railway-restart-policy"))


# ------------------------------------------------------------------------------------ capacity
@pytest.mark.parametrize(
    ("type_", "name", "change", "expected"),
    [
        (INSTANCE, "worker-instance", lambda p: p["replicaBounds"].update(max=45.0), "may run 45 replicas"),
        (JOBS, "jobs", lambda p: _facts(p).update(replicaCap=50.0), "assumes a cap of 50 replicas"),
        (JOBS, "jobs", lambda p: _facts(p).update(plan="hobby"), "may run 10 replicas; the workspace plan allows 6"),
        (PROJECT_TYPE, "jobs-project", lambda p: p.update(workspacePlan="HOBBY"), "workspace is on HOBBY"),
    ],
)
def test_replicas_stay_within_the_plan_cap(type_: str, name: str, change: Any, expected: str) -> None:
    items = mutate("production", type_, name, change)
    assert any(expected in m for m in mandatory("production", items, "railway-replicas-within-plan"))


# ------------------------------------------------------------------------------------ secrets
def test_a_credential_in_plain_variables_is_refused() -> None:
    def leak(props: dict[str, Any]) -> None:
        props["variables"]["DATABASE_URL"] = "postgresql://postgres:not-a-real-password@db.invalid:6543/postgres"

    items = mutate("production", VARIABLES, "worker-variables", leak)
    messages = mandatory("production", items, "railway-no-plain-secrets")
    assert len(messages) == 1 and messages[0].startswith("DATABASE_URL carries a credential")

    items = mutate(
        "production",
        VARIABLES,
        "worker-variables",
        lambda p: p["variables"].update(UPSTREAM="https://svc:not-a-real-password@upstream.invalid"),
    )
    assert mandatory("production", items, "railway-no-plain-secrets")  # caught by its value, whatever the name


def test_sealed_outputs_must_stay_secret_in_state() -> None:
    for type_, name, output in (
        (VARIABLES, "worker-variables", "sealedVariables"),
        (REDIS, "jobs-redis", "password"),
        (f"{P}ProjectToken", "autoscaler-token", "token"),
    ):
        items = resources("production")
        target = find(items, type_, name)
        assert output in target.additional_secret_outputs
        target.additional_secret_outputs.remove(output)
        assert mandatory("production", items, "railway-no-plain-secrets") == [
            f"'{output}' is not listed in additional_secret_outputs, so it would be stored in plain text in the "
            f"Pulumi state."
        ]


def test_references_and_unknown_values_are_not_secrets() -> None:
    props = {
        "projectId": "p",
        "environmentId": "e",
        "serviceId": UNKNOWN,
        "variables": {
            "REDIS_URL": "${{lightspeedpay-redis.REDIS_URL}}",
            "WORKER_SERVICE_ID": UNKNOWN,
            "LOG_LEVEL": "info",
        },
        "sealedVariables": {"DATABASE_URL": UNKNOWN},
    }
    items = single(VARIABLES, props)
    items[-1].additional_secret_outputs = ["sealedVariables"]
    assert of_policy(analyze("production", items, only="railway-no-plain-secrets"), "railway-no-plain-secrets") == []


# ------------------------------------------------------------------------------------ logs
@pytest.mark.parametrize(
    ("type_", "name", "change", "expected"),
    [
        (
            VARIABLES,
            "worker-variables",
            lambda p: p["variables"].pop("OTEL_EXPORTER_OTLP_ENDPOINT"),
            "no https OTEL_EXPORTER_OTLP_ENDPOINT",
        ),
        (
            VARIABLES,
            "worker-variables",
            lambda p: p["variables"].update(OTEL_LOGS_EXPORTER="none"),
            "OTEL_LOGS_EXPORTER must include 'otlp'",
        ),
        (
            VARIABLES,
            "worker-variables",
            lambda p: sealed(p).pop("OTEL_EXPORTER_OTLP_HEADERS"),
            "no sealed OTEL_EXPORTER_OTLP_HEADERS",
        ),
        (JOBS, "jobs", lambda p: _facts(p)["logShipping"].update(retentionDays=30.0), "kept 30 day(s)"),
        (JOBS, "jobs", lambda p: _facts(p)["logShipping"].update(storeRegion="us-east-1"), "'us-east-1'; allowed"),
    ],
)
def test_worker_logs_are_shipped_and_kept(type_: str, name: str, change: Any, expected: str) -> None:
    # A component's outputs are what it registers (register_outputs): AnalyzeStack reads those.
    items = mutate("production", type_, name, change)
    assert any(expected in m for m in mandatory("production", items, "railway-logs-shipped")), mandatory(
        "production", items, "railway-logs-shipped"
    )


# ------------------------------------------------------------------------------------ localisation
def test_running_outside_india_is_always_reported_but_advisory() -> None:
    findings = of_policy(
        analyze("production", plan("production").resources, only="railway-outside-india"), "railway-outside-india"
    )
    assert {v.urn.rsplit("::", 1)[1] for v in findings} == {
        "lightspeedpay-jobs-redis",
        "lightspeedpay-jobs-worker-instance",
        "lightspeedpay-jobs-autoscaler-instance",
    }
    assert all(v.enforcement == "advisory" and "Railway has no India region" in v.message for v in findings)


def test_an_india_region_would_clear_the_finding(tmp_path: Path) -> None:
    config = tmp_path / "policy.json"
    config.write_text(
        json.dumps(
            {
                "all": "mandatory",
                "railway-outside-india": {"indiaRegions": ["in-mumbai"]},
                "railway-region-allowed": {"allowedRegions": ["in-mumbai"]},
            }
        )
    )
    pack = PolicyRun("production", PROJECT, config)
    props = {
        "serviceId": "s",
        "environmentId": "e",
        "regions": {"in-mumbai": 2.0},
        "restartPolicyType": "ON_FAILURE",
        "healthcheckPath": "/health",
    }
    assert [v for v in pack.analyze(single(INSTANCE, props), stack=False) if v.policy.startswith("railway-")] == []
    props["regions"] = {"asia-southeast1-eqsg3a": 2.0}
    assert {v.policy for v in pack.analyze(single(INSTANCE, props), stack=False)} >= {
        "railway-outside-india",
        "railway-region-allowed",
    }


@pytest.mark.parametrize(
    ("type_", "name", "change"),
    [
        (INSTANCE, "worker-instance", lambda p: p.update(regions={"us-west2": 2.0})),
        (INSTANCE, "worker-instance", lambda p: p["regions"].update({"europe-west4-drams3a": 1.0})),
        (REDIS, "jobs-redis", lambda p: p.update(region="us-east4-eqdc4a")),
    ],
)
def test_only_the_reviewed_region_is_allowed(type_: str, name: str, change: Any) -> None:
    items = mutate("production", type_, name, change)
    assert mandatory("production", items, "railway-region-allowed")


@pytest.mark.parametrize(
    ("type_", "name", "change", "expected"),
    [
        (REDIS, "jobs-redis", lambda p: p.update(backupSchedules=["DAILY"]), "backed up (['DAILY'])"),
        (
            VARIABLES,
            "worker-variables",
            lambda p: p["variables"].update(JOB_RETENTION_SECONDS="604800"),
            "JOB_RETENTION_SECONDS is '604800'",
        ),
        (
            VARIABLES,
            "worker-variables",
            lambda p: p["variables"].pop("JOB_RETENTION_SECONDS"),
            "JOB_RETENTION_SECONDS is None",
        ),
        (
            SERVICE,
            "jobs-autoscaler",
            lambda p: p.update(sourceImage="postgres:17", sourceRepo=None),
            "runs the database image 'postgres:17' on Railway",
        ),
    ],
)
def test_no_payment_data_at_rest_on_railway(type_: str, name: str, change: Any, expected: str) -> None:
    items = mutate("production", type_, name, change)
    assert any(expected in m for m in mandatory("production", items, "railway-no-payment-data-at-rest"))
