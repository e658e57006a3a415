"""Verify the signatures embedded in a PDF (PAdES) offline, with pyHanko's validation.

Every signature is checked in the order it was added: integrity of its byte ranges, the CMS
signature value, the chain to our trust roots with the certificates and CRLs of the file's DSS
(plus any given) as of its RFC 3161 timestamp once that validates, else as of the signing time
it claims (the report says which), and pyHanko's difference analysis of what was appended
after it. A Decree 30 original carries the official's signature(s) first and the organisation
seal last: a signature after the seal, or out of time order, is flagged. The file is opened by
`pdf_files`; what the check found is a `pdf_reports.PdfReport`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, TypeVar

from asn1crypto import core as asn1_core
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from signing.crypto.certificates import CertInfo, load_cert
from signing.crypto.pdf_contexts import ContextCache, Offered
from signing.crypto.pdf_files import SignedPdf, open_signed_pdf
from signing.crypto.pdf_reports import (
    SIGNING_TIME_CLAIM,
    TRUSTED_TIMESTAMP,
    VERIFICATION_TIME,
    PdfReport,
    PdfSignature,
)
from signing.crypto.pki import Role, fingerprint_sha256
from signing.crypto.reports import (
    DEFINITE,
    SignatureResult,
    Status,
    SubIndication,
    iso,
)
from signing.errors import VerificationError

# pyHanko logs every failed validation at WARNING with the signer's name and a traceback: the
# report carries the outcome, and a person's name must not reach the logs.
logging.getLogger("pyhanko").setLevel(logging.ERROR)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.ERROR)

T = TypeVar("T")
_SUB_BY_NAME = {sub.name: sub for sub in SubIndication}
# pyHanko's AdES names that ours spell differently.
_SUB_ALIASES = {
    "OUT_OF_BOUNDS_NO_POE": SubIndication.EXPIRED,
    "OUT_OF_BOUNDS_NOT_REVOKED": SubIndication.EXPIRED,
    "REVOKED_CA_NO_POE": SubIndication.REVOKED_NO_POE,
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": SubIndication.CHAIN_CONSTRAINTS_FAILURE,
    "REVOCATION_OUT_OF_BOUNDS_NO_POE": SubIndication.TRY_LATER,
}
# Our rule for revocation, as in signing.crypto.verification: the signer's CRL is required;
# a CA's status is checked when the file or the caller supplies its CRL.
_REVOCATION = CertRevTrustPolicy(
    RevocationCheckingPolicy(
        ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
        intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED,
    ),
    retroactive_revinfo=True,
)
_CHANGED = frozenset({ModificationLevel.ANNOTATIONS, ModificationLevel.OTHER})
_MESSAGES = {
    SubIndication.HASH_FAILURE: "The PDF's bytes differ from the ones that were signed.",
    SubIndication.SIG_CRYPTO_FAILURE: "The signature value is wrong.",
    SubIndication.REVOKED: "The certificate was revoked before the signing time.",
    SubIndication.NO_CERTIFICATE_CHAIN_FOUND: "No chain leads from the signer's certificate "
    "to a trusted root.",
    SubIndication.TRY_LATER: "No valid CRL covers the signing time, so revocation cannot be "
    "checked.",
    SubIndication.EXPIRED: "The certificate was not valid at the signing time.",
    SubIndication.NOT_YET_VALID: "The certificate was not yet valid at the signing time.",
}


def run_coroutine(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run pyHanko's async validation to its end from synchronous code.

    A thread that already runs an event loop (an async server, Playwright's sync API) cannot
    call ``asyncio.run``: the coroutine then runs in a short-lived thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def _asn1_crl(crl: x509.CertificateRevocationList) -> asn1_crl.CertificateList:
    return asn1_crl.CertificateList.load(crl.public_bytes(Encoding.DER))


class PdfVerifier:
    """Our trust roots and any extra certificates and CRLs, for checking many PDFs."""

    def __init__(
        self,
        trust_roots: Sequence[x509.Certificate],
        intermediates: Sequence[x509.Certificate] = (),
        crls: Sequence[x509.CertificateRevocationList] = (),
        *,
        clock_skew: dt.timedelta = dt.timedelta(minutes=5),
    ) -> None:
        if not trust_roots:
            raise ValueError("at least one trust root is required")
        self._crls = [_asn1_crl(c) for c in crls]
        self._clock_skew = clock_skew
        # Converted once and kept for every file this verifier checks (one batch).
        self.contexts = ContextCache(
            [_asn1_cert(c) for c in trust_roots],
            [_asn1_cert(c) for c in intermediates],
            self._crls,
            _REVOCATION,
        )

    def check(self, data: bytes | SignedPdf, *, now: dt.datetime | None = None) -> PdfReport:
        """The report for ``data`` whatever its status; ``PdfUnusable`` if it cannot be checked.

        ``data`` may be a file already opened with ``open_signed_pdf``: it is then not parsed
        again (each opened file is checked once; pyHanko keeps state in it).
        """
        if now is not None and now.tzinfo is None:
            raise ValueError("now must carry a time zone")
        pdf = data if isinstance(data, SignedPdf) else open_signed_pdf(data)
        moment = now or dt.datetime.now(dt.UTC)
        checked = run_coroutine(lambda: self._all(pdf, moment))
        return PdfReport(pdf.sha256, tuple(_order(checked)))

    async def _all(self, pdf: SignedPdf, now: dt.datetime) -> list[PdfSignature]:
        return [await self._one(sig, pdf.dss, now) for sig in pdf.signatures]

    def _has_crl(self, sig: EmbeddedPdfSignature, offered: Offered) -> bool:
        """Whether any CRL at hand comes from the signer's issuer (else: no revocation data)."""
        crls = [*self._crls, *(asn1_crl.CertificateList.load(der) for der in offered.crls)]
        issuer = sig.signer_cert.issuer
        return any(crl["tbs_cert_list"]["issuer"] == issuer for crl in crls)

    async def _validate(
        self, sig: EmbeddedPdfSignature, offered: Offered, when: dt.datetime
    ) -> tuple[PdfSignatureStatus, bool]:
        """pyHanko's status with the chain checked at ``when``; whether a timestamp was trusted.

        A signature carrying a timestamp is checked in a context of its own: the timestamp's
        certificates are not part of what decides whether contexts may be shared.
        """
        stamped = _carries_timestamp(sig)
        context = self.contexts.context(offered, when, shared=not stamped)
        status = await async_validate_pdf_signature(sig, context, ts_validation_context=context)
        if not stamped and status.trusted and not status.revoked:
            # The chain and CRL checks passed here: the next signature by this certificate in
            # the same window and material need not re-read the CRL (see pdf_contexts).
            self.contexts.vouch(offered, when, sig.signer_cert)
        stamp = status.timestamp_validity
        return status, stamp is not None and stamp.valid and stamp.intact and stamp.trusted

    async def _checked(
        self,
        sig: EmbeddedPdfSignature,
        offered: Offered,
        claimed: dt.datetime | None,
        now: dt.datetime,
    ) -> tuple[PdfSignatureStatus, bool, dt.datetime, str]:
        """The status, whether a timestamp was trusted, and the time the chain was checked at.

        A timestamp's time is used only once the timestamp itself validates at that time;
        otherwise the signature is checked again at the signer's claim, as without one.
        """
        stamp_claim = _timestamp_claim(sig)
        if stamp_claim is not None:
            status, trusted = await self._validate(sig, offered, stamp_claim)
            if trusted:
                return status, trusted, stamp_claim, TRUSTED_TIMESTAMP
        when = claimed or now
        status, trusted = await self._validate(sig, offered, when)
        return status, trusted, when, SIGNING_TIME_CLAIM if claimed else VERIFICATION_TIME

    async def _one(self, sig: EmbeddedPdfSignature, dss: Offered, now: dt.datetime) -> PdfSignature:
        name = sig.field_name or ""
        info: CertInfo | None = None
        claimed: dt.datetime | None = None
        try:
            info = load_cert(sig.signer_cert.dump())
            claimed = sig.self_reported_timestamp
            offered = dss + _cms_material(sig)
            status, trusted_stamp, when, basis = await self._checked(sig, offered, claimed, now)
        except Exception as exc:  # hostile input must never turn into a crash: fail closed
            message = f"The signature could not be processed ({type(exc).__name__})."
            result = _result(name, info, claimed, SubIndication.FORMAT_FAILURE, message)
            return PdfSignature(result, name, None, "UNKNOWN", False, False)
        stamp = status.timestamp_validity
        stamp_time = stamp.timestamp if stamp is not None and trusted_stamp else None
        sub, message, anchor = _judge(status, claimed, now + self._clock_skew)
        if sub is None and stamp_time is not None and stamp_time > now + self._clock_skew:
            sub, message = SubIndication.SIG_CONSTRAINTS_FAILURE, "The timestamp is in the future."
        if sub is SubIndication.CHAIN_CONSTRAINTS_FAILURE and not self._has_crl(sig, offered):
            sub, message = SubIndication.TRY_LATER, _MESSAGES[SubIndication.TRY_LATER]
        level = status.modification_level
        # Annotations count too: a note or a stamp added later can cover the signed text.
        modified = level in _CHANGED or not status.docmdp_ok
        if sub is None and modified:
            sub = SubIndication.MODIFIED_AFTER_SIGNING
            message = "The content of the PDF was changed after this signature was made."
        result = _result(name, info, claimed, sub, message, anchor)
        if stamp is not None and not trusted_stamp:
            warning = "The signature's timestamp cannot be verified; its time is not shown."
            result = replace(result, warnings=(*result.warnings, warning))
        return PdfSignature(
            result,
            name,
            stamp_time,
            level.name if level is not None else "UNKNOWN",
            modified,
            status.coverage is SignatureCoverageLevel.ENTIRE_FILE,
            when,
            basis,
        )


