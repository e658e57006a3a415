"""A trusted RFC 3161 timestamp, not the signer's own claim, fixes when the chain is checked."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

from signing.crypto import pdf_cli, pki
from signing.crypto.pdf_reports import SIGNING_TIME_CLAIM, TRUSTED_TIMESTAMP, PdfReport
from signing.crypto.pdf_verify import PdfVerifier
from signing.crypto.reports import Status, SubIndication
from tests.signing import pdf_testkit as kit
from tests.signing.signing_testkit import NOW, Pki

DAY = dt.timedelta(days=1)


def _stamped(env: Pki, at: dt.datetime, crl: object = None, **tsa: object) -> bytes:
    stamper = kit.local_timestamper(env, at=at, **tsa)  # type: ignore[arg-type]
    data = kit.sign_pdf(kit.base_pdf(), env.official, "Official", timestamper=stamper)
    data = kit.sign_pdf(data, env.seal, "Seal", box_x=260, timestamper=stamper)
    return kit.add_dss(data, env.chain, [crl or env.crl])  # type: ignore[list-item]


def _check(env: Pki, data: bytes, now: dt.datetime) -> PdfReport:
    return PdfVerifier([env.root.certificate]).check(data, now=now)


def test_a_trusted_timestamp_is_the_time_the_chain_is_checked_at(env: Pki) -> None:
    at = (NOW + 2 * DAY).replace(microsecond=0)
    report = _check(env, _stamped(env, at), NOW + 3 * DAY)
    assert report.verdict == "TOTAL_PASSED"
    for signature in report.signatures:
        assert signature.time_basis == TRUSTED_TIMESTAMP
        assert signature.validated_at == signature.timestamp_time == at
        assert signature.to_dict()["time_basis"] == "trusted_timestamp"
        assert (
            "Chain checked at" in signature.summary() and "trusted timestamp" in signature.summary()
        )


def test_a_revocation_between_the_claim_and_the_timestamp_fails_the_signature(env: Pki) -> None:
    """The signer claims a time before the revocation; the timestamp proves it came after."""
    revoked_at = NOW + DAY
    crl = pki.build_crl(
        env.issuing,
        [pki.Revocation(env.official.certificate.serial_number, revoked_at)],
        crl_number=11,
        this_update=NOW - dt.timedelta(hours=1),
        next_update=NOW + 10 * DAY,
    )
    report = _check(env, _stamped(env, NOW + 2 * DAY, crl), NOW + 3 * DAY)
    official = report.signatures[0]
    assert official.result.signing_time is not None and official.result.signing_time < revoked_at
    assert official.time_basis == TRUSTED_TIMESTAMP
    assert official.result.sub_indication is SubIndication.REVOKED
    assert report.status is Status.TOTAL_FAILED


def test_an_untrusted_timestamp_leaves_the_signing_time_claim(env: Pki) -> None:
    data = _stamped(env, NOW, issuer=env.foreign_root)
    report = _check(env, data, NOW + DAY)
    assert report.verdict == "TOTAL_PASSED"
    for signature in report.signatures:
        assert signature.time_basis == SIGNING_TIME_CLAIM
        assert signature.validated_at == signature.result.signing_time
        assert signature.timestamp_time is None
        assert any("timestamp cannot be verified" in w for w in signature.result.warnings)


def test_without_a_timestamp_the_claim_is_used_and_said(env: Pki) -> None:
    report = _check(env, kit.signed_and_sealed(env), NOW + DAY)
    assert {s.time_basis for s in report.signatures} == {SIGNING_TIME_CLAIM}
    assert "the signing time the signer claims" in report.summary()


def test_the_cli_reports_the_time_basis(env: Pki, tmp_path: Path) -> None:
    path = tmp_path / "stamped.pdf"
    path.write_bytes(_stamped(env, dt.datetime.now(dt.UTC).replace(microsecond=0)))
    out = io.StringIO()
    assert pdf_cli.main([str(path), "--json"], out=out) == 0
    body = json.loads(out.getvalue())
    assert [s["time_basis"] for s in body["report"]["signatures"]] == [TRUSTED_TIMESTAMP] * 2
    text = io.StringIO()
    assert pdf_cli.main([str(path)], out=text) == 0
    assert "trusted timestamp" in text.getvalue()
