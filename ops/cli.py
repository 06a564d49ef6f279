"""What the ops commands share: progress on stderr, clean errors, exit codes."""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2
EXIT_PROGRAM_ERROR = 3


class Progress:
    """Step lines on stderr while a command works (only on a terminal, so logs and pipes stay clean)."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.started = time.perf_counter()

    @contextmanager
    def step(self, text: str) -> Iterator[None]:
        if self.enabled:
            print(f"… {text}", file=sys.stderr, flush=True)
        yield

    def done(self) -> None:
        if self.enabled:
            print(f"… done in {time.perf_counter() - self.started:.1f}s", file=sys.stderr, flush=True)


def freeze_loaded_objects() -> None:
    """Exclude everything imported so far from garbage collection.

    The provider SDKs load millions of long-lived objects (pulumi_cloudflare alone ~3 s of import);
    every full collection would otherwise walk them again while the program and the analyzer run,
    which made a plan ~0.4 s slower and analysis cost grow faster than the resource count.
    """
    gc.collect()
    gc.freeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (reference counting still frees what is dropped).

    The analyzer builds and drops a property tree per policy and resource, and the program's runtime an
    asyncio task, future and context per output; each allocation burst kept triggering full collections
    whose cost grows with what is alive (the plan, the pack), so cost per resource grew with the stack.
    What cyclic garbage the block leaves is collected after it, when collection resumes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def minutes(text: str) -> int:
    """An argparse type: a whole number of minutes in one day (a release's maintenance, 0 for none)."""
    import argparse

    if not text.isdigit() or int(text) > 24 * 60:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of minutes from 0 to 1440")
    return int(text)


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def crashed(what: str, exc: Exception) -> int:
    """A bug, not bad input: one line (the traceback with ``LSP_DEBUG=1``) and exit code 3."""
    if os.environ.get("LSP_DEBUG"):
        raise exc
    print(f"error: {what}: {type(exc).__name__}: {exc}\n(set LSP_DEBUG=1 for the traceback)", file=sys.stderr)
    return EXIT_PROGRAM_ERROR


def default_policy_config(stack: str, explicit: Path | None) -> Path | None:
    from .analysis import policy_config_path

    if explicit is not None:
        return explicit
    path = policy_config_path(stack)
    return path if path.exists() else None
