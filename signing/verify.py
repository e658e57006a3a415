"""Verify detached CMS signatures, and a document's official + seal pair, as of the signing time.

Public entry points return a report only when everything passed, else raise VerificationError.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import verification
from cryptography.x509.oid import NameOID

from signing.cms import ParsedSignature, parse_signed_data
from signing.errors import CmsFormatError, VerificationError
from signing.pki import (
    EKU_DOCUMENT_SIGNING,
    Role,
    certificate_role,
    fingerprint_sha256,
    name_text,
)


class Status(StrEnum):
    """Main status after ETSI EN 319 102-1."""

    TOTAL_PASSED = "TOTAL_PASSED"
    TOTAL_FAILED = "TOTAL_FAILED"
    INDETERMINATE = "INDETERMINATE"


class SubIndication(StrEnum):
    """Why a signature did not pass: ETSI EN 319 102-1 names plus ORDER_VIOLATION, ROLE_MISMATCH."""

    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    TRY_LATER = "TRY_LATER"
    ORDER_VIOLATION = "ORDER_VIOLATION"
    ROLE_MISMATCH = "ROLE_MISMATCH"


# Proven wrong whatever evidence comes later; the others could pass with more or fresher evidence.
_DEFINITE = frozenset(
    {
        SubIndication.FORMAT_FAILURE,
        SubIndication.HASH_FAILURE,
        SubIndication.SIG_CRYPTO_FAILURE,
        SubIndication.REVOKED,
        SubIndication.EXPIRED,
        SubIndication.NOT_YET_VALID,
        SubIndication.ORDER_VIOLATION,
        SubIndication.ROLE_MISMATCH,
    }
)

_HASHES: dict[str, Callable[[], hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_ECDSA = {name: ec.ECDSA(make()) for name, make in _HASHES.items()}
_COMPROMISE = frozenset(
    {
        x509.ReasonFlags.key_compromise,
        x509.ReasonFlags.ca_compromise,
        x509.ReasonFlags.aa_compromise,
    }
)
_CACHE_LIMIT = 4096
# What parsing a hostile certificate can raise; such a certificate is treated as absent.
_CERT_ERRORS = (
    ValueError,
    TypeError,
    UnicodeDecodeError,
    UnsupportedAlgorithm,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)
_SLOT_LABELS = {"official": "Official's signature", "seal": "Organisation seal"}


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


@dataclass(frozen=True)
class SignatureResult:
    """The outcome for one signature; ``signer`` etc. are filled as far as the checks got."""

    slot: str
    status: Status
    sub_indication: SubIndication | None
    message: str
    role: Role = Role.UNKNOWN
    signer: str | None = None
    signer_name: str | None = None
    serial: int | None = None
    signing_time: dt.datetime | None = None
    certificate_sha256: str | None = None
    trust_anchor_sha256: str | None = None
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; serial in hex as certificate viewers show it."""
        return {
            "slot": self.slot,
            "status": self.status.value,
            "sub_indication": self.sub_indication.value if self.sub_indication else None,
            "message": self.message,
            "role": self.role.value,
            "signer": self.signer,
            "signer_name": self.signer_name,
            "serial": None if self.serial is None else format(self.serial, "X"),
            "signing_time": _iso(self.signing_time),
            "certificate_sha256": self.certificate_sha256,
            "trust_anchor_sha256": self.trust_anchor_sha256,
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        """One line for logs and the CLI."""
        label = _SLOT_LABELS.get(self.slot, "Signature")
        who = f" by {self.signer_name}" if self.signer_name else ""
        when = f" at {_iso(self.signing_time)}" if self.signing_time else ""
        code = f" [{self.sub_indication.value}]" if self.sub_indication else ""
        return f"{label}{who}{when}: {self.status.value}{code} {self.message}"


@dataclass(frozen=True)
class DocumentReport:
    """Both signatures of one document version; ``problems`` are document-level failures."""

    document_sha256: str
    official: SignatureResult
    seal: SignatureResult
    problems: tuple[str, ...] = ()

    @property
    def status(self) -> Status:
        """TOTAL_PASSED only when both signatures passed and there is no document-level problem."""
        states = {self.official.status, self.seal.status}
        if self.problems or Status.TOTAL_FAILED in states:
            return Status.TOTAL_FAILED
        if Status.INDETERMINATE in states:
            return Status.INDETERMINATE
        return Status.TOTAL_PASSED

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "document_sha256": self.document_sha256,
            "signatures": [self.official.to_dict(), self.seal.to_dict()],
            "problems": list(self.problems),
        }

    def summary(self) -> str:
        lines = [f"Document {self.document_sha256}: {self.status.value}"]
        lines += [self.official.summary(), self.seal.summary(), *self.problems]
        return "\n".join(lines)


