"""The chain anchored outside the database (issue 13).

Whoever can write the database can rewrite the hash chain: edit an event, recompute every
later hash and the chain head, and :func:`openatt.register.audit.verify` finds nothing. A
*checkpoint* is the chain head (sequence number and hash) signed with an Ed25519 key that
the database does not hold, appended to a file outside it. :func:`verify_checkpoints` then
reports a history rewritten or truncated since any checkpoint. What it cannot show: events
appended after the last checkpoint (checkpoint often) and a checkpoint file deleted whole
(keep a copy elsewhere, or send each checkpoint to a timestamping service: each checkpoint
also writes an RFC 3161 ``TimeStampReq``, ``<seq>.tsq``, that any TSA answers).

The key comes from ``OPENATT_SIGNING_KEY`` (the private key's 32 bytes, hex) or the PEM file
named by ``OPENATT_SIGNING_KEY_FILE``; verification needs only the public key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from openatt.register import canonical
from openatt.register.errors import Invalid
from openatt.register.files import private_file
from openatt.register.models import ChainHead, Event

KEY_ENV = "OPENATT_SIGNING_KEY"
KEY_FILE_ENV = "OPENATT_SIGNING_KEY_FILE"
CHECKPOINTS_ENV = "OPENATT_CHECKPOINTS"


def generate_key(path: Path) -> Ed25519PublicKey:
    """Write a new private key to ``path`` (PEM, 0600); returns its public key."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with private_file(path, exclusive=True) as handle:
        handle.write(pem)
    return key.public_key()


def signing_key(path: Path | None = None) -> Ed25519PrivateKey | None:
    """The configured key: ``path``, else the environment; None when none is configured."""
    from openatt.settings import get_settings

    configured = get_settings()
    raw = configured.signing_key
    if path is None and raw:
        try:
            return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(raw.strip()))
        except ValueError as error:
            raise Invalid(f"{KEY_ENV}: not a 32-byte hex Ed25519 key", field=(KEY_ENV,)) from error
    key_file = configured.signing_key_file
    named = path or (Path(key_file) if key_file else None)
    if named is None:
        return None
    try:
        key = serialization.load_pem_private_key(named.read_bytes(), password=None)
    except (OSError, ValueError) as error:
        raise Invalid(f"signing key {named}: {error}", field=("key",)) from error
    if not isinstance(key, Ed25519PrivateKey):
        raise Invalid(f"signing key {named}: not an Ed25519 key", field=("key",))
    return key


def public_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def public_key(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text.strip()))
    except ValueError as error:
        raise Invalid("public key: not a 32-byte hex Ed25519 key", field=("public_key",)) from error


def default_path() -> Path:
    from openatt import settings

    return Path(settings.get_settings().checkpoints or settings.home() / "checkpoints.jsonl")


def _signed_part(seq: int, head_hash: str, at: str) -> bytes:
    return canonical.dumps({"seq": seq, "hash": head_hash, "at": at}).encode("utf-8")


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    public_key: str
    signature: str

    def line(self) -> str:
        return canonical.dumps(self.__dict__)


def request_path(path: Path, seq: int) -> Path:
    """Where the timestamp request of a checkpoint at ``seq`` goes: ``<stem>-<seq>.tsq``, or
    ``<stem>-<seq>-<k>.tsq`` for the k-th checkpoint of an unchanged chain (a checkpoint
    with no event since the last one), so that no request, and no answer already fetched
    for it, is ever overwritten."""
    candidate = path.with_name(f"{path.stem}-{seq}.tsq")
    k = 1
    while candidate.exists():
        k += 1
        candidate = path.with_name(f"{path.stem}-{seq}-{k}.tsq")
    return candidate


def checkpoint(session: Session, key: Ed25519PrivateKey, path: Path) -> Checkpoint:
    """Sign the current chain head and append it to ``path`` (with ``<seq>.tsq`` beside it)."""
    head = session.get(ChainHead, 1)
    seq, head_hash = (head.seq, head.hash) if head else (0, "0" * 64)
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    signature = key.sign(_signed_part(seq, head_hash, at)).hex()
    point = Checkpoint(seq, head_hash, at, public_hex(key.public_key()), signature)
    with private_file(path, append=True) as handle:
        handle.write((point.line() + "\n").encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    digest = hashlib.sha256(point.line().encode("utf-8")).digest()
    with private_file(request_path(path, seq)) as handle:
        handle.write(timestamp_request(digest))
    return point


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body


def _der_int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


SHA256_OID = bytes.fromhex("0609608648016503040201")  # 2.16.840.1.101.3.4.2.1 (RFC 5754)


def timestamp_request(digest: bytes, nonce: int | None = None) -> bytes:
    """A DER ``TimeStampReq`` (RFC 3161 section 2.4.1) for a SHA-256 digest, asking for
    the TSA's certificate: ``curl --data-binary @x.tsq -H 'Content-Type:
    application/timestamp-query' TSA > x.tsr``, then ``openssl ts -verify``."""
    algorithm = _der(0x30, SHA256_OID + b"\x05\x00")
    imprint = _der(0x30, algorithm + _der(0x04, digest))
    body = _der_int(1) + imprint + _der_int(nonce or secrets.randbits(63)) + b"\x01\x01\xff"
    return _der(0x30, body)


@dataclass(frozen=True)
class AnchorCheck:
    checkpoints: int
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_checkpoints(session: Session, path: Path, trusted: Ed25519PublicKey) -> AnchorCheck:
    """Check the log against every checkpoint in ``path`` signed by ``trusted``."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as error:
        return AnchorCheck(0, [f"checkpoints {path}: {error.strerror}"])
    problems: list[str] = []
    count = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        count += 1
        try:
            point = Checkpoint(**json.loads(line))
            trusted.verify(
                bytes.fromhex(point.signature), _signed_part(point.seq, point.hash, point.at)
            )
        except (TypeError, ValueError, InvalidSignature):
            problems.append(f"checkpoint line {number}: not signed by the trusted key")
            continue
        if point.seq == 0:
            continue
        found = session.execute(select(Event.hash).where(Event.seq == point.seq)).scalar()
        if found is None:
            problems.append(
                f"event {point.seq} was checkpointed at {point.at} but is missing "
                "(history truncated)"
            )
        elif found != point.hash:
            problems.append(
                f"event {point.seq} differs from its checkpoint of {point.at} (history rewritten)"
            )
    return AnchorCheck(count, problems)
