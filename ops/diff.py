"""`python -m ops.diff BASE.json HEAD.json`: what a change does to a stack, without credentials.

Compares two `pulumi stack export` documents (deployment v3: a real export of deployed state, or
`ops.plan --export` of the base branch and of the pull request): resources added, removed, replaced
(for kinds whose replace-on-change inputs are known, see `replace_keys`) and updated, with every
changed input old → new, grouped by the component that declares them. Secrets are never shown: each
reads as changed, unchanged or unknown, decided from what the two documents let us compare (see
`secret_status`). Exit codes: 0 no change, 1 changes, 2 bad input.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cli import EXIT_OK, EXIT_VIOLATIONS, fail
from .export import FINGERPRINT_KEY, ExportError, read_export
from .report import _settings
from .resources import OFFLINE_CIPHERTEXT, STACK_TYPE, UNKNOWN, PlannedResource, is_secret

EXIT_CHANGES = EXIT_VIOLATIONS
_VERBS = {"add": "to add", "remove": "to remove", "replace": "to replace", "update": "to update"}
ABSENT = object()
"""An input present on one side only."""
STACK_OUTPUTS = "(stack outputs)"
_MAX_VALUE = 160

# --- what replaces a resource -----------------------------------------------------------------------

@functools.cache
def _replace_on_change() -> dict[str, frozenset[str]]:
    # Each kind declares them once, on its provider class (`replace_on_change`, providers/dynamic):
    # the same declaration the provider's own `diff` replaces by (tests/test_diff.py drives both).
    from providers.dynamic.compat import kinds

    return {token: frozenset(resource.provider_class.replace_on_change) for token, resource in kinds().items()}


def replace_keys(type_token: str) -> frozenset[str] | None:
    """Top-level inputs whose change replaces a resource of this kind; None when not known here.

    The one place ops.diff learns replacement rules. Known: our dynamic kinds. Bridged providers
    decide in their own `Diff` (the real `pulumi preview` shows those).
    """
    if not type_token.startswith("pulumi-python:dynamic/"):
        return None
    return _replace_on_change().get(type_token)


# --- secrets ----------------------------------------------------------------------------------------


def _secret_basis(envelope: dict[str, Any]) -> tuple[str, str]:
    """What a secret can be compared by, as (kind, digest); never the value itself."""
    if FINGERPRINT_KEY in envelope:
        return "source", str(envelope[FINGERPRINT_KEY])
    for key in ("plaintext", "value"):  # `pulumi stack export --show-secrets`; the engine's own form
        if key in envelope:
            text = json.dumps(envelope[key], sort_keys=True)
            return "plaintext", hashlib.sha256(text.encode()).hexdigest()
    ciphertext = str(envelope.get("ciphertext", ""))
    if not ciphertext or ciphertext == OFFLINE_CIPHERTEXT:
        return "nothing", ""
    return "ciphertext", ciphertext


def secret_status(old: Any, new: Any) -> str:
    """changed / unchanged / unknown for a value that is secret on at least one side.

    - Both fingerprinted by `ops.plan --export` (the source: the stack file's ciphertext, the ESC
      reference, or the program's derivation): equal → unchanged, different → changed.
    - Both plaintext (`--show-secrets`): compared, never shown.
    - Both real ciphertexts: equal → unchanged; different → unknown (the engine may re-encrypt an
      unchanged value).
    - Anything else (a fingerprint against a ciphertext, an offline export without fingerprints):
      unknown. A value that is secret on one side only, or present on one side only, changed.
    """
    if old is ABSENT or new is ABSENT or not (is_secret(old) and is_secret(new)):
        return "changed"
    (old_kind, old_digest), (new_kind, new_digest) = _secret_basis(old), _secret_basis(new)
    if old_kind != new_kind or old_kind == "nothing":
        return "unknown"
    if old_digest == new_digest:
        return "unchanged"
    return "unknown" if old_kind == "ciphertext" else "changed"


# --- comparing two resources ------------------------------------------------------------------------


def _step(path: str, key: str) -> str:
    plain = key.replace("_", "").replace("-", "").isalnum()
    return (f"{path}.{key}" if path else key) if plain else f"{path}[{json.dumps(key)}]"


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) for every leaf: a scalar, a secret, a list of scalars, or an empty container."""
    if isinstance(value, dict) and value and not is_secret(value):
        for key, item in value.items():
            yield from leaves(item, _step(path, str(key)))
    elif isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        for index, item in enumerate(value):
            yield from leaves(item, f"{path}[{index}]")
    else:
        yield path, value


def _top_key(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


@dataclass(frozen=True)
class InputChange:
    path: str
    old: Any
    new: Any
    secret: str | None = None
    """None for a plain value; else changed / unchanged / unknown (and the values are never shown)."""
    replaces: bool = False


@dataclass
class ResourceChange:
    urn: str
    type: str
    name: str
    action: str
    """add, remove, update or replace."""
    component: str
    inputs: list[InputChange] = field(default_factory=list)
    replace_reasons: list[str] = field(default_factory=list)
    settings: str = ""
    """For an added or removed resource: its top-level inputs, secrets as [secret]."""

    @property
    def secrets(self) -> dict[str, list[str]]:
        by_status: dict[str, list[str]] = {}
        for change in self.inputs:
            if change.secret is not None:
                by_status.setdefault(change.secret, []).append(change.path)
        return by_status


def _properties(resource: PlannedResource) -> dict[str, Any]:
    # The root stack's exports are its outputs; `__provider` (a dynamic provider's pickled code) and
    # `__defaults` are the SDKs' bookkeeping, decided by the providers' own diffs.
    values = resource.outputs if resource.type == STACK_TYPE else resource.inputs
    return {k: v for k, v in values.items() if not k.startswith("__")}


def compare_inputs(old: PlannedResource, new: PlannedResource) -> list[InputChange]:
    """Every leaf that differs, plus every secret (with its status, changed or not)."""
    before, after = dict(leaves(_properties(old))), dict(leaves(_properties(new)))
    keys = replace_keys(new.type) or frozenset()
    changes = []
    for path in [*before, *(p for p in after if p not in before)]:
        was, now = before.get(path, ABSENT), after.get(path, ABSENT)
        replaces = _top_key(path) in keys
        if is_secret(was) or is_secret(now):
            status = secret_status(was, now)
            changes.append(InputChange(path, ABSENT, ABSENT, status, replaces and status != "unchanged"))
        elif was != now:
            changes.append(InputChange(path, was, now, None, replaces))
    return changes


def _component_of(resource: PlannedResource, by_urn: dict[str, PlannedResource]) -> str:
    if resource.type == STACK_TYPE:
        return STACK_OUTPUTS
    if resource.is_provider:
        return "providers"
    parent = by_urn.get(resource.parent)
    while parent is not None and parent.custom:
        parent = by_urn.get(parent.parent)
    if parent is None or parent.type == STACK_TYPE:
        return "stack"
    return f"{parent.type} {parent.name}"


@dataclass
class Diff:
    changes: list[ResourceChange]
    """Every resource added, removed, replaced or updated: the head's order, removed ones last."""
    unchanged: int
    unknown_secrets: list[str] = field(default_factory=list)
    """`urn path` of each secret in an otherwise unchanged resource that cannot be compared."""

    def counts(self) -> dict[str, int]:
        return {**{action: sum(1 for c in self.changes if c.action == action) for action in _VERBS},
                "unchanged": self.unchanged}


def diff(base: Sequence[PlannedResource], head: Sequence[PlannedResource]) -> Diff:
    old_by_urn, new_by_urn = {r.urn: r for r in base}, {r.urn: r for r in head}
    result = Diff([], 0)
    replaced: set[str] = set()
    for new in head:
        old = old_by_urn.get(new.urn)
        component = _component_of(new, new_by_urn)
        if old is None:
            result.changes.append(ResourceChange(new.urn, new.type, new.name, "add", component,
                                                 settings=_settings(new)))
            continue
        inputs = compare_inputs(old, new)
        reasons = sorted({_top_key(c.path) for c in inputs if c.replaces})
        if old.provider_urn != new.provider_urn:
            reasons.append("provider")
        # A replace key fed by a replaced resource's output is unknown until that replacement: it
        # replaces too, though both plans show the same offline id.
        for key in sorted((replace_keys(new.type) or frozenset()) - set(reasons)):
            followed = [urn for urn in new.property_dependencies.get(key, []) if urn in replaced]
            if followed:
                reasons.append(f"{key} (from replaced {followed[0].rsplit('::', 1)[-1]})")
        if reasons:
            replaced.add(new.urn)
        if reasons or any(c.secret is None or c.secret == "changed" for c in inputs):
            action = "replace" if reasons else "update"
            shown = [c for c in inputs if c.secret != "unchanged"]
            result.changes.append(ResourceChange(new.urn, new.type, new.name, action, component, shown, reasons))
        else:
            result.unchanged += 1
            result.unknown_secrets += [f"{new.urn} {c.path}" for c in inputs if c.secret == "unknown"]
    for old in base:
        if old.urn not in new_by_urn:
            result.changes.append(ResourceChange(old.urn, old.type, old.name, "remove",
                                                 _component_of(old, old_by_urn), settings=_settings(old)))
    return result


# --- rendering ----------------------------------------------------------------------------------------

_MARKS = {"add": "+", "remove": "-", "replace": "+-", "update": "~"}


def _show(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    if value == UNKNOWN:
        return "(known after apply)"
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def _describe(change: InputChange) -> str:
    if change.secret is not None:
        text = f"{change.path}: [secret] {change.secret}"
    else:
        text = f"{change.path}: {_show(change.old)} → {_show(change.new)}"
    return text + ("  (forces replacement)" if change.replaces else "")


def _summary(result: Diff) -> str:
    counts = result.counts()
    parts = [f"{counts[action]} {verb}" for action, verb in _VERBS.items() if counts[action]]
    text = (", ".join(parts) or "no changes") + f" ({result.unchanged} unchanged)"
    if result.unknown_secrets:
        text += (f"; {len(result.unknown_secrets)} secret(s) of unchanged resources cannot be compared "
                 f"(ciphertexts differ or no fingerprint)")
    return text


def _grouped(changes: Sequence[ResourceChange]) -> dict[str, list[ResourceChange]]:
    groups: dict[str, list[ResourceChange]] = {}
    for change in changes:
        groups.setdefault(change.component, []).append(change)
    return groups


def render_text(result: Diff) -> str:
    lines = [f"Infrastructure diff: {_summary(result)}"]
    for component, members in _grouped(result.changes).items():
        lines += ["", component]
        for change in members:
            lines.append(f"  {_MARKS[change.action]:<2} {change.type}  {change.name}")
            if change.settings:
                lines.append(f"       {change.settings}")
            lines += [f"       {_describe(c)}" for c in change.inputs]
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def render_markdown(result: Diff) -> str:
    counts = result.counts()
    lines = ["### Infrastructure diff (offline, no credentials)", "",
             "| add | remove | replace | update | unchanged |", "| ---: | ---: | ---: | ---: | ---: |",
             "| " + " | ".join(str(counts[k]) for k in (*_VERBS, "unchanged")) + " |"]
    if result.unknown_secrets:
        lines += ["", f"{len(result.unknown_secrets)} secret(s) of unchanged resources cannot be compared "
                      f"(ciphertexts differ or no fingerprint)."]
    if not result.changes:
        return "\n".join([*lines, "", "No infrastructure change."])
    for component, members in _grouped(result.changes).items():
        lines += ["", f"#### `{_md(component)}`", ""]
        for change in members:
            reasons = f" (replace: {', '.join(change.replace_reasons)})" if change.replace_reasons else ""
            lines.append(f"- **{change.action}** `{_md(change.type)}` `{_md(change.name)}`{reasons}")
            if change.settings:
                lines.append(f"  - `{_md(change.settings)}`")
            lines += [f"  - `{_md(_describe(c))}`" for c in change.inputs]
    return "\n".join(lines)


def render_json(result: Diff, base: Path, head: Path) -> str:
    def change_json(change: InputChange) -> dict[str, Any]:
        entry: dict[str, Any] = {"path": change.path, "replaces": change.replaces}
        if change.secret is not None:
            entry["secret"] = change.secret
        else:
            entry["old"] = None if change.old is ABSENT else change.old
            entry["new"] = None if change.new is ABSENT else change.new
            entry["absent"] = [side for side, v in (("old", change.old), ("new", change.new)) if v is ABSENT]
        return entry

    document = {
        "base": str(base), "head": str(head),
        "summary": result.counts(),
        "unknownSecrets": result.unknown_secrets,
        "components": [
            {"component": component, "resources": [
                {"urn": c.urn, "type": c.type, "name": c.name, "action": c.action,
                 "replaceReasons": c.replace_reasons, "inputs": [change_json(i) for i in c.inputs],
                 "secrets": c.secrets}
                for c in members]}
            for component, members in _grouped(result.changes).items()
        ],
    }
    return json.dumps(document, indent=2)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ops.diff", description=__doc__.splitlines()[0])
    p.add_argument("base", type=Path, help="the export before the change (e.g. the base branch's `ops.plan --export`)")
    p.add_argument("head", type=Path, help="the export after the change")
    output = p.add_mutually_exclusive_group()
    output.add_argument("--markdown", action="store_true", help="print Markdown (a job summary or PR comment)")
    output.add_argument("--json", action="store_true", help="print a JSON document")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        base, head = read_export(args.base, decode_secrets=False), read_export(args.head, decode_secrets=False)
    except ExportError as exc:
        return fail(str(exc))
    result = diff(base, head)
    if args.json:
        print(render_json(result, args.base, args.head))
    elif args.markdown:
        print(render_markdown(result))
    else:
        print(render_text(result))
    return EXIT_CHANGES if result.changes else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
