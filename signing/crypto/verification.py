"""Verify detached CMS signatures, and a document's official + seal pair, as of the signing time.

Public entry points return a report only when everything passed, else raise VerificationError.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import verification

from signing.crypto.certificates import (
    CA_POLICY,
    EE_POLICY,
    VERIFIER_NOISE,
    CertInfo,
    Chain,
    CheckedCrl,
    check_validity,
    common_name,
    crl_usable,
    find_path,
    judge_revocation,
    load_cert,
)
from signing.crypto.cms import ParsedSignature, parse_signed_data
from signing.crypto.pki import Role, fingerprint_sha256
from signing.crypto.reports import (
    DEFINITE,
    DocumentReport,
    Failure,
    SignatureResult,
    Status,
    SubIndication,
    iso,
)
from signing.errors import CmsFormatError, VerificationError

_HASHES: dict[str, Callable[[], hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_ECDSA = {name: ec.ECDSA(make()) for name, make in _HASHES.items()}

_CACHE_LIMIT = 4096


@dataclass(frozen=True)
class _Algorithms:
    """The accepted hash functions and padding for one signature."""

    digest: str
    signature_hash: str
    pss: tuple[str, int] | None


def _parse(p7s: bytes) -> ParsedSignature:
    if not p7s:
        raise Failure(SubIndication.FORMAT_FAILURE, "The signature file is empty.")
    try:
        return parse_signed_data(p7s)
    except CmsFormatError as exc:
        raise Failure(SubIndication.FORMAT_FAILURE, exc.message) from exc


def _accepted_hash(name: str | None) -> str:
    if name not in _HASHES:
        raise Failure(SubIndication.CRYPTO_CONSTRAINTS_FAILURE, f"Hash {name} is not accepted.")
    return name


def _algorithms(parsed: ParsedSignature) -> _Algorithms:
    """Accept SHA-2 digests with ECDSA, RSA PKCS#1 v1.5 or RSASSA-PSS (MGF1, standard trailer)."""
    digest = _accepted_hash(parsed.digest_algorithm)
    if parsed.signature_algorithm not in ("ecdsa", "rsassa_pkcs1v15", "rsassa_pss"):
        raise Failure(
            SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
            f"Signature algorithm {parsed.signature_algorithm} is not accepted.",
        )
    pss = None
    if parsed.pss is not None:
        if parsed.pss.mgf != "mgf1" or parsed.pss.trailer != "trailer_field_bc":
            raise Failure(SubIndication.CRYPTO_CONSTRAINTS_FAILURE, "Unsupported PSS parameters.")
        pss = (_accepted_hash(parsed.pss.mgf_hash), parsed.pss.salt_length)
    return _Algorithms(digest, _accepted_hash(parsed.signature_hash or digest), pss)


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


