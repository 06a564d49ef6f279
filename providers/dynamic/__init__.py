"""The one base every dynamic provider here is built on (Railway, Supabase, and the next vendor).

- `errors`: one error hierarchy (vendor clients raise these; nothing carries a token);
- `backoff`: one retry formula (exponential, capped; a server's Retry-After wins);
- `values`: engine values made comparable (floats → ints, `None` dropped) and preview unknowns;
- `checks`: one input checker whose messages name the property and what is allowed;
- `ids`: composite ids (`{serviceId}:{environmentId}`, `{project_ref}/auth`, …) that carry what
  `read` needs, so `Resource.get(name, id)` works with the id alone;
- `provider`: the provider base: credentials from stack config (never pickled), pickling by
  reference with a stable state, a diff driven by each kind's declared fields, one idempotent
  create that adopts (a declared id, or what a lost reply created), one "object gone" path;
- `resource`: the resource base: typed Args dataclasses, typed outputs, secret outputs, `get`;
- `compat`: every provider class path ever pickled into a stack's state, and where it lives now.

This file imports nothing, so `providers.http` (and the autoscaler service, which has no Pulumi
SDK) can use `errors` and `backoff` without importing the SDK.
"""
