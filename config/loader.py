"""Load a stack's configuration once, from `pulumi.Config`, and refuse it early if it is wrong.

Everything here runs before any resource is declared: a bad stack file fails the program with one
message listing every problem (key, value, what is allowed) and nothing is planned or applied.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import BaseModel, ValidationError

from .errors import ConfigError, ConfigIssue, join_allowed
from .key_modes import GatewayKeyFacts, check_gateway_keys
from .model import PROJECT, StackConfig, cross_checks, top_level_keys
from .placeholders import apply_blockers, refuse_to_apply
from .secrets import SECRETS, secrets_for
from .stackfile import REPO_ROOT, read_stack_file, stack_file_path
from .strictness import compare, shared_resources
from .vocabulary import thresholds


@dataclass(frozen=True)
class StackSecrets:
    """The stack's secrets as secret Outputs; never unwrapped by the program."""

    values: Mapping[str, pulumi.Output[str]]
    gateway_keys: GatewayKeyFacts
    """What config load derived from the gateway keys' plaintext (modes, previews distinct): no secret."""

    def __getitem__(self, key: str) -> pulumi.Output[str]:
        return self.values[key]


def present_keys() -> set[str]:
    """Every config key the engine handed the program (explicit and via PULUMI_CONFIG)."""
    return set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())


def load_stack_config(stack: str | None = None, compare_with_staging: bool = True,
                      root: Path = REPO_ROOT, applying: bool | None = None) -> StackConfig:
    """The stack's validated config. ``applying`` (default: this program run is not a dry run, i.e.
    `pulumi up`) also refuses the stack file's example values; tools that only read a stack's config
    (ops.smoke) pass False."""
    stack = stack or pulumi.get_stack()
    config = pulumi.Config(PROJECT)
    known = top_level_keys()
    secret_names = {s.key for s in SECRETS}
    issues: list[ConfigIssue] = []

    for full_key in sorted(present_keys()):
        namespace, _, name = full_key.partition(":")
        if namespace != PROJECT:
            continue
        if name in secret_names:
            if not runtime_config.is_config_secret(full_key):
                issues.append(ConfigIssue(
                    full_key, f"is a secret and must not be stored in plain text; run "
                              f"`pulumi config set --secret {full_key}` (or keep it in the ESC environment)",
                    has_value=False))
        elif name not in known:
            close = difflib.get_close_matches(name, list(known) + list(secret_names), n=1)
            hint = f" (did you mean '{PROJECT}:{close[0]}'?)" if close else ""
            issues.append(ConfigIssue(
                full_key, f"unknown key{hint}; allowed: {join_allowed(sorted(known))}", has_value=False))

    # A section stored with `--secret` reaches the program in plain text: never echo its values.
    secret_sections = {key for key in known if runtime_config.is_config_secret(f"{PROJECT}:{key}")}
    raw: dict[str, Any] = {}
    for key in known:
        text = config.get(key)
        if text is None:
            continue
        try:
            raw[key] = json.loads(text) if (text and text[0] in "{[") or text in ("true", "false") else text
        except json.JSONDecodeError as exc:
            issues.append(ConfigIssue(f"{PROJECT}:{key}", f"is not valid structured config: {exc.msg}", text,
                                      has_value=key not in secret_sections))

    cfg: StackConfig | None = None
    try:
        cfg = StackConfig.model_validate(raw)
    except ValidationError as exc:
        issues.extend(issues_from_validation(exc, secret_sections))
    if cfg is not None:
        issues.extend(cross_checks(cfg))
        if cfg.is_production and compare_with_staging:
            issues.extend(_compare_with_staging(cfg, root))
    if issues or cfg is None:
        raise ConfigError(stack, issues)
    if applying is None:
        applying = not pulumi.runtime.is_dry_run()  # `pulumi up` (and --run-program refresh/destroy)
    if applying:  # nothing has been registered yet
        refuse_to_apply(stack, apply_blockers(raw, secret_sections))
    return cfg


def load_stack_secrets(cfg: StackConfig, stack: str | None = None) -> StackSecrets:
    stack = stack or pulumi.get_stack()
    config = pulumi.Config(PROJECT)
    values: dict[str, pulumi.Output[str]] = {}
    missing: list[ConfigIssue] = []
    for spec in secrets_for(cfg.environment):
        secret = config.get_secret(spec.key)
        if secret is None:
            missing.append(ConfigIssue(
                spec.full_key, f"secret is not set ({spec.purpose} Source: {spec.source}); run "
                               f"`pulumi config set --secret {spec.full_key}` or add it to the ESC environment",
                has_value=False))
        else:
            values[spec.key] = secret
    if missing:
        raise ConfigError(stack, missing)
    gateway_keys, issues = check_gateway_keys(cfg)
    if issues:
        raise ConfigError(stack, issues)
    return StackSecrets(values, gateway_keys)


def load_esc_environments(stack: str | None = None, root: Path = REPO_ROOT) -> tuple[str, ...]:
    """The Pulumi ESC environments the stack file imports, refused when one belongs to another stack.

    ESC imports are not in state, so the program publishes them (stack facts) for the pack to check too.
    """
    stack = stack or pulumi.get_stack()
    stack_file = read_stack_file(stack_file_path(stack, root), stack)
    foreign = thresholds.foreign_environments(stack, stack_file.environments)
    if foreign:
        raise ConfigError(stack, [ConfigIssue(
            f"{stack_file.path.name}: environment",
            f"imports {foreign}, which belong to another stack; stacks share no secret, so import only "
            f"'{thresholds.ESC_PROJECT}/{stack}' (`pulumi config env rm` the other)", list(stack_file.environments))])
    return stack_file.environments


def _compare_with_staging(production: StackConfig, root: Path) -> list[ConfigIssue]:
    path = stack_file_path("staging", root)
    if not path.exists():
        return []
    staging_file = read_stack_file(path, "staging")
    try:
        staging = StackConfig.model_validate(_decode(staging_file.project_values(), top_level_keys()))
    except ValidationError as exc:
        raise ConfigError("staging", issues_from_validation(exc)) from None
    return compare(production, staging) + shared_resources(production, staging)


def _decode(values: dict[str, Any], known: Mapping[str, str]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in known}


def issues_from_validation(exc: ValidationError, secret_sections: set[str] | frozenset[str] = frozenset(),
                           ) -> list[ConfigIssue]:
    issues = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        show = not (loc and str(loc[0]) in secret_sections)
        key = f"{PROJECT}:{_dotted(loc)}" if loc else f"{PROJECT}:<stack>"
        kind = error["type"]
        message = str(error["msg"]).removeprefix("Value error, ")
        if kind == "missing":
            issues.append(ConfigIssue(key, "is required", has_value=False))
        elif kind == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1])
            issues.append(ConfigIssue(key, f"unknown key; allowed: {join_allowed(allowed)}", error["input"], show))
        else:
            issues.append(ConfigIssue(key, message, error["input"], show))
    return issues


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the model at ``loc`` accepts, to suggest instead of an unknown one."""
    model: type[BaseModel] = StackConfig
    for part in loc:
        if isinstance(part, int):
            continue
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        annotation = getattr(field, "annotation", None)
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        nested = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if nested is None:
            return []
        model = nested
    return sorted((f.alias or n) for n, f in model.model_fields.items())
