"""A PDF original in Chromium: the chairman saves his signature image, the clerk reserves the number
and uploads the final PDF, the chairman signs, the clerk seals, sends it to another unit and
downloads the original, which poppler's pdfsig lists with two valid, trusted signatures; the
verification page shows both, and the receiving unit's clerk gets the document.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from signing import trust
from signing.crypto import pades
from signing.models import SignatureImage
from tests.browser.test_documents import sign_in, sign_out
from tests.signing.flow_testkit import CHAIRMAN_PIN, FAST_CONFIG, SEAL_PIN, build_office
from tests.signing.pades_testkit import nss_db, pdfsig, signature_png, signer_block_pdf

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WTF_CSRF_ENABLED": True, **FAST_CONFIG}


def test_upload_pdf_number_sign_seal_send_and_verify_the_original(page, app, db, make, tmp_path):
    office = build_office(app, db, make)
    db.execute(sa.delete(SignatureImage))
    db.commit()
    document = office.draft(drafter_abbr="VP")
    image = tmp_path / "chu-ky.png"
    image.write_bytes(signature_png())

    sign_in(page, "chutich")
    page.goto("/signing/key")
    page.locator("input[name=file]").first.set_input_files(str(image))
    page.get_by_test_id("upload-signature-image").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("signature-image-preview").is_visible()
    sign_out(page)

    sign_in(page, "vanthu")
    exported = tmp_path / "exported.pdf"
    exported.write_bytes(signer_block_pdf("     "))  # exported before the number is known
    page.goto(f"/documents/{document.id}")
    page.get_by_test_id("version-file").set_input_files(str(exported))
    page.get_by_test_id("upload-version").click()
    page.wait_for_load_state()
    # The stepper offers the number first, with its confirmation; then the final file.
    assert page.get_by_test_id("submit-for-signing").count() == 0
    page.get_by_test_id("confirm-step").check()
    page.get_by_test_id("reserve-number").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("upload-final").is_visible()
    page.goto(f"/signing/documents/{document.id}/submit")
    number = page.get_by_test_id("reserved-number").inner_text().split(",")[0]
    final = tmp_path / "final.pdf"
    final.write_bytes(signer_block_pdf(number))
    page.goto(f"/documents/{document.id}")
    page.get_by_test_id("version-file").set_input_files(str(final))
    page.get_by_test_id("upload-version").click()
    page.wait_for_load_state()
    page.goto(f"/signing/documents/{document.id}/submit")
    page.get_by_test_id("submit-request").click()
    page.wait_for_url("**/signing/requests/*")
    request_url = page.url
    sign_out(page)

    sign_in(page, "chutich")
    page.goto(request_url)
    page.get_by_test_id("confirm-facts").check()
    page.locator("input[name=pin]").fill(CHAIRMAN_PIN)
    page.get_by_test_id("sign").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("sign").count() == 0
    sign_out(page)

    sign_in(page, "vanthu")
    page.goto(request_url)
    page.get_by_test_id("confirm-facts").check()
    page.locator("input[name=pin]").fill(SEAL_PIN)
    page.get_by_test_id("seal").click()
    page.wait_for_load_state()
    with page.expect_download() as download:
        page.get_by_test_id("original-pdf").click()
    saved = tmp_path / "original.pdf"
    download.value.save_as(saved)
    roots = trust.trust_material(db, office.settings).roots
    code, entries, output = pdfsig(saved, nssdir=nss_db(tmp_path / "nss", roots))
    assert code == 0 and [e.field for e in entries] == [pades.OFFICIAL_FIELD, pades.SEAL_FIELD]
    assert all(e.valid and e.trusted for e in entries), output

    # Dispatch: signed and sealed, the document may now be sent.
    page.goto(f"/documents/{document.id}")
    assert page.get_by_test_id("status").inner_text() == "Đã ban hành"
    page.get_by_test_id("circulate").click()
    page.locator(f"input[name=units][value='{office.other_clerk.unit_id}']").check()
    page.get_by_test_id("confirm-send").check()
    page.get_by_test_id("send").click()
    page.wait_for_url("**/receipts")

    # Verify: the page checks the signatures inside the stored original, in order.
    page.goto(f"/signing/documents/{document.id}")
    assert page.get_by_test_id("verdict").first.get_attribute("data-status") == "TOTAL_PASSED"
    assert page.get_by_test_id("signature-results").locator("tr[data-testid^=result-]").count() == 2
    with page.expect_download() as exported_original:
        page.get_by_test_id("download-bundle").click()
    assert exported_original.value.suggested_filename.endswith(".pdf")
    sign_out(page)

    # The receiving unit's clerk may now open it (before the dispatch it was refused).
    sign_in(page, "vanthu.syt")
    response = page.goto(f"/documents/{document.id}")
    assert response is not None and response.status == 200
    assert number.strip() in page.get_by_test_id("document-title").inner_text()
