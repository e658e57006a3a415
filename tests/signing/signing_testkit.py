"""Test helpers for the signing tests: a small PKI built once, and CMS surgery for tamper cases.

Kept apart from conftest so test modules import the helpers by name.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms as asn1_cms
from asn1crypto import core as asn1_core
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from signing.crypto import pki
from signing.crypto.cms import sign_detached
from signing.crypto.pki import CertificateAuthority, Credential, Revocation
from signing.keys import generate_signing_key

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = dt.timedelta(days=1)
ORG = "UBND tỉnh Thừa Thiên Huế"
DOCUMENT = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 05/QĐ-UBND\n" * 200).encode("utf-8")


@dataclass(frozen=True)
class Pki:
    """Everything the tests sign and verify with; names say what is special about each."""

    root: CertificateAuthority
    issuing: CertificateAuthority
    official: Credential
    official2: Credential
    seal: Credential
    rsa_official: Credential
    revoked_before: Credential
    revoked_after: Credential
    compromised_after: Credential
    expired: Credential
    not_yet_valid: Credential
    server_auth: Credential
    foreign_root: CertificateAuthority
    foreign_official: Credential
    crl: x509.CertificateRevocationList
    revoked_after_at: dt.datetime

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return self.issuing.chain

    def verifier_args(
        self,
    ) -> tuple[
        list[x509.Certificate], list[x509.Certificate], list[x509.CertificateRevocationList]
    ]:
        return [self.root.certificate], [self.issuing.certificate], [self.crl]


def _official(
    ca: CertificateAuthority,
    name: str,
    *,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None,
    not_before: dt.datetime | None = None,
    days: int = 365,
    ekus: tuple[x509.ObjectIdentifier, ...] = pki.SIGNER_EKUS,
) -> Credential:
    key = key or generate_signing_key()
    cert = pki.issue_official_certificate(
        ca,
        key.public_key(),
        full_name=name,
        title="Phó Chủ tịch",
        unit="Văn phòng",
        organisation=ORG,
        validity_days=days,
        not_before=not_before or NOW - DAY,
        extended_key_usages=ekus,
    )
    return Credential(cert, key, ca.chain)


def build_pki() -> Pki:
    """A root, an issuing CA and one credential per test situation, with a CRL covering them."""
    root = pki.create_root_ca("VanThu Root CA", ORG, not_before=NOW - 5 * 365 * DAY)
    issuing = pki.create_issuing_ca(
        root, "VanThu Issuing CA", ORG, curve="P-256", not_before=NOW - 4 * 365 * DAY
    )
    seal_key = generate_signing_key()
    seal_cert = pki.issue_seal_certificate(
        issuing, seal_key.public_key(), organisation=ORG, not_before=NOW - DAY
    )
    foreign_root = pki.create_root_ca("Other Root", "Other org", not_before=NOW - 365 * DAY)
    foreign_issuing = pki.create_issuing_ca(
        foreign_root, "Other Issuing", "Other org", not_before=NOW - 2 * DAY
    )
    creds = {
        "official": _official(issuing, "Nguyễn Văn An"),
        "official2": _official(issuing, "Trần Thị Bình"),
        "rsa": _official(
            issuing,
            "Lê Văn Cường",
            key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ),
        "revoked_before": _official(issuing, "Phạm Văn Dũng"),
        "revoked_after": _official(issuing, "Hoàng Thị Em", not_before=NOW - 60 * DAY),
        "compromised_after": _official(issuing, "Vũ Văn Phúc", not_before=NOW - 60 * DAY),
        "expired": _official(issuing, "Đỗ Văn Giang", not_before=NOW - 400 * DAY),
        "not_yet_valid": _official(issuing, "Bùi Thị Hoa", not_before=NOW + 30 * DAY),
        "server_auth": _official(issuing, "Ngô Văn Ích", ekus=(ExtendedKeyUsageOID.SERVER_AUTH,)),
        "foreign": _official(foreign_issuing, "Kẻ Mạo Danh"),
    }
    revoked_after_at = NOW - 5 * DAY
    crl = pki.build_crl(
        issuing,
        [
            Revocation(
                creds["revoked_before"].certificate.serial_number,
                NOW - 2 * DAY,
                x509.ReasonFlags.affiliation_changed,
            ),
            Revocation(
                creds["revoked_after"].certificate.serial_number,
                revoked_after_at,
                x509.ReasonFlags.superseded,
            ),
            Revocation(
                creds["compromised_after"].certificate.serial_number,
                revoked_after_at,
                x509.ReasonFlags.key_compromise,
            ),
        ],
        crl_number=7,
        this_update=NOW - dt.timedelta(hours=1),
    )
    return Pki(
        root=root,
        issuing=issuing,
        official=creds["official"],
        official2=creds["official2"],
        seal=Credential(seal_cert, seal_key, issuing.chain),
        rsa_official=creds["rsa"],
        revoked_before=creds["revoked_before"],
        revoked_after=creds["revoked_after"],
        compromised_after=creds["compromised_after"],
        expired=creds["expired"],
        not_yet_valid=creds["not_yet_valid"],
        server_auth=creds["server_auth"],
        foreign_root=foreign_root,
        foreign_official=creds["foreign"],
        crl=crl,
        revoked_after_at=revoked_after_at,
    )


def sign(cred: Credential, data: bytes = DOCUMENT) -> bytes:
    """Sign with the production code path: the certificate and the issuing CA embedded."""
    return sign_detached(data, cred.certificate, cred.private_key, cred.chain[:1])


def _signer_info(p7s: bytes) -> tuple[asn1_cms.ContentInfo, asn1_cms.SignerInfo]:
    info = asn1_cms.ContentInfo.load(p7s)
    return info, info["content"]["signer_infos"][0]


def _time(when: dt.datetime, kind: str) -> asn1_cms.Time:
    if when.tzinfo is None:
        raw = when.strftime("%Y%m%d%H%M%S").encode()
        value = asn1_core.GeneralizedTime.load(b"\x18" + bytes([len(raw)]) + raw)
        return asn1_cms.Time(name="generalized_time", value=value)
    return asn1_cms.Time(name=kind, value=when)


def resign_at(
    p7s: bytes, cred: Credential, when: dt.datetime, *, time_kind: str = "utc_time"
) -> bytes:
    """Rewrite signingTime and re-sign the attributes: cryptography always signs with 'now'.

    Also an independent CMS producer, so the verifier is not only tested against one library.
    A naive ``when`` is written as a GeneralizedTime without a zone, which asn1crypto refuses.
    """
    info, signer = _signer_info(p7s)
    digest = None
    for attribute in signer["signed_attrs"]:
        if attribute["type"].native == "message_digest":
            digest = attribute["values"][0].native
    attrs = asn1_cms.CMSAttributes(
        [
            asn1_cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            asn1_cms.CMSAttribute({"type": "signing_time", "values": [_time(when, time_kind)]}),
            asn1_cms.CMSAttribute({"type": "message_digest", "values": [digest]}),
        ]
    )
    key = cred.private_key
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    signature = key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))
    signer["signed_attrs"] = attrs
    signer["signature"] = signature
    return info.dump()


def swap_certificates(p7s: bytes, certs: list[x509.Certificate], *, rewrite_sid: bool) -> bytes:
    """Replace the embedded certificates, optionally pointing the signer id at the first one."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    info, signer = _signer_info(p7s)
    parsed = [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in certs]
    info["content"]["certificates"] = asn1_cms.CertificateSet(
        [asn1_cms.CertificateChoices(name="certificate", value=c) for c in parsed]
    )
    if rewrite_sid:
        signer["sid"] = asn1_cms.SignerIdentifier(
            name="issuer_and_serial_number",
            value={"issuer": parsed[0].issuer, "serial_number": parsed[0].serial_number},
        )
    return info.dump(force=True)


