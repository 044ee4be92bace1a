"""Issue 13, attack 3 (the checkpoint file itself): a TSA's RFC 3161 answer beside a
checkpoint proves when it existed, but only ``openssl ts -verify`` could check it. Now
``audit verify-anchored --tsa-cert`` verifies every ``<checkpoints>-N.tsr``: a genuine one
passes; one for another digest, a tampered TSTInfo, one signed by another key and a
rejection are each reported. The TSA is built here (no network): a self-signed
certificate from ``cryptography`` and a ``TimeStampResp`` assembled with ``asn1crypto``."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from typer.testing import CliRunner

from openatt.cli.main import build_app
from openatt.register import anchor, timestamps, users
from openatt.register.db import Database
from openatt.register.models import Role

TsaKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


class Root:
    """A certification authority of the test's own, the root a TSA's certificate chains to."""

    def __init__(self, label: str) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = _name(f"test root {label}")
        now = dt.datetime.now(dt.UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=2))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )

    def pem(self, path: Path) -> Path:
        path.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        return path


class Tsa:
    """A timestamping authority of the test's own: a key and its certificate, self-signed
    or issued by ``root`` with the given extended key usage (RFC 3161 2.3 wants
    timestamping alone, critical)."""

    def __init__(
        self,
        kind: str,
        root: Root | None = None,
        usage: x509.ObjectIdentifier = ExtendedKeyUsageOID.TIME_STAMPING,
        critical: bool = True,
    ) -> None:
        self.key: TsaKey = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if kind == "rsa"
            else ec.generate_private_key(ec.SECP256R1())
        )
        name = _name(f"test TSA {kind}")
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(root.name if root else name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
        )
        if root is None:
            self.certificate = builder.sign(self.key, hashes.SHA256())
            return
        self.certificate = (
            builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root.key.public_key()), False
            )
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=critical)
            .sign(root.key, hashes.SHA256())
        )

    def pem(self, path: Path) -> Path:
        path.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        return path

    def answer(
        self,
        tsq: bytes,
        *,
        digest: bytes | None = None,
        tamper: bool = False,
        gen_time: dt.datetime | None = None,
    ) -> bytes:
        """A granted ``TimeStampResp`` for the request (or for ``digest`` instead) at
        ``gen_time`` (now); with ``tamper`` the genTime is changed after it was signed."""
        request = tsp.TimeStampReq.load(tsq)
        asked: bytes = request["message_imprint"]["hashed_message"].native
        info = {
            "version": "v1",
            "policy": "1.3.6.1.4.1.99999.1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest or asked,
            },
            "serial_number": 7,
            "gen_time": gen_time or dt.datetime.now(dt.UTC).replace(microsecond=0),
            "nonce": request["nonce"].native,
        }
        signed_info = tsp.TSTInfo(info).dump()
        attributes = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "message_digest", "values": [hashlib.sha256(signed_info).digest()]},
            ]
        )
        to_sign = attributes.dump()  # a SET OF: what RFC 5652 5.4 signs
        if isinstance(self.key, rsa.RSAPrivateKey):
            signature = self.key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
            algorithm = "sha256_rsa"
        else:
            signature = self.key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
            algorithm = "sha256_ecdsa"
        if tamper:
            info["gen_time"] = info["gen_time"] - dt.timedelta(days=1)  # type: ignore[operator]
        carried = tsp.TSTInfo(info).dump()
        certificate = asn1_x509.Certificate.load(
            self.certificate.public_bytes(serialization.Encoding.DER)
        )
        signer = {
            "version": "v1",
            "sid": {
                "issuer_and_serial_number": {
                    "issuer": certificate.issuer,
                    "serial_number": certificate.serial_number,
                }
            },
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": attributes,
            "signature_algorithm": {"algorithm": algorithm},
            "signature": signature,
        }
        signed_data = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [{"algorithm": "sha256"}],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": cms.ParsableOctetString(carried),
                },
                "certificates": [certificate],
                "signer_infos": [signer],
            }
        )
        token = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
        return tsp.TimeStampResp(
            {"status": {"status": "granted"}, "time_stamp_token": token}
        ).dump()


def _rejection() -> bytes:
    status = tsp.PKIStatusInfo({"status": "rejection", "status_string": ["bad request"]}).dump()
    return b"\x30" + bytes([len(status)]) + status  # a TimeStampResp with no token


def _checkpointed(database_url: str, tmp_path: Path) -> tuple[Path, str, Path]:
    """A register with one user, a signed checkpoint and its ``.tsq``."""
    db = Database(database_url)
    with db.write() as session:
        users.add_user(session, username="alice", password="long enough pw 1", role=Role.officer)
    key_file = tmp_path / "keys" / "signing.pem"
    public = anchor.public_hex(anchor.generate_key(key_file))
    key = anchor.signing_key(key_file)
    assert key is not None
    checkpoints = tmp_path / "checkpoints.jsonl"
    with db.read() as session:
        point = anchor.checkpoint(session, key, checkpoints)
    db.dispose()
    return checkpoints, public, tmp_path / f"checkpoints-{point.seq}.tsq"


def _verify(
    database_url: str, checkpoints: Path, public: str, cert: Path, option: str = "--tsa-cert"
) -> tuple[int, str]:
    result = CliRunner().invoke(
        build_app(),
        [
            "audit",
            "verify-anchored",
            "--public-key",
            public,
            "--checkpoints",
            str(checkpoints),
            option,
            str(cert),
            "--database",
            database_url,
        ],
    )
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize("kind", ["rsa", "ecdsa"])
def test_a_genuine_tsa_response_verifies(database_url: str, tmp_path: Path, kind: str) -> None:
    checkpoints, public, tsq = _checkpointed(database_url, tmp_path)
    tsa = Tsa(kind)
    tsq.with_suffix(".tsr").write_bytes(tsa.answer(tsq.read_bytes()))
    code, output = _verify(database_url, checkpoints, public, tsa.pem(tmp_path / "tsa.pem"))
    assert code == 0, output
    assert "1 timestamp responses verified" in output and "stamped at" in output


@pytest.mark.parametrize(
    ("forgery", "reported"),
    [
        ("other digest", "it stamps another digest than the request asked for"),
        ("tampered TSTInfo", "the TSTInfo was altered after signing"),
        ("stamped before the checkpoint", "is before the checkpoint"),
        ("wrong certificate", "not signed by the TSA certificate given"),
        ("rejected", "the TSA answered rejection: bad request"),
    ],
)
def test_a_bad_tsa_response_is_reported(
    database_url: str, tmp_path: Path, forgery: str, reported: str
) -> None:
    checkpoints, public, tsq = _checkpointed(database_url, tmp_path)
    tsa = Tsa("ecdsa")
    cert = tsa.pem(tmp_path / "tsa.pem")
    request = tsq.read_bytes()
    if forgery == "other digest":
        answer = tsa.answer(request, digest=hashlib.sha256(b"another checkpoint").digest())
    elif forgery == "tampered TSTInfo":
        answer = tsa.answer(request, tamper=True)
    elif forgery == "stamped before the checkpoint":
        answer = tsa.answer(request, gen_time=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    elif forgery == "wrong certificate":
        answer = Tsa("ecdsa").answer(request)  # another TSA's key, same certificate trusted
    else:
        answer = _rejection()
    tsq.with_suffix(".tsr").write_bytes(answer)
    code, output = _verify(database_url, checkpoints, public, cert)
    assert code == 1
    assert output.startswith(f"TAMPERED timestamp {tsq.with_suffix('.tsr').name}: ")
    assert reported in output


def test_a_tsr_for_a_request_no_checkpoint_signed_is_reported(tmp_path: Path) -> None:
    """A forged checkpoint line plus its own (genuinely stamped) request proves nothing."""
    key = tmp_path / "k.pem"
    public = anchor.public_key(anchor.public_hex(anchor.generate_key(key)))
    checkpoints = tmp_path / "checkpoints.jsonl"
    checkpoints.write_text(
        '{"seq": 3, "hash": "00", "at": "x", "public_key": "", "signature": ""}\n'
    )
    tsq = tmp_path / "checkpoints-3.tsq"
    tsq.write_bytes(anchor.timestamp_request(hashlib.sha256(b"forged").digest()))
    tsa = Tsa("ecdsa")
    tsq.with_suffix(".tsr").write_bytes(tsa.answer(tsq.read_bytes()))
    check = timestamps.check_responses(checkpoints, public, tsa.certificate)
    assert check.problems == [
        "timestamp checkpoints-3.tsr: checkpoints-3.tsq is not the request of a signed checkpoint"
    ]
    assert timestamps.check_responses(checkpoints, public, None).unchecked == 1


def test_a_second_checkpoint_of_an_unchanged_chain_keeps_the_first_request(
    database_url: str, tmp_path: Path
) -> None:
    """Two checkpoints with no event between them share their seq: the second request is
    written beside the first (``-N-2.tsq``), never over it, and both answers verify."""
    checkpoints, public, first = _checkpointed(database_url, tmp_path)
    asked_first = first.read_bytes()
    key = anchor.signing_key(tmp_path / "keys" / "signing.pem")
    assert key is not None
    db = Database(database_url)
    with db.read() as session:
        point = anchor.checkpoint(session, key, checkpoints)
    db.dispose()
    second = tmp_path / f"checkpoints-{point.seq}-2.tsq"
    assert first.read_bytes() == asked_first  # not overwritten
    assert second.exists() and second.read_bytes() != asked_first
    tsa = Tsa("rsa")
    for tsq in (first, second):
        tsq.with_suffix(".tsr").write_bytes(tsa.answer(tsq.read_bytes()))
    code, output = _verify(database_url, checkpoints, public, tsa.pem(tmp_path / "tsa.pem"))
    assert code == 0, output
    assert "2 timestamp responses verified" in output


def test_a_tsa_certificate_that_chains_to_the_given_root_verifies_without_pinning(
    database_url: str, tmp_path: Path
) -> None:
    """With ``--tsa-ca`` the certificate the response carries is checked against the root:
    a TSA that renews its certificate needs no change on the verifier's side."""
    checkpoints, public, tsq = _checkpointed(database_url, tmp_path)
    root = Root("a")
    tsa = Tsa("ecdsa", root)
    tsq.with_suffix(".tsr").write_bytes(tsa.answer(tsq.read_bytes()))
    code, output = _verify(
        database_url, checkpoints, public, root.pem(tmp_path / "root.pem"), "--tsa-ca"
    )
    assert code == 0, output
    assert "1 timestamp responses verified" in output