def _cms_material(sig: EmbeddedPdfSignature) -> Offered:
    """The certificates the signature's CMS carries (the signer's and its chain)."""
    certs = sig.signed_data["certificates"]
    return Offered.of(c.chosen.dump() for c in certs if c.name == "certificate")


def _carries_timestamp(sig: EmbeddedPdfSignature) -> bool:
    """A signature or content timestamp token, whether or not it validates."""
    unsigned = sig.signer_info["unsigned_attrs"]
    signed = sig.signer_info["signed_attrs"]
    types = [a["type"].native for a in (*_attrs(unsigned), *_attrs(signed))]
    return "signature_time_stamp_token" in types or "content_time_stamp" in types


def _attrs(attrs: Any) -> list[Any]:
    """The attributes of an optional SET OF (absent: asn1crypto's Void), never parsed deeper."""
    return [] if attrs is None or isinstance(attrs, asn1_core.Void) else list(attrs)


def _timestamp_claim(sig: EmbeddedPdfSignature) -> dt.datetime | None:
    """The time an RFC 3161 signature timestamp states, not yet validated (None without one)."""
    for attr in _attrs(sig.signer_info["unsigned_attrs"]):
        if attr["type"].native != "signature_time_stamp_token":
            continue
        token = attr["values"][0]["content"]
        info = token["encap_content_info"]["content"].parsed
        when = info["gen_time"].native
        return when if isinstance(when, dt.datetime) else None
    return None


