"""The program's one door to what it shares with the policy pack (policies/lightspeedpay_vocabulary/).

The pack must stand alone in policies/: the CLI runs it with policies/venv, whose interpreter sees only
that folder, and `pulumi policy publish` uploads only that folder. So every vocabulary, threshold and
facts record both sides need lives there, and the program reaches it by appending policies/ to
sys.path, once, here. Config modules, components and ops import the shared modules from this one
(`from config.vocabulary import thresholds`), never `lightspeedpay_policies`, which loads
pulumi_policy and every policy.
"""

from __future__ import annotations

import sys
from pathlib import Path

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"

if str(POLICY_DIR) not in sys.path:
    sys.path.append(str(POLICY_DIR))  # appended, so nothing in policies/ can shadow the program's modules

from lightspeedpay_vocabulary import (  # noqa: E402 (needs policies/ on the path)
    facts,
    oncall,
    placeholders,
    scrubbing,
    thresholds,
)

__all__ = ["POLICY_DIR", "facts", "oncall", "placeholders", "scrubbing", "thresholds"]
