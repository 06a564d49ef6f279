"""Evaluate the policy pack through `pulumi_policy`'s own analyzer servicer, as the engine does.

The servicer is the object `PolicyPack(...)` serves over gRPC; here it is called in-process with
the same requests the engine sends: ConfigureStack, GetAnalyzerInfo, Configure (after the CLI's
config reconciliation), Analyze for each resource, AnalyzeStack once with every resource.
"""

from __future__ import annotations

import re
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import proto

from config.stackfile import REPO_ROOT
from config.vocabulary import thresholds

from .cli import collector_paused
from .policy_config import PolicyConfig, configure_request, load_policy_config, reconcile
from .resources import PlannedResource

POLICY_DIR = REPO_ROOT / "policies"
_NOT_VERIFIED_ITEM = re.compile(r"^- (?P<what>.*?)(?: \(at (?P<urn>urn:pulumi:\S+)\))?$", re.MULTILINE)
_LEVEL_NAMES = {proto.ADVISORY: "advisory", proto.MANDATORY: "mandatory",
                proto.REMEDIATE: "remediate", proto.DISABLED: "disabled"}
_SEVERITY_NAMES = {proto.POLICY_SEVERITY_UNSPECIFIED: "", proto.POLICY_SEVERITY_LOW: "low",
                   proto.POLICY_SEVERITY_MEDIUM: "medium", proto.POLICY_SEVERITY_HIGH: "high",
                   proto.POLICY_SEVERITY_CRITICAL: "critical"}


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement: str
    urn: str
    message: str
    severity: str = ""
    not_verified: bool = False
    """A value the policy could not see (ciphertext, a fact the program could not derive): advisory,
    shown in every report, never a pass and never failing a run."""

    @property
    def mandatory(self) -> bool:
        return self.enforcement == "mandatory" and not self.not_verified


def policy_config_path(stack: str) -> Path:
    return POLICY_DIR / "config" / f"{stack}.json"


def pack_version() -> str:
    """Python packs take their version from PulumiPolicy.yaml, as the CLI does."""
    document = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text(encoding="utf-8")) or {}
    return str(document.get("version") or "0.0.1")


def import_pack() -> Any:
    # The CLI runs `python policies/`, which puts policies/ first on sys.path; do the same.
    if str(POLICY_DIR) not in sys.path:
        sys.path.insert(0, str(POLICY_DIR))
    import lightspeedpay_policies

    return lightspeedpay_policies


Analyzer = Callable[[str, Any], Any]
"""Calls one Analyzer RPC by name: ``analyzer("Analyze", request) -> response``."""


