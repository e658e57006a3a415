"""PAdES signing (signing.crypto.pades): two signatures any PDF reader checks, and refusals.

Every signed PDF is cross-checked with poppler's pdfsig against an NSS database trusting our root,
and with pyHanko's validator; a changed byte inside a signed range must make pdfsig fail.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature as _validate_pdf_signature
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from signing.crypto import pades, pdf_pages
from signing.errors import InvalidSigningRequest
from signing.keys import StoredKeySigner
from tests.signing.pades_testkit import (
    SIGNER_NAME,
    SIGNER_TITLE,
    LoopbackTsa,
    attachment_pdf,
    nss_db,
    pdfsig,
    signature_png,
    signer_block_pdf,
)
from tests.signing.signing_testkit import Pki

MOMENT = dt.datetime.now(dt.UTC).replace(microsecond=0)


def validate_pdf_signature(*args, **kwargs):
    """pyHanko's validator, in a thread of its own if this one runs an event loop (Playwright)."""
    return pades.run_sync(lambda: _validate_pdf_signature(*args, **kwargs))


def _key(credential) -> StoredKeySigner:
    return StoredKeySigner(credential.certificate, credential.private_key, credential.chain)


def _trust(env: Pki) -> pades.Trust:
    return pades.Trust([env.root.certificate], [env.issuing.certificate], [env.crl])


def _official(env: Pki, data: bytes, **kwargs) -> bytes:
    placement = pdf_pages.locate_signer_block(data, SIGNER_NAME, SIGNER_TITLE)
    return pades.sign_official(
        data, _key(env.official), _trust(env), image_png=signature_png(), placement=placement,
        moment=MOMENT, **kwargs,
    )  # fmt: skip


def _seal(env: Pki, signed: bytes, **kwargs) -> bytes:
    return pades.apply_seal(
        signed, _key(env.seal), _trust(env), seal_png=pdf_pages.default_seal_png("UBND tỉnh Huế"),
        official_cms=pdf_pages.signature_containers(signed)[0], moment=MOMENT, **kwargs,
    )  # fmt: skip


@pytest.fixture(scope="module")
def sealed(env: Pki) -> bytes:
    return _seal(env, _official(env, signer_block_pdf(pages=2)))


