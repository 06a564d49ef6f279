"""A project token for one environment (`pulumi-python:dynamic/railway:ProjectToken`).

The autoscaler's credential: scoped to one environment of one project (Railway's narrowest
token), sent as ``Project-Access-Token``. Railway shows a token's value only when it is created,
so it lives in Pulumi state as a secret output, and a token is the one kind whose adoption can
never carry its value:

- a token this provider minted but whose reply was lost is deleted and minted again (nobody can
  be using a value nobody received);
- a token of the declared name that already existed is not rotated unless the resource says
  ``reset_secrets_on_adopt`` (something may be using it): without that, create fails and names
  the choices; with ``adopt_id`` it is adopted as it is, its value unknown (``unwritten``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult

from providers.dynamic.checks import Checker
from providers.dynamic.errors import ConfigError, ConflictError, NotFoundError
from providers.dynamic.ids import IdFormat
from providers.dynamic.provider import ADOPT_ID, RESET_SECRETS, UNWRITTEN
from providers.dynamic.resource import Args, DynamicResource, Out
from providers.dynamic.values import normalise

from .base import RailwayProvider, edges
from .client import RailwayClient, RailwayError
from .documents import PROJECT_TOKEN_CREATE, PROJECT_TOKEN_DELETE, PROJECT_TOKENS


def _tokens(api: RailwayClient, project_id: str) -> list[dict[str, Any]]:
    return edges(api.execute(PROJECT_TOKENS, {"projectId": project_id})["projectTokens"])


def _named(tokens: list[dict[str, Any]], p: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [t for t in tokens if t.get("name") == p["name"] and t.get("environmentId") == p["environmentId"]]


class ProjectTokenProvider(RailwayProvider):
    kind = "ProjectToken"
    id_format = IdFormat("{tokenId}")
    lookup_formats = (IdFormat("{projectId}:{tokenId}"),)
    replace_on_change = ("projectId", "environmentId", "name")
    secret_outputs = ("token",)

    def validate(self, c: Checker) -> None:
        for prop in ("projectId", "environmentId"):
            c.text(prop)
        c.text("name", 64)

    def fetch(self, api: RailwayClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        if not ref.get("projectId"):
            raise ConfigError(f"read a Railway project token as <projectId>:<tokenId>, not {ref['tokenId']!r} alone")
        node = next((t for t in _tokens(api, ref["projectId"]) if t.get("id") == ref["tokenId"]), None)
        if node is None:
            return None
        return {"tokenId": node["id"], "name": node.get("name"), "environmentId": node.get("environmentId"),
                "projectId": ref["projectId"]}

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = normalise(props)
        api = self.client()
        declared = p.get(self.key(ADOPT_ID))
        if declared:
            ref = self.ref(str(declared), p)
            found = self.fetch(api, ref)
            if found is None or self.adoption_problems(p, found):
                raise ConflictError(f"railway:ProjectToken {self.key(ADOPT_ID)} {declared!r}: no token of that id "
                                    f"with name {p['name']!r} in environment {p['environmentId']}")
            if not p.get(self.key(RESET_SECRETS)):
                return CreateResult(found["tokenId"], {**p, "token": None, UNWRITTEN: ["token"]})
            self._delete(api, found["tokenId"])
        existing = _named(_tokens(api, p["projectId"]), p)
        if existing and not p.get(self.key(RESET_SECRETS)):
            raise ConflictError(
                f"a Railway project token named {p['name']!r} already exists for environment {p['environmentId']} "
                f"(id {existing[0]['id']}); Railway shows a token's value only once, so it cannot be taken over with "
                f"its value. Delete it in Railway, set reset_secrets_on_adopt to replace it with a new one, or "
                f"declare adopt_id to keep it (its value then stays unknown to Pulumi)")
        for stale in existing:
            self._delete(api, stale["id"])
        return self._mint(api, p)

    def _mint(self, api: RailwayClient, p: dict[str, Any]) -> CreateResult:
        for attempt in range(1, self.create_attempts + 1):
            try:
                token = api.execute(PROJECT_TOKEN_CREATE, {"input": {
                    "projectId": p["projectId"], "environmentId": p["environmentId"], "name": p["name"]}},
                    retry=False)["projectTokenCreate"]
            except RailwayError as error:
                if not error.retryable or attempt == self.create_attempts:
                    raise
                wait = self.backoff.delay(attempt, getattr(error, "wait", None), "create railway:ProjectToken")
                self.pause(api, wait)
                for lost in _named(_tokens(api, p["projectId"]), p):  # minted, but its value never reached us
                    self._delete(api, lost["id"])
                continue
            minted = _named(_tokens(api, p["projectId"]), p)
            if len(minted) != 1:
                raise RailwayError(f"Railway created project token '{p['name']}' but lists {len(minted)} of that name")
            return CreateResult(minted[0]["id"], {**p, "token": str(token)})
        raise AssertionError("unreachable")

    def remove(self, api: RailwayClient, ref: dict[str, Any]) -> None:
        self._delete(api, ref["tokenId"])

    def outputs(self, p: dict[str, Any], live_view: dict[str, Any]) -> dict[str, Any]:
        outs = super().outputs(p, live_view)
        outs.pop("tokenId", None)
        return outs

    @staticmethod
    def _delete(api: RailwayClient, token_id: str) -> None:
        try:
            api.execute(PROJECT_TOKEN_DELETE, {"id": token_id})
        except NotFoundError:
            return


@dataclass(frozen=True)
class ProjectTokenArgs(Args):
    project_id: pulumi.Input[str]
    environment_id: pulumi.Input[str]
    """The one environment the token may act on."""
    name: str


class ProjectToken(DynamicResource, module="railway", name="ProjectToken"):
    """A Railway project token; ``token`` is a secret output."""

    provider_class = ProjectTokenProvider
    args_class = ProjectTokenArgs
    token = Out[str]("token")
