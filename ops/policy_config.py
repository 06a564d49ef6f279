"""The policy-pack config reconciliation the CLI performs before `Configure`.

The Python analyzer stores whatever `Configure` gives it; the engine is the one that fills in
defaults and validates (pulumi/pulumi `pkg/resource/analyzer/config.go`). This module repeats
those steps, in the same order, so `--policy-pack-config` files behave offline as they do under
`pulumi preview`:

1. start from each policy's own enforcement level and its config-schema defaults;
2. apply the pack's ``initial_config``; 3. apply the file (``all`` first, then per policy);
4. validate every policy's properties against its JSON schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from google.protobuf import json_format
from pulumi.runtime import proto

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
_FROM_PROTO = {proto.ADVISORY: "advisory", proto.MANDATORY: "mandatory",
               proto.REMEDIATE: "remediate", proto.DISABLED: "disabled"}
_TO_PROTO = {v: k for k, v in _FROM_PROTO.items()}


class PolicyConfigError(Exception):
    """The policy config file is unusable; nothing is analysed."""


@dataclass
class PolicyConfig:
    enforcement_level: str = ""
    properties: dict[str, Any] | None = field(default=None)


def parse_policy_config(document: Any, source: str = "policy config") -> dict[str, PolicyConfig]:
    """Parse a `--policy-pack-config` document the way the CLI does (levels checked, empties dropped)."""
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise PolicyConfigError(f"{source}: must be a JSON object of policy names to levels or objects")
    result: dict[str, PolicyConfig] = {}
    for key, value in document.items():
        if key == "environments":  # ESC references; removed before parsing by newer CLIs
            continue
        if isinstance(value, str):
            if value not in LEVELS:
                raise PolicyConfigError(
                    f"{source}: {key!r} = {value!r} is not a valid enforcement level; allowed: {', '.join(LEVELS)}")
            result[key] = PolicyConfig(value, None)
        elif isinstance(value, dict):
            props = dict(value)
            level = props.pop("enforcementLevel", "")
            if level and level not in LEVELS:
                raise PolicyConfigError(
                    f"{source}: {key}.enforcementLevel = {level!r} is not valid; allowed: {', '.join(LEVELS)}")
            if not level and not props:
                continue
            result[key] = PolicyConfig(level, props or None)
        else:
            raise PolicyConfigError(f"{source}: {key!r} = {value!r} must be a level string or an object")
    return result


def load_policy_config(path: Path) -> dict[str, PolicyConfig]:
    try:
        document = json.loads(path.read_text(encoding="utf-8") or "null")
    except FileNotFoundError:
        raise PolicyConfigError(f"policy config file not found: {path}") from None
    except json.JSONDecodeError as exc:
        raise PolicyConfigError(f"{path}: not valid JSON ({exc})") from None
    return parse_policy_config(document, str(path))


def _apply(result: dict[str, PolicyConfig], given: dict[str, PolicyConfig]) -> None:
    everything = given.get("all")
    if everything and everything.enforcement_level in LEVELS:
        for value in result.values():
            value.enforcement_level = everything.enforcement_level
    for name, config in given.items():
        current = result.get(name, PolicyConfig())
        level = config.enforcement_level if config.enforcement_level in LEVELS else current.enforcement_level
        properties = current.properties
        if config.properties:
            properties = {**(properties or {}), **config.properties}
        result[name] = PolicyConfig(level, properties)


def reconcile(info: Any, file_config: dict[str, PolicyConfig]) -> dict[str, PolicyConfig]:
    """Reconcile ``GetAnalyzerInfo`` with a parsed config file; raise on unknown names or invalid values."""
    schemas: dict[str, dict[str, Any]] = {}
    result: dict[str, PolicyConfig] = {}
    for policy in info.policies:
        properties = json_format.MessageToDict(policy.configSchema.properties)
        schema: dict[str, Any] = {"type": "object"}
        if properties:
            schema["properties"] = properties
        if list(policy.configSchema.required):
            schema["required"] = list(policy.configSchema.required)
        schemas[policy.name] = schema
        defaults = {k: v["default"] for k, v in properties.items() if isinstance(v, dict) and "default" in v}
        result[policy.name] = PolicyConfig(_FROM_PROTO[policy.enforcementLevel], defaults or None)

    unknown = sorted(set(file_config) - set(result) - {"all"})
    if unknown:
        # The CLI silently ignores these; offline they are refused so a typo cannot disable nothing.
        raise PolicyConfigError(f"policy config names unknown policies {unknown}; known: {', '.join(sorted(result))}")

    initial = {name: PolicyConfig(_FROM_PROTO[c.enforcementLevel],
                                  json_format.MessageToDict(c.properties) or None)
               for name, c in info.initialConfig.items()}
    _apply(result, initial)
    _apply(result, file_config)

    errors = []
    for name, schema in schemas.items():
        validator = jsonschema.Draft7Validator(schema)
        for error in validator.iter_errors(result[name].properties or {}):
            where = ".".join(str(p) for p in error.absolute_path)
            errors.append(f"{name}{'.' + where if where else ''}: {error.message}")
    if errors:
        raise PolicyConfigError("invalid policy configuration: " + "; ".join(errors))
    return result


def configure_request(config: dict[str, PolicyConfig]) -> Any:
    request = proto.ConfigureAnalyzerRequest()
    for name, value in config.items():
        entry = request.policyConfig[name]
        if value.enforcement_level:
            entry.enforcementLevel = _TO_PROTO[value.enforcement_level]
        if value.properties:
            entry.properties.update(value.properties)
    return request