def _judge(
    status: PdfSignatureStatus, claimed: dt.datetime | None, latest: dt.datetime
) -> tuple[SubIndication | None, str, str | None]:
    """pyHanko's findings as one sub-indication, the first failed check winning."""
    path = status.validation_path
    anchor = None
    if path is not None and status.trusted:
        root = getattr(path.trust_anchor.authority, "certificate", None)
        if root is not None:
            anchor = fingerprint_sha256(x509.load_der_x509_certificate(root.dump()))
    if not status.intact:
        return SubIndication.HASH_FAILURE, _MESSAGES[SubIndication.HASH_FAILURE], anchor
    if not status.valid:
        return SubIndication.SIG_CRYPTO_FAILURE, _MESSAGES[SubIndication.SIG_CRYPTO_FAILURE], anchor
    if status.coverage not in (
        SignatureCoverageLevel.ENTIRE_FILE,
        SignatureCoverageLevel.ENTIRE_REVISION,
    ):
        return SubIndication.FORMAT_FAILURE, "The signature does not cover its revision.", anchor
    if claimed is None:
        return SubIndication.SIG_CONSTRAINTS_FAILURE, "The signature has no signing time.", anchor
    if claimed > latest:
        return SubIndication.SIG_CONSTRAINTS_FAILURE, "The signing time is in the future.", anchor
    if status.revoked:
        return SubIndication.REVOKED, _MESSAGES[SubIndication.REVOKED], anchor
    if not status.trusted:
        sub = _sub_of(status)
        return sub, _MESSAGES.get(sub, "The certificate cannot be trusted for signing."), anchor
    return None, "The signature is valid.", anchor