class _Failure(Exception):
    def __init__(self, sub: SubIndication, message: str) -> None:
        super().__init__(message)
        self.sub = sub
        self.message = message


@dataclass(frozen=True)
class _Algorithms:
    """The accepted hash functions and padding for one signature."""

    digest: str
    signature_hash: str
    pss: tuple[str, int] | None


@dataclass(frozen=True)
class _Cert:
    """A parsed certificate with what signer matching and reporting need."""

    cert: x509.Certificate
    fingerprint: str
    issuer: asn1_x509.Name
    serial: int
    ski: bytes | None
    role: Role
    name: str
    subject: str
    public_key: object

    def identified_by(self, parsed: ParsedSignature) -> bool:
        """Whether the signer id names this certificate: exact DER, then RFC 5280 matching."""
        if parsed.sid_key_identifier is not None:
            return self.ski == parsed.sid_key_identifier
        if parsed.sid_issuer is None or self.serial != parsed.sid_serial:
            return False
        if self.issuer.dump() == parsed.sid_issuer:
            return True
        try:  # same name, different string encoding: compare as RFC 5280 prescribes
            return bool(self.issuer == asn1_x509.Name.load(parsed.sid_issuer))
        except (ValueError, TypeError, KeyError, UnicodeDecodeError):
            return False


def _parse(p7s: bytes) -> ParsedSignature:
    if not p7s:
        raise _Failure(SubIndication.FORMAT_FAILURE, "The signature file is empty.")
    try:
        return parse_signed_data(p7s)
    except CmsFormatError as exc:
        raise _Failure(SubIndication.FORMAT_FAILURE, exc.message) from exc


def _accepted_hash(name: str | None) -> str:
    if name not in _HASHES:
        raise _Failure(SubIndication.CRYPTO_CONSTRAINTS_FAILURE, f"Hash {name} is not accepted.")
    return name


def _algorithms(parsed: ParsedSignature) -> _Algorithms:
    """Accept SHA-2 digests with ECDSA, RSA PKCS#1 v1.5 or RSASSA-PSS (MGF1, standard trailer)."""
    digest = _accepted_hash(parsed.digest_algorithm)
    if parsed.signature_algorithm not in ("ecdsa", "rsassa_pkcs1v15", "rsassa_pss"):
        raise _Failure(
            SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
            f"Signature algorithm {parsed.signature_algorithm} is not accepted.",
        )
    pss = None
    if parsed.pss is not None:
        if parsed.pss.mgf != "mgf1" or parsed.pss.trailer != "trailer_field_bc":
            raise _Failure(SubIndication.CRYPTO_CONSTRAINTS_FAILURE, "Unsupported PSS parameters.")
        pss = (_accepted_hash(parsed.pss.mgf_hash), parsed.pss.salt_length)
    return _Algorithms(digest, _accepted_hash(parsed.signature_hash or digest), pss)


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else name_text(cert.subject)
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _load_cert(der: bytes) -> _Cert | None:
    """None for anything cryptography or RFC 5280 would refuse, e.g. a non-positive serial."""
    try:
        tbs = asn1_x509.Certificate.load(der, strict=True)["tbs_certificate"]
        if tbs["serial_number"].native <= 0:  # checked first: cryptography warns, then refuses
            return None
        cert = x509.load_der_x509_certificate(der)
        issuer = tbs["issuer"]
        try:
            ski: bytes | None = cert.extensions.get_extension_for_class(
                x509.SubjectKeyIdentifier
            ).value.digest
        except x509.ExtensionNotFound:
            ski = None
        try:
            public_key: object = cert.public_key()
        except UnsupportedAlgorithm:
            public_key = None
        return _Cert(
            cert=cert,
            fingerprint=fingerprint_sha256(cert),
            issuer=issuer,
            serial=cert.serial_number,
            ski=ski,
            role=certificate_role(cert),
            name=_common_name(cert),
            subject=name_text(cert.subject),
            public_key=public_key,
        )
    except _CERT_ERRORS:
        return None


