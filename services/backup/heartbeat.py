"""Pings that turn a missed or failed run into a page.

The success URL is a heartbeat monitor (it pages when no ping arrives within the period plus the
grace time: a job that never started, hung or was killed is caught too); the failure URL pages at
once. Both take a short plain-text body (healthchecks.io and Better Stack keep it with the ping).
The URLs are secrets — anyone holding one can silence the alarm — so messages name only the host.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

ATTEMPTS = 3


def ping(url: str, message: str, timeout: float = 10.0, sleep: Callable[[float], None] = time.sleep) -> str | None:
    """POST ``message`` to ``url``, retrying; None on success, else why it failed (host only)."""
    host = urlsplit(url).hostname or "?"
    reason = ""
    for attempt in range(ATTEMPTS):
        if attempt:
            sleep(2.0 * attempt)
        request = urllib.request.Request(url, data=message.encode()[:10_000], method="POST",
                                         headers={"Content-Type": "text/plain; charset=utf-8",
                                                  "User-Agent": "lightspeedpay-backup/1"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                if 200 <= response.status < 300:
                    return None
                reason = f"HTTP {response.status}"
        except urllib.error.HTTPError as error:
            reason = f"HTTP {error.code}"
            error.close()
            if 400 <= error.code < 500 and error.code != 429:
                break  # a wrong URL does not get better by retrying
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = type(getattr(error, "reason", error)).__name__
    return f"ping to {host} failed ({reason})"
