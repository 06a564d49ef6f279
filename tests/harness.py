"""Shared test helpers: the offline plan of each stack (once per session) and the real analyzer.

Everything goes through the same code as `python -m ops.plan`: the program under Pulumi's mocks
and the pack through pulumi_policy's analyzer servicer with the stack's policy config.
"""

from __future__ import annotations

import functools
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pulumi_policy import StackValidationPolicy

from config import PROJECT
from ops.analysis import PolicyRun, Violation, import_pack, policy_config_path
from ops.offline import ProgramRun, run_program
from ops.policy_config import PolicyConfig, configure_request
from ops.resources import SECRET_SIG, SIG_KEY, PlannedResource

REPO = Path(__file__).resolve().parent.parent


@functools.cache
def plan(stack: str) -> ProgramRun:
    """The planned resources of a stack file in the repository (cached: treat as read-only)."""
    return run_program(stack)


@functools.cache
def pack(stack: str) -> PolicyRun:
    return PolicyRun(stack, PROJECT, policy_config_path(stack))


@functools.cache
def focused_pack(stack: str, policy: str) -> PolicyRun:
    """The stack's configured pack with every other policy disabled (the servicer skips disabled
    policies before reading any property), so a test of one policy pays for one policy."""
    run = PolicyRun(stack, PROJECT, policy_config_path(stack))
    assert policy in run.policy_names(), f"unknown policy {policy}"
    config = {name: PolicyConfig("disabled" if name != policy else value.enforcement_level, value.properties)
              for name, value in run.config.items() if name != "all"}
    run.call("Configure", configure_request(config))
    return run


@functools.cache
def judged_types(policy: str) -> frozenset[str] | None:
    """What a resource policy judges (empty: every type); None for a stack policy."""
    from lightspeedpay_policies.meta import GuardedPolicy

    [found] = [p for p in import_pack().PACK_KWARGS["policies"] if p.name == policy]
    if isinstance(found, GuardedPolicy):
        return frozenset(found.judges)
    return None if isinstance(found, StackValidationPolicy) else frozenset()


def analyze(stack: str, resources: Iterable[PlannedResource], only: str | None = None) -> list[Violation]:
    """Violations of the whole pack, or of policy ``only`` (still with the stack's config for it).

    With ``only`` a stack policy, the servicer gets AnalyzeStack alone; with ``only`` a resource policy, Analyze
    of the resources it judges (and their providers) alone. With every other policy disabled, the rest would come
    back empty: the servicer skips disabled policies, and a resource policy returns at once on a type it does
    not judge.
    """
    if not only:
        return pack(stack).analyze(resources)
    judged = judged_types(only)
    if judged is None:
        return focused_pack(stack, only).analyze(resources, each=False)
    asked = [r for r in resources if not judged or r.type in judged or r.is_provider]
    return focused_pack(stack, only).analyze(asked, stack=False)


@functools.cache
def plan_violations(stack: str) -> tuple[Violation, ...]:
    """The whole pack over the unmodified plan of a stack (cached: read-only)."""
    return tuple(pack(stack).analyze(plan(stack).resources))


@functools.cache
def _pickled_plan(stack: str) -> bytes:
    return pickle.dumps(plan(stack).resources, protocol=pickle.HIGHEST_PROTOCOL)


def resources(stack: str) -> list[PlannedResource]:
    """A private deep copy of a stack's plan, safe to mutate (unpickled: a third of `copy.deepcopy`'s CPU)."""
    return pickle.loads(_pickled_plan(stack))


def find(items: Iterable[PlannedResource], type_: str, name_part: str = "") -> PlannedResource:
    matches = [r for r in items if r.type == type_ and name_part in r.name]
    assert matches, f"no {type_} with {name_part!r} in its name"
    return matches[0]


def mutate(
    stack: str, type_: str, name_part: str, change: Callable[[dict[str, Any]], None], outputs_too: bool = True
) -> list[PlannedResource]:
    """The stack's plan with one resource's properties edited the way a careless change would."""
    items = resources(stack)
    target = find(items, type_, name_part)
    change(target.inputs)
    if outputs_too:
        change(target.outputs)
    return items


def of_policy(violations: Iterable[Violation], policy: str) -> list[Violation]:
    return [v for v in violations if v.policy == policy]


def single(
    type_: str,
    props: dict[str, Any],
    name: str = "subject",
    stack: str = "production",
    provider: PlannedResource | None = None,
) -> list[PlannedResource]:
    """One hand-built resource (and optionally its provider), encoded as the engine would."""
    items = []
    urn = f"urn:pulumi:{stack}::{PROJECT}::{type_}::{name}"
    reference = ""
    if provider is not None:
        items.append(provider)
        reference = f"{provider.urn}::{provider.id}"
    items.append(
        PlannedResource(
            urn=urn,
            type=type_,
            name=name,
            custom=True,
            id=f"{name}-id",
            provider=reference,
            inputs=props,
            outputs=props,
        )
    )
    return items


def secret(value: Any) -> dict[str, Any]:
    return {SIG_KEY: SECRET_SIG, "value": value}


def explicit_provider(type_: str, stack: str = "production") -> PlannedResource:
    package = type_.split(":", 1)[0]
    name = f"{package}-explicit"
    return PlannedResource(
        urn=f"urn:pulumi:{stack}::{PROJECT}::pulumi:providers:{package}::{name}",
        type=f"pulumi:providers:{package}",
        name=name,
        custom=True,
        id="provider-id",
    )


def check(type_: str, props: dict[str, Any], stack: str = "production", name: str = "subject") -> list[Violation]:
    """Resource-policy violations for one resource, through the stack's configured pack (Analyze only)."""
    items = single(type_, props, name=name, stack=stack, provider=explicit_provider(type_, stack))
    return pack(stack).analyze(items, stack=False)


def refusals(items: list[PlannedResource], policy: str, stack: str = "production") -> list[Violation]:
    """The findings ``policy`` (alone, with the stack's config) reports for ``items``; fails unless there is at
    least one and every one is mandatory."""
    found = of_policy(analyze(stack, items, only=policy), policy)
    assert found, f"{policy} did not refuse the change"
    assert all(v.mandatory for v in found), f"{policy} only advises"
    return found


def refused(items: list[PlannedResource], policy: str, stack: str = "production") -> list[str]:
    """`refusals`, each message without the policy's description line."""
    return [v.message.splitlines()[-1] for v in refusals(items, policy, stack)]


def policies_hit(violations: Iterable[Violation]) -> set[str]:
    return {v.policy for v in violations}