def _require_document_signing(_policy: Any, _cert: x509.Certificate, ext: Any) -> None:
    if EKU_DOCUMENT_SIGNING not in ext:
        raise ValueError("the certificate lacks the documentSigning extended key usage")


def _require_signing_usage(_policy: Any, _cert: x509.Certificate, ext: Any) -> None:
    if ext.key_cert_sign or not (ext.digital_signature or ext.content_commitment):
        raise ValueError("the key usage does not allow signing documents")


def _forbid_ca(_policy: Any, _cert: x509.Certificate, ext: Any) -> None:
    if ext is not None and ext.ca:
        raise ValueError("a CA certificate cannot sign documents")


_AGNOSTIC = verification.Criticality.AGNOSTIC
_CA_POLICY = verification.ExtensionPolicy.webpki_defaults_ca()
_EE_POLICY = (
    verification.ExtensionPolicy.permit_all()
    .require_present(x509.ExtendedKeyUsage, _AGNOSTIC, _require_document_signing)
    .require_present(x509.KeyUsage, _AGNOSTIC, _require_signing_usage)
    .may_be_present(x509.BasicConstraints, _AGNOSTIC, _forbid_ca)
)
_NOISE = re.compile(
    r"^validation failed: |\s*\(encountered processing <.*\)$"
    r"|Python extension validator failed: ValueError: "
)


def _revocation_time(entry: x509.RevokedCertificate) -> dt.datetime:
    """The revocation date, or the invalidity date when the CA knows the key failed earlier."""
    when = entry.revocation_date_utc
    try:
        ext = entry.extensions.get_extension_for_class(x509.InvalidityDate)
    except x509.ExtensionNotFound:
        return when
    return min(when, ext.value.invalidity_date_utc)


def _reason(entry: x509.RevokedCertificate) -> x509.ReasonFlags | None:
    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        return None


