"""How the smoke test reaches a hostname: where to connect, which TLS client, one HTTPS request.

`--connect-to HOST=ADDR:PORT` opens the TCP connection to ADDR:PORT while TLS (SNI, certificate
name) and HTTP (`Host`) still speak to HOST, so one server can stand in for several hostnames, as
curl's `--connect-to` does. Every socket has a timeout; no response body is ever printed.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from config.types import Hostname

Address = tuple[str, int]

USER_AGENT = "lightspeedpay-smoke/1 (+python -m ops.smoke)"
MAX_BODY_BYTES = 256 * 1024
"""Enough of a page to recognise it; the rest is never read."""
LEGACY_CIPHERS = "DEFAULT:@SECLEVEL=0"
"""OpenSSL 3 will not offer TLS 1.0/1.1 (SHA-1 handshake signatures) above security level 0."""
_HOSTNAME = TypeAdapter(Hostname)


def _is_hostname(value: str) -> bool:
    try:
        _HOSTNAME.validate_python(value)
    except ValidationError:
        return False
    return True


_ADDRESS = re.compile(r"\[(?P<v6>[0-9a-fA-F:.]+)\]:(?P<v6port>\d{1,5})|(?P<addr>[^\s:\[\]]+):(?P<port>\d{1,5})")


def parse_connect_to(text: str) -> tuple[str, Address]:
    """``HOST=ADDR:PORT`` → (HOST, (ADDR, PORT)); ADDR is a name, an IPv4 address or ``[IPv6]``."""
    host, sep, target = text.partition("=")
    host = host.strip().lower()
    if not sep or not _is_hostname(host):
        raise ValueError(f"'{text}' is not HOST=ADDR:PORT (HOST a hostname such as api.lightspeedpay.com)")
    match = _ADDRESS.fullmatch(target.strip())
    addr = match and (match["v6"] or match["addr"])
    port = int(match["v6port"] or match["port"]) if match else 0
    if match and match["v6"]:
        try:
            ipaddress.IPv6Address(match["v6"])
        except ValueError:
            addr = None
    if not addr or not 1 <= port <= 65535:
        raise ValueError(f"'{text}': ADDR:PORT must be an address and a port 1-65535, e.g. 127.0.0.1:8443 or "
                         f"[::1]:8443")
    return host, (addr, port)


def verifying_context(ca_file: Path | None) -> ssl.SSLContext:
    """What a browser does: chain to the system store (or only to ``ca_file``), check the name.
    Raises OSError if the file cannot be read, ssl.SSLError if it holds no certificate."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


def _unverified_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def probe_context(version: ssl.TLSVersion) -> ssl.SSLContext:
    """A client that offers exactly ``version``, old ones included, so a refusal is the server's.

    Without security level 0 OpenSSL 3 has no cipher for TLS 1.0/1.1 and gives up before sending
    anything (NO_CIPHERS_AVAILABLE): a naive probe reports every server as refusing them.
    """
    context = _unverified_context()
    context.set_ciphers(LEGACY_CIPHERS)
    context.minimum_version = version
    context.maximum_version = version
    return context


@dataclass(frozen=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    """At most MAX_BODY_BYTES of it."""

    def header(self, name: str) -> str | None:
        """The first value of a header (what a browser acts on), or None."""
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


class _Connection(http.client.HTTPSConnection):
    """An HTTPS connection to ``host`` whose TCP connection goes to ``address``."""

    def __init__(self, host: str, address: Address, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(host, timeout=timeout, context=context)
        self._address = address
        self._tls_context = context

    def connect(self) -> None:
        raw = socket.create_connection(self._address, self.timeout)
        try:
            self.sock = self._tls_context.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


class Network:
    """Where each hostname is reached, the TLS clients to reach it with, and the timeout of every call."""

    def __init__(self, connect_to: Mapping[str, Address] | None = None, ca_file: Path | None = None,
                 timeout: float = 10.0) -> None:
        self.connect_to = dict(connect_to or {})
        self.ca_file = ca_file
        self.timeout = timeout
        self.verifying = verifying_context(ca_file)
        self.unverified = _unverified_context()

    def address(self, host: str) -> Address:
        return self.connect_to.get(host, (host, 443))

    def describe(self, host: str) -> str:
        addr, port = self.address(host)
        return f"{host}:443" if host not in self.connect_to else f"{host} via {addr}:{port}"

    @property
    def trust(self) -> str:
        return f"the CA file {self.ca_file}" if self.ca_file else "the system trust store"

    def connect(self, host: str) -> socket.socket:
        """A TCP connection for ``host`` (to its --connect-to address if it has one)."""
        return socket.create_connection(self.address(host), self.timeout)

    @contextmanager
    def tls(self, host: str, context: ssl.SSLContext) -> Iterator[ssl.SSLSocket]:
        """A completed TLS handshake with ``host`` (SNI and name checks use ``host``)."""
        with self.connect(host) as raw, context.wrap_socket(raw, server_hostname=host) as tls:
            yield tls

    def request(self, host: str, method: str, path: str, headers: Mapping[str, str] | None = None,
                body: bytes | None = None) -> Response:
        """One HTTPS request; the certificate is the `certificate` check's business, not this one's,
        so each fault fails exactly one check."""
        connection = _Connection(host, self.address(host), self.unverified, self.timeout)
        try:
            connection.request(method, path, body=body,
                               headers={"User-Agent": USER_AGENT, "Connection": "close", **(headers or {})})
            response = connection.getresponse()
            data = response.read(MAX_BODY_BYTES)
            return Response(response.status, tuple(response.getheaders()), data)
        finally:
            connection.close()
