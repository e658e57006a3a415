"""Issue 14 §4: results read as people write them: Vietnam time as dd/mm/yyyy HH:mm, columns named
for what they hold (the ISO time stays machine-readable in the <time> element)."""

from __future__ import annotations

import re

from tests.conftest import login

SHOWN_TIME = re.compile(
    r'<time datetime="[0-9-]+T[0-9:]+\+07:00">(\d{2}/\d{2}/\d{4} \d{2}:\d{2})</time>'
)


def test_signing_times_are_shown_in_vietnam_time_day_first(client, office):
    document, _request = office.signed_and_sealed()
    login(client, office.auditor)
    page = client.get(f"/signing/documents/{document.id}").get_data(as_text=True)
    shown = SHOWN_TIME.findall(page)
    assert len(shown) >= 2  # the official's signature and the seal
    visible = re.sub(r'datetime="[^"]*"', "", page)
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", visible)


def test_a_certificate_is_not_listed_under_trich_yeu(client, office):
    login(client, office.chairman)
    page = client.get("/signing/key").get_data(as_text=True)
    assert "Người được cấp chứng thư số" in page
    assert "<th>Trích yếu</th>" not in page


def test_the_signer_sees_the_document_and_confirms_its_number_date_and_pages(client, office):
    """Issue 14 §8: the signing page asked the official to compare a 64-character hash."""
    document = office.draft(subject="Quy chế làm việc không giấy")
    request = office.submit(document)
    login(client, office.chairman)
    page = client.get(f"/signing/requests/{request.id}").get_data(as_text=True)
    assert 'data-testid="sign-preview"' in page
    assert "Điều 1. Ban hành kèm theo Quyết định này" in page  # the text itself, beside the PIN
    confirm = re.search(r'<label class="confirm">(.*?)</label>', page, re.S)
    assert confirm and "required" in confirm.group(1)
    assert f"Tôi đã đọc văn bản số {request.document.number_symbol}" in confirm.group(1)
    technical = page.split('<details class="technical">', 1)[1].split("</details>", 1)[0]
    assert request.sha256 in technical  # the hash is still there, under the details
