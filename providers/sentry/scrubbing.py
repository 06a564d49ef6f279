"""`sentry:ProjectScrubbing`: a Sentry project's server-side data scrubbing, declared whole.

The settings always exist with the project, so, like Supabase's settings kinds, create reads them
and writes only what differs (adopting what is there), and delete changes nothing: removing the
declaration must never switch scrubbing off on a project that receives production errors (fail
closed). Each write is one partial PUT of the settings that differ; Sentry stores each field sent
whole (a list sent replaces the list), so the declared lists are the lists. A value changed in
Sentry's UI shows up on refresh as drift and is written back on the next `pulumi up`.

Id: ``{organization}/{project}/scrubbing/{region}``, so `ProjectScrubbing.get` reads by id alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi

from config.vocabulary import scrubbing
from providers.dynamic.checks import Checker
from providers.dynamic.ids import IdFormat
from providers.dynamic.provider import DynamicProvider, Vendor
from providers.dynamic.resource import Args, DynamicResource, Out

from .client import SentryClient
from .vocabulary import REGION_API_URLS, SENSITIVE_FIELDS_MAX_CHARS, SLUG_PATTERN, TOKEN_CONFIG_KEY, TOKEN_ENV

SENTRY = Vendor("sentry", TOKEN_CONFIG_KEY, TOKEN_ENV, camel_case=True,
                token_hint=" (an internal integration or auth token with project:write)")

API_FIELDS: dict[str, str] = {
    "dataScrubber": "dataScrubber",
    "dataScrubberDefaults": "dataScrubberDefaults",
    "scrubIpAddresses": "scrubIPAddresses",
    "sensitiveFields": "sensitiveFields",
    "safeFields": "safeFields",
    "relayPiiConfig": "relayPiiConfig",
}
"""Property (wire name) → the project's API field."""


class SentryProvider(DynamicProvider):
    """Base of every Sentry kind."""

    vendor = SENTRY

    def make_client(self, token: str, options: dict[str, Any]) -> SentryClient:
        return SentryClient(token, **options)

    def pause(self, api: SentryClient, seconds: float) -> None:
        api.sleep(seconds)


def _pii_from_api(value: Any) -> Any:
    if not value:
        return None  # "" or null: no advanced rules
    try:
        return json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError:
        return {"unparsed": value}  # never equal to a declaration: drift, and the next up writes ours


class ProjectScrubbingProvider(SentryProvider):
    kind = "ProjectScrubbing"
    id_format = IdFormat("{organization}/{project}/scrubbing/{region}")
    managed = tuple(API_FIELDS)
    replace_on_change = ("organization", "project", "region")
    unset_on_removal = False
    delete_before_replace = False

    def validate(self, c: Checker) -> None:
        for prop in ("organization", "project"):
            c.text(prop, 100, pattern=SLUG_PATTERN.pattern, what="a Sentry slug (lower-case letters, digits, _ and -)")
        c.choice("region", sorted(REGION_API_URLS), required=True)
        for prop in ("dataScrubber", "dataScrubberDefaults", "scrubIpAddresses"):
            c.boolean(prop, required=True)
        for prop in ("sensitiveFields", "safeFields"):
            values = c.news.get(prop)
            if values is not None and c.known(prop) and (
                    not isinstance(values, list) or not all(isinstance(v, str) and v for v in values)):
                c.fail(prop, "must be a list of non-empty strings")
        fields = c.news.get("sensitiveFields")
        if isinstance(fields, list) and sum(len(str(v)) for v in fields) > SENSITIVE_FIELDS_MAX_CHARS:
            c.fail("sensitiveFields", f"must total at most {SENSITIVE_FIELDS_MAX_CHARS} characters (Sentry's limit)")
        config = c.news.get("relayPiiConfig")
        if config is not None and c.known("relayPiiConfig"):
            if not isinstance(config, dict) or not isinstance(config.get("applications"), dict):
                c.fail("relayPiiConfig", "must be an object with 'rules' and 'applications' (Relay's PII config)")
            else:
                missing = scrubbing.undefined_rules(config)
                if missing:
                    c.fail("relayPiiConfig", f"applications refer to rules that are not defined: {missing} "
                                             f"(Sentry accepts them and then scrubs nothing)")

    def find(self, api: SentryClient, p: dict[str, Any]) -> dict[str, Any] | None:
        return self.fetch(api, p)

    def fetch(self, api: SentryClient, ref: dict[str, Any]) -> dict[str, Any] | None:
        return self._view(ref, api.get_project(ref["region"], ref["organization"], ref["project"]))

    def write(self, api: SentryClient, ref: dict[str, Any], p: dict[str, Any], changes: dict[str, Any],
              current: dict[str, Any]) -> dict[str, Any] | None:
        body = {API_FIELDS[key]: self._to_api(key, value) for key, value in changes.items() if key in API_FIELDS}
        reply = api.update_project(ref["region"], ref["organization"], ref["project"], body)
        return self._view(ref, reply)

    @staticmethod
    def _to_api(key: str, value: Any) -> Any:
        if key == "relayPiiConfig":
            return json.dumps(value, sort_keys=True) if value else ""
        return value

    @staticmethod
    def _view(ref: dict[str, Any], project: dict[str, Any]) -> dict[str, Any]:
        view = {"organization": ref["organization"], "project": ref["project"], "region": ref["region"]}
        for prop, api_field in API_FIELDS.items():
            if api_field in project:
                value = project[api_field]
                view[prop] = _pii_from_api(value) if prop == "relayPiiConfig" else value
        return view


@dataclass(frozen=True)
class ProjectScrubbingArgs(Args):
    organization: pulumi.Input[str]
    """The organisation's slug."""
    project: pulumi.Input[str]
    """The project's slug (a pulumiverse-sentry SentryProject's ``slug``)."""
    region: str
    """The organisation's data-storage location: 'us' or 'de' (its API host)."""
    data_scrubber: bool = True
    """Sentry's server-side data scrubber (``dataScrubber``)."""
    data_scrubber_defaults: bool = True
    """Its default list of sensitive keys (password, secret, …) on top of ``sensitive_fields``."""
    scrub_ip_addresses: bool = True
    """Drop IP addresses from events."""
    sensitive_fields: list[str] = field(default_factory=list)
    """Keys whose values are removed wherever they appear; this list replaces Sentry's whole."""
    safe_fields: list[str] = field(default_factory=list)
    """Keys the scrubber must leave alone; this list replaces Sentry's whole."""
    relay_pii_config: dict[str, Any] | None = None
    """Advanced rules (Relay's PII config: ``rules`` and ``applications``), sent as Sentry's JSON string."""


class ProjectScrubbing(DynamicResource, module="sentry", name="ProjectScrubbing"):
    provider_class = ProjectScrubbingProvider
    args_class = ProjectScrubbingArgs
    data_scrubber = Out[bool]("dataScrubber")
    relay_pii_config = Out[dict[str, Any]]("relayPiiConfig")
