"""Evaluate mutants through the configured analyzer, against the unmutated baseline.

The baseline is `PolicyRun.analyze` over the unmutated resources, exactly what `ops.check` runs,
with every property the policies read recorded: the analyzer hands each policy read-only proxies
(`pulumi_policy.proxy`), and during the baseline each policy's proxies are wrapped to log the paths
it reads. A mutant is then evaluated incrementally on the same analyzer:

- `Analyze` for the resources it touches (and the resources of a provider it edits);
- `AnalyzeStack` with every resource of the mutated stack (a stack policy can change its verdict
  because of any resource), reusing the request entries of untouched resources. When a mutant only
  edits properties or options, a stack policy that read none of them in the baseline is disabled
  for that mutant: it sees the same inputs it saw in the baseline, so its verdict cannot change.
  Deletions and rewired references change the resources and their links, so every stack policy runs.

Killed: a new mandatory violation (policy, resource, message) absent from the baseline; flagged: new
advisory ones only; survived: nothing new; crashed: the analyzer raised (the engine would fail the
preview with an error, not a verdict). The clock is pinned for the whole run (`pinned_clock`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

from ops.analysis import PolicyRun, Violation
from ops.policy_config import PolicyConfig, configure_request
from ops.resources import STACK_TYPE, PlannedResource

from .edits import PropPath
from .generate import OPTIONS, Mutant

KILLED, FLAGGED, SURVIVED, CRASHED, EQUIVALENT = "killed", "flagged", "survived", "crashed", "equivalent"

Reads = dict[tuple[str, str], set[tuple[PropPath, bool]]]
"""(policy, urn) → paths read, each with whether it was read as a whole (iterated, its length taken)."""


# --------------------------------------------------------------------------------- the clock
@contextmanager
def pinned_clock(instant: dt.datetime) -> Iterator[None]:
    """``time.time()``, ``date.today()`` and ``datetime.now()`` all answer ``instant`` while inside."""
    stamp = instant.timestamp()

    class PinnedDatetime(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
            return instant.astimezone(tz) if tz is not None else instant.astimezone().replace(tzinfo=None)

        @classmethod
        def utcnow(cls) -> dt.datetime:  # type: ignore[override]
            return instant.astimezone(dt.UTC).replace(tzinfo=None)

    with mock.patch("time.time", lambda: stamp), mock.patch("time.time_ns", lambda: int(stamp * 1e9)), \
            mock.patch("datetime.datetime", PinnedDatetime):
        yield


# --------------------------------------------------------------------------------- recording reads
def _wrap(value: Any, path: PropPath, log: set[tuple[PropPath, bool]]) -> Any:
    if isinstance(value, Mapping):
        return _RecordingMapping(value, path, log)
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return _RecordingSequence(value, path, log)
    return value


class _RecordingMapping(Mapping[str, Any]):
    """The analyzer's mapping proxy, logging every key read (and iteration as a read of the whole)."""

    def __init__(self, target: Mapping[str, Any], path: PropPath, log: set[tuple[PropPath, bool]]) -> None:
        self._target, self._path, self._log = target, path, log

    def __getitem__(self, key: str) -> Any:
        if key == "__target":
            self._log.add((self._path, True))
            return self._target[key]
        path = (*self._path, key)
        self._log.add((path, False))
        return _wrap(self._target[key], path, self._log)

    def __setitem__(self, key: str, value: Any) -> None:
        self._target[key] = value  # type: ignore[index]  # what the SDK proxy allows (remediations)

    def __iter__(self) -> Iterator[str]:
        self._log.add((self._path, True))
        return iter(self._target)

    def __len__(self) -> int:
        self._log.add((self._path, True))
        return len(self._target)


class _RecordingSequence(Sequence[Any]):
    def __init__(self, target: Sequence[Any], path: PropPath, log: set[tuple[PropPath, bool]]) -> None:
        self._target, self._path, self._log = target, path, log

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, int):
            self._log.add((self._path, True))
            return self._target[index]
        path = (*self._path, index)
        self._log.add((path, False))
        return _wrap(self._target[index], path, self._log)

    def __iter__(self) -> Iterator[Any]:
        self._log.add((self._path, True))
        return (self[index] for index in range(len(self._target)))

    def __len__(self) -> int:
        self._log.add((self._path, True))
        return len(self._target)


class _RecordingOptions:
    """`PolicyResourceOptions`, logging which options a policy reads (as ``("@opts", name)``)."""

    def __init__(self, target: Any, log: set[tuple[PropPath, bool]]) -> None:
        self._target, self._log = target, log

    def __getattr__(self, name: str) -> Any:
        self._log.add(((OPTIONS, name), False))
        return getattr(self._target, name)


