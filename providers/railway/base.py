"""What every Railway resource provider shares: credentials, value normalisation, diffs, adoption.

Credentials: the token comes from Pulumi config (``lightspeedpay:railwayApiToken``, handed to
`configure` by the dynamic-provider host with secrets unwrapped) or ``RAILWAY_API_TOKEN``. It is
kept only on the live provider object: `__getstate__` drops it, so even a provider configured
before pickling never carries it into ``__provider`` (state).

Values: the engine hands numbers over as floats, drops ``None`` keys and, during a preview,
passes `Unknown` placeholders; every comparison goes through `norm` and `is_unknown`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, TypeVar, cast

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, ConfigureRequest, DiffResult, ResourceProvider
from pulumi.output import Unknown

from .client import RailwayClient, RailwayError, RailwayNotFoundError, RailwayUnauthorizedError
from .documents import TOKEN_WORKSPACES

TOKEN_CONFIG_KEY = "lightspeedpay:railwayApiToken"
TOKEN_ENV = "RAILWAY_API_TOKEN"
_UNKNOWN_TEXT = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
T = TypeVar("T")


def is_unknown(value: Any) -> bool:
    """True when ``value`` (or anything inside it) is not known yet (a preview)."""
    if isinstance(value, Unknown) or value == _UNKNOWN_TEXT:
        return True
    if isinstance(value, Mapping):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(is_unknown(v) for v in value)
    return False


def norm(value: Any) -> Any:
    """Engine values in a comparable form: integral floats as ints, proxies as dicts/lists."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): norm(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [norm(v) for v in value]
    return value


def compact(values: Mapping[str, Any]) -> dict[str, Any]:
    """An input object without the keys we do not set (Railway treats null as "unset")."""
    return {k: v for k, v in values.items() if v is not None}


def changed(olds: Mapping[str, Any], news: Mapping[str, Any], keys: Iterable[str]) -> list[str]:
    """The managed keys whose value differs (an unknown new value counts as a change)."""
    return [key for key in keys
            if is_unknown(news.get(key)) or norm(olds.get(key)) != norm(news.get(key))]


class Checker:
    """Collects `CheckFailure`s with messages that name the property and what is allowed."""

    def __init__(self, kind: str, news: Mapping[str, Any]) -> None:
        self.kind = kind
        self.news = news
        self.failures: list[CheckFailure] = []

    def fail(self, prop: str, reason: str) -> None:
        self.failures.append(CheckFailure(prop, f"railway:{self.kind} {prop}: {reason}"))

    def known(self, prop: str) -> bool:
        return not is_unknown(self.news.get(prop))

    def require_text(self, prop: str, max_length: int = 256) -> None:
        value = self.news.get(prop)
        if not self.known(prop):
            return
        if not isinstance(value, str) or not value.strip():
            self.fail(prop, f"is required and must be a non-empty string (got {value!r})")
        elif len(value) > max_length:
            self.fail(prop, f"must be at most {max_length} characters")

    def integer(self, prop: str, low: int, high: int, required: bool = False) -> None:
        value = self.news.get(prop)
        if value is None:
            if required:
                self.fail(prop, f"is required (an integer in {low}..{high})")
            return
        if not self.known(prop):
            return
        if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value \
                or not low <= value <= high:
            self.fail(prop, f"must be an integer in {low}..{high} (got {value!r})")

    def choice(self, prop: str, allowed: Iterable[str], required: bool = False) -> None:
        options = list(allowed)
        value = self.news.get(prop)
        if value is None:
            if required:
                self.fail(prop, f"is required; allowed: {', '.join(options)}")
            return
        if self.known(prop) and value not in options:
            self.fail(prop, f"{value!r} is not allowed; allowed: {', '.join(options)}")

    def result(self) -> CheckResult:
        return CheckResult(dict(self.news), self.failures)


