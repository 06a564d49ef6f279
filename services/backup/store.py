"""The off-site bucket: locked uploads with a SHA-256 checksum, and reads of one exact version.

Credentials come from boto3's default chain only: in India the task role of the scheduled task
(a workload identity, temporary credentials from the container credentials endpoint), never keys
in the environment of production. The job's identity can only write (PutObject,
PutObjectRetention); the drill's can read (docs/backups.md, "Identities").
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

LOCK_MODE = "COMPLIANCE"
SINGLE_PUT_LIMIT = 5 * 1024**3
"""S3's limit for one PutObject; larger dumps would need a multipart upload (docs/backups.md)."""
WARN_SIZE = 4 * 1024**3
_CHUNK = 1024 * 1024


class StoreError(Exception):
    """The bucket refused or failed a request; the message names the operation and the key."""


@dataclass(frozen=True)
class ObjectFacts:
    """What the bucket reports for one object version (the keys of backup_evidence.BUCKET_FACTS)."""

    bucket: str
    key: str
    version_id: str
    checksum_sha256: str | None
    size: int
    lock_mode: str | None
    retain_until: str | None
    last_modified: str

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def client(region: str, endpoint_url: str | None = None) -> Any:
    # Downloads are checked against the manifest's sha256 by the drill itself (and the result recorded
    # as evidence), for every byte and on any S3-compatible endpoint; botocore's own validation would
    # stop the read before the drill could say what it received.
    config = Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=10, read_timeout=120,
                    response_checksum_validation="when_required")
    return boto3.client("s3", region_name=region, endpoint_url=endpoint_url, config=config)


def iso(value: dt.datetime) -> str:
    """RFC 3339 in UTC to the second, as S3's headers carry dates (so a date sent and read back compare equal)."""
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def put_locked(s3: Any, bucket: str, key: str, path: Path, sha256_hex: str, retain_until: dt.datetime,
               content_type: str) -> tuple[str, str]:
    """Upload ``path`` as one new version under COMPLIANCE lock; returns (version id, bucket checksum).

    The SHA-256 is sent with the request, so S3 refuses the upload (BadDigest) if a byte changed on
    the way, and the checksum stays with the object for every later read to verify.
    """
    size = path.stat().st_size
    if size > SINGLE_PUT_LIMIT:
        raise StoreError(f"{key} is {size / 1024**3:.1f} GiB, over S3's 5 GiB single-upload limit; the job "
                         f"does not do multipart uploads yet (docs/backups.md, 'Limits')")
    checksum = _b64(sha256_hex)
    try:
        with path.open("rb") as body:
            response = s3.put_object(
                Bucket=bucket, Key=key, Body=body, ContentLength=size, ContentType=content_type,
                ChecksumAlgorithm="SHA256", ChecksumSHA256=checksum,
                ObjectLockMode=LOCK_MODE, ObjectLockRetainUntilDate=retain_until)
    except (ClientError, BotoCoreError) as error:
        raise StoreError(f"uploading s3://{bucket}/{key} failed: {_reason(error)}") from None
    version = response.get("VersionId")
    if not version or version == "null":
        raise StoreError(f"s3://{bucket} returned no version id: versioning (and object lock) is not on")
    if response.get("ChecksumSHA256") != checksum:
        raise StoreError(f"s3://{bucket}/{key} reports checksum {response.get('ChecksumSHA256')!r}, sent {checksum!r}")
    return version, checksum


def head(s3: Any, bucket: str, key: str, version_id: str) -> ObjectFacts:
    try:
        response = s3.head_object(Bucket=bucket, Key=key, VersionId=version_id, ChecksumMode="ENABLED")
    except (ClientError, BotoCoreError) as error:
        raise StoreError(f"reading s3://{bucket}/{key} version {version_id} failed: {_reason(error)}") from None
    retain = response.get("ObjectLockRetainUntilDate")
    return ObjectFacts(
        bucket=bucket, key=key, version_id=response.get("VersionId") or version_id,
        checksum_sha256=response.get("ChecksumSHA256"), size=int(response["ContentLength"]),
        lock_mode=response.get("ObjectLockMode"), retain_until=iso(retain) if retain else None,
        last_modified=iso(response["LastModified"]))


def download(s3: Any, bucket: str, key: str, version_id: str, dest: Path) -> tuple[str, int]:
    """Stream one version to ``dest``; returns (sha256 hex of the bytes received, size)."""
    digest, size = hashlib.sha256(), 0
    try:
        response = s3.get_object(Bucket=bucket, Key=key, VersionId=version_id)
        with dest.open("wb") as out:
            for chunk in response["Body"].iter_chunks(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except (ClientError, BotoCoreError) as error:
        raise StoreError(f"downloading s3://{bucket}/{key} version {version_id} failed: {_reason(error)}") from None
    return digest.hexdigest(), size


def read_small(s3: Any, bucket: str, key: str, version_id: str | None = None) -> tuple[bytes, str]:
    """A small object (a manifest, evidence) and its version id; the latest version unless named."""
    try:
        response = s3.get_object(Bucket=bucket, Key=key, **({"VersionId": version_id} if version_id else {}))
        return response["Body"].read(), str(response.get("VersionId") or "")
    except (ClientError, BotoCoreError) as error:
        raise StoreError(f"reading s3://{bucket}/{key} failed: {_reason(error)}") from None


def latest_key(s3: Any, bucket: str, prefix: str, suffix: str) -> str | None:
    """The greatest key under ``prefix`` ending in ``suffix`` (keys carry a UTC timestamp, so: the newest)."""
    latest: str | None = None
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                if item["Key"].endswith(suffix) and (latest is None or item["Key"] > latest):
                    latest = item["Key"]
    except (ClientError, BotoCoreError) as error:
        raise StoreError(f"listing s3://{bucket}/{prefix} failed: {_reason(error)}") from None
    return latest


def _b64(sha256_hex: str) -> str:
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode()


def _reason(error: Exception) -> str:
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        return f"{info.get('Code', 'error')}: {info.get('Message', '')}".strip()
    return type(error).__name__ + (f": {error}" if str(error) else "")
