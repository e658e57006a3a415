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
