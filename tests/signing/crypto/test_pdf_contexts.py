"""Validation contexts shared across a batch: reused only where no check can tell them apart."""

from __future__ import annotations

import datetime as dt

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathValidationError, RevokedError

from signing.crypto import pki
from signing.crypto.pdf_contexts import TOLERANCE, ContextCache, Offered
from signing.crypto.pdf_verify import _REVOCATION, PdfVerifier
from signing.crypto.reports import Status, SubIndication
from tests.signing import pdf_testkit as kit
from tests.signing.signing_testkit import NOW, Pki

DAY = dt.timedelta(days=1)


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


def _cache(env: Pki) -> ContextCache:
    root = asn1_x509.Certificate.load(_der(env.root.certificate))
    return ContextCache([root], [], [], _REVOCATION)


def _offered(env: Pki, leaf: x509.Certificate) -> Offered:
    return Offered.of(
        [_der(leaf), *(_der(c) for c in env.chain)], [env.crl.public_bytes(Encoding.DER)]
    )


def _outcome(context: ValidationContext, leaf: x509.Certificate) -> str:
    validator = CertificateValidator(
        asn1_x509.Certificate.load(_der(leaf)), validation_context=context
    )
    try:
        kit.run_coroutine(lambda: validator.async_validate_usage(set()))
    except RevokedError:
        return "revoked"
    except PathValidationError as exc:
        return type(exc).__name__
    return "valid"


def _around(*instants: dt.datetime) -> list[dt.datetime]:
    steps = (-2 * TOLERANCE, -TOLERANCE, dt.timedelta(0), TOLERANCE, 2 * TOLERANCE, DAY)
    return sorted({when + step for when in instants for step in (-DAY, *steps)})


@pytest.mark.parametrize("who", ["revoked_after", "expired", "not_yet_valid", "official"])
@pytest.mark.parametrize("backwards", [False, True], ids=["forwards", "backwards"])
def test_a_kept_context_judges_like_a_fresh_one_around_every_breakpoint(
    env: Pki, who: str, backwards: bool
) -> None:
    """Revocation, expiry and start of validity, each second either side, in either order,
    with every pass vouched for as the verifier does: always the fresh context's outcome."""
    leaf = getattr(env, who).certificate
    signer = asn1_x509.Certificate.load(_der(leaf))
    cache = _cache(env)
    offered = _offered(env, leaf)
    edges = [leaf.not_valid_before_utc, leaf.not_valid_after_utc, env.revoked_after_at]
    moments = _around(*edges)
    outcomes = set()
    for moment in reversed(moments) if backwards else moments:
        outcome = _outcome(cache._build(offered, moment), leaf)  # as without any cache
        assert _outcome(cache.context(offered, moment), leaf) == outcome, moment
        if outcome == "valid":
            cache.vouch(offered, moment, signer)
            assert _outcome(cache.context(offered, moment), leaf) == outcome, moment
        outcomes.add(outcome)
    assert len(outcomes) >= 2  # the sweep did cross a change of outcome


def test_moments_either_side_of_a_revocation_never_share_a_context(env: Pki) -> None:
    cache = _cache(env)
    offered = _offered(env, env.revoked_after.certificate)
    before = cache.context(offered, env.revoked_after_at - DAY)
    after = cache.context(offered, env.revoked_after_at + DAY)
    assert before is not after
    assert _outcome(before, env.revoked_after.certificate) == "valid"
    assert _outcome(after, env.revoked_after.certificate) == "revoked"
    assert cache.context(offered, env.revoked_after_at - 2 * DAY) is before


def test_another_crl_gets_another_context(env: Pki) -> None:
    cache = _cache(env)
    leaf = env.official.certificate
    revoking = pki.build_crl(
        env.issuing,
        [pki.Revocation(leaf.serial_number, NOW - 2 * DAY)],
        crl_number=8,
        this_update=NOW - dt.timedelta(hours=1),
    )
    plain = _offered(env, leaf)
    other = Offered.of(plain.certs, [revoking.public_bytes(Encoding.DER)])
    assert _outcome(cache.context(plain, NOW), leaf) == "valid"
    assert _outcome(cache.context(other, NOW), leaf) == "revoked"


def test_a_batch_builds_one_context_per_signer_not_per_file(env: Pki) -> None:
    verifier = PdfVerifier([env.root.certificate])
    files = [kit.signed_and_sealed(env, text=f"So: 0{n}/QD-UBND. Quyet dinh") for n in range(3)]
    assert verifier.check(files[0]).verdict == "TOTAL_PASSED"
    built = verifier.contexts.built
    assert built <= 4  # the official's and the seal's, each rebuilt once vouched for
    for data in files[1:]:
        assert verifier.check(data).verdict == "TOTAL_PASSED"
    assert verifier.contexts.built == built


def test_a_revoked_signer_fails_in_a_batch_after_files_that_passed(env: Pki) -> None:
    """The same signer's file with a CRL revoking them, after their files that passed."""
    verifier = PdfVerifier([env.root.certificate])
    assert verifier.check(kit.signed_and_sealed(env)).verdict == "TOTAL_PASSED"
    revoking = pki.build_crl(
        env.issuing,
        [pki.Revocation(env.official.certificate.serial_number, NOW - 2 * DAY)],
        crl_number=9,
        this_update=NOW - dt.timedelta(hours=1),
    )
    signed = kit.signed_and_sealed(env, dss=False)
    report = verifier.check(kit.add_dss(signed, env.chain, [revoking]))
    assert report.status is Status.TOTAL_FAILED
    assert report.signatures[0].result.sub_indication is SubIndication.REVOKED
    assert verifier.check(kit.signed_and_sealed(env)).verdict == "TOTAL_PASSED"