def diff(olds: Mapping[str, Any], news: Mapping[str, Any], update_keys: Iterable[str],
         replace_keys: Iterable[str] = ()) -> DiffResult:
    """Changes in managed keys only; a change in a replace key replaces (delete first, see below)."""
    replaces = changed(olds, news, replace_keys)
    changes = changed(olds, news, update_keys)
    # Creates adopt an existing object of the same name, so a replacement must delete the old
    # object first or the "new" resource would adopt the one about to be deleted.
    return DiffResult(changes=bool(replaces or changes), replaces=replaces,
                      delete_before_replace=bool(replaces) or None)


class RailwayProvider(ResourceProvider):
    """Base of every Railway resource provider (a plain object: pickled by reference)."""

    kind: ClassVar[str] = "Resource"

    def __init__(self, client_options: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self.client_options: dict[str, Any] = dict(client_options or {})
        """Test hooks only (timeout, sleep, max_attempts); empty in every program."""
        self._token: str | None = None

    def configure(self, req: ConfigureRequest) -> None:
        token = req.config.get(TOKEN_CONFIG_KEY)
        self._token = str(token) if token else None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_token", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._token = None

    def client(self) -> RailwayClient:
        token = getattr(self, "_token", None) or os.environ.get(TOKEN_ENV) or ""
        return RailwayClient(token=token, **self.client_options)

    # ------------------------------------------------------------------ shared behaviours
    def fetch(self, client: RailwayClient, document: str, variables: dict[str, Any]) -> dict[str, Any] | None:
        """The query's data, or None when the object it reads is gone (see `gone`)."""
        try:
            return client.execute(document, variables)
        except RailwayError as error:
            if self.gone(client, error):
                return None
            raise

    @staticmethod
    def gone(client: RailwayClient, error: RailwayError) -> bool:
        """Whether a failed read means the object is gone (True) or must be raised (False).

        Railway answers "not found" for deleted objects and "Not Authorized" for ones the token
        cannot see. The latter is only taken as "gone" when the token itself still works, so a
        revoked token fails the refresh instead of silently emptying the state.
        """
        if isinstance(error, RailwayNotFoundError):
            return True
        if isinstance(error, RailwayUnauthorizedError):
            try:
                client.execute(TOKEN_WORKSPACES)
            except RailwayError:
                return False
            return True
        return False

    @staticmethod
    def create_or_adopt(client: RailwayClient, find: Callable[[], T | None], create: Callable[[], T],
                        attempts: int = 3, look_first: bool = True) -> tuple[T, bool]:
        """Look the object up by name first; create it only if absent. Returns (object, adopted).

        The create is sent once per attempt (never retried blindly by the transport): after a
        timeout or 5xx it may have happened, so the next attempt looks it up again and adopts it.
        ``look_first=False`` skips the first lookup when the object cannot exist yet.
        """
        for attempt in range(1, attempts + 1):
            existing = find() if look_first or attempt > 1 else None
            if existing is not None:
                return existing, True
            try:
                return create(), False
            except RailwayError as error:
                if not error.retryable or attempt == attempts:
                    raise
                client.sleep(min(8.0, 0.5 * 2 ** attempt))
        raise AssertionError("unreachable")


def delete_quietly(client: RailwayClient, document: str, variables: Mapping[str, Any]) -> None:
    """Send a delete; an object that is already gone counts as deleted (a retried destroy)."""
    with contextlib.suppress(RailwayNotFoundError):
        client.execute(document, variables)


def output_of(resource: pulumi.Resource, key: str) -> pulumi.Output[Any]:
    """A dynamic resource's output by its engine name (the SDK stores it under that name)."""
    return cast(pulumi.Output[Any], resource.__dict__[key])


def edges(connection: Any) -> list[dict[str, Any]]:
    """The nodes of a Relay connection (``{edges: [{node}]}``), tolerating nulls."""
    if not isinstance(connection, Mapping):
        return []
    return [edge["node"] for edge in connection.get("edges") or [] if isinstance(edge, Mapping) and edge.get("node")]


def live(node: Mapping[str, Any] | None) -> bool:
    """An object the API returned that is not soft-deleted."""
    return bool(node) and not (node or {}).get("deletedAt")
