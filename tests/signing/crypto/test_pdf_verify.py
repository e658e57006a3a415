"""PAdES verification of PDFs signed with pyHanko on the test PKI; pdfsig cross-checks it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from signing.crypto.pdf_files import dss_roots
from signing.crypto.pdf_reports import INCOMPLETE
from signing.crypto.pdf_verify import PdfVerifier, run_coroutine, verify_pdf
from signing.crypto.pki import Role, fingerprint_sha256
from signing.crypto.reports import Status, SubIndication
from signing.errors import PdfUnusable, VerificationError
from tests.signing import pdf_testkit as kit
from tests.signing.signing_testkit import Pki


@pytest.fixture(scope="module")
def verifier(env: Pki) -> PdfVerifier:
    return PdfVerifier([env.root.certificate])


@pytest.fixture(scope="module")
def valid_pdf(env: Pki) -> bytes:
    return kit.signed_and_sealed(env)


@pytest.fixture(scope="module")
def pdfsig() -> str:
    path = shutil.which("pdfsig")
    if path is None:
        pytest.fail("poppler's pdfsig is required for the cross-checks (apt poppler-utils)")
    return path


def _subs(report: object) -> list[SubIndication | None]:
    return [s.result.sub_indication for s in report.signatures]  # type: ignore[attr-defined]


def test_official_then_seal_with_dss_passes_in_order(
    env: Pki, verifier: PdfVerifier, valid_pdf: bytes
) -> None:
    report = verify_pdf(valid_pdf, [env.root.certificate])
    assert report.status is Status.TOTAL_PASSED
    assert report.verdict == "TOTAL_PASSED"
    assert [s.result.role for s in report.signatures] == [Role.OFFICIAL, Role.SEAL]
    assert [s.result.slot for s in report.signatures] == ["official", "seal"]
    official, _seal = report.signatures
    assert official.result.signer_name == "Nguyễn Văn An"
    assert official.field_name == "Official"
    assert official.result.signing_time is not None
    assert official.timestamp_time is None  # no TSA in these files
    assert official.result.trust_anchor_sha256 == fingerprint_sha256(env.root.certificate)
    assert not report.modified_after_signing
    # the seal and the DSS were added after the official signed: allowed updates, not content
    assert official.modification in {"FORM_FILLING", "LTA_UPDATES"}
    assert report.to_dict()["signatures"][1]["role"] == "seal"


def test_a_tsa_timestamp_is_reported_beside_the_signing_time(
    env: Pki, verifier: PdfVerifier
) -> None:
    tsa = kit.local_timestamper(env)
    data = kit.sign_pdf(kit.base_pdf(), env.official, "Official", timestamper=tsa)
    data = kit.sign_pdf(data, env.seal, "Seal", box_x=260, timestamper=tsa)
    report = verifier.check(kit.add_dss(data, env.chain, [env.crl]))
    assert report.verdict == "TOTAL_PASSED"
    for signature in report.signatures:
        assert signature.timestamp_time is not None and signature.result.signing_time is not None
        assert signature.timestamp_time >= signature.result.signing_time
        assert signature.to_dict()["timestamp_time"] is not None


def test_signing_and_checking_work_inside_a_running_event_loop(
    env: Pki, verifier: PdfVerifier, valid_pdf: bytes
) -> None:
    """As under Playwright's sync API or an async server: asyncio.run is not allowed there."""

    async def inside() -> tuple[str, list[str]]:
        signed = kit.sign_pdf(kit.base_pdf(), env.seal, "Seal")
        slots = [s.result.slot for s in verifier.check(signed).signatures]
        return verifier.check(valid_pdf).verdict, slots

    # run_coroutine: the whole suite may itself already run a loop here (Playwright's).
    assert run_coroutine(inside) == ("TOTAL_PASSED", ["seal"])


def test_one_byte_changed_in_a_signed_range_fails_both(
    verifier: PdfVerifier, valid_pdf: bytes
) -> None:
    report = verifier.check(kit.flip_signed_byte(valid_pdf))
    assert report.status is Status.TOTAL_FAILED
    assert _subs(report) == [SubIndication.HASH_FAILURE, SubIndication.HASH_FAILURE]
    with pytest.raises(VerificationError):
        verify_pdf(kit.flip_signed_byte(valid_pdf), verifier=verifier)


def test_text_changed_by_an_incremental_update_is_modified_after_signing(
    env: Pki, verifier: PdfVerifier
) -> None:
    signed = kit.signed_and_sealed(env, dss=False)
    changed = kit.add_dss(kit.change_text(signed, "05/QD", "06/QD"), env.chain, [env.crl])
    report = verifier.check(changed)
    assert report.status is Status.TOTAL_FAILED
    assert report.modified_after_signing
    assert all(s.modified_after_signing for s in report.signatures)
    assert _subs(report) == [SubIndication.MODIFIED_AFTER_SIGNING] * 2
    assert report.to_dict()["modified_after_signing"] is True


