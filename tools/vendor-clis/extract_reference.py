"""Rebuild reference/pulumi.json and reference/railway.json from the CLIs' own source (docs/release.md).

The Pulumi and Railway CLIs do not install from npm on our machines, so the runbook test checks their
command lines against these committed lists instead. Each list is read from the source of the CLI at one
commit: every flag the command (and its parents, and the root) declares, with its shorthand and whether
it takes a value. Only the commands in COMMANDS below are extracted: a runbook that uses another one
fails the test until it is added here and the lists are rebuilt.

    python tools/vendor-clis/extract_reference.py pulumi  /work/.mirror/pulumi+pulumi/repo  <commit>
    python tools/vendor-clis/extract_reference.py railway /work/.mirror/railwayapp+cli/repo <commit>

(the git directories are bare snapshots of github.com/pulumi/pulumi and github.com/railwayapp/cli).
Stdlib only; reads with `git show`, never executes the source.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# command path -> the source files that declare its flags (its own file first). Root and parent flags
# are listed per command, as the CLI accepts them there.
PULUMI_ROOT = "pkg/cmd/pulumi/pulumi.go"
PULUMI = {
    "install": ["pkg/cmd/pulumi/install/install.go"],
    "login": ["pkg/cmd/pulumi/auth/login.go"],
    "preview": ["pkg/cmd/pulumi/operations/preview.go"],
    "up": ["pkg/cmd/pulumi/operations/up.go"],
    "refresh": ["pkg/cmd/pulumi/operations/refresh.go"],
    "destroy": ["pkg/cmd/pulumi/operations/destroy.go"],
    "cancel": ["pkg/cmd/pulumi/cancel/cancel.go"],
    "config set": ["pkg/cmd/pulumi/config/config.go"],
    "config refresh": ["pkg/cmd/pulumi/config/config.go"],
    "stack select": ["pkg/cmd/pulumi/stack/stack_select.go"],
    "stack history": ["pkg/cmd/pulumi/stack/stack_history.go"],
    "stack output": ["pkg/cmd/pulumi/stack/stack_output.go"],
    "stack export": ["pkg/cmd/pulumi/stack/stack_export.go"],
}
RAILWAY = {
    "redeploy": ["src/commands/redeploy.rs"],
    "deployment list": ["src/commands/deployment.rs#ListArgs"],
    "deployment redeploy": ["src/commands/redeploy.rs"],
    "api": ["src/commands/api.rs#ExecuteArgs"],
    "status": ["src/commands/status.rs"],
    "logs": ["src/commands/logs.rs"],
}

# pflag: <Type>Var[P](&v, "name", ["s",] default, usage) / <Type>[P]("name", ["s",] ...) / Var[P](v, "name", ["s",] ...)
_PFLAG = re.compile(r'Flags\(\)\.(?P<fn>\w+)\(\s*(?:[&\w.\[\]()]+\s*,\s*)?'
                    r'"(?P<name>[a-z0-9-]+)"(?:\s*,\s*"(?P<short>[a-zA-Z]?)")?')
_HIDDEN = re.compile(r'MarkHidden\("(?P<name>[a-z0-9-]+)"\)')


def git_show(repo: Path, commit: str, path: str) -> str:
    return subprocess.run(["git", "--git-dir", str(repo), "show", f"{commit}:{path}"], capture_output=True,
                          text=True, check=True).stdout


def pflags(text: str) -> dict[str, dict[str, object]]:
    hidden = {m["name"] for m in _HIDDEN.finditer(text)}
    flags: dict[str, dict[str, object]] = {}
    for match in _PFLAG.finditer(text):
        fn, name = match["fn"], match["name"]
        if name in hidden:
            continue
        short = match["short"] if fn.endswith("P") and match["short"] else None
        flags[name] = {"short": short, "value": not fn.startswith("Bool")}
    if "outputflag.Var" in text:  # pkg/util/outputflag: --output (and --json with the JSON alias)
        flags["output"] = {"short": None, "value": True}
        if "VarWithJSONAlias" in text:
            flags["json"] = {"short": "j", "value": False}
    return flags


# clap: `#[clap(...)]`/`#[arg(...)]` attributes above a field `name: Type,`
_CLAP_FIELD = re.compile(r'#\[(?:clap|arg)\((?P<attr>[^\]]*)\)\]\s*(?:///[^\n]*\n\s*)*(?:pub\s+)?(?P<field>\w+):\s*(?P<type>[^,\n]+),')


def clap_flags(text: str, struct: str | None) -> dict[str, dict[str, object]]:
    if struct:
        start = text.index(f"struct {struct}")
        text = text[start:text.index("\n}\n", start)]
    else:
        start = text.index("pub struct Args")
        text = text[start:text.index("\n}\n", start)]
    flags: dict[str, dict[str, object]] = {}
    for match in _CLAP_FIELD.finditer(text):
        attr, field, kind = match["attr"], match["field"], match["type"].strip()
        if not re.search(r"\blong\b", attr):
            continue  # a positional argument
        long = re.search(r'long\s*=\s*"([a-z0-9-]+)"', attr)
        short = re.search(r"short\s*=\s*'(\w)'", attr)
        name = long.group(1) if long else field.replace("_", "-")
        bare_short = re.search(r"\bshort\b(?!\s*=)", attr)  # `short` alone: the field's first letter
        flags[name] = {"short": short.group(1) if short else (field[0] if bare_short else None),
                       "value": kind != "bool"}
    return flags


def build(cli: str, repo: Path, commit: str) -> dict[str, object]:
    commands: dict[str, object] = {}
    if cli == "pulumi":
        root = pflags(git_show(repo, commit, PULUMI_ROOT))
        for path, files in PULUMI.items():
            flags = dict(root)
            for file in files:
                text = git_show(repo, commit, file)
                if path.startswith("config "):  # config.go declares the group's flags and each subcommand's
                    own = {"config set": "newConfigSetCmd", "config refresh": "newConfigRefreshCmd"}[path]
                    text = _function_of(text, own) + _function_of(text, "NewConfigCmd")
                flags.update(pflags(text))
            commands[path] = {"source": files, "flags": flags}
    else:
        for path, files in RAILWAY.items():
            flags: dict[str, object] = {}
            for file in files:
                name, _, struct = file.partition("#")
                flags.update(clap_flags(git_show(repo, commit, name), struct or None))
            flags.setdefault("help", {"short": "h", "value": False})
            commands[path] = {"source": files, "flags": flags}
    return commands


def _function_of(text: str, name: str) -> str:
    start = text.index(f"func {name}(")
    end = text.find("\nfunc ", start + 1)
    return text[start:end if end > 0 else len(text)]


def main(argv: list[str]) -> int:
    cli, repo, commit = argv[0], Path(argv[1]), argv[2]
    full = subprocess.run(["git", "--git-dir", str(repo), "rev-parse", f"{commit}^{{commit}}"], capture_output=True,
                          text=True, check=True).stdout.strip()
    described = subprocess.run(["git", "--git-dir", str(repo), "describe", "--tags", full], capture_output=True,
                               text=True, check=False).stdout.strip()
    document = {
        "cli": cli,
        "repository": {"pulumi": "github.com/pulumi/pulumi", "railway": "github.com/railwayapp/cli"}[cli],
        "commit": full, "describe": described,
        "extracted_by": "tools/vendor-clis/extract_reference.py",
        "commands": build(cli, repo, full),
    }
    out = HERE / "reference" / f"{cli}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    print(f"wrote {out.relative_to(HERE.parent.parent)}: {len(document['commands'])} commands at {described or full}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