def use_key_identifier(p7s: bytes, cert: x509.Certificate) -> bytes:
    """Name the signer by subject key identifier instead of issuer and serial (both are legal)."""
    info, signer = _signer_info(p7s)
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    signer["sid"] = asn1_cms.SignerIdentifier(name="subject_key_identifier", value=ski)
    signer["version"] = "v3"
    return info.dump(force=True)


def attach_content(p7s: bytes, data: bytes) -> bytes:
    """Turn a detached signature into one carrying its content."""
    info = asn1_cms.ContentInfo.load(p7s)
    info["content"]["encap_content_info"] = {
        "content_type": "data",
        "content": asn1_core.OctetString(data),
    }
    return info.dump(force=True)


def flip_signature_byte(p7s: bytes) -> bytes:
    """Change one byte inside the signature value itself, leaving the structure intact."""
    _, signer = _signer_info(p7s)
    value = signer["signature"].native
    start = p7s.rindex(value)
    middle = start + len(value) // 2
    return p7s[:middle] + bytes([p7s[middle] ^ 0x01]) + p7s[middle + 1 :]


def openssl_verify(
    p7s: bytes, data: bytes, ca_pem: bytes, tmp: Path
) -> subprocess.CompletedProcess[str]:
    """The independent cross-check every signature we produce must pass."""
    (tmp / "x.p7s").write_bytes(p7s)
    (tmp / "doc").write_bytes(data)
    (tmp / "chain.pem").write_bytes(ca_pem)
    return subprocess.run(
        [
            "openssl", "cms", "-verify", "-binary", "-inform", "DER",
            "-in", str(tmp / "x.p7s"), "-content", str(tmp / "doc"),
            "-CAfile", str(tmp / "chain.pem"), "-purpose", "any", "-out", "/dev/null",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )  # fmt: skip
