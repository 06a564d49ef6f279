"""Is a command line real? The vendor CLIs and our own commands, as the runbook and release tests check them.

- `vercel …`: the pinned Vercel CLI's own command table (tools/vendor-clis/vercel-commands.mjs, one Node
  start for every command), cross-checked once against a real `vercel <command> --help`.
- `supabase …`: the pinned Supabase CLI's `supabase <path> --help`, one run per distinct path, in parallel.
- `pulumi …`, `railway …`: the committed lists read from their source (tools/vendor-clis/reference/).
- `python -m ops.<module> …` (also `venv/bin/python`): that module's own `parser()`.
- `./dev <command> …`: the commands `dev` dispatches (and `./dev plan`'s options through ops.plan's parser).

What the vendor CLIs answered is cached in tools/vendor-clis/node_modules (`npm ci` removes it with the CLIs
it describes), keyed by the lockfile, this file and the paths asked; a cold run costs ~1 s of CPU per CLI.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import io
import json
import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.harness import REPO

VENDOR = REPO / "tools" / "vendor-clis"
BIN = VENDOR / "node_modules" / ".bin"
CACHE = VENDOR / "node_modules" / ".lsp-cli-answers.json"
CHECKED = ("vercel", "supabase", "pulumi", "railway")


def installed() -> bool:
    return (BIN / "vercel").exists() and (BIN / "supabase").exists()


@dataclass
class Node:
    """A command: its flags (long name → (shorthand, takes a value)) and subcommands (name or alias → Node)."""

    flags: dict[str, tuple[str | None, bool]] = field(default_factory=dict)
    subcommands: dict[str, Node] = field(default_factory=dict)
    usage: str = ""


# --- what the CLIs answer (cached) ----------------------------------------------------------------

def _quiet_env(home: str) -> dict[str, str]:
    # No telemetry and no account lookup: a help page must not wait for the network these machines lack.
    return {**os.environ, "HOME": home, "VERCEL_TELEMETRY_DISABLED": "1", "NO_UPDATE_NOTIFIER": "1",
            "SUPABASE_TELEMETRY_DISABLED": "1", "DO_NOT_TRACK": "1"}


def _run(argv: list[str], home: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False, env=_quiet_env(home),
                          cwd=home)
    return done.stdout + done.stderr  # the Vercel CLI prints its help on stderr


def _answers(supabase_paths: Iterable[tuple[str, ...]]) -> dict[str, Any]:
    paths = sorted(set(supabase_paths))
    key = hashlib.sha256((VENDOR / "package-lock.json").read_bytes() + Path(__file__).read_bytes()
                         + (VENDOR / "vercel-commands.mjs").read_bytes()).hexdigest()
    cached: dict[str, Any] = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    if cached.get("key") != key:
        cached = {"key": key, "supabase": {}}
    missing = [p for p in paths if " ".join(p) not in cached["supabase"]]
    if "vercel" in cached and not missing:
        return cached
    with tempfile.TemporaryDirectory() as home:
        # The Vercel CLI looks its user up for telemetry unless its auth file names one: a fake id, no token.
        config = Path(home) / "vercel-config"
        config.mkdir()
        (config / "auth.json").write_text('{"userId": "offline-help-check-not-a-user"}')
        jobs: dict[str, list[str]] = {" ".join(p): [str(BIN / "supabase"), *p, "--help"] for p in missing}
        if "vercel" not in cached:
            jobs["vercel:table"] = ["node", str(VENDOR / "vercel-commands.mjs")]
            jobs["vercel:promote --help"] = [str(BIN / "vercel"), "promote", "--help", "--global-config", str(config)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            outputs = dict(zip(jobs, pool.map(lambda argv: _run(argv, home), jobs.values()), strict=True))
    if "vercel:table" in outputs:
        cached["vercel"] = {"table": json.loads(outputs.pop("vercel:table")),
                            "promote_help": outputs.pop("vercel:promote --help")}
    cached["supabase"].update(outputs)
    CACHE.write_text(json.dumps(cached))
    return cached


# --- the trees ---------------------------------------------------------------------------------------

def vercel_tree(answers: dict[str, Any]) -> Node:
    table = answers["vercel"]["table"]
    global_flags = {o["name"]: (o["shorthand"], o["value"]) for o in table["global"]}

    def build(command: dict[str, Any]) -> Node:
        node = Node(flags={**global_flags, **{o["name"]: (o["shorthand"], o["value"]) for o in command["options"]}})
        for sub in command["subcommands"]:
            child = build(sub)
            for name in [sub["name"], *sub["aliases"]]:
                node.subcommands[name] = child
        return node

    root = Node(flags=dict(global_flags))
    for command in table["commands"]:
        child = build(command)
        for name in [command["name"], *command["aliases"]]:
            root.subcommands[name] = child
    return root


_SUPABASE_FLAG = re.compile(r"^\s+--(?P<name>[\w-]+)(?:, -(?P<short>\w))?(?P<value> \S+)?(?:\s{2,}|$)")


def supabase_page(text: str) -> Node:
    """A `supabase … --help` page: USAGE, and the flags of FLAGS and GLOBAL FLAGS."""
    node = Node()
    section = ""
    for line in text.splitlines():
        if line and not line.startswith(" "):
            section = line.strip()
            continue
        if section == "USAGE" and line.strip():
            node.usage = line.strip()
        elif section in ("FLAGS", "GLOBAL FLAGS"):
            match = _SUPABASE_FLAG.match(line)
            if match:
                node.flags[match["name"]] = (match["short"], bool(match["value"]))
    return node


def reference(cli: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((VENDOR / "reference" / f"{cli}.json").read_text())
    return document


# --- command lines ---------------------------------------------------------------------------------

_OPERATORS = {"&&", "||", "|", ";", "&", "(", ")"}
_SUBSTITUTION = re.compile(r"\$\(([^()]*)\)")


def simple_commands(line: str) -> Iterator[list[str]]:
    """The simple commands of one shell line (split at && || | ;), command substitutions included, each
    without leading VAR=value assignments and without the comment; each command once."""
    seen: set[tuple[str, ...]] = set()
    for argv in _commands(line):
        if tuple(argv) not in seen:
            seen.add(tuple(argv))
            yield argv


def _commands(line: str) -> Iterator[list[str]]:
    for inner in _SUBSTITUTION.findall(line):
        yield from _commands(inner)
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    current: list[str] = []
    for token in lexer:
        if token in _OPERATORS or set(token) <= set(";&|()"):
            if current:
                yield current
            current = []
        elif current or not re.fullmatch(r"[A-Za-z_]\w*=.*", token):
            current.append(token)
    if current:
        yield current


def shell_lines(text: str) -> Iterator[str]:
    """Logical lines (continuations joined) of a shell text."""
    pending = ""
    for raw in text.splitlines():
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        yield pending + raw
        pending = ""
    if pending:
        yield pending


@dataclass
class Checker:
    """Checks argv lists; `problems` collects one message per command line that is not real."""

    supabase_paths: set[tuple[str, ...]] = field(default_factory=set)
    checked: dict[str, int] = field(default_factory=dict)

    def program(self, argv: list[str]) -> str | None:
        first = Path(argv[0]).name
        if first in CHECKED:
            return first
        if first.startswith("python") and len(argv) > 2 and argv[1] == "-m" and argv[2].startswith("ops."):
            return "ops"
        if argv[0] == "./dev":
            return "dev"
        return None

    def check_all(self, commands: list[list[str]]) -> list[str]:
        relevant = [argv for argv in commands if self.program(argv)]
        for argv in relevant:
            if self.program(argv) == "supabase":
                self.supabase_paths.add(tuple(_words(argv[1:])))
        answers = _answers(self.supabase_paths) if any(self.program(a) in ("vercel", "supabase") for a in relevant) \
            else {}
        vercel = vercel_tree(answers) if answers else None
        problems = []
        for argv in relevant:
            program = self.program(argv)
            assert program is not None
            self.checked[program] = self.checked.get(program, 0) + 1
            if program == "vercel":
                assert vercel is not None
                problem = check_tree(vercel, argv)
            elif program == "supabase":
                problem = check_supabase(supabase_page(answers["supabase"][" ".join(_words(argv[1:]))]), argv)
            elif program in ("pulumi", "railway"):
                problem = check_reference(reference(program), argv)
            elif program == "ops":
                problem = check_ops(argv)
            else:
                problem = check_dev(argv)
            if problem:
                problems.append(f"{shlex.join(argv)}: {problem}")
        return problems


def _words(args: list[str]) -> list[str]:
    words = []
    for token in args:
        if token.startswith("-") or not re.fullmatch(r"[a-z][a-z0-9-]*", token):
            break
        words.append(token)
    return words


def _flags(args: list[str], known: dict[str, tuple[str | None, bool]]) -> tuple[list[str], list[str]]:
    """(problems, positional arguments) of ``args`` against flags long name → (shorthand, takes a value)."""
    by_short = {short: name for name, (short, _) in known.items() if short}
    problems, positional = [], []
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            break
        if token.startswith("--"):
            name, has_value = token[2:].partition("=")[0], "=" in token
            if name not in known:
                problems.append(f"no flag --{name}")
            elif known[name][1] and not has_value:
                next(tokens, None)
        elif token.startswith("-") and len(token) > 1 and not token[1].isdigit():
            long = by_short.get(token[1])
            if long is None:
                problems.append(f"no flag {token[:2]}")
            elif known[long][1] and len(token) == 2:
                next(tokens, None)
        else:
            positional.append(token)
    return problems, positional


def check_tree(root: Node, argv: list[str]) -> str:
    node, path = root, [argv[0]]
    args = argv[1:]
    while args and not args[0].startswith("-") and args[0] in node.subcommands:
        node = node.subcommands[args[0]]
        path.append(args.pop(0))
    if node is root:
        return "names no command of the CLI"
    problems, _ = _flags(args, node.flags)
    return "; ".join(f"{' '.join(path)}: {p}" for p in problems)


def check_supabase(page: Node, argv: list[str]) -> str:
    words = _words(argv[1:])
    usage = page.usage.split()
    resolved = [w for w in usage[1:] if re.fullmatch(r"[a-z][a-z0-9-]*", w)]
    if not usage or "<subcommand>" in usage or resolved != words[:len(resolved)] or not resolved:
        return f"`supabase {' '.join(words)}` is no command (help shows: {page.usage or 'nothing'})"
    problems, _ = _flags(argv[1 + len(resolved):], page.flags)
    return "; ".join(problems)


def check_reference(document: dict[str, Any], argv: list[str]) -> str:
    words = _words(argv[1:])
    for depth in range(len(words), 0, -1):
        path = " ".join(words[:depth])
        if path in document["commands"]:
            flags = {name: (spec["short"], spec["value"]) for name, spec in document["commands"][path]["flags"].items()}
            problems, _ = _flags(argv[1 + depth:], flags)
            return "; ".join(problems)
    return (f"`{argv[0]} {' '.join(words)}` is not in tools/vendor-clis/reference/{document['cli']}.json "
            f"(add it to extract_reference.py from the CLI's source)")


def ops_parser(module: str) -> argparse.ArgumentParser:
    """The parser of `python -m <module>`: the module's own parser(), or its package's cli/__main__'s."""
    candidates = [module, f"{module}.cli", f"{module}.__main__"]
    for name in candidates:
        try:
            imported = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        if hasattr(imported, "parser"):
            made: argparse.ArgumentParser = imported.parser()
            return made
    raise LookupError(f"{module} has no parser() (each ops module exposes one)")


def parse_error(made: argparse.ArgumentParser, args: list[str]) -> str:
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        try:
            made.parse_args(args)
        except SystemExit as exc:
            if exc.code:
                return stderr.getvalue().strip().splitlines()[-1]
    return ""


def check_ops(argv: list[str]) -> str:
    try:
        made = ops_parser(argv[2])
    except LookupError as exc:
        return str(exc)
    error = parse_error(made, argv[3:])
    # A value the runbook leaves to the shell ("$REF") is the reader's to fill in: only its type is unknown.
    if any(f"'{token}'" in error for token in argv[3:] if "$" in token):
        return ""
    return error


def dev_commands() -> set[str]:
    script = (REPO / "dev").read_text()
    return set(re.findall(r"^  ([a-z]+)\)$", script, re.MULTILINE))


def check_dev(argv: list[str]) -> str:
    command = argv[1] if len(argv) > 1 else "help"
    if command not in dev_commands() | {"help"}:
        return f"./dev has no command '{command}' (it has {', '.join(sorted(dev_commands()))})"
    if command == "plan":  # ./dev plan passes its arguments to ops.plan after --stack
        return parse_error(ops_parser("ops.plan"), ["--stack", "production", *argv[2:]])
    return ""
