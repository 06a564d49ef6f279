"""`python -m ops.advisors --stack NAME`: Supabase's performance and security advisors for a stack's database.

Reads `GET /v1/projects/{ref}/advisors/performance` and `/security` (Supabase's Management API; experimental
there) and fails on the critical findings: every lint at a failing level (``ERROR``; thresholds in
lightspeedpay_vocabulary.oncall) is printed on a line of its own and the exit code is 1. The project is found
by the stack file's organisation and project name (or `--ref`). Scheduled daily by
.github/workflows/advisors.yml; the pack's `advisors-check-scheduled` refuses a stack whose workflow lost it.

Exit codes: 0 no failing finding; 1 failing findings, or the advisors could not be read (a check that could not
look does not pass); 2 bad usage (unknown stack, no token, no such project), nothing read.
Token: ``SUPABASE_ACCESS_TOKEN`` (never printed); ``SUPABASE_API_URL`` points it at another API (the tests' fake).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from config.errors import ConfigError
from config.vocabulary import oncall
from providers.dynamic.errors import ApiError
from providers.dynamic.errors import ConfigError as ProviderConfigError
from providers.supabase.client import SupabaseClient
from providers.supabase.vocabulary import TOKEN_ENV

from .cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATIONS, fail
from .smoke.target import UnknownStackError, load_stack


@dataclass(frozen=True)
class Finding:
    kind: str
    """performance | security (the endpoint that reported it)."""
    level: str
    name: str
    title: str
    detail: str
    remediation: str

    def line(self) -> str:
        return f"{self.level} {self.kind} {self.name}: {self.title}. {self.detail} ({self.remediation})"


def read_findings(client: SupabaseClient, ref: str) -> list[Finding]:
    return [Finding(kind, str(lint.get("level", "")), str(lint.get("name", "")), str(lint.get("title", "")),
                    str(lint.get("detail", "")).strip(), str(lint.get("remediation", "")))
            for kind in oncall.ADVISOR_KINDS for lint in client.advisors(ref, kind)]


def failing(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.level in oncall.ADVISOR_FAILING_LEVELS]


def find_ref(client: SupabaseClient, organization: str, project_name: str) -> str | None:
    for project in client.list_org_projects(organization, search=project_name):
        if project.get("name") == project_name:
            return str(project.get("ref") or project.get("id"))
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ops.advisors", description="Supabase performance and security advisors of a stack's "
        "database; exit 1 on a finding at a failing level (" + ", ".join(oncall.ADVISOR_FAILING_LEVELS) + ").")
    parser.add_argument("--stack", required=True, help="stack name (Pulumi.<stack>.yaml)")
    parser.add_argument("--ref", help="project ref (default: found by the stack file's organisation and project name)")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    return parser


def report(stack: str, ref: str, findings: Sequence[Finding], as_json: bool) -> str:
    bad = failing(findings)
    if as_json:
        counts: dict[str, int] = {}
        for finding in findings:
            counts[finding.level] = counts.get(finding.level, 0) + 1
        document: dict[str, Any] = {"stack": stack, "ref": ref, "counts": counts,
                                    "failing": [asdict(f) for f in bad], "findings": [asdict(f) for f in findings]}
        return json.dumps(document, indent=2, sort_keys=True)
    lines = [finding.line() for finding in bad]
    others = len(findings) - len(bad)
    lines.append(f"{stack} ({ref}): {len(bad)} failing finding(s), {others} other (WARN/INFO) finding(s).")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return EXIT_OK if exit_.code == 0 else EXIT_BAD_INPUT
    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        return fail(f"{TOKEN_ENV} is not set (a Supabase access token that may read the project's advisors)")
    try:
        cfg = load_stack(args.stack)
    except UnknownStackError as error:
        return fail(str(error))
    except ConfigError as error:
        return fail(str(error))
    client = SupabaseClient(token)
    try:
        ref = args.ref or find_ref(client, cfg.database.organization_slug, cfg.database.project_name)
        if ref is None:
            return fail(f"no project named '{cfg.database.project_name}' in organisation "
                        f"'{cfg.database.organization_slug}' (lightspeedpay:database); pass --ref")
        findings = read_findings(client, ref)
    except ProviderConfigError as error:
        return fail(str(error))
    except ApiError as error:
        print(f"error: could not read the advisors, so the check does not pass: {error}", file=sys.stderr)
        return EXIT_VIOLATIONS
    print(report(args.stack, ref, findings, args.json))
    return EXIT_VIOLATIONS if failing(findings) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
