"""The LightSpeedPay CrossGuard pack, and the vocabularies the program shares with it.

Importing this package is cheap on purpose: the program imports the stdlib-only vocabulary modules
(`thresholds`, `facts`) through `config/from_pack.py`, and must not pay for the pack's policies and
`pulumi_policy` at every plan. The pack itself lives in `pack.py`; its names (PACK_NAME, POLICIES,
PACK_KWARGS) are loaded on first use (PEP 562), so `from lightspeedpay_policies import POLICIES`
and `policies/__main__.py` work as before.
"""

from __future__ import annotations

from typing import Any

_PACK_NAMES = ("PACK_NAME", "POLICIES", "PACK_KWARGS")


def __getattr__(name: str) -> Any:
    if name in _PACK_NAMES:
        from . import pack

        return getattr(pack, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
