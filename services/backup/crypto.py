"""age encryption of the dump stream (https://age-encryption.org/v1), through pyrage.

Why age: a small, well-specified format with independent implementations (rage, the reference Go
`age`, Debian's `age` package), authenticated encryption in 64 KiB chunks (a flipped bit fails
decryption instead of restoring garbage), and X25519 public keys so the backup job holds only
recipients. Whoever holds an identity (`AGE-SECRET-KEY-1…`) can decrypt: the drill's identity in
the secret store, the break-glass identity offline (docs/backups.md, "Who holds the keys").
`age -d -i identity.txt backup.dump.age > backup.dump` decrypts without this repository.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable
from typing import IO

import pyrage
from pyrage import x25519
from typing_extensions import Buffer

FORMAT = "age-encryption.org/v1"
_RECIPIENT = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")


class CryptoError(Exception):
    """A key that cannot be used, or a stream that does not decrypt. Never holds key material."""


def parse_recipients(text: str) -> tuple[str, ...]:
    """age X25519 public keys, separated by commas, spaces or new lines (at least one)."""
    recipients = tuple(part for part in re.split(r"[\s,]+", text.strip()) if part)
    if not recipients:
        raise CryptoError("no recipient given; expected age public keys (age1…)")
    for recipient in recipients:
        if recipient.startswith("AGE-SECRET-KEY-"):
            raise CryptoError("holds an age *identity* (a private key); give the job public keys (age1…) only")
        if not _RECIPIENT.match(recipient):
            raise CryptoError(f"{recipient[:12]}… is not an age X25519 public key (age1 followed by 58 characters)")
        try:
            x25519.Recipient.from_str(recipient)
        except pyrage.RecipientError:
            raise CryptoError(f"{recipient[:12]}… is not a valid age public key (bad checksum)") from None
    return recipients


def parse_identities(text: str, source: str) -> list[x25519.Identity]:
    """The identities of an age identity file: `AGE-SECRET-KEY-1…` lines; `#` comments and blanks ignored."""
    identities = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(x25519.Identity.from_str(line))
        except pyrage.IdentityError:
            raise CryptoError(f"{source}, line {number}: not an age X25519 identity (AGE-SECRET-KEY-1…)") from None
    if not identities:
        raise CryptoError(f"{source} holds no age identity")
    return identities


class HashingReader(io.BufferedIOBase):
    """Reads through to ``source`` and hashes (and counts) every byte read."""

    def __init__(self, source: IO[bytes]) -> None:
        super().__init__()
        self.source = source
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int | None = -1, /) -> bytes:
        data = self.source.read(-1 if size is None else size)
        self.sha256.update(data)
        self.size += len(data)
        return data

    def readable(self) -> bool:
        return True


class HashingWriter(io.BufferedIOBase):
    """Writes through to ``sink`` and hashes (and counts) every byte written."""

    def __init__(self, sink: IO[bytes]) -> None:
        super().__init__()
        self.sink = sink
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: Buffer, /) -> int:
        self.sha256.update(data)
        self.size += len(memoryview(data))
        return self.sink.write(data)

    def flush(self) -> None:
        self.sink.flush()

    def writable(self) -> bool:
        return True


def encrypt_stream(source: IO[bytes], sink: IO[bytes],
                   recipients: Iterable[str]) -> tuple[HashingReader, HashingWriter]:
    """Encrypt ``source`` into ``sink``; returns the plain and encrypted sides' hashes and sizes."""
    plain, encrypted = HashingReader(source), HashingWriter(sink)
    pyrage.encrypt_io(plain, encrypted, [x25519.Recipient.from_str(r) for r in recipients])
    return plain, encrypted


def decrypt_stream(source: io.BufferedIOBase, sink: IO[bytes], identities: list[x25519.Identity]) -> HashingWriter:
    """Decrypt ``source`` into ``sink``; returns the plain side's hash and size.

    On error ``sink`` holds a partial plaintext: the caller must discard it.
    """
    plain = HashingWriter(sink)
    try:
        pyrage.decrypt_io(source, plain, identities)
    except pyrage.DecryptError as error:
        raise CryptoError(f"cannot decrypt: {error} (is the identity one of the backup's recipients?)") from None
    except OSError as error:
        # rage reports a chunk that fails authentication as an I/O error of the stream.
        raise CryptoError(f"cannot decrypt: the encrypted stream is damaged ({error})") from None
    return plain
