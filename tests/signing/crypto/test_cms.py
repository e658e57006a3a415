"""Tests of signing.crypto.cms: the CMS structure we emit, and OpenSSL's independent verdict on it.

Each kind of signature we make must pass ``openssl cms -verify`` and fail once the document changes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from asn1crypto import cms as asn1_cms
from asn1crypto import core as asn1_core
from asn1crypto import parser as asn1_parser
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signing.crypto.cms import parse_signed_data, sign_detached
from signing.errors import CmsFormatError, SigningError
from tests.signing.signing_testkit import DOCUMENT, NOW, Pki, openssl_verify, resign_at, sign


def _signer(p7s: bytes) -> tuple[asn1_cms.SignedData, asn1_cms.SignerInfo]:
    signed = asn1_cms.ContentInfo.load(p7s)["content"]
    return signed, signed["signer_infos"][0]


def test_structure_of_an_ecdsa_signature(official_p7s: bytes, env: Pki) -> None:
    signed, signer = _signer(official_p7s)
    assert isinstance(signed["encap_content_info"]["content"], asn1_core.Void)  # detached
    assert signer["digest_algorithm"]["algorithm"].native == "sha256"
    assert signer["signature_algorithm"]["algorithm"].native == "sha256_ecdsa"
    attrs = {a["type"].native: a["values"][0].native for a in signer["signed_attrs"]}
    assert set(attrs) == {"content_type", "message_digest", "signing_time"}
    assert attrs["content_type"] == "data"
    assert abs(attrs["signing_time"] - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    embedded = [c.chosen.dump() for c in signed["certificates"]]
    assert env.official.certificate.public_bytes(Encoding.DER) in embedded
    assert env.issuing.certificate.public_bytes(Encoding.DER) in embedded
    assert env.root.certificate.public_bytes(Encoding.DER) not in embedded


def test_rsa_keys_sign_with_pss(env: Pki) -> None:
    _, signer = _signer(sign(env.rsa_official))
    algorithm = signer["signature_algorithm"]
    assert algorithm["algorithm"].native == "rsassa_pss"
    assert algorithm["parameters"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert algorithm["parameters"]["salt_length"].native == 32


def test_mismatched_key_is_refused_before_signing(env: Pki) -> None:
    with pytest.raises(SigningError):
        sign_detached(DOCUMENT, env.official.certificate, env.seal.private_key)


@pytest.mark.parametrize("who", ["official", "seal", "rsa_official", "resigned"])
def test_openssl_accepts_ours_and_rejects_a_changed_byte(
    env: Pki, chain_pem: bytes, tmp_path: Path, openssl: str, who: str
) -> None:
    if who == "resigned":
        p7s = resign_at(sign(env.official), env.official, NOW - dt.timedelta(hours=2))
    else:
        p7s = sign(getattr(env, who))
    good = openssl_verify(p7s, DOCUMENT, chain_pem, tmp_path)
    assert good.returncode == 0, good.stderr
    assert "Verification successful" in good.stderr
    changed = bytearray(DOCUMENT)
    changed[len(changed) // 2] ^= 0x20
    bad = openssl_verify(p7s, bytes(changed), chain_pem, tmp_path)
    assert bad.returncode != 0
    assert "content verify error" in bad.stderr.lower()


def test_openssl_rejects_a_foreign_ca(
    env: Pki, chain_pem: bytes, tmp_path: Path, openssl: str
) -> None:
    result = openssl_verify(sign(env.foreign_official), DOCUMENT, chain_pem, tmp_path)
    assert result.returncode != 0


def _reference(p7s: bytes) -> dict[str, object] | None:
    """The same fields read with asn1crypto's high-level CMS classes, or None if it cannot."""
    try:
        signed = asn1_cms.ContentInfo.load(p7s, strict=True)["content"]
        signer = signed["signer_infos"][0]
        attrs = {a["type"].native: a["values"][0].native for a in signer["signed_attrs"]}
        return {
            "digest": signer["digest_algorithm"]["algorithm"].native,
            "signature": signer["signature"].native,
            "message_digest": attrs["message_digest"],
            "signing_time": attrs["signing_time"],
            "signed_attributes": b"\x31" + signer["signed_attrs"].dump()[1:],
            "serial": signer["sid"].chosen["serial_number"].native,
            "certificates": tuple(c.chosen.dump() for c in signed["certificates"]),
        }
    except Exception:
        return None


def _ours(p7s: bytes) -> dict[str, object] | None:
    try:
        parsed = parse_signed_data(p7s)
    except CmsFormatError:
        return None
    return {
        "digest": parsed.digest_algorithm,
        "signature": parsed.signature,
        "message_digest": parsed.message_digest,
        "signing_time": parsed.signing_time,
        "signed_attributes": parsed.signed_attributes,
        "serial": parsed.sid_serial,
        "certificates": parsed.certificates,
    }


def test_parser_matches_asn1crypto_on_valid_input(official_p7s: bytes, env: Pki) -> None:
    for p7s in (official_p7s, sign(env.rsa_official), resign_at(official_p7s, env.official, NOW)):
        ours = _ours(p7s)
        assert ours is not None and ours == _reference(p7s)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_parser_agrees_with_asn1crypto_on_mutations(
    official_p7s: bytes, data: st.DataObject
) -> None:
    """Whenever both decoders accept a mutated file, they must read the same fields."""
    blob = bytearray(official_p7s)
    for _ in range(data.draw(st.integers(1, 3))):
        blob[data.draw(st.integers(0, len(blob) - 1))] = data.draw(st.integers(0, 255))
    ours, reference = _ours(bytes(blob)), _reference(bytes(blob))
    if ours is not None and reference is not None:
        assert ours == reference


def test_ber_indefinite_length_is_refused(official_p7s: bytes) -> None:
    # Re-wrap the outer SEQUENCE with an indefinite length: valid BER, not DER.
    content = asn1_parser.parse(official_p7s)[4]
    with pytest.raises(CmsFormatError):
        parse_signed_data(b"\x30\x80" + content + b"\x00\x00")


def test_signing_time_without_zone_is_refused(official_p7s: bytes, env: Pki) -> None:
    naive = resign_at(
        official_p7s, env.official, NOW.replace(tzinfo=None), time_kind="generalized_time"
    )
    with pytest.raises(CmsFormatError, match="time zone"):
        parse_signed_data(naive)
    general = resign_at(official_p7s, env.official, NOW, time_kind="generalized_time")
    assert parse_signed_data(general).signing_time == NOW


def test_repeated_attribute_is_refused(official_p7s: bytes) -> None:
    signed = asn1_cms.ContentInfo.load(official_p7s)
    signer = signed["content"]["signer_infos"][0]
    attrs = list(signer["signed_attrs"])
    signer["signed_attrs"] = asn1_cms.CMSAttributes([*attrs, attrs[2]])
    with pytest.raises(CmsFormatError, match="repeated"):
        parse_signed_data(signed.dump(force=True))
