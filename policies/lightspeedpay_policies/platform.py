"""Example values the repository ships in its stack files: never to reach a live environment."""

from __future__ import annotations

from pulumi_policy import PolicyResource, Severity, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from lightspeedpay_vocabulary.facts import FACTS_KEY, STACK
from lightspeedpay_vocabulary.placeholders import found_in

from .checklist import tagged
from .meta import Report, rbi_cyber_resilience, stack_policy

SIGN_OFFS = f"{FACTS_KEY}.attestations."
"""Where the root stack publishes the checklist's sign-offs (facts.StackFacts.attestations)."""


def _sign_off(resource: PolicyResource, path: str) -> str | None:
    """The attestation a stack output path belongs to (``facts.attestations.<id>.reference``), if any."""
    if resource.resource_type != STACK or not path.startswith(SIGN_OFFS):
        return None
    return path.removeprefix(SIGN_OFFS).partition(".")[0] or None


def _placeholders(args: StackValidationArgs, report: Report) -> None:
    for resource in args.resources:
        found: set[str] = set()
        sign_offs: set[str] = set()
        for path, value, _kind in found_in(resource.props, unknown=UnknownValueError):
            attestation = _sign_off(resource, path)
            if attestation:
                # Tagged per attestation: ops.checklist shows it with its item; never a reason to refuse an apply.
                sign_offs.add(tagged("attestation", attestation, f"{path} = {value} is a placeholder, not a "
                                     f"sign-off: record the real evidence (by, date, reference)."))
            else:
                found.add(f"{path} = {value}")
        if found:
            shown = "; ".join(sorted(found)[:4]) + (f"; and {len(found) - 4} more" if len(found) > 4 else "")
            report(f"{resource.name} still holds example values from the repository: {shown}. Replace them in "
                   f"the stack file with the real ones: `pulumi up` refuses to apply them.", resource.urn)
        if sign_offs:
            report("Sign-offs still referencing the repository's placeholders count as not signed off:\n"
                   + "\n".join(sorted(sign_offs)), resource.urn)


POLICIES = [
    stack_policy(
        "no-placeholder-values",
        "No resource may carry the repository's example values (documentation IP ranges, placeholder ids or "
        "sign-off references).",
        validate=_placeholders, severity=Severity.HIGH,
        framework=rbi_cyber_resilience("Default settings are deactivated and changed before they are rolled out "
                                       "to the live environment."),
        remediation="Replace the documentation CIDRs (firewall.adminAllowedCidrs, database.allowedCidrs), the "
                    "Checkly account id and the PLACEHOLDER-… attestation references in the stack file; then "
                    "make this policy mandatory in policies/config/<stack>.json.",
        tags=["configuration"]),
]
