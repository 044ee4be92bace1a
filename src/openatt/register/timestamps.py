"""RFC 3161 timestamp responses beside the checkpoints (issue 13).

Each checkpoint writes ``<checkpoints>-N.tsq``, a ``TimeStampReq`` for the SHA-256 of its
signed line (``<checkpoints>-N-K.tsq`` for a further checkpoint of an unchanged chain).
Sent to a timestamping authority (TSA), the answer ``<checkpoints>-N.tsr`` proves that
the checkpoint existed at the TSA's ``genTime``: a checkpoint file later deleted or
rewritten whole cannot be re-created with an earlier date without the TSA.
Until now only ``openssl ts -verify`` could check that answer; :func:`check_responses` does
it here, so ``openatt audit verify-anchored --tsa-cert PEM`` reports a bad one with the rest.

What is checked for each response (RFC 3161 section 2.4.2, RFC 5652 section 5.4):

* the status is *granted* (or granted with modifications);
* the token's ``TSTInfo`` imprints the SHA-256 digest that the ``.tsq`` asked for (and the
  ``.tsq`` is that of a checkpoint signed by the trusted key), with the same nonce;
* ``genTime`` is not before the checkpoint was signed, nor in the future, and falls within
  the TSA certificate's validity;
* the CMS ``SignedData``: the signed attributes' message digest is the digest of the
  ``TSTInfo`` as encoded, their content type is ``id-ct-TSTInfo``, and the signature over the
  signed attributes verifies with the public key of the certificate given (RSA PKCS#1 v1.5,
  RSA-PSS or ECDSA).

With ``--tsa-ca ROOTS`` the certificate need not be pinned: the TSA's certificate is taken
from the token (RFC 3161 responses carry it when the request asks, and openatt's requests
do), and it must chain, through the other certificates the token carries, to one of the
roots at the response's genTime, as a certificate for timestamping only (RFC 3161 section
2.3: extended key usage id-kp-timeStamping, critical). A TSA that renews its certificate
then needs no change on the verifier's side.

Not checked: revocation of the TSA's certificates (CRL or OCSP need the network), and the
ESS signing-certificate attribute.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID

from openatt.register.errors import Invalid

# How far a TSA's clock may run ahead of ours before its genTime counts as "in the future".
CLOCK_SKEW = dt.timedelta(minutes=5)

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


class _Response(tsp.TimeStampResp):  # type: ignore[misc]  # asn1crypto is untyped
    """``TimeStampResp`` with the token optional, as RFC 3161 has it: a rejection has none
    (asn1crypto's class requires one and would not parse a refusal)."""

    _fields = [  # noqa: RUF012 (asn1crypto's declaration style)
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


class ResponseRefused(Exception):
    """One reason a timestamp response does not prove what it should."""


def load_certificate(path: Path) -> x509.Certificate:
    """The TSA's certificate (PEM or DER), named by ``--tsa-cert``."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Invalid(f"--tsa-cert {path}: {error.strerror}", field=("tsa_cert",)) from error
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as error:
        raise Invalid(
            f"--tsa-cert {path}: not an X.509 certificate", field=("tsa_cert",)
        ) from error


def load_roots(path: Path) -> list[x509.Certificate]:
    """The roots a TSA's certificate must chain to (``--tsa-ca``: PEM, one or more)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Invalid(f"--tsa-ca {path}: {error.strerror}", field=("tsa_ca",)) from error
    try:
        roots = x509.load_pem_x509_certificates(data)
    except ValueError as error:
        raise Invalid(f"--tsa-ca {path}: no PEM certificate in it", field=("tsa_ca",)) from error
    return roots


def _timestamping_only(
    _policy: verification.Policy, _certificate: x509.Certificate, usage: x509.ExtendedKeyUsage
) -> None:
    if list(usage) != [ExtendedKeyUsageOID.TIME_STAMPING]:
        raise ValueError("the TSA certificate's extended key usage is not timestamping alone")


def check_chain(
    certificate: x509.Certificate,
    carried: list[x509.Certificate],
    roots: list[x509.Certificate],
    at: dt.datetime,
) -> None:
    """``certificate`` chains to ``roots`` at ``at`` through ``carried`` (the other
    certificates of the token), as a timestamping certificate (RFC 3161 section 2.3)."""
    end_entity = verification.ExtensionPolicy.permit_all().require_present(
        x509.ExtendedKeyUsage, verification.Criticality.CRITICAL, _timestamping_only
    )
    verifier = (
        verification.PolicyBuilder()
        .store(verification.Store(roots))
        .time(at)
        .extension_policies(
            ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(), ee_policy=end_entity
        )
        .build_client_verifier()
    )
    try:
        verifier.verify(certificate, carried)
    except verification.VerificationError as error:
        raise ResponseRefused(
            f"the TSA certificate does not chain to --tsa-ca ({error})"
        ) from error


def _carried(
    signed: cms.SignedData, signer: cms.SignerInfo
) -> tuple[x509.Certificate | None, list[x509.Certificate]]:
    """The signer's certificate among those the token carries, and the others."""
    wanted = signer["sid"]
    found: x509.Certificate | None = None
    others: list[x509.Certificate] = []
    for choice in signed["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        loaded = x509.load_der_x509_certificate(cert.dump())
        if wanted.name == "issuer_and_serial_number" and (
            cert.issuer == wanted.chosen["issuer"]
            and cert.serial_number == wanted.chosen["serial_number"].native
        ):
            found = loaded
        else:
            others.append(loaded)
    return found, others


def requested(tsq: bytes) -> tuple[bytes, int | None]:
    """The digest a ``TimeStampReq`` asks to be stamped, and its nonce."""
    try:
        request = tsp.TimeStampReq.load(tsq)
        imprint = request["message_imprint"]
        if imprint["hash_algorithm"]["algorithm"].native != "sha256":
            raise ResponseRefused("the request does not ask for a SHA-256 imprint")
        digest: bytes = imprint["hashed_message"].native
        nonce: int | None = request["nonce"].native
    except (ValueError, TypeError, KeyError) as error:
        raise ResponseRefused(f"the request is not a TimeStampReq ({error})") from error
    return digest, nonce


def verify_response(
    tsr: bytes,
    digest: bytes,
    nonce: int | None,
    certificate: x509.Certificate | None,
    not_before: dt.datetime,
    now: dt.datetime,
    roots: list[x509.Certificate] | None = None,
) -> dt.datetime:
    """Check one ``TimeStampResp`` for ``digest``; returns its genTime, or raises
    :class:`ResponseRefused` naming the first thing wrong. The TSA's ``certificate`` is
    the one given, or (with ``roots``) the one the token carries, checked against them."""
    try:
        response = _Response.load(tsr)
        status = response["status"]["status"].native
    except (ValueError, TypeError, KeyError) as error:
        raise ResponseRefused(f"not a TimeStampResp ({error})") from error
    if status not in ("granted", "granted_with_mods"):
        text = response["status"]["status_string"].native or []
        raise ResponseRefused(
            f"the TSA answered {status}" + (f": {' '.join(text)}" if text else "")
        )
    try:
        token = response["time_stamp_token"]
        if token["content_type"].native != "signed_data":
            raise ResponseRefused("the token is not CMS SignedData")
        signed: cms.SignedData = token["content"]
        encapsulated = signed["encap_content_info"]
        if encapsulated["content_type"].native != "tst_info":
            raise ResponseRefused("the token does not hold a TSTInfo")
        tst_der: bytes = bytes(encapsulated["content"])
        info = tsp.TSTInfo.load(tst_der)
        imprint = info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        stamped: bytes = imprint["hashed_message"].native
        gen_time: dt.datetime = info["gen_time"].native
        stamped_nonce: int | None = info["nonce"].native
        signers = list(signed["signer_infos"])
    except (ValueError, TypeError, KeyError) as error:
        raise ResponseRefused(f"the token cannot be read ({error})") from error
    if len(signers) != 1:
        raise ResponseRefused(f"the token has {len(signers)} signers, not one")
    try:
        own, carried = _carried(signed, signers[0])
    except (ValueError, TypeError, KeyError) as error:
        raise ResponseRefused(f"the token's certificates cannot be read ({error})") from error
    certificate = certificate or own
    if certificate is None:
        raise ResponseRefused("the token does not carry the TSA's certificate (give --tsa-cert)")
    _check_signer(signers[0], tst_der, certificate)
    if algorithm != "sha256" or stamped != digest:
        raise ResponseRefused("it stamps another digest than the request asked for")
    if nonce is not None and stamped_nonce != nonce:
        raise ResponseRefused("its nonce is not the request's")
    if gen_time < not_before - CLOCK_SKEW:
        raise ResponseRefused(f"genTime {gen_time:%Y-%m-%dT%H:%M:%SZ} is before the checkpoint")
    if gen_time > now + CLOCK_SKEW:
        raise ResponseRefused(f"genTime {gen_time:%Y-%m-%dT%H:%M:%SZ} is in the future")
    if not certificate.not_valid_before_utc <= gen_time <= certificate.not_valid_after_utc:
        raise ResponseRefused("genTime is outside the TSA certificate's validity")
    if roots:
        check_chain(certificate, carried, roots, gen_time)
    return gen_time


def _check_signer(signer: cms.SignerInfo, tst_der: bytes, certificate: x509.Certificate) -> None:
    """The signed attributes bind the TSTInfo; the signature over them is the TSA's."""
    hash_name = signer["digest_algorithm"]["algorithm"].native
    if hash_name not in _HASHES:
        raise ResponseRefused(f"unsupported digest algorithm {hash_name}")
    chosen = _HASHES[hash_name]()
    attributes = signer["signed_attrs"]
    if not attributes:
        raise ResponseRefused("the token has no signed attributes")
    values = {attribute["type"].native: attribute["values"] for attribute in attributes}
    if "message_digest" not in values or "content_type" not in values:
        raise ResponseRefused("the signed attributes lack the message digest or content type")
    if values["content_type"][0].native != "tst_info":
        raise ResponseRefused("the signed content type is not TSTInfo")
    expected = hashlib.new(hash_name, tst_der).digest()
    if values["message_digest"][0].native != expected:
        raise ResponseRefused("the TSTInfo was altered after signing (message digest differs)")
    # RFC 5652 5.4: the signature covers the attributes DER-encoded as a SET OF, not with the
    # [0] IMPLICIT tag they carry inside SignerInfo.
    signed_bytes = b"\x31" + attributes.dump()[1:]
    signature: bytes = signer["signature"].native
    scheme = signer["signature_algorithm"].signature_algo
    key = certificate.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey) and scheme == "rsassa_pkcs1v15":
            key.verify(signature, signed_bytes, padding.PKCS1v15(), chosen)
        elif isinstance(key, rsa.RSAPublicKey) and scheme == "rsassa_pss":
            pss = padding.PSS(mgf=padding.MGF1(chosen), salt_length=padding.PSS.AUTO)
            key.verify(signature, signed_bytes, pss, chosen)
        elif isinstance(key, ec.EllipticCurvePublicKey) and scheme == "ecdsa":
            key.verify(signature, signed_bytes, ec.ECDSA(chosen))
        else:
            raise ResponseRefused(f"a {scheme} signature does not match the certificate's key")
    except InvalidSignature as error:
        raise ResponseRefused("not signed by the TSA certificate given") from error


@dataclass
class TimestampCheck:
    verified: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unchecked: int = 0


def _signed_checkpoints(path: Path, trusted: Ed25519PublicKey) -> dict[bytes, tuple[int, str]]:
    """SHA-256 of every checkpoint line the trusted key signed -> (seq, signing time)."""
    from openatt.register.anchor import Checkpoint, _signed_part

    found: dict[bytes, tuple[int, str]] = {}
    for line in path.read_text("utf-8").splitlines():
        try:
            point = Checkpoint(**json.loads(line))
            trusted.verify(
                bytes.fromhex(point.signature), _signed_part(point.seq, point.hash, point.at)
            )
        except (TypeError, ValueError, InvalidSignature):
            continue
        found[hashlib.sha256(point.line().encode("utf-8")).digest()] = (point.seq, point.at)
    return found


def check_responses(
    path: Path,
    trusted: Ed25519PublicKey,
    certificate: x509.Certificate | None,
    now: dt.datetime | None = None,
    roots: list[x509.Certificate] | None = None,
) -> TimestampCheck:
    """Verify every ``<checkpoints>-N.tsr`` beside ``path`` against its ``.tsq``; without a
    certificate or roots they are only counted (``unchecked``)."""
    result = TimestampCheck()
    pattern = re.compile(re.escape(path.stem) + r"-(\d+)(?:-\d+)?\.tsr")
    responses = sorted(
        (int(match.group(1)), candidate)
        for candidate in path.parent.glob(f"{path.stem}-*.tsr")
        if (match := pattern.fullmatch(candidate.name))
    )
    if certificate is None and not roots:
        result.unchecked = len(responses)
        return result
    signed = _signed_checkpoints(path, trusted) if path.exists() else {}
    moment = now or dt.datetime.now(dt.UTC)
    for seq, tsr_path in responses:
        tsq_path = tsr_path.with_suffix(".tsq")
        try:
            digest, nonce = requested(tsq_path.read_bytes())
            if digest not in signed or signed[digest][0] != seq:
                raise ResponseRefused(f"{tsq_path.name} is not the request of a signed checkpoint")
            at = dt.datetime.fromisoformat(signed[digest][1])
            gen_time = verify_response(
                tsr_path.read_bytes(), digest, nonce, certificate, at, moment, roots
            )
        except OSError as error:
            result.problems.append(f"timestamp {tsr_path.name}: {error.strerror}")
        except ResponseRefused as error:
            result.problems.append(f"timestamp {tsr_path.name}: {error}")
        else:
            result.verified.append(f"event {seq} stamped at {gen_time:%Y-%m-%dT%H:%M:%SZ}")
    return result
