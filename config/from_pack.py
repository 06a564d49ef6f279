"""The one place the program imports from the policy pack: its shared vocabularies.

The pack runs in its own environment that sees only policies/ (the CLI runs `python policies/`),
so every threshold and vocabulary both sides need lives under policies/lightspeedpay_policies/ and
the program borrows it from there, through this module only. Only standard-library modules are
imported: `lightspeedpay_policies/__init__.py` loads the policies themselves (and pulumi_policy)
lazily, on first use of PACK_KWARGS, so a plan never pays for them.
"""

from __future__ import annotations

import sys
from pathlib import Path

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"

# Appended, not prepended: the project's own packages (config, components, …) keep precedence.
if str(POLICY_DIR) not in sys.path:
    sys.path.append(str(POLICY_DIR))

from lightspeedpay_policies import facts, thresholds  # noqa: E402  (needs the path above)

__all__ = ["facts", "thresholds"]
