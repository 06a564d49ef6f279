"""A project token for one environment (`pulumi-python:dynamic/railway:ProjectToken`).

The autoscaler's credential: scoped to one environment of one project (Railway's narrowest
token), sent as ``Project-Access-Token``. Railway shows a token's value only when it is created,
so it lives in Pulumi state as a secret output; a token of the same name whose value we do not
hold (e.g. after a create that timed out) is deleted and minted again rather than adopted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from .base import Checker, RailwayProvider, delete_quietly, diff, edges, norm
from .client import RailwayClient, RailwayError
from .documents import PROJECT_TOKEN_CREATE, PROJECT_TOKEN_DELETE, PROJECT_TOKENS


def _tokens(client: RailwayClient, project_id: str) -> list[dict[str, Any]]:
    return edges(client.execute(PROJECT_TOKENS, {"projectId": project_id})["projectTokens"])


def _named(tokens: list[dict[str, Any]], p: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [t for t in tokens if t.get("name") == p["name"] and t.get("environmentId") == p["environmentId"]]


class ProjectTokenProvider(RailwayProvider):
    kind = "ProjectToken"

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checker = Checker(self.kind, news)
        for prop in ("projectId", "environmentId"):
            checker.require_text(prop)
        checker.require_text("name", 64)
        return checker.result()

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return diff(olds, news, (), ("projectId", "environmentId", "name"))

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = norm(props)
        client = self.client()
        last: RailwayError | None = None
        for attempt in range(1, 4):
            for stale in _named(_tokens(client, p["projectId"]), p):
                self._delete(client, stale["id"])  # its value is unknowable: rotate it
            try:
                token = client.execute(PROJECT_TOKEN_CREATE, {"input": {
                    "projectId": p["projectId"], "environmentId": p["environmentId"], "name": p["name"]}},
                    retry=False)["projectTokenCreate"]
            except RailwayError as error:
                if not error.retryable:
                    raise
                last = error
                client.sleep(min(8.0, 0.5 * 2 ** attempt))
                continue
            minted = _named(_tokens(client, p["projectId"]), p)
            if len(minted) != 1:
                raise RailwayError(f"Railway created project token '{p['name']}' but lists {len(minted)} of that name")
            return CreateResult(minted[0]["id"], {**p, "token": str(token)})
        raise last or RailwayError("project token creation failed")

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = self.client()
        p = norm(props)
        try:
            tokens = _tokens(client, p["projectId"])
        except RailwayError as error:
            if self.gone(client, error):
                return ReadResult(None, {})
            raise
        node = next((t for t in tokens if t.get("id") == id_), None)
        if node is None:
            return ReadResult(None, {})
        return ReadResult(id_, {**p, "name": node["name"], "environmentId": node["environmentId"]})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult({**norm(news), "token": olds.get("token")})  # every real change replaces

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._delete(self.client(), id_)

    @staticmethod
    def _delete(client: RailwayClient, token_id: str) -> None:
        delete_quietly(client, PROJECT_TOKEN_DELETE, {"id": token_id})


@dataclass(frozen=True)
class ProjectTokenArgs:
    project_id: pulumi.Input[str]
    environment_id: pulumi.Input[str]
    """The one environment the token may act on."""
    name: str


class ProjectToken(Resource, module="railway", name="ProjectToken"):
    """A Railway project token; ``token`` is a secret output."""

    token: pulumi.Output[str]

    def __init__(self, name: str, args: ProjectTokenArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["token"]))
        super().__init__(ProjectTokenProvider(), name, {
            "projectId": args.project_id, "environmentId": args.environment_id, "name": args.name, "token": None,
        }, opts)
