"""Signed PDF originals (PAdES) in the signing flow, and the officials' signature images.

A PDF version is signed inside the file: the named signer's step makes the signed PDF, the seal's
step adds the seal to it as an incremental update; each output is a blob named by its SHA-256 and
recorded on its signature, and the sealed PDF is the request's ``original_sha256``. Earlier
approvers of a PDF keep signing detached CMS (their internal approval is not printed).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re

import sqlalchemy as sa
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from sqlalchemy.orm import Session

from accounts.models import Role, User
from audit import record_event
from core.db import utcnow
from core.errors import N_
from core.storage import StagedBlobs
from signing.crypto import pades, pdf_pages
from signing.errors import InvalidSigningRequest, NoCertificate, WrongSigningState
from signing.keys import StoredKeySigner
from signing.models import CertRole, SealedAttachment, SignatureImage, SigningRequest
from signing.settings import SigningSettings
from signing.trust import trust_material

#: The kinds of version signed inside the file.
PADES_KINDS = frozenset({"pdf"})


# --- signature images ----------------------------------------------------------------------------


def signature_image(session: Session, user: User) -> SignatureImage | None:
    return session.scalar(sa.select(SignatureImage).where(SignatureImage.user_id == user.id))


def set_signature_image(session: Session, user: User, png: bytes) -> SignatureImage:
    """Keep an official's signature image, after checking it is a PNG of sensible size."""
    if not user.has_role(Role.OFFICIAL):
        raise InvalidSigningRequest(N_("Only an official has a signature image."))
    width, height = pdf_pages.check_signature_image(png)
    digest = hashlib.sha256(png).hexdigest()
    image = signature_image(session, user)
    if image is None:
        image = SignatureImage(user_id=user.id, png=png, sha256=digest, width=width, height=height,
                               uploaded_at=utcnow())  # fmt: skip
        session.add(image)
    else:
        image.png, image.sha256, image.width, image.height = png, digest, width, height
        image.uploaded_at = utcnow()
    session.flush()
    record_event(
        session,
        "signing:image:set",
        actor=user,
        subject={"user": user.id},
        details={"sha256": digest, "width": width, "height": height},
    )
    return image


# --- the steps -----------------------------------------------------------------------------------


def trust_for(session: Session, settings: SigningSettings, moment: dt.datetime) -> pades.Trust:
    material = trust_material(session, settings, now=moment)
    return pades.Trust(material.roots, material.intermediates, material.crls)


def timestamper(settings: SigningSettings) -> TimeStamper | None:
    """A client per signature: its HTTP session belongs to the event loop of that signature."""
    return HTTPTimeStamper(settings.tsa_url, timeout=10) if settings.tsa_url else None


def seal_image(settings: SigningSettings) -> bytes:
    return settings.seal_image or _default_seal(settings.organisation)


@functools.cache
def _default_seal(organisation: str) -> bytes:
    return pdf_pages.default_seal_png(organisation)


def check_submittable(data: bytes) -> None:
    """Refuse at submission a PDF that could never be signed (encrypted, scripted, signed)."""
    facts = pdf_pages.inspect_pdf(data)
    if facts.signatures:
        raise InvalidSigningRequest(
            N_("The PDF is already signed by someone else; upload the unsigned file to sign it.")
        )


def sign_official(
    session: Session,
    staged: StagedBlobs,
    settings: SigningSettings,
    request: SigningRequest,
    signer: StoredKeySigner,
    actor: User,
    moment: dt.datetime,
) -> tuple[bytes, str]:
    """The named signer's PAdES signature: (its CMS, the SHA-256 of the signed PDF)."""
    image = signature_image(session, actor)
    if image is None:
        raise NoCertificate(
            N_(
                "Upload your signature image (PNG) on your signing key page before signing a "
                "PDF; it is shown where you sign."
            )
        )
    data = staged.store.get(request.sha256)
    document = request.document
    placement = pdf_pages.locate_signer_block(
        data, document.signer_name or actor.full_name, document.signer_title
    )
    trust = trust_for(session, settings, moment)
    signed = pades.sign_official(
        data, signer, trust, image_png=image.png, placement=placement, moment=moment,
        timestamper=timestamper(settings),
    )  # fmt: skip
    return _checked(data, signed, signer), staged.put(signed)