@pytest.fixture(scope="module")
def nss(env: Pki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return nss_db(tmp_path_factory.mktemp("nss"), [env.root.certificate])


def _write(tmp_path: Path, data: bytes, name: str = "signed.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_pdfsig_lists_the_official_and_the_seal_both_valid(sealed, nss, tmp_path):
    code, entries, output = pdfsig(_write(tmp_path, sealed), nssdir=nss)
    assert code == 0, output
    assert [e.field for e in entries] == [pades.OFFICIAL_FIELD, pades.SEAL_FIELD]
    assert all(e.valid and e.trusted for e in entries), output
    assert "Signer Certificate Common Name: Nguyễn Văn An" in output
    assert "ETSI.CAdES.detached" in output  # PAdES, not adbe.pkcs7.detached
    # Without certificate checks too: the hashes and signatures alone.
    assert all(e.valid for e in pdfsig(_write(tmp_path, sealed, "b.pdf"))[1])


def test_one_changed_byte_inside_a_signed_range_fails_pdfsig(sealed, nss, tmp_path):
    offset = sealed.index(b"stream\n", 1000) + 20  # inside page content, covered by both
    changed = bytearray(sealed)
    changed[offset] ^= 0x01
    _, entries, output = pdfsig(_write(tmp_path, bytes(changed)), nssdir=nss)
    assert len(entries) == 2
    assert not any(e.valid for e in entries), output


def test_pyhanko_finds_both_intact_trusted_and_the_seal_an_incremental_update(env, sealed):
    reader = PdfFileReader(io.BytesIO(sealed))
    first, second = reader.embedded_signatures
    context = pades.validation_context(_trust(env), MOMENT)
    for signature in (first, second):
        status = validate_pdf_signature(signature, context)
        assert status.intact and status.valid and status.trusted, status.summary()
    # The official's signature covers the first revision; the seal's covers everything.
    assert first.signed_revision < second.signed_revision
    assert second.coverage.name in ("ENTIRE_FILE", "ENTIRE_REVISION")
    # What came after the official's signature is only the seal's field and validation data.
    after = validate_pdf_signature(first, context).modification_level.name
    assert after in ("LTA_UPDATES", "FORM_FILLING"), after


def test_the_dss_holds_the_chain_and_the_crl_for_offline_validation(env, sealed):
    dss = PdfFileReader(io.BytesIO(sealed)).root["/DSS"]
    assert len(dss["/Certs"]) >= 2
    crls = [bytes(ref.get_object().data) for ref in dss["/CRLs"]]
    assert any(crl == env.crl.public_bytes(Encoding.DER) for crl in crls)


def test_the_image_goes_between_the_title_and_the_name_of_the_signer(sealed):
    data = signer_block_pdf(pages=3)
    placement = pdf_pages.locate_signer_block(data, SIGNER_NAME, SIGNER_TITLE)
    assert placement.found and placement.page == 2
    lines = pdf_pages._lines(PdfReader(io.BytesIO(data)).pages[2])
    name_y = next(y for _, y, text, _ in lines if text == SIGNER_NAME)
    title_y = next(y for _, y, text, _ in lines if text == SIGNER_TITLE)
    _, bottom, _, top = placement.box
    assert name_y < bottom < top <= title_y
    official = pdf_pages.official_placement(sealed)
    assert official.page == 1 and official.found


def test_without_the_name_in_the_text_the_image_goes_to_the_right_of_the_last_page():
    data = signer_block_pdf(name="Người khác")
    placement = pdf_pages.locate_signer_block(data, SIGNER_NAME, SIGNER_TITLE)
    left, bottom, right, top = placement.box
    assert not placement.found and placement.page == 0
    assert left > 595 / 2 and right < 595 and 842 / 4 < bottom < top < 842 / 2 + 100


def test_the_seal_is_real_size_over_the_left_third_of_the_signature(sealed):
    reader = PdfReader(io.BytesIO(sealed))
    rects = {}
    for ref in reader.pages[-1]["/Annots"]:
        annotation = ref.get_object()
        rects[annotation["/T"]] = [float(v) for v in annotation["/Rect"]]
    official, seal = rects[pades.OFFICIAL_FIELD], rects[pades.SEAL_FIELD]
    assert seal[2] - seal[0] == pytest.approx(36 * pdf_pages.PT_PER_MM, abs=0.1)
    assert seal[2] == pytest.approx(official[0] + (official[2] - official[0]) / 3, abs=0.1)
    assert seal[0] < official[0]


def test_an_attachment_carries_the_seal_alone_as_number_and_vietnam_time_text(env, nss, tmp_path):
    sealed = pades.seal_attachment(
        attachment_pdf(), _key(env.seal), _trust(env), number_symbol="05/QĐ-UBND", moment=MOMENT
    )
    path = _write(tmp_path, sealed)
    _, entries, output = pdfsig(path, nssdir=nss)
    assert [e.field for e in entries] == [pades.ATTACHMENT_FIELD], output
    assert entries[0].valid and entries[0].trusted, output
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(path), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout  # fmt: skip
    assert pdf_pages.attachment_text("05/QĐ-UBND", MOMENT) in text
    rect = [float(v) for v in PdfReader(path).pages[0]["/Annots"][0].get_object()["/Rect"]]
    assert rect[3] > 842 - 40 * pdf_pages.PT_PER_MM and rect[2] > 595 - 20 * pdf_pages.PT_PER_MM
    assert rect[3] - rect[1] == pytest.approx(14, abs=0.5)  # one 10 pt line


def test_the_attachment_text_is_iso_8601_in_vietnam_time():
    moment = dt.datetime(2026, 11, 26, 17, 15, 30, 123, tzinfo=dt.UTC)
    assert (
        pdf_pages.attachment_text("05/QĐ-UBND", moment) == "05/QĐ-UBND; 2026-11-27T00:15:30+07:00"
    )


def test_a_timestamp_from_the_configured_tsa_goes_into_both_signatures(env, nss, tmp_path):
    with LoopbackTsa(env.issuing) as tsa:
        signed = _official(env, signer_block_pdf(), timestamper=HTTPTimeStamper(tsa.url))
        sealed = _seal(env, signed, timestamper=HTTPTimeStamper(tsa.url))
    assert tsa.requests >= 2
    context = pades.validation_context(_trust(env), MOMENT)
    for signature in PdfFileReader(io.BytesIO(sealed)).embedded_signatures:
        status = validate_pdf_signature(signature, context, ts_validation_context=context)
        assert status.timestamp_validity is not None and status.timestamp_validity.intact
    assert all(e.valid for e in pdfsig(_write(tmp_path, sealed), nssdir=nss)[1])


# --- refusals: nothing is signed ------------------------------------------------------------------


def _encrypted(data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password="", owner_password="secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _scripted(data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_encrypted, "encrypted"),
        (_scripted, "JavaScript"),
        (lambda d: b"%PDF-1.7 junk", "readable"),
    ],
)
def test_an_encrypted_scripted_or_broken_pdf_is_refused(env, make, words):
    with pytest.raises(InvalidSigningRequest) as refused:
        _official(env, make(signer_block_pdf()))
    assert words in refused.value.message and refused.value.status == 400


def test_a_pdf_already_signed_by_someone_else_is_refused(env):
    theirs = pades.Trust([env.foreign_root.certificate], env.foreign_official.chain, [])
    foreign = pades.sign_official(
        signer_block_pdf(), _key(env.foreign_official), theirs, image_png=signature_png(),
        placement=pdf_pages.locate_signer_block(signer_block_pdf(), SIGNER_NAME), moment=MOMENT,
    )  # fmt: skip
    with pytest.raises(InvalidSigningRequest, match="already signed"):
        _official(env, foreign)
    with pytest.raises(InvalidSigningRequest, match="exactly the official"):
        pades.apply_seal(
            foreign, _key(env.seal), _trust(env), seal_png=pdf_pages.default_seal_png("X"),
            official_cms=b"the official's signature made here", moment=MOMENT,
        )  # fmt: skip


def test_a_third_signature_after_the_seal_is_refused(env, sealed):
    with pytest.raises(InvalidSigningRequest, match="carries 2 signature"):
        _seal(env, sealed)
    with pytest.raises(InvalidSigningRequest, match="already signed"):
        _official(env, sealed)


def _png(width: int, height: int, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    mode = "RGBA" if kind == "PNG" else "RGB"
    Image.new(mode, (width, height), (20, 60, 160)).save(out, format=kind)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (_png(300, 100, "JPEG"), "must be a PNG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "must be a PNG"),
        (_png(3000, 200), "pixels"),
        (_png(30, 20), "pixels"),
        (b"\x89PNG\r\n\x1a\n" + bytes(600 * 1024), "larger than 512 KB"),
    ],
)
def test_a_signature_image_that_is_not_a_sensible_png_is_refused(env, data, words):
    with pytest.raises(InvalidSigningRequest) as refused:
        pdf_pages.check_signature_image(data)
    assert words in refused.value.message
    with pytest.raises(InvalidSigningRequest):
        pades.sign_official(
            signer_block_pdf(), _key(env.official), _trust(env), image_png=data,
            placement=pdf_pages.locate_signer_block(signer_block_pdf(), SIGNER_NAME), moment=MOMENT,
        )  # fmt: skip


def test_the_default_seal_is_a_red_transparent_png():
    png = pdf_pages.default_seal_png("UBND tỉnh Hậu Giang")
    assert pdf_pages.check_signature_image(png) == (600, 600)
    with Image.open(io.BytesIO(png)) as image:
        assert image.getpixel((0, 0))[3] == 0  # transparent outside the ring
        red, green, blue, _ = image.getpixel((300, 300))  # the star
        assert red > 180 and green < 60 and blue < 60


def test_signing_works_from_a_thread_that_runs_an_event_loop(env):
    """An async server, or Playwright's sync API in the tests, runs a loop in the caller's thread;
    pyHanko's own asyncio.run cannot start there. The loop here runs in a thread of its own."""
    import asyncio
    import threading

    signed: list[bytes] = []

    async def inside() -> None:
        signed.append(_official(env, signer_block_pdf()))

    worker = threading.Thread(target=lambda: asyncio.run(inside()))
    worker.start()
    worker.join()
    assert len(signed) == 1 and len(pdf_pages.signature_containers(signed[0])) == 1
