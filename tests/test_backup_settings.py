"""The backup job's and the drill's inputs: refused up front, by name, exit 2, secrets never echoed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pyrage import x25519

from ops.restore_drill.__main__ import main as drill_main
from ops.restore_drill.cluster import server_user
from ops.restore_drill.targets import stack_targets
from services.backup.__main__ import main as backup_main
from services.backup.crypto import CryptoError, parse_identities, parse_recipients
from services.backup.heartbeat import ping
from services.backup.pg import PostgresError, error_lines, split_password
from services.backup.settings import load_settings
from services.backup.verification import DEFAULT_FILE, VerificationError, load_verification

from .backup_support import heartbeat_server

SECRET_DSN = "postgresql://backup_reader:pw-not-real-91c2@db.example.invalid:5432/postgres"
RECIPIENT = str(x25519.Identity.generate().to_public())


def good_env(**overrides: str) -> dict[str, str]:
    env = {"BACKUP_DATABASE_URL": SECRET_DSN, "BACKUP_BUCKET": "lightspeedpay-production-backups",
           "BACKUP_AGE_RECIPIENTS": RECIPIENT, "BACKUP_RETENTION_DAYS": "35",
           "BACKUP_HEARTBEAT_URL": "https://hc.example.invalid/ping/secret-uuid", "AWS_REGION": "ap-south-2"}
    return {**env, **overrides}


def test_good_settings_load_with_the_packaged_verification_file() -> None:
    settings = load_settings(good_env())
    assert settings.recipients == (RECIPIENT,) and settings.retention_days == 35 and settings.prefix == "postgres/"
    assert "public.payments" in settings.verification.table_names
    assert "pw-not-real" not in repr(settings) and "secret-uuid" not in repr(settings)


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"BACKUP_BUCKET": ""}, "BACKUP_BUCKET is required"),
    ({"BACKUP_BUCKET": "Bad_Bucket"}, "BACKUP_BUCKET must be an S3 bucket name"),
    ({"AWS_REGION": "us-east-1"}, "AWS_REGION must be an Indian region (ap-south-1, ap-south-2)"),
    ({"BACKUP_RETENTION_DAYS": "0"}, "BACKUP_RETENTION_DAYS must be a whole number of days in 1..3650"),
    ({"BACKUP_AGE_RECIPIENTS": "AGE-SECRET-KEY-1QQQQ"}, "give the job public keys (age1…) only"),
    ({"BACKUP_AGE_RECIPIENTS": "age1notakey"}, "is not an age X25519 public key"),
    ({"BACKUP_HEARTBEAT_URL": "http://hc.example.invalid/ping/secret-uuid"}, "BACKUP_HEARTBEAT_URL must be an https"),
    ({"BACKUP_PREFIX": "/abs"}, "BACKUP_PREFIX must be key segments ending in '/'"),
    ({"BACKUP_DATABASE_URL": "not a dsn"}, "BACKUP_DATABASE_URL must be a libpq connection URI"),
    ({"BACKUP_VERIFICATION_FILE": "/nonexistent.toml"}, "BACKUP_VERIFICATION_FILE: /nonexistent.toml does not exist"),
])
def test_bad_settings_exit_2_naming_the_variable(overrides: dict[str, str], expected: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert backup_main(good_env(**overrides)) == 2
    output = capsys.readouterr()
    assert expected in output.err
    assert "pw-not-real" not in output.out + output.err and "secret-uuid" not in output.out + output.err


def test_bad_settings_page_through_the_failure_url_when_it_is_usable(capsys: pytest.CaptureFixture[str]) -> None:
    with heartbeat_server() as (url, pings):
        assert backup_main(good_env(AWS_REGION="eu-west-1", BACKUP_FAILURE_URL=f"{url}/fail")) == 2
    assert pings.paths() == ["/fail"] and "AWS_REGION" in pings.received[0][1]
    capsys.readouterr()


def test_verification_file_errors_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "v.toml"
    path.write_text('[dump]\nschemas = ["public"]\n[schema_version]\ntable = "supabase_migrations.schema_migrations"\n'
                    'column = "version"\n[[tables]]\nname = "Payments"\n[[tables]]\nname = "ledger.entries"\n'
                    'min_rows = -1\n')
    with pytest.raises(VerificationError) as caught:
        load_verification(path)
    message = str(caught.value)
    assert "tables[0].name must be 'schema.table' in lower case; got 'Payments'" in message
    assert "tables[1].min_rows must be a whole number >= 0" in message
    assert "tables: ledger.entries is in schema 'ledger', which dump.schemas (public) does not take" in message
    assert "schema_version.table is in schema 'supabase_migrations'" in message
    assert load_verification(DEFAULT_FILE).schemas == ("public", "supabase_migrations")


def test_identities_and_recipients_are_parsed_without_echoing_key_material() -> None:
    identity = x25519.Identity.generate()
    assert len(parse_identities(f"# comment\n\n{identity}\n", "file")) == 1
    with pytest.raises(CryptoError) as caught:
        parse_identities("AGE-SECRET-KEY-1NOTAREALKEYATALL\n", "drill.key")
    assert "drill.key, line 1" in str(caught.value) and "NOTAREALKEY" not in str(caught.value)
    assert parse_recipients(f"{RECIPIENT}, {identity.to_public()}") == (RECIPIENT, str(identity.to_public()))


def test_the_password_never_reaches_a_command_line_or_a_message() -> None:
    conninfo, password = split_password(SECRET_DSN)
    assert password == "pw-not-real-91c2" and "pw-not-real" not in conninfo and "backup_reader" in conninfo
    assert error_lines("pg_restore: error: could not connect pw-not-real-91c2\nCONTEXT: COPY payments, line 3: "
                       "\"42\t99\"\n", password) == "pg_restore: error: could not connect ********"


def test_pings_retry_server_errors_but_not_a_wrong_url() -> None:
    waits: list[float] = []
    assert ping("http://127.0.0.1:9/secret-uuid", "x", timeout=0.5, sleep=waits.append) == \
        "ping to 127.0.0.1 failed (ConnectionRefusedError)"
    assert waits == [2.0, 4.0]
    with heartbeat_server() as (url, pings):
        assert ping(f"{url}/ok", "stored") is None
    assert pings.received == [("/ok", "stored")]


def test_the_drill_reads_rto_and_major_version_from_the_stack() -> None:
    production, staging = stack_targets("production"), stack_targets("staging")
    assert (production.rto_minutes, production.postgres_major) == (60.0, 17)
    assert staging.rto_minutes is not None and staging.postgres_major is not None
    with pytest.raises(ValueError, match="stack file not found"):
        stack_targets("qa")


@pytest.mark.parametrize(("argv", "env", "expected"), [
    (["--region", "ap-south-1"], {}, "--bucket (or BACKUP_BUCKET) is required"),
    (["--bucket", "b-b-b", "--region", "us-east-1"], {}, "--region (or AWS_REGION) must be one of ap-south-1"),
    (["--bucket", "b-b-b", "--region", "ap-south-1"], {}, "no decryption identity"),
    (["--bucket", "b-b-b", "--region", "ap-south-1", "--version-id", "v"], {}, "--version-id needs --key"),
    (["--bucket", "b-b-b", "--region", "ap-south-1", "--rto", "0"], {}, "--rto must be a positive number"),
    (["--bucket", "b-b-b", "--region", "ap-south-1", "--pg-bindir", "/nonexistent"],
     {"BACKUP_AGE_IDENTITY": str(x25519.Identity.generate())}, "not found in /nonexistent"),
    (["--bucket", "b-b-b", "--region", "ap-south-1", "--stack", "qa"],
     {"BACKUP_AGE_IDENTITY": str(x25519.Identity.generate())}, "stack file not found"),
])
def test_drill_usage_errors_exit_2_before_touching_the_bucket(argv: list[str], env: dict[str, str], expected: str,
                                                               capsys: pytest.CaptureFixture[str],
                                                               tmp_path: Path) -> None:
    assert drill_main([*argv, "--evidence", str(tmp_path / "e.json")], env) == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "e.json").exists()


def test_as_root_the_server_runs_as_a_named_unprivileged_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LSP_PG_USER", "no-such-user-lsp")
    if os.geteuid() != 0:
        assert server_user() is None  # not root: the caller runs the server itself
        return
    with pytest.raises(PostgresError, match="none of the users no-such-user-lsp exists"):
        server_user()
    monkeypatch.setenv("LSP_PG_USER", "nobody")
    user = server_user()
    assert user is not None and user.pw_uid != 0