def test_text_changed_between_official_and_seal_flags_the_official_only(
    env: Pki, verifier: PdfVerifier
) -> None:
    official = kit.sign_pdf(kit.base_pdf(), env.official, "Official")
    changed = kit.change_text(official, "05/QD", "06/QD")
    sealed = kit.add_dss(kit.sign_pdf(changed, env.seal, "Seal", box_x=260), env.chain, [env.crl])
    report = verifier.check(sealed)
    assert [s.modified_after_signing for s in report.signatures] == [True, False]
    assert report.status is Status.TOTAL_FAILED


def test_a_note_laid_over_the_page_after_the_seal_counts_as_modified(
    verifier: PdfVerifier, valid_pdf: bytes
) -> None:
    report = verifier.check(kit.add_annotation(valid_pdf))
    assert report.modified_after_signing
    assert report.status is Status.TOTAL_FAILED
    assert {s.modification for s in report.signatures} <= {"ANNOTATIONS", "OTHER"}


def test_a_third_signature_after_the_seal_is_flagged(
    env: Pki, verifier: PdfVerifier, valid_pdf: bytes
) -> None:
    third = kit.sign_pdf(valid_pdf, env.official2, "Later", box_x=100)
    report = verifier.check(third)
    assert report.status is Status.TOTAL_FAILED
    assert _subs(report) == [None, None, SubIndication.ORDER_VIOLATION]
    assert "after the organisation seal" in report.signatures[2].result.message


def test_seal_before_official_is_an_order_violation(env: Pki, verifier: PdfVerifier) -> None:
    sealed_first = kit.sign_pdf(kit.base_pdf(), env.seal, "Seal")
    both = kit.add_dss(kit.sign_pdf(sealed_first, env.official, "Official"), env.chain, [env.crl])
    report = verifier.check(both)
    assert [s.result.role for s in report.signatures] == [Role.SEAL, Role.OFFICIAL]
    assert _subs(report) == [None, SubIndication.ORDER_VIOLATION]


def test_official_only_is_incomplete(env: Pki, verifier: PdfVerifier) -> None:
    official = kit.add_dss(kit.sign_pdf(kit.base_pdf(), env.official, "Official"), env.chain, [])
    report = verifier.check(kit.add_dss(official, env.chain, [env.crl]))
    assert report.status is Status.TOTAL_PASSED
    assert report.verdict == INCOMPLETE


def test_certificate_revoked_by_the_embedded_crl_fails(env: Pki, verifier: PdfVerifier) -> None:
    report = verifier.check(kit.signed_and_sealed(env, env.revoked_before))
    assert report.status is Status.TOTAL_FAILED
    assert _subs(report) == [SubIndication.REVOKED, None]


def test_unknown_root_is_indeterminate(env: Pki, verifier: PdfVerifier) -> None:
    report = verifier.check(kit.signed_and_sealed(env, env.foreign_official))
    assert report.status is Status.INDETERMINATE
    assert _subs(report) == [SubIndication.NO_CERTIFICATE_CHAIN_FOUND, None]


def test_no_crl_anywhere_is_try_later(env: Pki, verifier: PdfVerifier) -> None:
    report = verifier.check(kit.signed_and_sealed(env, dss=False))
    assert report.status is Status.INDETERMINATE
    assert _subs(report) == [SubIndication.TRY_LATER] * 2


def test_a_crl_given_by_the_caller_stands_in_for_the_dss(env: Pki) -> None:
    verifier = PdfVerifier([env.root.certificate], [env.issuing.certificate], [env.crl])
    assert verifier.check(kit.signed_and_sealed(env, dss=False)).status is Status.TOTAL_PASSED


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: kit.encrypted_pdf(), "encrypted"),
        (lambda: b"garbage, not a PDF at all", "not a PDF"),
        (lambda: b"%PDF-1.7\n\x00\x01 broken", "damaged"),
        (lambda: kit.base_pdf(), "no digital signature"),
    ],
)
def test_unusable_files_raise_a_clear_error(
    verifier: PdfVerifier, make: object, words: str
) -> None:
    assert callable(make)
    with pytest.raises(PdfUnusable) as caught:
        verifier.check(make())
    assert words in caught.value.message


def test_the_roots_in_the_dss_are_offered_for_printing(env: Pki, valid_pdf: bytes) -> None:
    assert dss_roots(valid_pdf) == [env.root.certificate]


# --- the independent cross-check: poppler ------------------------------------------------------


def _pdfsig(pdfsig: str, data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "checked.pdf"
    path.write_bytes(data)
    done = subprocess.run(
        [pdfsig, "-nocert", str(path)], capture_output=True, text=True, check=False, timeout=60
    )
    return done.stdout + done.stderr


def test_pdfsig_lists_both_signatures_valid(pdfsig: str, valid_pdf: bytes, tmp_path: Path) -> None:
    out = _pdfsig(pdfsig, valid_pdf, tmp_path)
    assert "Signature #1:" in out and "Signature #2:" in out and "Signature #3:" not in out
    assert out.count("Signature Validation: Signature is Valid.") == 2
    assert "Signer Certificate Common Name: Nguyễn Văn An" in out


def test_pdfsig_reports_the_changed_byte(pdfsig: str, valid_pdf: bytes, tmp_path: Path) -> None:
    out = _pdfsig(pdfsig, kit.flip_signed_byte(valid_pdf), tmp_path)
    assert out.count("Digest Mismatch") == 2
    assert "Signature is Valid." not in out
