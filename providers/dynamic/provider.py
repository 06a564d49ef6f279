"""The base of every dynamic provider: what differs per kind is declared, the plumbing is here once.

A kind (one provider class) declares its fields and implements a handful of verbs against its
vendor client:

- ``fetch(api, ref)``: the object as it is at the vendor, as a property view (None when gone);
- ``find(api, props)``: look an object up by its natural key (name, …), for adoption;
- ``make(api, props)``: create it with ONE request (never retried blindly, see `create`);
- ``write(api, ref, props, changes, current)``: send the managed values that differ;
- ``remove(api, ref)``: delete it.

``ref`` is the resource's properties overlaid with the parts of its id, so a verb finds the same
keys whether it runs on refresh (properties from state), on `Resource.get` (the id alone) or on
create. Everything else is shared:

- **Credentials.** The token is read in `configure` from the stack config (the host hands the
  config over with secrets unwrapped), else from the vendor's environment variable. It lives only
  on the live object: the pickled state of a provider (what `__provider` holds) is empty.
  Refresh and destroy configure providers from the config saved at the last `pulumi up`, so after
  rotating a token run `pulumi up` (or `--run-program`) before a refresh or destroy.
- **Pickling.** Provider classes are pickled by reference (``module.Class``); `__setstate__`
  accepts every state an earlier release pickled (see `providers.dynamic.compat`).
- **Diff.** Only declared fields are compared (``managed``, ``declared``, ``replace_on_change``),
  normalised (floats → ints); an unknown value is a change; a change to a replace field replaces
  (deleting first: creates adopt by name, so a new object must not find the old one).
- **Create.** A declared id (``adopt_id``) adopts that object, after checking it against the
  declaration; otherwise an object found by natural key is adopted; otherwise one create request
  is sent, and when it fails in a way that may have happened anyway (timeout, 5xx, 429), the
  provider waits (a server's Retry-After wins, `providers.dynamic.backoff`), looks again and
  adopts what the lost reply made, before trying again. Values that can never be read back
  (``write_only``: passwords, sealed variables, tokens) are not reset by an adoption unless the
  resource says ``reset_secrets_on_adopt``; they are listed in the ``unwritten`` output instead.
- **Gone.** One path: a fetch that answers "not found" (or the vendor's equivalent) makes read
  return no object, and delete treat the object as deleted already.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from pulumi.dynamic import (
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from .backoff import DEFAULT as DEFAULT_BACKOFF
from .backoff import Backoff
from .checks import Checker
from .errors import ApiError, ConfigError, ConflictError, NotFoundError, RateLimitedError
from .ids import IdFormat, decode_any
from .values import compact, is_unknown, normalise

ADOPT_ID = "adopt_id"
RESET_SECRETS = "reset_secrets_on_adopt"
UNWRITTEN = "unwritten"
CREATING = "__creating"
"""Set in ``ref`` while a create converges (a kind deploys instead of redeploying, …)."""


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class Vendor:
    name: str
    token_config_key: str
    """Stack config key of the API token, asked for with its namespace (the host may not know the project)."""
    token_env: str
    """Fallback for hosts started without the stack config (never preferred over the config)."""
    camel_case: bool
    """Property names on the wire: camelCase (Railway's kinds) or snake_case (Supabase's)."""
    token_hint: str = ""

    def wire(self, snake: str) -> str:
        return camel(snake) if self.camel_case else snake


class DynamicProvider(ResourceProvider):
    """Base of every kind. Subclasses are plain objects, pickled by reference."""

    vendor: ClassVar[Vendor]
    kind: ClassVar[str] = "Resource"
    id_format: ClassVar[IdFormat]
    """What create returns and state keeps."""
    lookup_formats: ClassVar[tuple[IdFormat, ...]] = ()
    """Richer ids `Resource.get` and ``adopt_id`` also accept (see `providers.dynamic.ids`)."""
    managed: ClassVar[tuple[str, ...]] = ()
    """Sent to the vendor and read back; a change is an update."""
    replace_on_change: ClassVar[tuple[str, ...]] = ()
    """A change needs a new object (these are compared too)."""
    write_only: ClassVar[tuple[str, ...]] = ()
    """Managed values the vendor never returns (kept from state on read; not reset by an adoption)."""
    made_with: ClassVar[tuple[str, ...]] = ()
    """Write-only values the create request itself carries (so an object a lost reply made has them)."""
    declared: ClassVar[tuple[str, ...]] = ()
    """Recorded and compared, never sent (facts for policies, bounds, expectations)."""
    computed: ClassVar[tuple[str, ...]] = ()
    """Compared only when declared; otherwise the vendor's value stands (e.g. a default workspace)."""
    secret_outputs: ClassVar[tuple[str, ...]] = ()
    delete_before_replace: ClassVar[bool] = True
    unset_on_removal: ClassVar[bool] = True
    """A managed value no longer declared is unset at the vendor (False: it is left as it is)."""
    create_attempts: ClassVar[int] = 3
    backoff: ClassVar[Backoff] = DEFAULT_BACKOFF

    _token: str | None = None
    options: dict[str, Any] | None = None
    """Client construction options for tests and benchmarks (instant clocks, short timeouts); never pickled."""

    def __init__(self) -> None:
        super().__init__()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # -- pickling -----------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        # Nothing a provider holds belongs in state: the token comes from config on every run.
        return {}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        # Earlier releases pickled {"client_options": {}} (Railway) or {"runtime": None} / {"_token": None,
        # "runtime": None} (Supabase): test hooks and a token that was never set at registration.
        self._token = None
        self.options = None

    # -- credentials --------------------------------------------------------------------------

    def configure(self, req: ConfigureRequest) -> None:
        token = req.config.get(self.vendor.token_config_key)
        self._token = str(token) if token else None

    def token(self) -> str:
        token = self._token or os.environ.get(self.vendor.token_env)
        if not token:
            raise ConfigError(
                f"no {self.vendor.name.capitalize()} API token: set it with `pulumi config set --secret "
                f"{self.vendor.token_config_key}` (or {self.vendor.token_env} in the provider host's environment)"
                f"{self.vendor.token_hint}")
        return token

    def client(self) -> Any:
        return self.make_client(self.token(), dict(self.options or {}))

    # -- what a vendor provides ---------------------------------------------------------------

    def make_client(self, token: str, options: dict[str, Any]) -> Any:
        raise NotImplementedError

    def is_gone(self, api: Any, error: ApiError) -> bool:
        """Whether a failed fetch or delete means the object no longer exists."""
        return isinstance(error, NotFoundError)

    def pause(self, api: Any, seconds: float) -> None:
        api.sleep(seconds)

    # -- what a kind provides -----------------------------------------------------------------

    def validate(self, c: Checker) -> None:
        """Refuse bad inputs (every failure names the property and what is allowed)."""

    def fetch(self, api: Any, ref: dict[str, Any]) -> dict[str, Any] | None:
        raise NotImplementedError

    def find(self, api: Any, p: dict[str, Any]) -> dict[str, Any] | None:
        """The object this declaration names, looked up by natural key; None when there is none."""
        return None

    def make(self, api: Any, p: dict[str, Any]) -> dict[str, Any]:
        raise ConfigError(f"{self.vendor.name}:{self.kind} objects are not created, only adopted: the "
                          f"object must exist")

    def write(self, api: Any, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        """Send ``changes`` (managed key → wanted value); return what the vendor now holds, if known."""
        raise ConfigError(f"{self.vendor.name}:{self.kind} cannot change {sorted(changes)} in place")

    def remove(self, api: Any, ref: dict[str, Any]) -> None:
        """Delete the object (a gone object is fine: see `delete`)."""

    def adoption_problems(self, p: dict[str, Any], live: dict[str, Any]) -> list[str]:
        """Why an existing object cannot be taken over by this declaration (replace fields must match)."""
        return [f"{key} is {live.get(key)!r} there, {p.get(key)!r} in the declaration"
                for key in self.replace_on_change
                if p.get(key) is not None and live.get(key) is not None and live.get(key) != p.get(key)]

    def unreadable(self, p: dict[str, Any], live: dict[str, Any]) -> list[str]:
        """The declared values an adoption would overwrite without anyone knowing what they were."""
        return [key for key in self.write_only if p.get(key) is not None]

    def current(self, api: Any, ref: dict[str, Any], olds: dict[str, Any]) -> dict[str, Any]:
        """What an update compares against: the last known state (a kind may read a part live)."""
        return {k: v for k, v in olds.items() if k not in self.declared and k != UNWRITTEN}

    def view(self, props: dict[str, Any]) -> dict[str, Any]:
        """The comparable form of everything the diff looks at."""
        return {key: props.get(key) for key in (*self.replace_on_change, *self.managed, *self.declared)}

    def outputs(self, p: dict[str, Any], live: dict[str, Any]) -> dict[str, Any]:
        """Outputs: the inputs, overlaid with what the vendor holds (declared fields stay as declared);
        a value the vendor reports as unset is left out, as the engine would drop it."""
        return compact({**p, **{k: v for k, v in live.items() if k not in self.declared}})

    def extra_changes(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        """Changes the field comparison cannot see (e.g. a sub-object that disappeared)."""
        return []

    def created(self, api: Any, ref: dict[str, Any], p: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
        """After a create converged: wait until the object serves and read what only then exists."""
        return state

    def prepare(self, api: Any, p: dict[str, Any]) -> dict[str, Any]:
        """Before a create sends anything: checks that must pass first (e.g. the account's plan) and
        defaults the vendor decides (e.g. the workspace); returns the properties to create with."""
        return p

    # -- keys ---------------------------------------------------------------------------------

    @classmethod
    def key(cls, snake: str) -> str:
        return cls.vendor.wire(snake)

    def parse(self, id_: str) -> dict[str, str] | None:
        return decode_any(id_, (self.id_format, *self.lookup_formats))

    def ref(self, id_: str, p: dict[str, Any]) -> dict[str, Any]:
        parts = self.parse(id_)
        if parts is None:
            raise ConfigError(f"{self.vendor.name}:{self.kind} id {id_!r} is not of the form {self._forms()}")
        return {**p, **parts}

    # -- lifecycle ----------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checker = Checker(self.vendor.name, self.kind, news)
        adopt = checker.news.get(self.key(ADOPT_ID))
        if adopt is not None and checker.known(self.key(ADOPT_ID)) and (
                not isinstance(adopt, str) or self.parse(adopt) is None):
            checker.fail(self.key(ADOPT_ID), f"{adopt!r} is not an id of the form {self._forms()}")
        self.validate(checker)
        return checker.result()

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        o, n = normalise(olds), normalise(news)
        self._same_object(id_, n)
        old_view, new_view = self.view(o), self.view(n)
        changed: list[str] = []
        for key, value in new_view.items():
            if key.split(".", 1)[0] in self.computed and value is None:
                continue
            if is_unknown(value) or normalise(old_view.get(key)) != normalise(value):
                changed.append(key)
        changed += [k for k in old_view if k not in new_view and old_view[k] is not None]
        replaces = sorted({k for k in changed if k.split(".", 1)[0] in self.replace_on_change})
        if not changed:
            changed = self.extra_changes(o, n)
            if n.get(self.key(RESET_SECRETS)) and o.get(UNWRITTEN):
                changed.append(UNWRITTEN)
        return DiffResult(changes=bool(changed), replaces=replaces,
                          delete_before_replace=True if replaces and self.delete_before_replace else None)

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = normalise(props)
        api = self.client()
        p = self.prepare(api, p)
        declared = p.get(self.key(ADOPT_ID))
        if declared:
            ref = self.ref(str(declared), {})
            conflicts = [f"{k} is {v!r} in the id, {p[k]!r} in the declaration"
                         for k, v in ref.items() if p.get(k) not in (None, v)]
            if conflicts:
                raise ConflictError(f"{self._label()} {self.key(ADOPT_ID)} {declared!r}: {'; '.join(conflicts)}")
            live = self._fetch_or_gone(api, {**p, **ref})
            if live is None:
                raise ConflictError(f"{self._label()} {self.key(ADOPT_ID)} {declared!r}: no such object; remove "
                                    f"{self.key(ADOPT_ID)} to create one")
            adopting = True
        else:
            live = self.find(api, p)
            adopting = live is not None
            if live is None:
                live = self._create_once(api, p)
        if adopting:
            problems = self.adoption_problems(p, live)
            if problems:
                raise ConflictError(f"{self._label()}: the existing object cannot be adopted: {'; '.join(problems)}")
        ref = {**p, **live}
        id_ = self.id_format.encode(ref)
        ref.update(self.parse(id_) or {})
        ref[CREATING] = True
        skip = () if (not adopting or p.get(self.key(RESET_SECRETS))) else tuple(self.unreadable(p, live))
        state, unwritten = self._converge(api, ref, p, live, skip)
        outs = self.outputs(p, self.created(api, ref, p, state))
        _unwritten(outs, unwritten)
        return CreateResult(id_, outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = normalise(props)
        ref = self.ref(id_, p)
        api = self.client()
        live = self._fetch_or_gone(api, ref)
        if live is None:
            return ReadResult(None, {})
        # Values the vendor never returns stay as last written (state holds them, secret).
        kept = {k: p[k] for k in self.write_only if k in p and k not in live}
        outs = self.outputs(p, {**live, **kept})
        if p.get(UNWRITTEN):
            outs[UNWRITTEN] = p[UNWRITTEN]
        return ReadResult(self.id_format.encode({**ref, **live}), outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        o, p = normalise(olds), normalise(news)
        self._same_object(id_, p)
        ref = self.ref(id_, p)
        api = self.client()
        current = self.current(api, ref, o)
        # An adoption left these as they were; they stay so until the stack asks for them (or changes them).
        keep = [] if p.get(self.key(RESET_SECRETS)) else list(o.get(UNWRITTEN) or [])
        for key in o.get(UNWRITTEN) or []:
            if key not in keep:
                _forget(current, key)  # the stack now asks for it: write it
        still = [k for k in keep if normalise(_lookup(p, k)) == normalise(_lookup(o, k))]
        state, _ = self._converge(api, ref, p, current, ())
        outs = self.outputs(p, state)
        _unwritten(outs, still)
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        ref = self.ref(id_, normalise(props))
        api = self.client()
        try:
            self.remove(api, ref)
        except ApiError as error:
            if not self.is_gone(api, error):
                raise

    # -- the shared steps ---------------------------------------------------------------------

    def changes(self, p: dict[str, Any], current: dict[str, Any], skip: tuple[str, ...]) -> dict[str, Any]:
        """Managed keys whose wanted value differs from what the vendor holds (``skip`` left alone);
        a managed key no longer declared maps to None when the kind unsets removed values."""
        wanted, have = self.view(p), self.view(current)

        def managed(key: str) -> bool:
            root = key.split(".", 1)[0]
            return root in self.managed and key not in skip and root not in skip and not (
                root in self.computed and wanted.get(key) is None)

        found = {key: value for key, value in wanted.items()
                 if managed(key) and normalise(have.get(key)) != normalise(value)}
        if self.unset_on_removal:
            found.update({key: None for key, value in have.items()
                          if managed(key) and key not in wanted and value is not None})
        return found

    def _converge(self, api: Any, ref: dict[str, Any], p: dict[str, Any], current: dict[str, Any],
                  skip: tuple[str, ...]) -> tuple[dict[str, Any], list[str]]:
        changes = self.changes(p, current, skip)
        unwritten = sorted(skip)
        state = dict(current)
        if changes:
            state.update(self.write(api, ref, p, changes, current) or changes)
        return state, unwritten

    def _create_once(self, api: Any, p: dict[str, Any]) -> dict[str, Any]:
        """One create request per attempt; after a failure that may have created it, adopt what exists."""
        for attempt in range(1, self.create_attempts + 1):
            try:
                return self.make(api, p)
            except ApiError as error:
                if not error.retryable or attempt == self.create_attempts:
                    raise
                asked = error.wait if isinstance(error, RateLimitedError) else None
                self.pause(api, self.backoff.delay(attempt, asked, f"create {self._label()}"))
                found = self.find(api, p)
                if found is not None:
                    # Made by the request whose reply was lost: it holds what that request carried.
                    return {**found, **{k: p[k] for k in self.made_with if k in p}}
        raise AssertionError("unreachable")  # the loop returns or raises

    def _fetch_or_gone(self, api: Any, ref: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return self.fetch(api, ref)
        except ApiError as error:
            if self.is_gone(api, error):
                return None
            raise

    def _same_object(self, id_: str, p: dict[str, Any]) -> None:
        declared = p.get(self.key(ADOPT_ID))
        if not declared or is_unknown(declared):
            return
        mine, named = self.parse(id_) or {}, self.parse(str(declared)) or {}
        if any(mine.get(k) != v for k, v in named.items() if k in mine):
            raise ConflictError(
                f"{self._label()} already manages {id_!r}, but {self.key(ADOPT_ID)} names {declared!r}: remove "
                f"{self.key(ADOPT_ID)}, or `pulumi state delete` this resource first to adopt the other object")

    def _forms(self) -> str:
        return " or ".join(f.template for f in (self.id_format, *self.lookup_formats))

    def _label(self) -> str:
        return f"{self.vendor.name}:{self.kind}"


def _unwritten(outs: dict[str, Any], names: list[str]) -> None:
    """List what an adoption left unwritten; say nothing when that is nothing."""
    if names:
        outs[UNWRITTEN] = sorted(names)
    else:
        outs.pop(UNWRITTEN, None)


def _lookup(props: dict[str, Any], key: str) -> Any:
    """A property or, for ``map.name``, one entry of a map property."""
    root, _, name = key.partition(".")
    value = props.get(root)
    return value.get(name) if name and isinstance(value, dict) else value if not name else None


def _forget(props: dict[str, Any], key: str) -> None:
    root, _, name = key.partition(".")
    if not name:
        props.pop(root, None)
    elif isinstance(props.get(root), dict):
        props[root] = {k: v for k, v in props[root].items() if k != name}