def _sub_of(status: PdfSignatureStatus) -> SubIndication:
    indic = status.trust_problem_indic
    name = getattr(indic, "name", "")
    return _SUB_ALIASES.get(name) or _SUB_BY_NAME.get(name, SubIndication.CHAIN_CONSTRAINTS_FAILURE)


def _result(
    field_name: str,
    info: CertInfo | None,
    when: dt.datetime | None,
    sub: SubIndication | None,
    message: str,
    anchor: str | None = None,
) -> SignatureResult:
    if sub is None:
        status = Status.TOTAL_PASSED
    else:
        status = Status.TOTAL_FAILED if sub in DEFINITE else Status.INDETERMINATE
    role = info.role if info else Role.UNKNOWN
    return SignatureResult(
        slot={Role.OFFICIAL: "official", Role.SEAL: "seal"}.get(role, "signature"),
        status=status,
        sub_indication=sub,
        message=message,
        role=role,
        signer=info.subject if info else None,
        signer_name=info.name if info else None,
        serial=info.serial if info else None,
        signing_time=when,
        certificate_sha256=info.fingerprint if info else None,
        trust_anchor_sha256=anchor,
        warnings=(f"PDF field: {field_name}",) if field_name else (),
    )


def _flag(item: PdfSignature, sub: SubIndication, message: str) -> PdfSignature:
    """Fail a signature that passed its own checks but breaks the document's rules."""
    if item.result.sub_indication is not None and item.result.status is Status.TOTAL_FAILED:
        return item
    result = replace(item.result, status=Status.TOTAL_FAILED, sub_indication=sub, message=message)
    return replace(item, result=result)


def _order(checked: list[PdfSignature]) -> list[PdfSignature]:
    """Officials first, the seal last, each no earlier than the one before it."""
    ordered: list[PdfSignature] = []
    sealed = False
    latest: dt.datetime | None = None
    for item in checked:
        role, when = item.result.role, item.result.signing_time
        if sealed:
            item = _flag(
                item,
                SubIndication.ORDER_VIOLATION,
                "This signature was added after the organisation seal; nothing may follow it.",
            )
        elif role is Role.UNKNOWN and item.result.certificate_sha256 is not None:
            item = _flag(
                item,
                SubIndication.ROLE_MISMATCH,
                "The certificate is neither an official's nor the organisation seal's.",
            )
        elif latest is not None and when is not None and when < latest:
            item = _flag(
                item,
                SubIndication.ORDER_VIOLATION,
                f"Signed at {iso(when)}, before the signature preceding it ({iso(latest)}).",
            )
        sealed = sealed or role is Role.SEAL
        if when is not None:
            latest = max(latest, when) if latest else when
        ordered.append(item)
    return ordered


def verify_pdf(
    data: bytes,
    trust_roots: Sequence[x509.Certificate] = (),
    intermediates: Sequence[x509.Certificate] = (),
    crls: Sequence[x509.CertificateRevocationList] = (),
    *,
    verifier: PdfVerifier | None = None,
    now: dt.datetime | None = None,
) -> PdfReport:
    """Check a signed PDF; raise ``VerificationError`` unless every signature passed and the
    seal is there (``PdfUnusable`` if it cannot be checked at all)."""
    checker = verifier or PdfVerifier(trust_roots, intermediates, crls)
    report = checker.check(data, now=now)
    if report.verdict != Status.TOTAL_PASSED.value:
        raise VerificationError(report)
    return report
