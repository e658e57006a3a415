"""Validation contexts for PDF signatures, built once and shared while the outcome cannot differ.

pyHanko checks a signer's chain inside a context: our roots, the certificates and CRLs at hand
and one moment. Building it and checking its CRL is much of a signature's cost, and a batch from
one office offers the same certificates and CRL again and again. A context is reused for another
signature only when what that signature offers is the same bytes and its moment lies strictly
between the same two breakpoints: the instants at which a certificate's validity, a CRL's
freshness or a revocation begins or ends, each widened by the validator's tolerance. Between two
breakpoints every time comparison the validator makes gives the same answer, so a revoked or an
expired certificate can never borrow another signature's pass.

Within such a context the outcome of a signer's chain and CRL checks is then known: once a
signer's chain passed there, the context is rebuilt asserting that signer not revoked (pyHanko's
own assertion mechanism), so the next signature by the same certificate skips re-reading the
CRL. Only passes are kept; a failure is worked out again every time.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.ltv.poe import POEManager
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, NonRevokedStatusAssertion
from pyhanko_certvalidator.registry import CertificateRegistry
from pyhanko_certvalidator.revinfo.archival import (
    process_legacy_crl_input,
    process_legacy_ocsp_input,
)
from pyhanko_certvalidator.revinfo.manager import RevinfoManager

#: The validator's allowance for clock drift; every breakpoint is widened by it.
TOLERANCE = dt.timedelta(seconds=1)
#: How many contexts one verifier keeps (a batch rarely needs more than a few).
KEPT = 64


@dataclass(frozen=True)
class Offered:
    """What a signature brings besides our trust material: DER of its certificates (the CMS's
    and the DSS's), CRLs and OCSP responses, sorted so equal material compares equal."""

    certs: tuple[bytes, ...]
    crls: tuple[bytes, ...] = ()
    ocsps: tuple[bytes, ...] = ()

    @classmethod
    def of(
        cls, certs: Iterable[bytes], crls: Iterable[bytes] = (), ocsps: Iterable[bytes] = ()
    ) -> Offered:
        return cls(tuple(sorted(set(certs))), tuple(sorted(set(crls))), tuple(sorted(set(ocsps))))

    def __add__(self, other: Offered) -> Offered:
        return Offered.of(
            (*self.certs, *other.certs), (*self.crls, *other.crls), (*self.ocsps, *other.ocsps)
        )


@dataclass(frozen=True)
class _Kept:
    """A shared context, the moment it was built for, and the signers vouched for in it."""

    context: ValidationContext
    moment: dt.datetime
    vouched: frozenset[bytes]


class ContextCache:
    """Our trust material, converted once, and the contexts built over it for one batch."""

    def __init__(
        self,
        roots: Sequence[asn1_x509.Certificate],
        intermediates: Sequence[asn1_x509.Certificate],
        crls: Sequence[asn1_crl.CertificateList],
        policy: CertRevTrustPolicy,
    ) -> None:
        self._roots, self._intermediates, self._crls = list(roots), list(intermediates), list(crls)
        self._policy = policy
        self._breaks: dict[Offered, tuple[dt.datetime, ...] | None] = {}
        self._contexts: OrderedDict[tuple[Offered, int], _Kept] = OrderedDict()
        #: Contexts built so far: what the tests count.
        self.built = 0

    def context(
        self, offered: Offered, moment: dt.datetime, *, shared: bool = True
    ) -> ValidationContext:
        """A context valid for ``moment``: a kept one when nothing can tell them apart."""
        key = self._key(offered, moment) if shared else None
        if key is None:
            return self._build(offered, moment)
        kept = self._contexts.get(key)
        if kept is not None:
            self._contexts.move_to_end(key)
            return kept.context
        self._contexts[key] = _Kept(self._build(offered, moment), moment, frozenset())
        if len(self._contexts) > KEPT:
            self._contexts.popitem(last=False)
        return self._contexts[key].context

    def vouch(self, offered: Offered, moment: dt.datetime, signer: asn1_x509.Certificate) -> None:
        """Record that ``signer``'s chain passed at ``moment`` in the kept context for it: the
        context is rebuilt asserting that signer unrevoked up to the end of its window."""
        key = self._key(offered, moment)
        kept = self._contexts.get(key) if key is not None else None
        if key is None or kept is None or signer.sha256 in kept.vouched:
            return
        vouched = kept.vouched | {signer.sha256}
        until = self._window_end(offered, key[1])
        assertions = [NonRevokedStatusAssertion(digest, until) for digest in vouched]
        rebuilt = self._build(offered, kept.moment, assertions)
        self._contexts[key] = _Kept(rebuilt, kept.moment, vouched)

    def _key(self, offered: Offered, moment: dt.datetime) -> tuple[Offered, int] | None:
        window = self._window(offered, moment)
        return None if window is None else (offered, window)

    def _window_end(self, offered: Offered, window: int) -> dt.datetime:
        """The last instant a window's moments can reach: its closing breakpoint."""
        breaks = self._breaks[offered] or ()
        index = window // 2
        return breaks[index] if index < len(breaks) else dt.datetime.max.replace(tzinfo=dt.UTC)

    def _build(
        self,
        offered: Offered,
        moment: dt.datetime,
        assertions: Sequence[NonRevokedStatusAssertion] = (),
    ) -> ValidationContext:
        self.built += 1
        certs = [*self._intermediates, *(asn1_x509.Certificate.load(d) for d in offered.certs)]
        crls = [*self._crls, *(asn1_crl.CertificateList.load(d) for d in offered.crls)]
        ocsps = [asn1_ocsp.OCSPResponse.load(d) for d in offered.ocsps]
        registry = CertificateRegistry.build(certs)
        revinfo = RevinfoManager(
            certificate_registry=registry,
            poe_manager=POEManager(),
            crls=process_legacy_crl_input(crls),
            ocsps=process_legacy_ocsp_input(ocsps),
            assertions=assertions,
        )
        return ValidationContext(
            trust_roots=self._roots,
            certificate_registry=registry,
            revinfo_manager=revinfo,
            allow_fetching=False,
            revinfo_policy=self._policy,
            moment=moment,
            time_tolerance=TOLERANCE,
        )

    def _window(self, offered: Offered, moment: dt.datetime) -> int | None:
        """Which interval between breakpoints, or which breakpoint, holds ``moment``; None when
        the material cannot be shared."""
        if offered not in self._breaks:
            self._breaks[offered] = self._breakpoints(offered)
        breaks = self._breaks[offered]
        if breaks is None:
            return None
        index = bisect.bisect_left(breaks, moment)
        # Odd numbers name a breakpoint itself: there "<" and "<=" may disagree with both sides.
        on_point = index < len(breaks) and breaks[index] == moment
        return 2 * index + 1 if on_point else 2 * index

    def _breakpoints(self, offered: Offered) -> tuple[dt.datetime, ...] | None:
        """Every instant at which a time comparison over this material can change its answer.

        None (never shared) for OCSP responses, a CRL without nextUpdate, or anything that does
        not parse: pyHanko then judges the signature in a context of its own.
        """
        if offered.ocsps:
            return None
        try:
            certs = [*self._roots, *self._intermediates]
            instants: list[dt.datetime] = []
            for der in (*(c.dump() for c in certs), *offered.certs):
                cert = x509.load_der_x509_certificate(der)
                instants += [cert.not_valid_before_utc, cert.not_valid_after_utc]
            for der in (*(c.dump() for c in self._crls), *offered.crls):
                found = _crl_instants(x509.load_der_x509_crl(der))
                if found is None:
                    return None
                instants += found
        except (ValueError, TypeError):
            return None
        widened = {
            t + shift for t in instants for shift in (-TOLERANCE, dt.timedelta(0), TOLERANCE)
        }
        return tuple(sorted(widened))


def _crl_instants(crl: x509.CertificateRevocationList) -> list[dt.datetime] | None:
    """A CRL's freshness window and every revocation and invalidity date it lists."""
    if crl.next_update_utc is None:
        return None
    instants = [crl.last_update_utc, crl.next_update_utc]
    for entry in crl:
        instants.append(entry.revocation_date_utc)
        try:
            invalid = entry.extensions.get_extension_for_class(x509.InvalidityDate)
        except x509.ExtensionNotFound:
            continue
        instants.append(invalid.value.invalidity_date_utc)
    return instants