class _Conversions:
    """What the servicer's per-policy property handling would compute again, computed once per distinct content.

    For every policy and every resource, `pulumi_policy`'s servicer turns the same `Struct` into a dict
    (`json_format.MessageToDict`), decodes that dict (`deserialize_properties`), then wraps the result in
    a proxy that raises on unknown values (`unknown_checking_proxy`, which copies every level). All three
    are pure functions of the message's bytes and never modify their input, yet they were ~80% of a pack
    run: 118 policies decoding and wrapping the same 250 resources. Here they are computed once per
    distinct serialized message (across requests too: Analyze's inputs and AnalyzeStack's outputs are
    mostly equal, and repeated runs over an edited plan differ in one resource), so policies share one
    proxy per message. That is safe because validation policies only read: the proxy's one writer,
    ``__setitem__``, exists for remediations, which the pack has none of and which the SDK decodes apart
    (``proxy_secrets``); tests/test_analysis.py runs the whole pack with that writer raising. What
    each policy sees, and reports, is unchanged. Only the in-process analyzer uses this; the pack process
    the engine starts decodes and wraps per policy, as the SDK does.
    """

    def __init__(self, limit: int = 1024) -> None:
        from pulumi_policy import policy

        self.limit = limit
        self._decode = policy.deserialize_properties
        """the SDK's own decoding"""
        self._wrap = policy.unknown_checking_proxy
        """the SDK's own proxy"""
        self._entries: OrderedDict[bytes, list[Any]] = OrderedDict()
        """serialized Struct → [its dict, that dict decoded, the decoded dict wrapped] (None until asked)"""
        self._by_id: dict[int, list[Any]] = {}
        """id(a dict handed out) → its entry; the entry holds the dict, so the id stays its own"""
        self._by_decoded_id: dict[int, list[Any]] = {}
        """id(a decoded dict handed out) → its entry, likewise"""
        self._in_request: dict[int, tuple[Any, list[Any]]] | None = None
        """While a request is handled: id(one of its messages) → (that message, its entry). The servicer asks for
        the same message object once per policy, and nothing changes a request while it is handled."""

    def message_to_dict(self, message: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(message, struct_pb2.Struct):
            return json_format.MessageToDict(message, *args, **kwargs)
        in_request = self._in_request
        seen = in_request.get(id(message)) if in_request is not None else None
        if seen is not None and seen[0] is message:
            return seen[1][0]
        key = message.SerializeToString(deterministic=True)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = [json_format.MessageToDict(message), None, None]
            self._by_id[id(entry[0])] = entry
            if in_request is None:
                self._trim()
        else:
            self._entries.move_to_end(key)
        if in_request is not None:
            in_request[id(message)] = (message, entry)
        return entry[0]

    def _trim(self) -> None:
        """Forget the least recently used messages beyond the limit. Never while a request is handled: an
        AnalyzeStack of more resources than the limit reads each of them once per stack policy, and evicting
        them in between would decode every one again for every policy."""
        while len(self._entries) > self.limit:
            _, dropped = self._entries.popitem(last=False)
            del self._by_id[id(dropped[0])]
            if dropped[1] is not None:
                del self._by_decoded_id[id(dropped[1])]

    def deserialize_properties(self, props: dict[str, Any], proxy_secrets: bool = False) -> dict[str, Any]:
        entry = self._by_id.get(id(props))
        if proxy_secrets or entry is None or entry[0] is not props:
            # not a dict handed out here, or secret-preserving proxies (remediation): decoded as the SDK does
            return self._decode(props, proxy_secrets)
        if entry[1] is None:
            entry[1] = self._decode(props)
            self._by_decoded_id[id(entry[1])] = entry
        return cast(dict[str, Any], entry[1])

    def unknown_checking_proxy(self, props: dict[str, Any]) -> Any:
        entry = self._by_decoded_id.get(id(props))
        if entry is None or entry[1] is not props:
            return self._wrap(props)  # not decoded here: wrapped as the SDK does
        if entry[2] is None:
            entry[2] = self._wrap(props)
        return entry[2]

    @contextmanager
    def installed(self) -> Iterator[None]:
        """The servicer's module reads these functions through these names while it handles one request."""
        from pulumi_policy import policy

        saved = policy.json_format, policy.deserialize_properties, policy.unknown_checking_proxy
        policy.json_format = _JsonFormat(self)  # type: ignore[assignment]
        policy.deserialize_properties = self.deserialize_properties
        policy.unknown_checking_proxy = self.unknown_checking_proxy
        self._in_request = {}
        try:
            yield
        finally:
            self._in_request = None
            self._trim()
            policy.json_format, policy.deserialize_properties, policy.unknown_checking_proxy = saved


class _JsonFormat:
    """`google.protobuf.json_format` as the servicer's module sees it: `MessageToDict` memoized, the rest as is."""

    def __init__(self, conversions: _Conversions) -> None:
        self.MessageToDict = conversions.message_to_dict

    def __getattr__(self, name: str) -> Any:
        return getattr(json_format, name)


_CONVERSIONS = _Conversions()
"""One per process, shared by every in-process analyzer: keyed by content, and the decoding does not depend
on the pack or its config (a test's or ops.mutate's next run over an edited plan finds the rest decoded)."""


class _PerRequest:
    """A servicer method that reads only the message it is given (a resource's options, its provider), answered
    once per message while one request is handled instead of once per policy. Like the shared proxies above, the
    answer is only read by the policies it is handed to."""

    def __init__(self, method: Callable[[Any], Any]) -> None:
        self.method = method
        self.answers: dict[int, tuple[Any, Any]] | None = None
        """While a request is handled: id(message) → (that message, the answer)."""

    def __call__(self, message: Any) -> Any:
        answers = self.answers
        if answers is None:
            return self.method(message)
        hit = answers.get(id(message))
        if hit is not None and hit[0] is message:
            return hit[1]
        answer = self.method(message)
        answers[id(message)] = (message, answer)
        return answer

    @contextmanager
    def handling(self) -> Iterator[None]:
        self.answers = {}
        try:
            yield
        finally:
            self.answers = None


def in_process(servicer: Any) -> Analyzer:
    """The pack's servicer called directly, the way the SDK's own tests do (no transport), with its property
    decoding computed once per distinct message (`_Conversions`) and each resource's options and provider read
    once per request (`_PerRequest`)."""
    options = servicer._get_resource_options = _PerRequest(servicer._get_resource_options)
    provider = servicer._get_provider_resource = _PerRequest(servicer._get_provider_resource)

    def call(method: str, request: Any) -> Any:
        if method not in ("Analyze", "AnalyzeStack"):  # e.g. Configure keeps the dicts it decodes: not shared
            return getattr(servicer, method)(request, None)
        with _CONVERSIONS.installed(), options.handling(), provider.handling():
            return getattr(servicer, method)(request, None)
    return call


def over_grpc(stub: Any) -> Analyzer:
    """An `AnalyzerStub` on a channel to a running pack process (what the engine talks to)."""
    return lambda method, request: getattr(stub, method)(request)


def build_servicer() -> Any:
    """The servicer `PolicyPack(**PACK_KWARGS)` would serve, with the version from PulumiPolicy.yaml."""
    from pulumi_policy import EnforcementLevel
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    kwargs = dict(import_pack().PACK_KWARGS)
    return _PolicyAnalyzerServicer(
        kwargs["name"], pack_version(), kwargs["policies"],
        kwargs.get("enforcement_level") or EnforcementLevel.ADVISORY,
        kwargs.get("initial_config"), kwargs.get("description"), kwargs.get("display_name"),
        kwargs.get("readme"), kwargs.get("provider"), kwargs.get("tags"), kwargs.get("repository"))


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    # Struct.update builds the same message as json_format.ParseDict, in about half the time.
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


class PolicyRun:
    """One configured analyzer for one stack."""

    def __init__(self, stack: str, project: str, policy_config: Path | None,
                 tags: dict[str, str] | None = None, analyzer: Analyzer | None = None) -> None:
        """Configure the pack for ``stack`` in the engine's order; in-process unless ``analyzer`` is given."""
        self.call: Analyzer = analyzer or in_process(build_servicer())
        self.call("ConfigureStack", proto.AnalyzerStackConfigureRequest(
            stack=stack, project=project, organization="organization", dry_run=True, tags=tags or {}))
        self.info = self.call("GetAnalyzerInfo", empty_pb2.Empty())
        self.pack_name: str = self.info.name
        file_config: dict[str, PolicyConfig] = load_policy_config(policy_config) if policy_config else {}
        self.config = reconcile(self.info, file_config)
        self.call("Configure", configure_request(self.config))

    def policy_names(self) -> list[str]:
        return [p.name for p in self.info.policies]

    def analyze(self, resources: Iterable[PlannedResource], stack: bool = True, each: bool = True) -> list[Violation]:
        """Analyze each resource (unless ``each`` is False), then (unless ``stack`` is False) the whole stack."""
        with collector_paused():
            return self._analyze(list(resources), stack, each)

    def _analyze(self, resources: list[PlannedResource], stack: bool, each: bool = True) -> list[Violation]:
        providers = self.providers(resources)
        violations: list[Violation] = []
        for resource in resources if each else ():
            if resource.type != "pulumi:pulumi:Stack":
                violations += self.analyze_resource(resource, providers.get(resource.provider_urn))
        if stack:
            # AnalyzeStack sees every resource, with final outputs rather than inputs (engine step_generator.go).
            violations += self.analyze_stack(self.stack_entry(r, providers.get(r.provider_urn)) for r in resources)
        return violations

    def providers(self, resources: Iterable[PlannedResource]) -> dict[str, Any]:
        """One `AnalyzerProviderResource` per provider among ``resources``, by URN (not one per resource)."""
        return {r.urn: self._provider(r) for r in resources if r.is_provider}

    def analyze_resource(self, resource: PlannedResource, provider: Any = None) -> list[Violation]:
        """`Analyze` of one resource (its inputs), as the engine sends it with its provider."""
        request = proto.AnalyzeRequest(
            type=resource.type, name=resource.name, urn=resource.urn,
            properties=_struct(resource.inputs), options=self._options(resource))
        if provider is not None:
            request.provider.CopyFrom(provider)
        return self._violations(self.call("Analyze", request), resource.urn)

    def stack_entry(self, resource: PlannedResource, provider: Any = None) -> Any:
        """One resource as `AnalyzeStack` receives it: outputs, options, parent and dependencies."""
        entry = proto.AnalyzerResource(
            type=resource.type, name=resource.name, urn=resource.urn,
            properties=_struct(resource.outputs), options=self._options(resource),
            parent=resource.parent, dependencies=resource.dependencies)
        for key, urns in resource.property_dependencies.items():
            entry.propertyDependencies[key].urns.extend(urns)
        if provider is not None:
            entry.provider.CopyFrom(provider)
        return entry

    def analyze_stack(self, entries: Iterable[Any]) -> list[Violation]:
        """`AnalyzeStack` over entries built by `stack_entry` (every resource of the stack)."""
        request = proto.AnalyzeStackRequest()
        request.resources.extend(entries)
        return self._violations(self.call("AnalyzeStack", request), "")

    @staticmethod
    def _options(resource: PlannedResource) -> Any:
        return proto.AnalyzerResourceOptions(
            protect=resource.protect, ignoreChanges=resource.ignore_changes,
            deleteBeforeReplace=bool(resource.delete_before_replace),
            deleteBeforeReplaceDefined=resource.delete_before_replace is not None,
            additionalSecretOutputs=resource.additional_secret_outputs, parent=resource.parent)

    @staticmethod
    def _provider(provider: PlannedResource) -> Any:
        return proto.AnalyzerProviderResource(
            type=provider.type, name=provider.name, urn=provider.urn, properties=_struct(provider.inputs))

    @staticmethod
    def _violations(response: Any, default_urn: str) -> list[Violation]:
        found = []
        for d in response.diagnostics:
            enforcement, severity = _LEVEL_NAMES[d.enforcementLevel], _SEVERITY_NAMES.get(d.severity, "")
            _, marker, items = d.message.partition(thresholds.NOT_VERIFIED)
            if marker:  # the pack's NotVerified, which the servicer reports as an advisory "can't run"
                for item in _NOT_VERIFIED_ITEM.finditer(items):
                    found.append(Violation(policy=d.policyName, enforcement="advisory", urn=item["urn"] or default_urn,
                                           message=item["what"], severity=severity, not_verified=True))
                continue
            found.append(Violation(policy=d.policyName, enforcement=enforcement, urn=d.urn or default_urn,
                                   message=d.message, severity=severity))
        return found
