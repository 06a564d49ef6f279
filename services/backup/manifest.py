"""The manifest stored beside each backup: what was dumped, how it was encrypted, what S3 holds.

`<prefix><UTC stamp>.dump.age` is the encrypted dump; `<prefix><UTC stamp>.manifest.json` (this,
also locked) names its version id and checksums, and the critical tables' row counts and
checksums measured in the dumped snapshot. The drill trusts nothing else about a backup.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

SCHEMA = "lightspeedpay.backup-manifest/v1"
DUMP_SUFFIX = ".dump.age"
MANIFEST_SUFFIX = ".manifest.json"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class ManifestError(Exception):
    """A manifest that is not one this job wrote (schema, field or type wrong)."""


def manifest_key(dump_key: str) -> str:
    if not dump_key.endswith(DUMP_SUFFIX):
        raise ManifestError(f"{dump_key!r} is not a backup object key (…{DUMP_SUFFIX})")
    return dump_key[: -len(DUMP_SUFFIX)] + MANIFEST_SUFFIX


@dataclass(frozen=True)
class Manifest:
    document: dict[str, Any]

    # The fields the drill relies on, checked once in `parse`.
    @property
    def bucket(self) -> str:
        return str(self.document["bucket"])

    @property
    def key(self) -> str:
        return str(self.document["key"])

    @property
    def version_id(self) -> str:
        return str(self.document["version_id"])

    @property
    def encrypted_sha256(self) -> str:
        return str(self.document["encrypted"]["sha256"])

    @property
    def checksum_sha256(self) -> str:
        return str(self.document["encrypted"]["checksum_sha256"])

    @property
    def encrypted_size(self) -> int:
        return int(self.document["encrypted"]["size"])

    @property
    def plain_sha256(self) -> str:
        return str(self.document["plain"]["sha256"])

    @property
    def database(self) -> dict[str, Any]:
        return dict(self.document["database"])

    def to_bytes(self) -> bytes:
        return json.dumps(self.document, indent=2, sort_keys=True).encode() + b"\n"


def parse(data: bytes, where: str) -> Manifest:
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ManifestError(f"{where} is not JSON ({error})") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise ManifestError(f"{where} is not a {SCHEMA} manifest")
    problems = []
    for section, key in [("", "bucket"), ("", "key"), ("", "version_id"), ("encrypted", "checksum_sha256"),
                         ("encrypted", "size"), ("encrypted", "sha256"), ("plain", "sha256")]:
        value = (document.get(section) or {}).get(key) if section else document.get(key)
        if value in (None, ""):
            problems.append(f"{section + '.' if section else ''}{key} is missing")
    for section in ("encrypted", "plain"):
        value = (document.get(section) or {}).get("sha256")
        if value and not _HEX64.match(str(value)):
            problems.append(f"{section}.sha256 is not a 64-hex sha256")
    database = document.get("database")
    if not isinstance(database, dict) or not isinstance(database.get("tables"), dict):
        problems.append("database.tables is missing")
    if problems:
        raise ManifestError(f"{where}: " + "; ".join(problems))
    return Manifest(document)