@dataclass
class Draft:
    """What is known about a signature so far, so a failure still names the signer."""

    slot: str
    info: CertInfo | None = None
    signing_time: dt.datetime | None = None
    anchor: str | None = None
    warnings: list[str] = field(default_factory=list)

    def result(self, sub: SubIndication | None, message: str) -> SignatureResult:
        if sub is None:
            status = Status.TOTAL_PASSED
        else:
            status = Status.TOTAL_FAILED if sub in DEFINITE else Status.INDETERMINATE
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
        self._certs: dict[bytes, CertInfo | None] = {}
        self._chains: dict[str, Chain] = {}
        self._crl_by_issuer: dict[x509.Certificate, CheckedCrl | None] = {}

    @property
    def material(
        self,
    ) -> tuple[
        tuple[x509.Certificate, ...],
        tuple[x509.Certificate, ...],
        tuple[x509.CertificateRevocationList, ...],
    ]:
        """The roots, intermediates and CRLs this verifier trusts: the same for a PDF's checker."""
        return self._roots, self._intermediates, self._crls

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
                    f"The seal was applied at {iso(seal.signing_time)}, before the official "
                    f"signed at {iso(official.signing_time)}; the official must sign first."
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
        draft = Draft(slot)
        try:
            self._run_checks(draft, document, p7s, expected_role, now or dt.datetime.now(dt.UTC))
        except Failure as failure:
            return draft.result(failure.sub, failure.message)
        except Exception as exc:  # hostile input must never turn into a crash: fail closed
            message = f"The signature could not be processed ({type(exc).__name__})."
            return draft.result(SubIndication.FORMAT_FAILURE, message)
        return draft.result(None, "The signature is valid.")

    def _run_checks(
        self,
        draft: Draft,
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
            raise Failure(SubIndication.SIGNED_DATA_NOT_FOUND, "The signed document is missing.")
        if not hmac.compare_digest(document.digest(algorithms.digest), parsed.message_digest):
            raise Failure(SubIndication.HASH_FAILURE, "The document differs from the signed one.")
        _check_signature(parsed, algorithms, info.public_key)
        when = parsed.signing_time
        draft.signing_time = when
        if when > now + self._clock_skew:
            raise Failure(
                SubIndication.SIG_CONSTRAINTS_FAILURE, "The signing time is in the future."
            )
        check_validity(info.cert, when, "signer's certificate")
        chain = self._chain(info, parsed, when)
        draft.anchor = chain.anchor
        self._check_revocation(chain, when, draft.warnings)
        if expected_role is not None and info.role is not expected_role:
            raise Failure(
                SubIndication.ROLE_MISMATCH,
                f"The {expected_role.value} slot was signed with a certificate whose role is "
                f"{info.role.value}.",
            )

    def _cert(self, der: bytes) -> CertInfo | None:
        if der not in self._certs:
            if len(self._certs) >= _CACHE_LIMIT:
                self._certs.clear()
            self._certs[der] = load_cert(der)
        return self._certs[der]

    def _signer(self, parsed: ParsedSignature) -> CertInfo:
        for der in parsed.certificates:
            info = self._cert(der)
            if info is None:
                continue
            if info.identified_by(parsed):
                return info
        raise Failure(
            SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
            "The signer's certificate is not embedded in the signature.",
        )

    def _chain(self, info: CertInfo, parsed: ParsedSignature, when: dt.datetime) -> Chain:
        cached = self._chains.get(info.fingerprint)
        if cached is not None and cached.valid_at(when):
            return cached
        embedded = [c.cert for der in parsed.certificates if (c := self._cert(der)) is not None]
        pool = [*self._intermediates, *(c for c in embedded if c != info.cert)]
        verifier = (
            verification.PolicyBuilder()
            .store(self._store)
            .time(when)
            .extension_policies(ca_policy=CA_POLICY, ee_policy=EE_POLICY)
            .build_client_verifier()
        )
        try:
            certs = verifier.verify(info.cert, pool).chain
        except verification.VerificationError as exc:
            raise self._diagnose(info.cert, pool, when, exc) from exc
        chain = Chain(
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
    ) -> Failure:
        """Name the reason cryptography's verifier refused; the decision itself stays its own."""
        path = find_path(leaf, [*pool, *self._roots], self._root_fingerprints)
        if path is None:
            return Failure(
                SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
                "No chain leads from the signer's certificate to a trusted root.",
            )
        try:
            for cert in path[1:]:
                check_validity(cert, when, f"CA certificate '{common_name(cert)}'")
        except Failure as failure:
            return failure
        reason = VERIFIER_NOISE.sub("", str(exc))
        return Failure(
            SubIndication.CHAIN_CONSTRAINTS_FAILURE,
            f"The certificate is not acceptable for signing documents: {reason}.",
        )

    def _crl_for(self, issuer: x509.Certificate) -> CheckedCrl | None:
        """The newest usable CRL from ``issuer``, validated and indexed once per issuer."""
        try:
            return self._crl_by_issuer[issuer]
        except KeyError:
            pass
        usable = []
        for crl in self._crls:
            try:
                if crl.issuer == issuer.subject and crl_usable(crl, issuer):
                    usable.append((crl.last_update_utc, CheckedCrl.of(crl)))
            except ValueError:  # malformed extensions or entries: not evidence of anything
                continue
        best = max(usable, key=lambda pair: pair[0], default=None)
        found = self._crl_by_issuer[issuer] = None if best is None else best[1]
        return found

    def _check_revocation(self, chain: Chain, when: dt.datetime, warnings: list[str]) -> None:
        """The signer's CRL is required (unless disabled); CA CRLs are used when supplied."""
        for depth, (serial, crl) in enumerate(chain.links):
            if crl is not None:
                entry = crl.revoked.get(serial)
                if entry is not None:
                    judge_revocation(*entry, when, depth, warnings)
            stale = crl is None or (crl.next_update is not None and crl.next_update < when)
            if stale and depth == 0 and self._require_revocation:
                raise Failure(
                    SubIndication.TRY_LATER,
                    "No valid CRL from the issuing CA covers the signing time, so revocation "
                    "cannot be checked.",
                )


def _check_signature(parsed: ParsedSignature, algorithms: _Algorithms, key: object) -> None:
    if key is None:
        raise Failure(
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
                raise Failure(SubIndication.CRYPTO_CONSTRAINTS_FAILURE, "The RSA key is too short.")
            if parsed.signature_algorithm == "rsassa_pkcs1v15":
                key.verify(signature, data, padding.PKCS1v15(), algorithm)
                return
            if parsed.signature_algorithm == "rsassa_pss" and algorithms.pss is not None:
                mgf = padding.MGF1(_HASHES[algorithms.pss[0]]())
                key.verify(signature, data, padding.PSS(mgf, algorithms.pss[1]), algorithm)
                return
    except InvalidSignature as exc:
        raise Failure(SubIndication.SIG_CRYPTO_FAILURE, "The signature value is wrong.") from exc
    raise Failure(
        SubIndication.SIG_CRYPTO_FAILURE,
        "The signature algorithm does not match the certificate's key.",
    )


def describe_unverified(p7s: bytes) -> dict[str, str | None]:
    """Signer and claimed signing time, NOT verified: for labels, never for decisions."""
    try:
        parsed = _parse(p7s)
        certs = [c for der in parsed.certificates if (c := load_cert(der)) is not None]
        info = next(c for c in certs if c.identified_by(parsed))
    except (Failure, StopIteration):
        return {"subject": None, "serial": None, "claimed_signing_time": None}
    return {
        "subject": info.subject,
        "serial": format(info.cert.serial_number, "X"),
        "claimed_signing_time": iso(parsed.signing_time),
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
