"""Validation contexts for PDF signatures, built once and shared while the outcome cannot differ.

pyHanko checks a signer's chain inside a context: our roots, the certificates and CRLs at hand
and one moment. Building it and checking its CRL is much of a signature's cost, and a batch from
one office offers the same certificates and CRL again and again. A context is reused for another
signature only when what that signature offers is the same bytes and its moment lies strictly
between the same two breakpoints: the instants at which a certificate's validity, a CRL's
freshness or a revocation begins or ends, each widened by the validator's tolerance. Between two
breakpoints every time comparison the validator makes gives the same answer, so a revoked or an
expired certificate can never borrow another signature's pass.
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
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy

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
        self._contexts: OrderedDict[tuple[Offered, int], ValidationContext] = OrderedDict()
        #: Contexts built so far: what the tests count.
        self.built = 0

    def context(
        self, offered: Offered, moment: dt.datetime, *, shared: bool = True
    ) -> ValidationContext:
        """A context valid for ``moment``: a kept one when nothing can tell them apart."""
        window = self._window(offered, moment) if shared else None
        if window is None:
            return self._build(offered, moment)
        key = (offered, window)
        kept = self._contexts.get(key)
        if kept is not None:
            self._contexts.move_to_end(key)
            return kept
        context = self._contexts[key] = self._build(offered, moment)
        if len(self._contexts) > KEPT:
            self._contexts.popitem(last=False)
        return context

    def _build(self, offered: Offered, moment: dt.datetime) -> ValidationContext:
        self.built += 1
        return ValidationContext(
            trust_roots=self._roots,
            other_certs=[
                *self._intermediates,
                *(asn1_x509.Certificate.load(der) for der in offered.certs),
            ],
            crls=[*self._crls, *(asn1_crl.CertificateList.load(der) for der in offered.crls)],
            ocsps=[asn1_ocsp.OCSPResponse.load(der) for der in offered.ocsps],
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
