"""Signed PDFs for the verification tests, made with pyHanko directly on the test PKI's keys.

The production signing flow is not used here on purpose: these files are independent input
for the verifier (official first, then the seal as an incremental update, then the DSS).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from fpdf import FPDF
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing.crypto.pdf_verify import run_coroutine
from signing.crypto.pki import CertificateAuthority, Credential
from tests.signing.signing_testkit import Pki

TEXT = "So: 05/QD-UBND. Quyet dinh ve viec ban hanh quy che lam viec."


def _cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def base_pdf(text: str = TEXT, pages: int = 1) -> bytes:
    """An unsigned PDF with uncompressed page content, so a test can find and change text."""
    pdf = FPDF()
    pdf.set_compression(False)
    pdf.set_font("Helvetica", size=12)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(text=f"{text} ({number + 1})")
    return bytes(pdf.output())


def signer_for(cred: Credential) -> signers.SimpleSigner:
    key = asn1_keys.PrivateKeyInfo.load(
        cred.private_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    )
    return signers.SimpleSigner(
        signing_cert=_cert(cred.certificate),
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([_cert(c) for c in cred.chain]),
    )


def sign_pdf(
    data: bytes,
    cred: Credential,
    field: str,
    *,
    box_x: int = 50,
    timestamper: DummyTimeStamper | None = None,
) -> bytes:
    """Add one PAdES signature in a new visible field, as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(field_name=field, subfilter=fields.SigSeedSubFilter.PADES)
    spec = fields.SigFieldSpec(field, box=(box_x, 50, box_x + 120, 100))
    signer = signers.PdfSigner(meta, signer_for(cred), timestamper=timestamper, new_field_spec=spec)
    out = run_coroutine(lambda: signer.async_sign_pdf(writer))
    return out.getvalue()


def local_timestamper(
    env: Pki | None = None,
    *,
    at: dt.datetime | None = None,
    issuer: CertificateAuthority | None = None,
) -> DummyTimeStamper:
    """An RFC 3161 time-stamping authority in the process, certified by the test issuing CA
    (or ``issuer``), stamping the current time (or always ``at``)."""
    ca = issuer or (env.issuing if env is not None else None)
    assert ca is not None, "a timestamper needs a CA"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's is RSA-only
    now = dt.datetime.now(dt.UTC)
    ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski.value),
            critical=False,
        )
        .sign(ca.private_key, hashes.SHA256())
    )
    tsa_key = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    )
    return DummyTimeStamper(
        _cert(cert),
        tsa_key,
        SimpleCertificateStore.from_certs([_cert(c) for c in ca.chain]),
        fixed_dt=at,
    )


def add_dss(
    data: bytes,
    certs: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
) -> bytes:
    """Embed the chain and the CRLs in the DSS (long-term validation), as an incremental update."""
    out = io.BytesIO(data)
    last = PdfFileReader(io.BytesIO(data)).embedded_signatures[-1]
    DocumentSecurityStore.add_dss(
        out,
        last.pkcs7_content,
        certs=[_cert(c) for c in certs],
        crls=[asn1_crl.CertificateList.load(c.public_bytes(Encoding.DER)) for c in crls],
    )
    return out.getvalue()


def signed_and_sealed(
    env: Pki,
    official: Credential | None = None,
    *,
    seal: Credential | None = None,
    text: str = TEXT,
    dss: bool = True,
) -> bytes:
    """Official then seal (incremental), then the DSS with the chain and the CRL."""
    data = sign_pdf(base_pdf(text), official or env.official, "Official", box_x=300)
    data = sign_pdf(data, seal or env.seal, "Seal", box_x=260)
    if dss:
        data = add_dss(data, env.chain, [env.crl])
    return data


def change_text(data: bytes, old: str, new: str) -> bytes:
    """An incremental update that replaces page 1's content stream with changed text."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    contents = page["/Contents"]
    stream = contents.get_object()
    changed = stream.data.replace(old.encode("latin-1"), new.encode("latin-1"))
    assert changed != stream.data, "the text to change is not in the page"
    replacement = writer.add_object(generic.StreamObject(stream_data=changed))
    page["/Contents"] = replacement
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_annotation(data: bytes, text: str = "Đã sửa") -> bytes:
    """An incremental update that puts a text note over page 1 (the signed text is untouched)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    note = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
            generic.NameObject("/Rect"): generic.ArrayObject(
                [generic.FloatObject(v) for v in (10, 780, 300, 830)]
            ),
            generic.NameObject("/Contents"): generic.TextStringObject(text),
            generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
        }
    )
    annots = page.get("/Annots")
    listed = annots.get_object() if annots is not None else generic.ArrayObject()
    listed.append(writer.add_object(note))
    page["/Annots"] = listed
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def flip_signed_byte(data: bytes, needle: bytes = b"05/QD") -> bytes:
    """Change one byte of the page text, which lies inside every signature's signed range."""
    at = data.index(needle) + 3
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def encrypted_pdf() -> bytes:
    """The unsigned test PDF, encrypted (AES-128) with a user password."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(base_pdf())))
    writer.encrypt("not-the-point", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def office_credential(office: Any, user: Any | None, pin: str) -> Credential:
    """The stored key of ``user``'s certificate (or the seal's when None), opened with its PIN."""
    from signing import credentials
    from signing.authority import load_certificate

    now = dt.datetime.now(dt.UTC)
    record = (
        credentials.seal_certificate(office.db, now)
        if user is None
        else credentials.official_certificate(office.db, user, now)
    )
    signer = credentials.unlock(office.db, office.settings, record, pin, actor=None)
    chain = credentials.chain_for(office.db, record)
    return Credential(load_certificate(record.certificate_der), signer._key, tuple(chain))


def office_signed_pdf(office: Any, *, text: str = TEXT) -> bytes:
    """A PDF signed by the office's chairman and sealed with its seal, DSS with its CRL."""
    from signing import authority
    from tests.signing.flow_testkit import CHAIRMAN_PIN, SEAL_PIN

    official = office_credential(office, office.chairman, CHAIRMAN_PIN)
    seal = office_credential(office, None, SEAL_PIN)
    data = sign_pdf(base_pdf(text), official, "Official", box_x=300)
    data = sign_pdf(data, seal, "Seal", box_x=260)
    crl = x509.load_der_x509_crl(authority.current_crl(office.db, office.settings).der)
    office.db.commit()
    return add_dss(data, official.chain, [crl])
