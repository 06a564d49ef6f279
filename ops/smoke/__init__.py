"""Post-release smoke tests of a stack, over the network (`python -m ops.smoke`, docs/smoke.md).

A library first: `load_target(stack)` reads what to check from the stack's config, `Network` says
how to reach each hostname, `run_smoke(target, network)` returns a `SmokeReport`.
"""

from .checks import Check, CheckResult, SmokeReport, plan, probe_tls, run_smoke
from .net import Network, parse_connect_to
from .target import SmokeTarget, UnknownStackError, load_stack, load_target

__all__ = [
    "Check", "CheckResult", "Network", "SmokeReport", "SmokeTarget", "UnknownStackError", "load_stack",
    "load_target", "parse_connect_to", "plan", "probe_tls", "run_smoke",
]
