"""Vendor schemas the tests, fakes and benchmarks validate against, kept in this repository.

Each vendor folder has a SOURCE.md: where the file came from, the commit or date, its licence and
its sha256 (a test recomputes the hashes). This module is the one way to find them; nothing reads a
schema from outside the repository.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent


def schema_path(*parts: str) -> Path:
    """The path of a vendor schema, e.g. ``schema_path("supabase", "openapi.json")``."""
    path = ROOT.joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(f"no vendor schema {'/'.join(parts)} under {ROOT} (see the SOURCE.md files there)")
    return path


@functools.cache
def load_json(*parts: str) -> Any:
    """A vendor schema parsed once per process. Callers must not mutate it (copy first)."""
    return json.loads(schema_path(*parts).read_text(encoding="utf-8"))