def _crl_usable(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    """A complete CRL, signed by the issuer, which is allowed to sign CRLs."""
    if any(ext.critical for ext in crl.extensions):  # delta or partitioned CRLs: not handled
        return False
    try:
        usage = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
        if not usage.crl_sign:
            return False
    except x509.ExtensionNotFound:
        pass
    key = issuer.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        return False
    return crl.is_signature_valid(key)


class _Document:
    """The signed bytes, each digest computed once however many signatures cover them."""

    __slots__ = ("_digests", "data")

    def __init__(self, data: bytes | None) -> None:
        self.data = data
        self._digests: dict[str, bytes] = {}

    def digest(self, name: str) -> bytes:
        if name not in self._digests:
            self._digests[name] = hashlib.new(name, self.data or b"").digest()
        return self._digests[name]


@dataclass(frozen=True)
class _Chain:
    """A validated path, leaf first, with what later signatures re-check read out once.

    ``links`` pairs each non-root certificate's serial with its issuer's CRL (None if absent).
    """

    anchor: str
    windows: tuple[tuple[dt.datetime, dt.datetime], ...]
    links: tuple[tuple[int, _Crl | None], ...]

    def valid_at(self, when: dt.datetime) -> bool:
        """Validity at ``when`` is the one path-validation input that differs per signature."""
        return all(start <= when <= end for start, end in self.windows)


@dataclass(frozen=True)
class _Crl:
    """A CRL already checked against its issuer: serial -> (effective revocation time, reason)."""

    next_update: dt.datetime | None
    revoked: dict[int, tuple[dt.datetime, x509.ReasonFlags | None]]

    @classmethod
    def of(cls, crl: x509.CertificateRevocationList) -> _Crl:
        """Read every entry now, so a malformed one makes the whole CRL unusable up front."""
        entries = {e.serial_number: (_revocation_time(e), _reason(e)) for e in crl}
        return cls(crl.next_update_utc, entries)


@dataclass
class _Draft:
    """What is known about a signature so far, so a failure still names the signer."""

    slot: str
    info: _Cert | None = None
    signing_time: dt.datetime | None = None
    anchor: str | None = None
    warnings: list[str] = field(default_factory=list)

    def result(self, sub: SubIndication | None, message: str) -> SignatureResult:
        if sub is None:
            status = Status.TOTAL_PASSED
        else:
            status = Status.TOTAL_FAILED if sub in _DEFINITE else Status.INDETERMINATE
        info = self.info
        return SignatureResult(
            slot=self.slot,
            status=status,
            sub_indication=sub,
            message=message,
            role=info.role if info else Role.UNKNOWN,
            signer=info.subject if info else None,
            signer_name=info.name if info else None,
            serial=info.serial if info else None,
            signing_time=self.signing_time,
            certificate_sha256=info.fingerprint if info else None,
            trust_anchor_sha256=self.anchor,
            warnings=tuple(self.warnings),
        )


class Verifier:
    """Trust roots, intermediates and CRLs prepared once, for verifying many signatures.

    Caches parsed certificates, the validated CRL per issuer and the validated chain per signer
    certificate; a cached chain is reused only if every certificate in it is valid at the new
    signing time, the one input of path validation that changes between signatures.
    """

    def __init__(
        self,
        trust_roots: Sequence[x509.Certificate],
        intermediates: Sequence[x509.Certificate] = (),
        crls: Sequence[x509.CertificateRevocationList] = (),
        *,
        require_revocation: bool = True,
        clock_skew: dt.timedelta = dt.timedelta(minutes=5),
    ) -> None:
        if not trust_roots:
            raise ValueError("at least one trust root is required")
        self._roots = tuple(trust_roots)
        self._root_fingerprints = {fingerprint_sha256(root) for root in self._roots}
        self._store = verification.Store(list(self._roots))
        self._intermediates = tuple(intermediates)
        self._crls = tuple(crls)
        self._require_revocation = require_revocation
        self._clock_skew = clock_skew
        self._certs: dict[bytes, _Cert | None] = {}
        self._chains: dict[str, _Chain] = {}
        self._crl_by_issuer: dict[x509.Certificate, _Crl | None] = {}

    def verify_signature(
        self,
        data: bytes | None,
        p7s: bytes,
        *,
        expected_role: Role | None = None,
        now: dt.datetime | None = None,
    ) -> SignatureResult:
        """Verify one detached signature over ``data``; raise VerificationError unless it passed."""
        result = self._evaluate(_Document(data), p7s, "signature", expected_role, now)
        if result.status is not Status.TOTAL_PASSED:
            raise VerificationError(result)
        return result

    def verify_document(
        self,
        data: bytes,
        official_p7s: bytes,
        seal_p7s: bytes,
        *,
        now: dt.datetime | None = None,
    ) -> DocumentReport:
        """Verify the official's and the seal's signatures; raise unless both pass, in order."""
        document = _Document(data)
        official = self._evaluate(document, official_p7s, "official", Role.OFFICIAL, now)
        seal = self._evaluate(document, seal_p7s, "seal", Role.SEAL, now)
        if (
            official.status is Status.TOTAL_PASSED
            and seal.status is Status.TOTAL_PASSED
            and official.signing_time is not None
            and seal.signing_time is not None
            and seal.signing_time < official.signing_time
        ):
            seal = replace(
                seal,
                status=Status.TOTAL_FAILED,
                sub_indication=SubIndication.ORDER_VIOLATION,
                message=(
                    f"The seal was applied at {_iso(seal.signing_time)}, before the official "
                    f"signed at {_iso(official.signing_time)}; the official must sign first."
                ),
            )
        report = DocumentReport(document.digest("sha256").hex(), official, seal)
        if report.status is not Status.TOTAL_PASSED:
            raise VerificationError(report)
        return report

    def _evaluate(
        self,
        document: _Document,
        p7s: bytes,
        slot: str,
        expected_role: Role | None,
        now: dt.datetime | None,
    ) -> SignatureResult:
        if now is not None and now.tzinfo is None:
            raise ValueError("now must carry a time zone")
        draft = _Draft(slot)
        try:
            self._run_checks(draft, document, p7s, expected_role, now or dt.datetime.now(dt.UTC))
        except _Failure as failure:
            return draft.result(failure.sub, failure.message)
        except Exception as exc:  # hostile input must never turn into a crash: fail closed
            message = f"The signature could not be processed ({type(exc).__name__})."
            return draft.result(SubIndication.FORMAT_FAILURE, message)
        return draft.result(None, "The signature is valid.")

    def _run_checks(
        self,
        draft: _Draft,
        document: _Document,
        p7s: bytes,
        expected_role: Role | None,
        now: dt.datetime,
    ) -> None:
        parsed = _parse(p7s)
        info = self._signer(parsed)
        draft.info = info
        algorithms = _algorithms(parsed)
        if document.data is None:
            raise _Failure(SubIndication.SIGNED_DATA_NOT_FOUND, "The signed document is missing.")
        if not hmac.compare_digest(document.digest(algorithms.digest), parsed.message_digest):
            raise _Failure(SubIndication.HASH_FAILURE, "The document differs from the signed one.")
        _check_signature(parsed, algorithms, info.public_key)
        when = parsed.signing_time
        draft.signing_time = when
        if when > now + self._clock_skew:
            raise _Failure(
                SubIndication.SIG_CONSTRAINTS_FAILURE, "The signing time is in the future."
            )
        _check_validity(info.cert, when, "signer's certificate")
        chain = self._chain(info, parsed, when)
        draft.anchor = chain.anchor
        self._check_revocation(chain, when, draft.warnings)
        if expected_role is not None and info.role is not expected_role:
            raise _Failure(
                SubIndication.ROLE_MISMATCH,
                f"The {expected_role.value} slot was signed with a certificate whose role is "
                f"{info.role.value}.",
            )

    def _cert(self, der: bytes) -> _Cert | None:
        if der not in self._certs:
            if len(self._certs) >= _CACHE_LIMIT:
                self._certs.clear()
            self._certs[der] = _load_cert(der)
        return self._certs[der]

    def _signer(self, parsed: ParsedSignature) -> _Cert:
        for der in parsed.certificates:
            info = self._cert(der)
            if info is None:
                continue
            if info.identified_by(parsed):
                return info
        raise _Failure(
            SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
            "The signer's certificate is not embedded in the signature.",
        )

    def _chain(self, info: _Cert, parsed: ParsedSignature, when: dt.datetime) -> _Chain:
        cached = self._chains.get(info.fingerprint)
        if cached is not None and cached.valid_at(when):
            return cached
        embedded = [c.cert for der in parsed.certificates if (c := self._cert(der)) is not None]
        pool = [*self._intermediates, *(c for c in embedded if c != info.cert)]
        verifier = (
            verification.PolicyBuilder()
            .store(self._store)
            .time(when)
            .extension_policies(ca_policy=_CA_POLICY, ee_policy=_EE_POLICY)
            .build_client_verifier()
        )
        try:
            certs = verifier.verify(info.cert, pool).chain
        except verification.VerificationError as exc:
            raise self._diagnose(info.cert, pool, when, exc) from exc
        chain = _Chain(
            anchor=fingerprint_sha256(certs[-1]),
            windows=tuple((c.not_valid_before_utc, c.not_valid_after_utc) for c in certs),
            links=tuple(
                (cert.serial_number, self._crl_for(issuer))
                for cert, issuer in itertools.pairwise(certs)
            ),
        )
        if len(self._chains) >= _CACHE_LIMIT:
            self._chains.clear()
        self._chains[info.fingerprint] = chain
        return chain

    def _diagnose(
        self,
        leaf: x509.Certificate,
        pool: Sequence[x509.Certificate],
        when: dt.datetime,
        exc: Exception,
    ) -> _Failure:
        """Name the reason cryptography's verifier refused; the decision itself stays its own."""
        path = _find_path(leaf, [*pool, *self._roots], self._root_fingerprints)
        if path is None:
            return _Failure(
                SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
                "No chain leads from the signer's certificate to a trusted root.",
            )
        try:
            for cert in path[1:]:
                _check_validity(cert, when, f"CA certificate '{_common_name(cert)}'")
        except _Failure as failure:
            return failure
        reason = _NOISE.sub("", str(exc))
        return _Failure(
            SubIndication.CHAIN_CONSTRAINTS_FAILURE,
            f"The certificate is not acceptable for signing documents: {reason}.",
        )

    def _crl_for(self, issuer: x509.Certificate) -> _Crl | None:
        """The newest usable CRL from ``issuer``, validated and indexed once per issuer."""
        try:
            return self._crl_by_issuer[issuer]
        except KeyError:
            pass
        usable = []
        for crl in self._crls:
            try:
                if crl.issuer == issuer.subject and _crl_usable(crl, issuer):
                    usable.append((crl.last_update_utc, _Crl.of(crl)))
            except ValueError:  # malformed extensions or entries: not evidence of anything
                continue
        best = max(usable, key=lambda pair: pair[0], default=None)
        found = self._crl_by_issuer[issuer] = None if best is None else best[1]
        return found

    def _check_revocation(self, chain: _Chain, when: dt.datetime, warnings: list[str]) -> None:
        """The signer's CRL is required (unless disabled); CA CRLs are used when supplied."""
        for depth, (serial, crl) in enumerate(chain.links):
            if crl is not None:
                entry = crl.revoked.get(serial)
                if entry is not None:
                    _judge_revocation(*entry, when, depth, warnings)
            stale = crl is None or (crl.next_update is not None and crl.next_update < when)
            if stale and depth == 0 and self._require_revocation:
                raise _Failure(
                    SubIndication.TRY_LATER,
                    "No valid CRL from the issuing CA covers the signing time, so revocation "
                    "cannot be checked.",
                )


def _judge_revocation(
    revoked: dt.datetime,
    reason: x509.ReasonFlags | None,
    when: dt.datetime,
    depth: int,
    warnings: list[str],
) -> None:
    """Revoked before signing fails; after signing passes with a warning unless the key leaked.

    The signing time is claimed by the signer, so after a key compromise it proves nothing.
    """
    who = "The signer's certificate" if depth == 0 else "A CA certificate in the chain"
    said = f"{who} was revoked at {_iso(revoked)} ({reason.value if reason else 'unspecified'})"
    if revoked <= when:
        raise _Failure(SubIndication.REVOKED, f"{said}, before the signing time {_iso(when)}.")
    if reason in _COMPROMISE:
        raise _Failure(
            SubIndication.REVOKED_NO_POE,
            f"{said} for compromise; without a trusted timestamp the claimed signing time "
            f"{_iso(when)} cannot show the signature predates it.",
        )
    warnings.append(f"{said}, after the signing time {_iso(when)}.")


def _check_validity(cert: x509.Certificate, when: dt.datetime, what: str) -> None:
    if when < cert.not_valid_before_utc:
        raise _Failure(
            SubIndication.NOT_YET_VALID,
            f"The {what} only became valid at {_iso(cert.not_valid_before_utc)}, "
            f"after the signing time {_iso(when)}.",
        )
    if when > cert.not_valid_after_utc:
        raise _Failure(
            SubIndication.EXPIRED,
            f"The {what} expired at {_iso(cert.not_valid_after_utc)}, before the signing time "
            f"{_iso(when)}.",
        )


def _find_path(
    leaf: x509.Certificate, pool: Sequence[x509.Certificate], roots: set[str]
) -> list[x509.Certificate] | None:
    """Any issuer path from leaf to a trusted root by names and signatures; diagnosis only."""

    def issued(child: x509.Certificate, parent: x509.Certificate) -> bool:
        try:
            child.verify_directly_issued_by(parent)
        except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
            return False
        return True

    def walk(path: list[x509.Certificate]) -> list[x509.Certificate] | None:
        cert = path[-1]
        if fingerprint_sha256(cert) in roots:
            return path
        if len(path) > 8:
            return None
        for parent in pool:
            if parent.subject == cert.issuer and parent not in path and issued(cert, parent):
                found = walk([*path, parent])
                if found is not None:
                    return found
        return None

    return walk([leaf])


def _check_signature(parsed: ParsedSignature, algorithms: _Algorithms, key: object) -> None:
    if key is None:
        raise _Failure(
            SubIndication.CRYPTO_CONSTRAINTS_FAILURE, "The signer's key type is not supported."
        )
    algorithm = _HASHES[algorithms.signature_hash]()
    data, signature = parsed.signed_attributes, parsed.signature
    try:
        if parsed.signature_algorithm == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, _ECDSA[algorithms.signature_hash])
            return
        if isinstance(key, rsa.RSAPublicKey):
            if key.key_size < 2048:
                raise _Failure(
                    SubIndication.CRYPTO_CONSTRAINTS_FAILURE, "The RSA key is too short."
                )
            if parsed.signature_algorithm == "rsassa_pkcs1v15":
                key.verify(signature, data, padding.PKCS1v15(), algorithm)
                return
            if parsed.signature_algorithm == "rsassa_pss" and algorithms.pss is not None:
                mgf = padding.MGF1(_HASHES[algorithms.pss[0]]())
                key.verify(signature, data, padding.PSS(mgf, algorithms.pss[1]), algorithm)
                return
    except InvalidSignature as exc:
        raise _Failure(SubIndication.SIG_CRYPTO_FAILURE, "The signature value is wrong.") from exc
    raise _Failure(
        SubIndication.SIG_CRYPTO_FAILURE,
        "The signature algorithm does not match the certificate's key.",
    )