@contextmanager
def recording(reads: Reads, stack_policies: set[str]) -> Iterator[None]:
    """Log what every policy reads while inside (the pack's own validate callbacks run unchanged)."""
    resource_validate = ResourceValidationPolicy.validate
    stack_validate = StackValidationPolicy.validate

    def watch(policy: Any, urn: str, holder: Any) -> None:
        log = reads.setdefault((policy.name, urn), set())
        holder.props = _wrap(holder.props, (), log)
        holder.opts = _RecordingOptions(holder.opts, log)

    def on_resource(policy: Any, args: Any, report: Any) -> Any:
        watch(policy, args.urn, args)
        return resource_validate(policy, args, report)

    def on_stack(policy: Any, args: Any, report: Any) -> Any:
        stack_policies.add(policy.name)
        for resource in args.resources:
            watch(policy, resource.urn, resource)
        return stack_validate(policy, args, report)

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(ResourceValidationPolicy, "validate", on_resource))
        stack.enter_context(mock.patch.object(StackValidationPolicy, "validate", on_stack))
        yield


def related(read: PropPath, whole: bool, changed: PropPath) -> bool:
    """Whether a read saw (part of) a changed value: read at or inside it, or a container of it read whole."""
    return read[:len(changed)] == changed or (whole and changed[:len(read)] == read)


# --------------------------------------------------------------------------------- evaluation
@dataclass(frozen=True)
class Outcome:
    status: str
    new: tuple[Violation, ...] = ()
    error: str = ""


def _key(violation: Violation) -> tuple[str, str, str]:
    return violation.policy, violation.urn, violation.message


class Evaluator:
    """The baseline of one stack on one configured analyzer, and each mutant against it."""

    def __init__(self, run: PolicyRun, resources: list[PlannedResource], prune: bool = True) -> None:
        self.run, self.resources, self.prune = run, resources, prune
        self.reads: Reads = {}
        self.stack_policies: set[str] = set()
        started = time.process_time()
        with recording(self.reads, self.stack_policies):
            self.baseline_violations = run.analyze(resources)
        self.baseline_cpu = time.process_time() - started
        self.baseline = {_key(v) for v in self.baseline_violations}
        self.by_urn: dict[str, dict[str, set[tuple[PropPath, bool]]]] = {}
        for (policy, urn), paths in self.reads.items():
            self.by_urn.setdefault(urn, {})[policy] = paths
        self.providers = run.providers(resources)
        self.entries = {r.urn: run.stack_entry(r, self.providers.get(r.provider_urn)) for r in resources}
        self._configured: frozenset[str] = frozenset()

    def readers(self, urn: str, path: PropPath) -> list[str]:
        """Policies seen reading ``path`` of ``urn`` (any of its properties for ``()``) in the baseline."""
        return sorted(policy for policy, reads in self.by_urn.get(urn, {}).items()
                      if any(related(read, whole, path) for read, whole in reads))

    def _blind(self, mutant: Mutant) -> frozenset[str]:
        """Stack policies that cannot see what the mutant changed (empty: run them all)."""
        if not self.prune or mutant.changed is None:
            return frozenset()
        return frozenset(policy for policy in self.stack_policies
                         if not any(related(read, whole, changed)
                                    for urn, paths in mutant.changed.items()
                                    for read, whole in self.by_urn.get(urn, {}).get(policy, ())
                                    for changed in paths))

    def _configure(self, disabled: frozenset[str]) -> None:
        if disabled == self._configured:
            return
        config = {name: PolicyConfig("disabled", value.properties) if name in disabled else value
                  for name, value in self.run.config.items()}
        self.run.call("Configure", configure_request(config))
        self._configured = disabled

    def _findings(self, mutant: Mutant) -> list[Violation]:
        patch = mutant.patch
        providers = self.providers
        again: set[str] = set()
        if any(urn in providers for urn in patch):  # an edited provider: its resources are sent it again
            providers = self.run.providers(r for r in (patch.get(x.urn, x) for x in self.resources) if r)
            again = {r.urn for r in self.resources if r.provider_urn in patch and r.urn not in patch}
        self._configure(self._blind(mutant))
        current = [patch.get(r.urn, r) for r in self.resources]
        found: list[Violation] = []
        entries = []
        for original, resource in zip(self.resources, current, strict=True):
            if resource is None:
                continue
            if resource is original and original.urn not in again:
                entries.append(self.entries[original.urn])
                continue
            provider = providers.get(resource.provider_urn)
            if resource.type != STACK_TYPE:
                found += self.run.analyze_resource(resource, provider)
            entries.append(self.run.stack_entry(resource, provider))
        return found + self.run.analyze_stack(entries)

    def evaluate(self, mutant: Mutant) -> Outcome:
        try:
            violations = self._findings(mutant)
        except Exception as exc:  # a policy that crashes on the mutant: no verdict, the preview would error
            return Outcome(CRASHED, error=f"{type(exc).__name__}: {exc}"[:500])
        new = tuple(v for v in violations if _key(v) not in self.baseline)
        if any(v.mandatory for v in new):
            return Outcome(KILLED, new)
        return Outcome(FLAGGED if new else SURVIVED, new)

    def close(self) -> None:
        """Leave the analyzer configured as it was (every policy at its configured level)."""
        self._configure(frozenset())