def seal(
    session: Session,
    staged: StagedBlobs,
    settings: SigningSettings,
    request: SigningRequest,
    signer: StoredKeySigner,
    moment: dt.datetime,
) -> tuple[bytes, str]:
    """The seal over the official's signed PDF: (its CMS, the SHA-256 of the sealed PDF)."""
    signed = [s for s in request.signatures if s.role is CertRole.OFFICIAL and s.output_sha256]
    if not signed:
        raise WrongSigningState(N_("The seal is applied only after every official has signed."))
    official = signed[-1]
    data = staged.store.get(official.output_sha256 or "")
    trust = trust_for(session, settings, moment)
    sealed = pades.apply_seal(
        data, signer, trust, seal_png=seal_image(settings), official_cms=bytes(official.p7s),
        moment=moment, timestamper=timestamper(settings),
    )  # fmt: skip
    return _checked(data, sealed, signer), staged.put(sealed)


def seal_attachments(
    session: Session,
    staged: StagedBlobs,
    settings: SigningSettings,
    request: SigningRequest,
    signer: StoredKeySigner,
    moment: dt.datetime,
) -> list[SealedAttachment]:
    """Each PDF attachment sent with the document gets the seal alone, as its own PDF."""
    sealed = []
    for attachment in request.document.attachments:
        if attachment.kind not in PADES_KINDS:
            continue
        data = staged.store.get(attachment.sha256)
        try:
            p7s, output = seal_attachment(
                session, settings, data, request.number_symbol, signer, moment
            )
        except InvalidSigningRequest as refused:
            raise InvalidSigningRequest(
                N_("The attachment %(name)s cannot be sealed: %(reason)s"),
                name=attachment.file_name,
                reason=refused.message,
            ) from None
        row = SealedAttachment(
            request_id=request.id, attachment_id=attachment.id, sha256=staged.put(output),
            p7s=p7s, signing_time=moment,
        )  # fmt: skip
        session.add(row)
        sealed.append(row)
    return sealed


def sealed_attachments_of(session: Session, request: SigningRequest) -> list[SealedAttachment]:
    return list(
        session.scalars(
            sa.select(SealedAttachment)
            .where(SealedAttachment.request_id == request.id)
            .order_by(SealedAttachment.attachment_id)
        )
    )


def sealed_attachment(
    session: Session, request: SigningRequest, attachment_id: int
) -> SealedAttachment | None:
    return session.scalar(
        sa.select(SealedAttachment).where(
            SealedAttachment.request_id == request.id,
            SealedAttachment.attachment_id == attachment_id,
        )
    )


def seal_attachment(
    session: Session,
    settings: SigningSettings,
    data: bytes,
    number_symbol: str,
    signer: StoredKeySigner,
    moment: dt.datetime,
) -> tuple[bytes, bytes]:
    """An attachment in its own PDF, with the seal alone shown as "number; time" text:
    (its CMS, the sealed PDF)."""
    trust = trust_for(session, settings, moment)
    sealed = pades.seal_attachment(
        data, signer, trust, number_symbol=number_symbol, moment=moment,
        timestamper=timestamper(settings),
    )  # fmt: skip
    return _checked(data, sealed, signer), sealed


_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def _checked(before: bytes, after: bytes, signer: StoredKeySigner) -> bytes:
    """Check the signature just made before anything is stored: ``after`` is ``before`` plus an
    update holding one new signature by ``signer``, over everything up to it, whose digest and
    signature are correct. Its chain and CRL were validated by pyHanko before signing (it does not
    embed validation data for a path it cannot validate), so they are not validated twice.
    Returns the signature's CMS.
    """
    update = after[len(before) :]
    ranges = _BYTE_RANGE.findall(update)
    if not after.startswith(before) or len(ranges) != 1:
        raise WrongSigningState(N_("The signed PDF does not hold the expected signatures."))
    start, first, second, length = (int(v) for v in ranges[0])
    try:
        hex_contents = after[start + first + 1 : second - 1]
        der = pdf_pages.cms_der(bytes.fromhex(hex_contents.decode("ascii")))
        info = cms.ContentInfo.load(der, strict=True)
        signer_info = info["content"]["signer_infos"][0]
        certificate = asn1_x509.Certificate.load(signer.certificate.public_bytes(Encoding.DER))
        sid = signer_info["sid"].chosen
        ours = (
            sid["serial_number"].native == certificate.serial_number
            and sid["issuer"] == certificate.issuer
        )
        digest = hashlib.sha256(
            after[start : start + first] + after[second : second + length]
        ).digest()
        digest_ok, signature_ok = validate_sig_integrity(signer_info, certificate, "data", digest)
        whole = start == 0 and second + length >= len(before)
    except (ValueError, KeyError, TypeError, AttributeError):
        digest_ok = signature_ok = ours = whole = False
    if not (digest_ok and signature_ok and ours and whole):
        raise NoCertificate(
            N_(
                "The new signature would not verify (%(reason)s), so nothing was stored. "
                "Ask the administrator to check the certificate, the trust store and the CRL."
            ),
            reason="PAdES self-check",
        )
    return der