def describe_unverified(p7s: bytes) -> dict[str, str | None]:
    """Signer and claimed signing time, NOT verified: for labels, never for decisions."""
    try:
        parsed = _parse(p7s)
        certs = [c for der in parsed.certificates if (c := _load_cert(der)) is not None]
        info = next(c for c in certs if c.identified_by(parsed))
    except (_Failure, StopIteration):
        return {"subject": None, "serial": None, "claimed_signing_time": None}
    return {
        "subject": info.subject,
        "serial": format(info.cert.serial_number, "X"),
        "claimed_signing_time": _iso(parsed.signing_time),
    }


def verify_signature(
    data: bytes | None,
    p7s: bytes,
    trust_roots: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate] = (),
    crls: Sequence[x509.CertificateRevocationList] = (),
    *,
    expected_role: Role | None = None,
    now: dt.datetime | None = None,
) -> SignatureResult:
    """Verify one detached signature; raise ``VerificationError`` unless it passed."""
    verifier = Verifier(trust_roots, intermediates, crls)
    return verifier.verify_signature(data, p7s, expected_role=expected_role, now=now)


def verify_document(
    data: bytes,
    official_p7s: bytes,
    seal_p7s: bytes,
    trust_roots: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate] = (),
    crls: Sequence[x509.CertificateRevocationList] = (),
    *,
    now: dt.datetime | None = None,
) -> DocumentReport:
    """Check a document's official and seal signatures; raise VerificationError unless both pass."""
    verifier = Verifier(trust_roots, intermediates, crls)
    return verifier.verify_document(data, official_p7s, seal_p7s, now=now)
