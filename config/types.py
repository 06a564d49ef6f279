"""Validated scalar types shared by the config models (hostnames, CIDRs, URLs, paths)."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"^(?:{_LABEL}\.)+[a-z]{{2,63}}$")


class Model(BaseModel):
    """Base for every config model: camelCase keys in the stack file, unknown keys refused."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


def _hostname(value: str) -> str:
    if value != value.lower() or not _HOSTNAME.match(value):
        raise ValueError("must be a lower-case DNS hostname such as 'api.lightspeedpay.com'")
    return value


def _cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"must be an IPv4 or IPv6 network in CIDR form ({exc})") from None
    if "/" not in value:
        raise ValueError("must carry an explicit prefix length, e.g. '203.0.113.10/32'")
    return str(network)


def _https_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("must be an https:// URL")
    return value


def _https_origin(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise ValueError("must be an https origin such as 'https://lightspeedpay.com' ('*' is never allowed)")
    return value.rstrip("/")


def _url_path(value: str) -> str:
    if not re.match(r"^/[A-Za-z0-9._~/-]*$", value) or "//" in value:
        raise ValueError("must be an absolute URL path such as '/webhooks/razorpay'")
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must carry an explicit UTC offset (e.g. 'Z' or '+05:30')")
    return value


Hostname = Annotated[str, AfterValidator(_hostname)]
Cidr = Annotated[str, AfterValidator(_cidr)]
HttpsUrl = Annotated[str, AfterValidator(_https_url)]
HttpsOrigin = Annotated[str, AfterValidator(_https_origin)]
UrlPath = Annotated[str, AfterValidator(_url_path)]
AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
"""A moment with its UTC offset: a stack file never leaves the time zone to whoever runs `pulumi up`."""


def is_under_zone(hostname: str, zone: str) -> bool:
    return hostname == zone or hostname.endswith("." + zone)
