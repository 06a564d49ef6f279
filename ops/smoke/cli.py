"""`python -m ops.smoke --stack NAME`: is the released stack answering as it must? One line per check.

Exit codes: 0 every check passed, 1 a check failed (the text output then names the rollback command),
2 bad usage (unknown stack, malformed --connect-to, unreadable CA file, invalid stack config).
"""

from __future__ import annotations

import argparse
import json
import ssl
from pathlib import Path

from config import ConfigError
from ops.cli import EXIT_OK, EXIT_VIOLATIONS, fail

from .checks import SmokeReport, run_smoke
from .net import Address, Network, parse_connect_to
from .target import STAGES, SmokeTarget, UnknownStackError, load_target


def _connect_to(text: str) -> tuple[str, Address]:
    try:
        return parse_connect_to(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 120:
        raise argparse.ArgumentTypeError(f"'{text}' must be a number of seconds above 0, at most 120")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ops.smoke", description=__doc__.splitlines()[0])
    p.add_argument("--stack", required=True, help="stack name (reads Pulumi.<stack>.yaml)")
    p.add_argument("--connect-to", type=_connect_to, action="append", default=[], metavar="HOST=ADDR:PORT",
                   help="open HOST's connections to ADDR:PORT, keeping HOST for SNI and Host (repeatable)")
    p.add_argument("--ca-file", type=Path, metavar="FILE",
                   help="trust only the CA certificates in FILE (PEM) instead of the system store")
    p.add_argument("--timeout", type=_timeout, default=10.0, metavar="SECONDS",
                   help="limit of every network operation (default 10)")
    p.add_argument("--stage", choices=STAGES, metavar="STAGE",
                   help="only the hostnames one release stage deploys: api (the API's) or frontend (site, www, "
                        "checkout); default: every hostname")
    p.add_argument("--json", action="store_true", help="print a JSON document instead of text")
    return p


def network_from_args(target: SmokeTarget, args: argparse.Namespace) -> Network:
    """The Network the arguments describe; ValueError names the argument that is wrong."""
    connect_to: dict[str, Address] = {}
    for host, address in args.connect_to:
        if host not in target.hostnames:
            raise ValueError(f"--connect-to: '{host}' is not a hostname of stack '{target.stack}' "
                             f"(hostnames: {', '.join(target.hostnames)})")
        if host in connect_to:
            raise ValueError(f"--connect-to: '{host}' is given twice")
        connect_to[host] = address
    if args.ca_file is not None and not args.ca_file.is_file():
        raise ValueError(f"--ca-file: no such file: {args.ca_file}")
    try:
        return Network(connect_to, args.ca_file, args.timeout)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"--ca-file: {args.ca_file} is not a readable PEM file of CA certificates ({exc})") from None


def rollback_pointer(stack: str, stage: str | None) -> str:
    """Where a failed smoke test sends the operator: the one source of rollback commands (ops.rollback)."""
    return f"Roll back: python -m ops.rollback --stack {stack}" + (f" --stage {stage}" if stage else "")


def render_text(report: SmokeReport, network: Network, stage: str | None = None) -> str:
    lines = [f"Smoke test of stack '{report.stack}'"]
    lines += [f"  {host} → {addr}:{port} (--connect-to)" for host, (addr, port) in network.connect_to.items()]
    name_width = max(len(result.check) for result in report.results)
    host_width = max(len(result.host) for result in report.results)
    for result in report.results:
        lines.append(f"{'PASS' if result.passed else 'FAIL'}  {result.check:<{name_width}}  "
                     f"{result.host:<{host_width}}  {result.detail}")
    failed = len(report.failures)
    if failed:
        lines.append(rollback_pointer(report.stack, stage))
    lines.append(f"FAILED: {failed} of {len(report.results)} checks" if failed
                 else f"OK: all {len(report.results)} checks passed")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        target = load_target(args.stack)
    except UnknownStackError as exc:
        return fail(f"--stack: {exc}")
    except ConfigError as exc:
        return fail(str(exc))
    try:
        network = network_from_args(target, args)
    except ValueError as exc:
        return fail(str(exc))
    hosts = target.stage_hosts(args.stage) if args.stage else None
    report = run_smoke(target, network, hosts=hosts)
    print(json.dumps(report.as_json(), indent=2) if args.json else render_text(report, network, args.stage))
    return EXIT_OK if report.passed else EXIT_VIOLATIONS
