"""Backups and restore drills end to end: a real PostgreSQL, a local S3 with object lock, real age.

A seeded database is dumped by the backup job, encrypted, uploaded under COMPLIANCE lock; the drill
downloads it, checks it, decrypts, restores into a throwaway database, verifies and times it, and
its evidence passes the validator the pack will call. Then what must fail does: a bit flipped at
rest (caught before any restore), a broken dump with re-forged checksums (caught by pg_restore), a
missing critical table, a drill slower than the RTO, and hand-typed or edited evidence.
All on one cluster of the machine's PostgreSQL (tests/postgres.py says which major version).
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyrage
import pytest
from botocore.exceptions import ClientError  # type: ignore[import-untyped]
from pyrage import x25519

from lightspeedpay_policies.backup_evidence import evidence_digest, validate_evidence
from ops.restore_drill.__main__ import main as drill_main
from ops.restore_drill.cluster import TemporaryCluster
from services.backup import store
from services.backup.__main__ import main as backup_main
from services.backup.crypto import encrypt_stream
from services.backup.job import utc_now
from services.backup.manifest import Manifest, manifest_key, parse
from services.backup.pg import find_program

from .backup_support import BUCKET, REGION, Pings, create_locked_bucket, flip_stored_bit, heartbeat_server, s3_server
from .postgres import VERIFICATION_TOML, create_database, drill_databases

pytestmark = pytest.mark.xdist_group("postgres")  # one cluster: keep these tests on one worker

DSN_PASSWORD = "pw-not-real-7f3a"


@pytest.fixture(scope="module")
def cluster(postgres_cluster: TemporaryCluster) -> TemporaryCluster:
    return postgres_cluster  # the session's (tests/conftest.py), shared with the database-role tests


@pytest.fixture(scope="module")
def source_dsn(cluster: TemporaryCluster) -> str:
    # The cluster trusts loopback, so the password is ignored; it is there to prove it never shows.
    return create_database(cluster, "payments") + f" password={DSN_PASSWORD}"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with s3_server() as url:
        yield url


@pytest.fixture(scope="module")
def s3(endpoint: str) -> Iterator[Any]:
    client = create_locked_bucket(endpoint)
    yield client
    client.close()


@pytest.fixture(scope="module")
def heartbeat() -> Iterator[tuple[str, Pings]]:
    with heartbeat_server() as server:
        yield server


@pytest.fixture(scope="module")
def identity() -> x25519.Identity:
    return x25519.Identity.generate()  # made per run: no key is ever committed


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, identity: x25519.Identity) -> Path:
    root = tmp_path_factory.mktemp("backup")
    (root / "verification.toml").write_text(VERIFICATION_TOML)
    (root / "identity.txt").write_text(f"# drill identity (test)\n{identity}\n")
    return root


def backup_env(source_dsn: str, endpoint: str, heartbeat: tuple[str, Pings], identity: x25519.Identity,
               files: Path, prefix: str, **overrides: str) -> dict[str, str]:
    env = {"BACKUP_DATABASE_URL": source_dsn, "BACKUP_BUCKET": BUCKET, "BACKUP_PREFIX": prefix,
           "BACKUP_AGE_RECIPIENTS": str(identity.to_public()), "BACKUP_RETENTION_DAYS": "30",
           "BACKUP_HEARTBEAT_URL": f"{heartbeat[0]}/ping/backup",
           "BACKUP_FAILURE_URL": f"{heartbeat[0]}/ping/backup/fail",
           "AWS_REGION": REGION, "BACKUP_S3_ENDPOINT_URL": endpoint,
           "BACKUP_VERIFICATION_FILE": str(files / "verification.toml")}
    return {**env, **overrides}


def run_backup(env: dict[str, str], s3: Any, capsys: pytest.CaptureFixture[str]) -> tuple[int, Manifest | None, str]:
    code = backup_main(env)
    output = capsys.readouterr()
    key = store.latest_key(s3, BUCKET, env["BACKUP_PREFIX"], ".manifest.json")
    manifest = parse(store.read_small(s3, BUCKET, key)[0], key) if key else None
    return code, manifest, output.out + output.err


@pytest.fixture(scope="module")
def backup(source_dsn: str, endpoint: str, heartbeat: tuple[str, Pings], identity: x25519.Identity, files: Path,
           s3: Any) -> Manifest:
    env = backup_env(source_dsn, endpoint, heartbeat, identity, files, "postgres/good/")
    assert backup_main(env) == 0
    key = store.latest_key(s3, BUCKET, "postgres/good/", ".manifest.json")
    assert key is not None
    return parse(store.read_small(s3, BUCKET, key)[0], key)


def drill(cluster: TemporaryCluster, endpoint: str, files: Path, tmp_path: Path, *args: str,
          own_cluster: bool = False, pings: str | None = None) -> tuple[int, dict[str, Any]]:
    evidence = tmp_path / "evidence.json"
    env = {"BACKUP_S3_ENDPOINT_URL": endpoint, **({} if own_cluster else {"DRILL_TARGET_DSN": cluster.dsn()})}
    if pings:
        env.update(DRILL_HEARTBEAT_URL=f"{pings}/ping/drill", DRILL_FAILURE_URL=f"{pings}/ping/drill/fail")
    argv = ["--bucket", BUCKET, "--region", REGION, "--identity-file", str(files / "identity.txt"),
            "--postgres-major", str(cluster.postgres.major), "--verification", str(files / "verification.toml"),
            "--evidence", str(evidence), "--jobs", "1", *args]
    if "--rto" not in args:
        argv += ["--rto", "5"]
    code = drill_main(argv, env)
    return code, json.loads(evidence.read_text())


def bucket_facts(s3: Any, record: dict[str, Any]) -> dict[str, Any] | None:
    """What the policy's stack will read from the bucket for the record's object (None: no such version)."""
    try:
        return store.head(s3, record["object"]["bucket"], record["object"]["key"],
                          record["object"]["version_id"]).as_json()
    except store.StoreError:
        return None


def validate(record: dict[str, Any], s3: Any, cluster: TemporaryCluster) -> list[str]:
    return validate_evidence(record, bucket_object=bucket_facts(s3, record), expected_bucket=BUCKET, rto_minutes=5,
                             postgres_major=cluster.postgres.major, now=utc_now())


# -- the backup job -----------------------------------------------------------------------------

def test_backup_stores_an_encrypted_locked_dump_with_its_manifest(
        backup: Manifest, s3: Any, identity: x25519.Identity, heartbeat: tuple[str, Pings]) -> None:
    facts = store.head(s3, BUCKET, backup.key, backup.version_id)
    assert facts.lock_mode == "COMPLIANCE"
    assert facts.retain_until is not None and facts.retain_until == backup.document["lock"]["retain_until"]
    assert facts.checksum_sha256 == backup.checksum_sha256 and facts.size == backup.encrypted_size
    body = s3.get_object(Bucket=BUCKET, Key=backup.key, VersionId=backup.version_id)["Body"].read()
    assert body.startswith(b"age-encryption.org/v1\n") and b"PGDMP" not in body  # never stored in the clear
    plain = pyrage.decrypt(body, [identity])
    assert plain.startswith(b"PGDMP")  # a pg_dump custom-format archive
    assert hashlib.sha256(plain).hexdigest() == backup.plain_sha256
    assert hashlib.sha256(body).hexdigest() == backup.encrypted_sha256
    database = backup.database
    assert database["schema_version"] == "20261115120000"
    assert database["tables"]["public.payments"]["rows"] == 300
    assert database["tables"]["public.merchants"]["rows"] == 20
    assert database["schemas"] == ["public", "supabase_migrations"]
    manifest_facts = store.head(s3, BUCKET, manifest_key(backup.key),
                                store.read_small(s3, BUCKET, manifest_key(backup.key))[1])
    assert manifest_facts.lock_mode == "COMPLIANCE"
    assert ("/ping/backup", f"backup {backup.key} stored, version {backup.version_id}") in heartbeat[1].received


def test_object_lock_refuses_to_delete_a_backup_version(backup: Manifest, s3: Any) -> None:
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=BUCKET, Key=backup.key, VersionId=backup.version_id)
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=BUCKET, Key=backup.key, VersionId=backup.version_id, BypassGovernanceRetention=True)
    assert store.head(s3, BUCKET, backup.key, backup.version_id).version_id == backup.version_id


def test_a_failed_backup_pings_the_failure_url_and_never_shows_the_password(
        source_dsn: str, endpoint: str, heartbeat: tuple[str, Pings], identity: x25519.Identity, files: Path,
        s3: Any, cluster: TemporaryCluster, capsys: pytest.CaptureFixture[str]) -> None:
    unreachable = source_dsn.replace(f"port={cluster.port}", "port=1")
    env = backup_env(unreachable, endpoint, heartbeat, identity, files, "postgres/unreachable/")
    heartbeat[1].received.clear()
    code, manifest, output = run_backup(env, s3, capsys)
    assert code == 1 and manifest is None
    assert heartbeat[1].paths() == ["/ping/backup/fail"]
    assert "connect" in heartbeat[1].received[0][1]
    assert DSN_PASSWORD not in output + heartbeat[1].received[0][1]


def test_a_critical_table_missing_at_backup_time_keeps_the_backup_and_pages(
        source_dsn: str, endpoint: str, heartbeat: tuple[str, Pings], identity: x25519.Identity, files: Path,
        s3: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "v.toml").write_text(VERIFICATION_TOML + '\n[[tables]]\nname = "public.settlements"\n')
    env = backup_env(source_dsn, endpoint, heartbeat, identity, files, "postgres/missing/",
                     BACKUP_VERIFICATION_FILE=str(tmp_path / "v.toml"))
    heartbeat[1].received.clear()
    code, manifest, output = run_backup(env, s3, capsys)
    assert code == 1
    assert manifest is not None and manifest.database["tables"]["public.settlements"] is None
    assert heartbeat[1].paths() == ["/ping/backup/fail"] and "public.settlements" in heartbeat[1].received[0][1]
    assert DSN_PASSWORD not in output


# -- the drill ----------------------------------------------------------------------------------

def test_drill_restores_the_latest_backup_verifies_it_and_its_evidence_links_to_the_object(
        backup: Manifest, cluster: TemporaryCluster, endpoint: str, files: Path, s3: Any, tmp_path: Path,
        heartbeat: tuple[str, Pings]) -> None:
    heartbeat[1].received.clear()
    code, record = drill(cluster, endpoint, files, tmp_path, "--prefix", "postgres/good/", pings=heartbeat[0])
    assert code == 0, record["failure"]
    assert heartbeat[1].paths() == ["/ping/drill"] and "restore drill passed" in heartbeat[1].received[0][1]
    assert record["result"] == "passed" and record["failure"] is None
    assert record["object"]["version_id"] == backup.version_id
    assert record["object"]["sha256"] == backup.encrypted_sha256 and record["dump"]["sha256"] == backup.plain_sha256
    assert record["postgres"]["major"] == cluster.postgres.major and record["postgres"]["target"] == "server"
    assert {t["name"]: t["rows"] for t in record["verification"]["tables"]} == {
        "public.merchants": 20, "public.payments": 300, "public.refunds": 40}
    assert record["verification"]["schema_version"] == {"expected": "20261115120000", "actual": "20261115120000"}
    assert 0 < record["timing"]["total_seconds"] < 300
    assert record["digest"] == evidence_digest(record)
    assert validate(record, s3, cluster) == []
    assert drill_databases(cluster) == []  # the throwaway database is dropped


def test_hand_typed_or_edited_evidence_does_not_pass(
        backup: Manifest, cluster: TemporaryCluster, endpoint: str, files: Path, s3: Any, tmp_path: Path) -> None:
    _, real = drill(cluster, endpoint, files, tmp_path, "--prefix", "postgres/good/")
    assert validate(real, s3, cluster) == []

    edited = json.loads(json.dumps(real))
    edited["timing"]["total_seconds"] = 1.0  # a faster drill, typed in
    assert any("digest does not match" in p for p in validate(edited, s3, cluster))

    typed = json.loads(json.dumps(real))  # a careful forger: plausible ids, a fresh digest
    typed["object"]["version_id"] = "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY"
    typed["digest"] = evidence_digest(typed)
    assert any("cannot be linked to a real backup" in p for p in validate(typed, s3, cluster))

    guessed = json.loads(json.dumps(real))  # the real version id, but not the bytes behind it
    guessed["object"]["sha256"] = "0" * 64
    guessed["digest"] = evidence_digest(guessed)
    assert any("not the checksum of the bytes" in p for p in validate(guessed, s3, cluster))

    assert any("bucket" in p for p in validate_evidence(
        real, bucket_object=bucket_facts(s3, real), expected_bucket="another-bucket", rto_minutes=5,
        postgres_major=cluster.postgres.major, now=utc_now()))
    assert any("production runs 17" in p for p in validate_evidence(
        real, bucket_object=bucket_facts(s3, real), expected_bucket=BUCKET, rto_minutes=5, postgres_major=17,
        now=utc_now())) or cluster.postgres.major == 17


def test_drill_in_its_own_temporary_cluster_restores_a_named_version_and_stores_its_evidence(
        backup: Manifest, cluster: TemporaryCluster, endpoint: str, files: Path, s3: Any, tmp_path: Path) -> None:
    code, record = drill(cluster, endpoint, files, tmp_path, "--key", backup.key, "--version-id", backup.version_id,
                         "--upload-evidence", own_cluster=True)
    assert code == 0, record["failure"]
    assert record["postgres"]["target"] == "temporary-cluster"  # initdb'd, started, stopped by the drill itself
    assert record["object"]["key"] == backup.key and record["object"]["version_id"] == backup.version_id
    assert validate(record, s3, cluster) == []
    stored, version = store.read_small(s3, BUCKET, "drills/latest.json")
    assert json.loads(stored) == record
    assert store.head(s3, BUCKET, "drills/latest.json", version).lock_mode == "COMPLIANCE"


def test_drill_refuses_a_version_its_manifest_does_not_describe(
        backup: Manifest, cluster: TemporaryCluster, endpoint: str, files: Path, tmp_path: Path) -> None:
    code, record = drill(cluster, endpoint, files, tmp_path, "--key", backup.key, "--version-id", "another-version")
    assert code == 1 and record["failure"]["stage"] == "locate"
    assert f"describes version {backup.version_id}, not another-version" in record["failure"]["message"]


def test_a_bit_flipped_at_rest_is_caught_before_anything_is_restored(
        source_dsn: str, endpoint: str, heartbeat: tuple[str, Pings], identity: x25519.Identity, files: Path,
        s3: Any, cluster: TemporaryCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, manifest, _ = run_backup(backup_env(source_dsn, endpoint, heartbeat, identity, files, "postgres/rot/"), s3,
                                capsys)
    assert manifest is not None
    flip_stored_bit(manifest.key, manifest.version_id, offset=manifest.encrypted_size // 2)
    code, record = drill(cluster, endpoint, files, tmp_path, "--prefix", "postgres/rot/")
    assert code == 1
    assert record["failure"]["stage"] == "checksum" and "corrupted" in record["failure"]["message"]
    assert "restore_seconds" not in record["timing"] and record["postgres"]["version"] is None
    assert record["object"]["sha256"] != manifest.encrypted_sha256  # what was really downloaded
    assert any("did not pass" in p for p in validate(record, s3, cluster))


def test_a_broken_dump_with_re_forged_checksums_fails_in_pg_restore(
        backup: Manifest, cluster: TemporaryCluster, endpoint: str, files: Path, s3: Any, identity: x25519.Identity,
        tmp_path: Path) -> None:
    body = s3.get_object(Bucket=BUCKET, Key=backup.key, VersionId=backup.version_id)["Body"].read()
    plain = bytearray(pyrage.decrypt(body, [identity]))
    del plain[len(plain) // 2:]  # the archive ends mid-way through the data
    encrypted_file = tmp_path / "broken.age"
    with encrypted_file.open("wb") as sink:
        plain_side, encrypted_side = encrypt_stream(io.BytesIO(bytes(plain)), sink, [str(identity.to_public())])
    key = "postgres/forged/20261201T000000Z-forged.dump.age"
    retain = utc_now().replace(year=utc_now().year + 1)
    version, checksum = store.put_locked(s3, BUCKET, key, encrypted_file, encrypted_side.sha256.hexdigest(), retain,
                                         "application/octet-stream")
    document = json.loads(json.dumps(backup.document))
    document.update(key=key, version_id=version)
    document["encrypted"].update(sha256=encrypted_side.sha256.hexdigest(), size=encrypted_side.size,
                                 checksum_sha256=checksum)
    document["plain"].update(sha256=plain_side.sha256.hexdigest(), size=plain_side.size)
    (tmp_path / "m.json").write_bytes(Manifest(document).to_bytes())
    store.put_locked(s3, BUCKET, manifest_key(key), tmp_path / "m.json",
                     hashlib.sha256((tmp_path / "m.json").read_bytes()).hexdigest(), retain, "application/json")

    code, record = drill(cluster, endpoint, files, tmp_path, "--prefix", "postgres/forged/")
    assert code == 1
    assert record["failure"]["stage"] == "restore", record["failure"]
    assert "pg_restore" in record["failure"]["message"] or "archive" in record["failure"]["message"]
    assert drill_databases(cluster) == []


def test_a_missing_critical_table_fails_verification(
        backup: Manifest, cluster: TemporaryCluster, endpoint: str, files: Path, tmp_path: Path) -> None:
    (tmp_path / "v.toml").write_text(VERIFICATION_TOML + '\n[[tables]]\nname = "public.settlements"\n')
    code, record = drill(cluster, endpoint, files, tmp_path, "--prefix", "postgres/good/",
                         "--verification", str(tmp_path / "v.toml"))
    assert code == 1
    assert record["failure"]["stage"] == "verify"
    assert "public.settlements is missing after the restore" in record["failure"]["message"]
    rows = {t["name"]: t for t in record["verification"]["tables"]}
    assert rows["public.settlements"]["rows"] is None and rows["public.payments"]["problem"] is None


def test_a_drill_slower_than_the_rto_fails_and_still_writes_its_evidence(
        backup: Manifest, cluster: TemporaryCluster, endpoint: str, files: Path, s3: Any, tmp_path: Path,
        heartbeat: tuple[str, Pings]) -> None:
    heartbeat[1].received.clear()
    code, record = drill(cluster, endpoint, files, tmp_path, "--prefix", "postgres/good/", "--rto", "0.0001",
                         pings=heartbeat[0])
    assert code == 1
    assert heartbeat[1].paths() == ["/ping/drill/fail"] and "RTO" in heartbeat[1].received[0][1]
    assert record["result"] == "failed" and record["failure"]["stage"] == "rto"
    assert record["verification"]["problems"] == []  # it restored fine, just too slowly
    assert any("RTO" in p for p in validate_evidence(
        record, bucket_object=bucket_facts(s3, record), expected_bucket=BUCKET, rto_minutes=0.0001,
        postgres_major=cluster.postgres.major, now=utc_now()))


def test_the_dump_is_a_real_pg_dump_archive_of_the_seeded_schemas(backup: Manifest, s3: Any,
                                                                  identity: x25519.Identity, tmp_path: Path) -> None:
    body = s3.get_object(Bucket=BUCKET, Key=backup.key, VersionId=backup.version_id)["Body"].read()
    (tmp_path / "dump").write_bytes(pyrage.decrypt(body, [identity]))
    listing = subprocess.run([str(find_program("pg_restore").path), "--list", str(tmp_path / "dump")],
                             capture_output=True, text=True, check=True).stdout
    assert "TABLE DATA public payments" in listing and "POLICY public payments merchants_own_payments" in listing
    assert "TABLE DATA supabase_migrations schema_migrations" in listing
