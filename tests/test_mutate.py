"""ops.mutate: every operator on a small crafted export, the verdicts through a real analyzer servicer,
equivalents, the baseline check and the pinned clock."""

from __future__ import annotations

import copy
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.policy import _PolicyAnalyzerServicer

from config import PROJECT
from ops.analysis import PolicyRun, in_process
from ops.export import write_export
from ops.mutate import baseline as files
from ops.mutate.__main__ import main
from ops.mutate.edits import Context, environment_swap
from ops.mutate.evaluate import EQUIVALENT, FLAGGED, KILLED, SURVIVED, Evaluator, Outcome, pinned_clock
from ops.mutate.generate import Mutant, generate
from ops.mutate.operators import OPERATORS, OTHER_HOST, PLAINTEXT
from ops.mutate.report import Report, Result, Timing
from ops.resources import SECRET_SIG, SIG_KEY, STACK_TYPE, PlannedResource

STACK = "production"
TODAY = dt.date(2026, 12, 1)
NOON = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
SWAPS = {"shop.example.com": "shop-staging.example.com", "production": "staging"}


def _secret(value: Any) -> dict[str, Any]:
    return {SIG_KEY: SECRET_SIG, "value": value}


def _urn(type_: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"


def _resource(type_: str, name: str, props: dict[str, Any], parent: str = "", custom: bool = True,
              **fields: Any) -> PlannedResource:
    return PlannedResource(urn=_urn(type_, name), type=type_, name=name, custom=custom, id=f"{name}-id",
                           parent=parent, inputs=copy.deepcopy(props), outputs=copy.deepcopy(props), **fields)


PROJECT_TYPE = "vercel:index/project:Project"
ENV_TYPE = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"


def crafted() -> list[PlannedResource]:
    """A dozen resources giving every operator of the table something to edit."""
    stack = PlannedResource(urn=_urn(STACK_TYPE, "shop-production"), type=STACK_TYPE, name="shop-production",
                            custom=False, outputs={"siteUrl": "https://shop.example.com",
                                                   "signOff": {"validUntil": "2027-06-01"}})
    shop = _resource("lightspeedpay:edge:Shop", "shop", {}, parent=stack.urn, custom=False)
    web = _resource(PROJECT_TYPE, "shop-web", {
        "gitForkProtection": True, "functionFailover": False,
        "resourceConfig": {"functionDefaultRegions": ["bom1"], "functionDefaultTimeout": 30}}, parent=shop.urn)
    admin = _resource(PROJECT_TYPE, "shop-admin", {"gitForkProtection": True, "functionFailover": False},
                      parent=shop.urn)
    env = _resource(ENV_TYPE, "shop-web-secret", {"key": "API_SECRET", "sensitive": True, "value": _secret("s"),
                                                  "projectId": web.id, "targets": ["production"]},
                    parent=shop.urn, dependencies=[web.urn], property_dependencies={"projectId": [web.urn]})
    network = _resource("pulumi-python:dynamic/supabase:NetworkRestrictions", "shop-network",
                        {"allowed_cidrs": ["203.0.113.0/28"]}, protect=True)
    variables = _resource("pulumi-python:dynamic/railway:Variables", "shop-variables",
                          {"variables": {"LOG_LEVEL": "info", "JOB_RETENTION_SECONDS": "86400"},
                           "sealedVariables": {"TOKEN": _secret("t")}},
                          additional_secret_outputs=["sealedVariables"])
    variables.outputs["sealedVariables"] = _secret("[secret]")  # one ciphertext in a real export
    redis = _resource("pulumi-python:dynamic/railway:Redis", "shop-redis", {"password": _secret("p")},
                      additional_secret_outputs=["password"])
    instance = _resource("pulumi-python:dynamic/railway:ServiceInstance", "shop-worker",
                         {"replicaBounds": {"min": 2, "max": 10}, "region": "asia-southeast1-eqsg3a"})
    tls = _resource("cloudflare:index/zoneSetting:ZoneSetting", "shop-tls",
                    {"settingId": "min_tls_version", "value": "1.2"})
    ssl = _resource("cloudflare:index/zoneSetting:ZoneSetting", "shop-ssl", {"settingId": "ssl", "value": "strict"})
    branch = _resource("github:index/branchProtection:BranchProtection", "shop-branch",
                       {"allowsForcePushes": False, "requiredStatusChecks": [{"contexts": ["ci"]}]})
    return [stack, shop, web, admin, env, network, variables, redis, instance, tls, ssl, branch]


def _swap(value: str) -> str:
    for old, new in SWAPS.items():
        value = value.replace(old, new)
    return value


CONTEXT = Context(TODAY, _swap)


@pytest.fixture(scope="module")
def mutants() -> dict[str, Mutant]:
    return {m.id: m for m in generate(crafted(), CONTEXT)}


def _after(mutant: Mutant, tree: str = "inputs") -> Any:
    resource = mutant.patch[mutant.urn]
    assert resource is not None
    value: Any = getattr(resource, tree) or resource.outputs  # the stack has outputs only
    for part in mutant.subject:
        value = value[part]
    return value


# Each operator on the crafted export: the mutant id and the value its property has afterwards.
EXPECTED: dict[str, Any] = {
    "switch-off:shop-web:gitForkProtection": False,
    "switch-on:shop-web:functionFailover": True,
    "weaken:shop-ssl:value": "flexible",
    "below-edge:shop-worker:replicaBounds.min": 1,
    "above-edge:shop-worker:replicaBounds.max": 11,
    "above-edge:shop-web:resourceConfig.functionDefaultTimeout": 31,
    "above-edge:shop-variables:variables.JOB_RETENTION_SECONDS": "86401",
    "tls-below-edge:shop-tls:value": "1.1",
    "expired:shop-production:signOff.validUntil": "2026-11-30",
    "any-ipv4:shop-network:allowed_cidrs": ["0.0.0.0/0"],
    "any-ipv6:shop-network:allowed_cidrs": ["::/0"],
    "widen-to-8:shop-network:allowed_cidrs": ["203.0.0.0/8"],
    "cidrs-emptied:shop-network:allowed_cidrs": [],
    "allowlist-emptied:shop-branch:requiredStatusChecks.0.contexts": [],
    "http:shop-production:siteUrl": "http://shop.example.com",
    "other-host:shop-production:siteUrl": f"https://{OTHER_HOST}",
    "abroad:shop-web:resourceConfig.functionDefaultRegions": ["iad1"],
    "abroad:shop-worker:region": "us-west2",
    "plaintext:shop-variables:sealedVariables.TOKEN": PLAINTEXT,
    "next-public:shop-web-secret:key": "NEXT_PUBLIC_API_SECRET",
    "env-swap:shop-production:siteUrl": "https://shop-staging.example.com",
    "guide-value:shop-variables:variables.LOG_LEVEL": "debug",
}


def test_every_operator_of_the_table_edits_the_crafted_export(mutants: dict[str, Mutant]) -> None:
    assert {m.operator for m in mutants.values()} == {op.name for op in OPERATORS}
    for mutant_id, value in EXPECTED.items():
        assert _after(mutants[mutant_id]) == value, mutant_id
    # Outputs are edited alongside inputs, and the original resources are untouched.
    assert _after(mutants["switch-off:shop-web:gitForkProtection"], "outputs") is False
    assert crafted()[2].inputs["gitForkProtection"] is True


def test_whole_resource_operators(mutants: dict[str, Mutant]) -> None:
    items = {r.name: r for r in crafted()}
    web, env, shop = items["shop-web"], items["shop-web-secret"], items["shop"]
    # Deleting the project drops the references to it, as removing it from the program would.
    deleted = mutants["delete:shop-web"]
    assert deleted.patch[web.urn] is None and deleted.changed is None
    kept = deleted.patch[env.urn]
    assert kept is not None and kept.dependencies == [] and kept.property_dependencies == {"projectId": []}
    subtree = mutants["delete-component:shop"].patch
    assert {urn for urn, r in subtree.items() if r is None} == {shop.urn, web.urn, items["shop-admin"].urn, env.urn}
    rewired = mutants["rewire:shop-web-secret:projectId"].patch[env.urn]
    assert rewired is not None and rewired.property_dependencies == {"projectId": [items["shop-admin"].urn]}
    assert rewired.inputs["projectId"] == "shop-admin-id" and rewired.dependencies == [items["shop-admin"].urn]
    assert mutants["switch-off:shop-web:gitForkProtection"].changed == {web.urn: [("gitForkProtection",)]}
    network = mutants["unprotect:shop-network:@opts.protect"].patch[items["shop-network"].urn]
    assert network is not None and network.protect is False
    dropped = mutants["secret-output-dropped:shop-variables:sealedVariables"].patch[items["shop-variables"].urn]
    assert dropped is not None and dropped.additional_secret_outputs == []
    assert dropped.outputs["sealedVariables"] == PLAINTEXT
    moved = mutants["unsealed:shop-variables:sealedVariables.TOKEN"].patch[items["shop-variables"].urn]
    assert moved is not None and moved.inputs["sealedVariables"] == {}
    assert moved.inputs["variables"]["TOKEN"] == PLAINTEXT


def test_a_mutant_id_means_one_edit_whatever_the_registration_order() -> None:
    """The program registers resources in no fixed order (outputs resolve when they do): the same stack in
    another order gives the same mutants, each the same edit, or a baseline would compare different edits."""
    items = crafted()
    items.append(_resource(PROJECT_TYPE, "shop-api", {"gitForkProtection": True, "functionFailover": False},
                           parent=items[1].urn))
    forward = {m.id: m.edit for m in generate(items, CONTEXT)}
    assert forward == {m.id: m.edit for m in generate(list(reversed(items)), CONTEXT)}
    assert forward["rewire:shop-web-secret:projectId"] == "projectId → shop-admin instead of shop-web"


def test_a_secret_made_plain_in_the_program_stays_secret_where_the_engine_keeps_it(
        mutants: dict[str, Mutant]) -> None:
    redis = mutants["plaintext:shop-redis:password"].patch[_urn("pulumi-python:dynamic/railway:Redis", "shop-redis")]
    assert redis is not None and redis.inputs["password"] == PLAINTEXT
    assert redis.outputs["password"] == _secret(PLAINTEXT)  # listed in additionalSecretOutputs
    sealed = mutants["plaintext:shop-variables:sealedVariables.TOKEN"].patch[
        _urn("pulumi-python:dynamic/railway:Variables", "shop-variables")]
    assert sealed is not None and sealed.outputs["sealedVariables"] == _secret("[secret]")


def test_environment_swap_comes_from_the_stack_files(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.production.yaml").write_text(
        "config:\n  lightspeedpay:environment: production\n  lightspeedpay:domains:\n    api: api.shop.in\n")
    (tmp_path / "Pulumi.staging.yaml").write_text(
        "config:\n  lightspeedpay:environment: staging\n  lightspeedpay:domains:\n    api: api.staging.shop.in\n")
    swap = environment_swap("production", tmp_path)
    assert swap("https://api.shop.in/health") == "https://api.staging.shop.in/health"
    assert swap("deployment.environment=production") == "deployment.environment=staging"
    assert swap("reproduction") == "reproduction"  # whole tokens only


# --------------------------------------------------------------------------------- verdicts
def _fork(args: Any, report: Any) -> None:
    if args.resource_type == PROJECT_TYPE and args.props.get("gitForkProtection") is False:
        report("fork protection is off")


def _failover(args: Any, report: Any) -> None:
    if args.resource_type == PROJECT_TYPE and args.props.get("functionFailover"):
        report("failover leaves India")


def _projects_have_secrets(args: Any, report: Any) -> None:
    projects = [r for r in args.resources if r.resource_type == PROJECT_TYPE]
    wired = {d.urn for r in args.resources if r.resource_type == ENV_TYPE
             for d in r.property_dependencies.get("projectId", [])}
    for project in projects:
        if project.name == "shop-web" and project.urn not in wired:
            report("the web project lost its secret", project.urn)


def _region_advisory(args: Any, report: Any) -> None:
    for resource in args.resources:
        if resource.props.get("region") not in (None, "asia-southeast1-eqsg3a"):
            report("moved region", resource.urn)


def small_pack(*, without: str = "") -> PolicyRun:
    policies = [
        ResourceValidationPolicy("fork-protection", "Fork protection stays on.", _fork),
        ResourceValidationPolicy("failover-off", "Failover stays off.", _failover),
        StackValidationPolicy("projects-have-secrets", "The web project keeps its secret.", _projects_have_secrets),
        StackValidationPolicy("region-advisory", "Region changes are reported.", _region_advisory,
                              enforcement_level=EnforcementLevel.ADVISORY),
    ]
    servicer = _PolicyAnalyzerServicer("small", "0.0.1", [p for p in policies if p.name != without],
                                       EnforcementLevel.MANDATORY)
    return PolicyRun(STACK, PROJECT, None, analyzer=in_process(servicer))


def _verdicts(run: PolicyRun, prune: bool = True) -> tuple[dict[str, str], Evaluator]:
    resources = crafted()
    with pinned_clock(NOON):
        evaluator = Evaluator(run, resources, prune=prune)
        verdicts = {m.id: evaluator.evaluate(m).status for m in generate(resources, CONTEXT)}
    evaluator.close()
    return verdicts, evaluator


def test_verdicts_through_the_analyzer_and_a_missing_policy_leaves_its_survivor() -> None:
    full, evaluator = _verdicts(small_pack())
    assert full["switch-off:shop-web:gitForkProtection"] == KILLED
    assert full["switch-on:shop-web:functionFailover"] == KILLED
    assert full["delete:shop-web-secret"] == KILLED  # structural: the stack policy saw it
    assert full["rewire:shop-web-secret:projectId"] == KILLED
    assert full["abroad:shop-worker:region"] == FLAGGED  # advisory only
    assert full["switch-on:shop-admin:functionFailover"] == KILLED
    assert full["below-edge:shop-worker:replicaBounds.min"] == SURVIVED
    # The baseline run recorded who reads what.
    assert evaluator.readers(_urn(PROJECT_TYPE, "shop-web"), ("functionFailover",)) == ["failover-off"]
    assert evaluator.readers(_urn(PROJECT_TYPE, "shop-web"), ("resourceConfig",)) == []
    assert "region-advisory" in evaluator.readers(_urn("pulumi-python:dynamic/railway:ServiceInstance",
                                                       "shop-worker"), ("region",))

    holed, evaluator = _verdicts(small_pack(without="failover-off"))
    assert {m for m, status in holed.items() if status != full[m]} == {
        "switch-on:shop-web:functionFailover", "switch-on:shop-admin:functionFailover"}
    assert holed["switch-on:shop-web:functionFailover"] == SURVIVED
    assert evaluator.readers(_urn(PROJECT_TYPE, "shop-web"), ("functionFailover",)) == []


def test_skipping_blind_stack_policies_changes_no_verdict_and_runs_are_stable() -> None:
    pruned, _ = _verdicts(small_pack())
    assert pruned == _verdicts(small_pack(), prune=False)[0]
    assert pruned == _verdicts(small_pack())[0]


def test_incremental_evaluation_finds_what_a_whole_analysis_of_the_mutant_finds() -> None:
    run, resources = small_pack(), crafted()
    evaluator = Evaluator(run, resources)
    for mutant in generate(resources, CONTEXT):
        evaluator.close()  # every policy enabled again for the whole analysis
        patched = [r for r in (mutant.patch.get(x.urn, x) for x in resources) if r is not None]
        whole = {(v.policy, v.urn, v.message) for v in run.analyze(patched)} - evaluator.baseline
        assert {(v.policy, v.urn, v.message) for v in evaluator.evaluate(mutant).new} == whole, mutant.id


def test_the_clock_is_pinned() -> None:
    with pinned_clock(NOON):
        assert time.time() == NOON.timestamp()
        assert dt.datetime.now(dt.UTC) == NOON and dt.date.today() == NOON.date()
    assert dt.datetime.now(dt.UTC) != NOON


# --------------------------------------------------------------------------------- equivalents, baseline
def _report(statuses: dict[str, str]) -> Report:
    results = []
    for mutant_id, status in statuses.items():
        mutant = Mutant(mutant_id, mutant_id.split(":")[0], "test", "urn", "type", "label", "(stack)", "p", "edit",
                        (), {})
        results.append(Result(mutant, Outcome(status), []))
    return Report(STACK, NOON, results, Timing(), "test")


def test_equivalents_are_honoured_only_when_listed_and_stale_entries_are_errors() -> None:
    report = _report({"a:x": SURVIVED, "b:x": SURVIVED, "c:x": KILLED, "d:x": FLAGGED, "e:api[Project]": SURVIVED})
    stale = files.apply_equivalents(report.results, {"a:*": "harmless", "c:x": "was harmless", "gone:*": "old",
                                                     "e:api[Project]": "an exact id, brackets and all"})
    assert [r.status for r in report.results] == [EQUIVALENT, SURVIVED, KILLED, FLAGGED, EQUIVALENT]
    assert report.results[0].reason == "harmless"
    assert len(stale) == 2 and "c:x" in stale[0] and "now kills" in stale[0] and "gone:*" in stale[1]
    assert (report.killed, report.considered) == (1, 3)
    assert files.changes({"a:*": "old", "c:x": "same"}, {"a:*": "new", "b:*": "why", "c:x": "same"}) == [
        "added: `b:*`: why", "reason changed: `a:*`: new"]
    with pytest.raises(files.MutationInputError, match="needs a reason"):
        files.parse_equivalents("production:\n  'a:x': ''\n", "test", STACK)


def test_baseline_check_fails_on_a_lower_score_or_a_new_survivor(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    files.write_baseline(path, _report({"a:x": KILLED, "b:x": SURVIVED}), {})
    recorded = files.read_baseline(path)
    assert files.check(_report({"a:x": KILLED, "b:x": SURVIVED}), recorded) == ([], [])
    failures, _ = files.check(_report({"a:x": SURVIVED, "b:x": SURVIVED}), recorded)
    assert any("score dropped" in f for f in failures) and any("`a:x`" in f for f in failures)
    failures, notes = files.check(_report({"a:x": KILLED, "b:x": KILLED, "c:x": KILLED}), recorded)
    assert failures == [] and "b:x" in notes[0]
    assert "no baseline" in files.check(_report({}), {})[0][0]


def test_cli_on_an_export_with_the_real_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export, equivalents, baseline = tmp_path / "state.json", tmp_path / "eq.yaml", tmp_path / "baseline.json"
    resources = crafted()
    write_export(export, resources, resources[0].outputs)
    equivalents.write_text("production:\n  'below-edge:shop-worker:*': one replica more or less, in a test\n")
    common = ["--stack", STACK, "--export", str(export), "--equivalents", str(equivalents), "--baseline",
              str(baseline), "--now", NOON.isoformat()]
    assert main([*common, "--write-baseline", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["counts"]["equivalent"] >= 1 and document["score"]["killed"] > 0
    assert document["timing"]["mutantsPerSecond"] > 0
    assert main([*common, "--check-baseline", "--markdown"]) == 0
    assert "baseline check passed" in capsys.readouterr().out
    equivalents.write_text("production:\n  'no-such-mutant:*': stale\n")
    assert main([*common, "--check-baseline"]) == 1
    assert "matches no mutant" in capsys.readouterr().out
    assert main([*common, "--only", "nothing:matches:this"]) == 2
