"""The drafted document as it comes out on paper: converted to PDF and measured.

Reading styles is not enough (a line that fits in Word's idea of the column may still wrap):
these tests convert with LibreOffice and measure the page with poppler (see pdf_testkit).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from documents.decree30 import QUOC_HIEU, TIEU_NGU, Authority, DocType
from tests.documents import pdf_testkit as pdf

Converted = Callable[..., Path]

CONG_VAN = {
    "doc_type": DocType.CONG_VAN,
    "unit_abbr": "VP",
    "subject": "Về việc triển khai chữ ký số chuyên dùng công vụ",
    "addressees": ("Sở Nội vụ", "Sở Tài chính"),
    "signer_authority": Authority.TM_KT,
    "signer_collective": "Ủy ban nhân dân",
    "signer_on_behalf_of": "Chủ tịch",
    "signer_title": "Phó Chủ tịch",
    "drafter_unit": "VP",
    "number": 12,
}


def test_quoc_hieu_fits_on_one_line(converted: Converted) -> None:
    words = pdf.words(converted())
    quoc_hieu = pdf.phrase(words, QUOC_HIEU)
    assert max(w.top for w in quoc_hieu) - min(w.top for w in quoc_hieu) < 1


def test_line_under_the_motto_is_as_long_as_the_motto(converted: Converted) -> None:
    path = converted()
    motto = pdf.phrase(pdf.words(path), TIEU_NGU)
    left, right, bottom = motto[0].left, motto[-1].right, max(w.bottom for w in motto)
    under = [
        r for r in pdf.rules(path) if bottom <= r.y <= bottom + 4 and _overlaps(r, left, right)
    ]
    assert len(under) == 1, under
    rule = under[0]
    assert rule.length == pytest.approx(right - left, abs=1.5)
    assert (rule.left + rule.right) / 2 == pytest.approx((left + right) / 2, abs=1)
    assert rule.length == pytest.approx(56, abs=2)


def test_line_under_the_issuing_body_is_a_third_to_a_half_of_its_line(
    converted: Converted,
) -> None:
    path = converted()
    words = pdf.words(path)
    body = pdf.phrase(words, "ỦY BAN NHÂN DÂN TỈNH")
    rest = pdf.phrase(words, "HẬU GIANG")
    width = body[-1].right - body[0].left
    below = rest[0].bottom
    under = [
        r
        for r in pdf.rules(path)
        if below <= r.y <= below + 4 and _overlaps(r, body[0].left, body[-1].right)
    ]
    assert len(under) == 1, under
    assert width / 3 <= under[0].length <= width / 2


def test_vietnamese_text_and_every_font_embedded(converted: Converted) -> None:
    path = converted()
    text = pdf.text(path)
    for expected in (QUOC_HIEU, TIEU_NGU, "Số: 05/QĐ-UBND", "Nguyễn Văn An", "Thường trực Tỉnh ủy"):
        assert expected in text
    fonts = pdf.fonts(path)
    assert fonts and all(f["emb"] == "yes" for f in fonts), fonts
    # Times New Roman, or its metric-compatible twin where it is not installed (Debian).
    assert all(("TimesNewRoman" in f["name"] or "LiberationSerif" in f["name"]) for f in fonts)


def test_cong_van_page_shows_addressees_symbol_and_combined_authority(
    converted: Converted,
) -> None:
    path = converted(**CONG_VAN)
    words = pdf.words(path)
    text = pdf.text(path)
    assert "Số: 12/UBND-VP" in text
    assert "V/v triển khai chữ ký số" in text and "Về việc" not in text
    assert "Kính gửi:" in text and "- Sở Tài chính;" in text
    lines = [
        pdf.phrase(words, line)
        for line in ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn An")
    ]
    tops = [line[0].top for line in lines]
    assert tops == sorted(tops) and len(set(tops)) == 4, "one line each, in this order"
    centres = [(line[0].left + line[-1].right) / 2 for line in lines]
    assert max(centres) - min(centres) < 1.5, "centred under each other"


def _overlaps(rule: pdf.Rule, left: float, right: float) -> bool:
    return rule.right > left and rule.left < right
