"""What every Supabase dynamic provider shares: credentials, input hygiene, diff of managed fields.

Import-side-effect free on purpose: the engine pickles providers *by reference*, so the provider
host imports this package in a fresh process (traps.md §1). Nothing here registers resources,
reads the environment or opens a connection at import time; the token is read in `configure`
(Pulumi config) or, failing that, from the environment when a client is built, never pickled.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from pulumi.dynamic import CheckFailure, CheckResult, ConfigureRequest, DiffResult, ResourceProvider
from pulumi.output import Unknown

from providers.http import ApiError, RateLimitedError

from .client import Runtime, SupabaseClient
from .errors import SupabaseConfigError
from .vocabulary import PROJECT_GONE, REF_PATTERN, SLUG_PATTERN, TOKEN_CONFIG_KEY, TOKEN_ENV

T = TypeVar("T")


def is_unknown(value: Any) -> bool:
    """True for a value (or anything inside it) that a preview does not know yet."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(is_unknown(v) for v in value)
    return False


def normalise(value: Any) -> Any:
    """Engine numbers arrive as floats (3 → 3.0); give integral ones back as ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items() if k != "__provider"}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def create_idempotently(client: SupabaseClient, send: Callable[[], T], find: Callable[[], T | None],
                        what: str) -> tuple[T, bool]:
    """Send a create that must not run twice: on a timeout or 5xx, look for what it may have made.

    Returns (result, adopted). A POST that timed out may still have succeeded at Supabase, so a
    blind retry could create a second project or replica; each retry first asks whether the
    previous attempt's object exists and adopts it.
    """
    attempts = max(1, client.runtime.create_attempts)
    for attempt in range(1, attempts + 1):
        try:
            return send(), False
        except ApiError as error:
            if not error.retryable or attempt == attempts:
                raise
            wait = error.wait if isinstance(error, RateLimitedError) and error.wait is not None else None
            client.runtime.sleep(min(60.0, wait) if wait is not None else min(30.0, 2.0 * 2 ** (attempt - 1)))
            found = find()
            if found is not None:
                return found, True
    raise ApiError(f"{what}: no attempt made")  # unreachable: the loop returns or raises


class SupabaseProvider(ResourceProvider):
    """Base of every kind. Subclasses name their managed fields; diffing and checking are shared."""

    kind: ClassVar[str] = ""
    replace_keys: ClassVar[tuple[str, ...]] = ()
    """Managed fields whose change needs a new resource."""
    delete_before_replace: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__()
        self._token: str | None = None
        self.runtime: Runtime | None = None
        """Tests inject an instant clock and zero waits; None means real time."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __getstate__(self) -> dict[str, Any]:
        # The engine pickles the provider into state (`__provider`): the token never goes with it.
        state = dict(self.__dict__)
        state.pop("_token", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._token = None

    # -- credentials -------------------------------------------------------------------------

    def configure(self, req: ConfigureRequest) -> None:
        token = req.config.get(TOKEN_CONFIG_KEY)
        if token:
            self._token = str(token)

    def client(self) -> SupabaseClient:
        token = self._token or os.environ.get(TOKEN_ENV)
        if not token:
            raise SupabaseConfigError(
                f"no Supabase access token: set it with `pulumi config set --secret {TOKEN_CONFIG_KEY}` "
                f"(or export {TOKEN_ENV} for the provider host)")
        return SupabaseClient(token, runtime=self.runtime)

    # -- what subclasses describe ------------------------------------------------------------

    def validate(self, props: dict[str, Any]) -> list[CheckFailure]:
        return []

    def managed(self, props: dict[str, Any]) -> dict[str, Any]:
        """Managed field → value, read from inputs (desired) or from outputs (last known)."""
        raise NotImplementedError

    # -- lifecycle shared by every kind ------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        props = normalise(news)
        return CheckResult(props, self.validate(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        want = self.managed(normalise(news))
        have = self.managed(normalise(olds))
        changed = sorted(k for k, v in want.items() if is_unknown(v) or have.get(k) != v)
        replaces = [k for k in changed if k.split(".", 1)[0] in self.replace_keys]
        return DiffResult(changes=bool(changed), replaces=replaces,
                          delete_before_replace=True if replaces and self.delete_before_replace else None)


def known(props: dict[str, Any], key: str) -> bool:
    return key in props and not is_unknown(props[key])


def check_ref(props: dict[str, Any], key: str = "project_ref") -> list[CheckFailure]:
    if not known(props, key):
        return [] if key in props else [CheckFailure(key, "is required (the project's ref)")]
    value = props[key]
    if not isinstance(value, str) or not REF_PATTERN.match(value):
        return [CheckFailure(key, f"{value!r} is not a Supabase project ref (20 lower-case letters)")]
    return []


def check_slug(props: dict[str, Any], key: str = "organization_slug") -> list[CheckFailure]:
    if not known(props, key):
        return [] if key in props else [CheckFailure(key, "is required (the organization slug)")]
    value = props[key]
    if not isinstance(value, str) or not SLUG_PATTERN.match(value):
        return [CheckFailure(key, f"{value!r} is not an organization slug (letters, digits, '_' and '-')")]
    return []


def project_gone(project: dict[str, Any]) -> bool:
    return project.get("status") in PROJECT_GONE