@pytest.mark.parametrize(
    ("case", "reported"),
    [
        ("another root", "does not chain to --tsa-ca"),
        ("client certificate", "not timestamping alone"),
        ("usage not critical", "does not chain to --tsa-ca"),
        ("self-signed", "does not chain to --tsa-ca"),
    ],
)
def test_a_tsa_certificate_that_is_not_a_timestamping_one_under_the_root_is_reported(
    database_url: str, tmp_path: Path, case: str, reported: str
) -> None:
    checkpoints, public, tsq = _checkpointed(database_url, tmp_path)
    trusted, other = Root("trusted"), Root("other")
    tsa = {
        "another root": lambda: Tsa("ecdsa", other),
        "client certificate": lambda: Tsa("ecdsa", trusted, ExtendedKeyUsageOID.CLIENT_AUTH),
        "usage not critical": lambda: Tsa("ecdsa", trusted, critical=False),
        "self-signed": lambda: Tsa("ecdsa"),
    }[case]()
    tsq.with_suffix(".tsr").write_bytes(tsa.answer(tsq.read_bytes()))
    code, output = _verify(
        database_url, checkpoints, public, trusted.pem(tmp_path / "root.pem"), "--tsa-ca"
    )
    assert code == 1, output
    assert f"TAMPERED timestamp {tsq.with_suffix('.tsr').name}: " in output
    assert reported in output
