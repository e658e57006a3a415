"""Decree 30 vocabulary: the 29 types, marks, prefixes, number/symbol and the date line.

Expected values are copied from the Decree 30 text (Annex III), not from the code.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import BadInput
from documents.decree30 import (
    QUOC_HIEU,
    SUBJECT_MAX_LENGTH,
    TIEU_NGU,
    Authority,
    Confidentiality,
    CopyKind,
    DocType,
    Urgency,
    about_line,
    format_date,
    format_number,
    number_line,
    number_symbol,
    parse_number_symbol,
    place_date_line,
    require_drafting_unit,
    signer_label,
    signer_lines,
    symbol,
)
from documents.errors import BadDraft, BadNumberSymbol

EXPECTED_TYPES = {
    "Nghị quyết": "NQ",
    "Quyết định": "QĐ",
    "Chỉ thị": "CT",
    "Quy chế": "QC",
    "Quy định": "QyĐ",
    "Thông cáo": "TC",
    "Thông báo": "TB",
    "Hướng dẫn": "HD",
    "Chương trình": "CTr",
    "Kế hoạch": "KH",
    "Phương án": "PA",
    "Đề án": "ĐA",
    "Dự án": "DA",
    "Báo cáo": "BC",
    "Biên bản": "BB",
    "Tờ trình": "TTr",
    "Hợp đồng": "HĐ",
    "Công văn": None,
    "Công điện": "CĐ",
    "Bản ghi nhớ": "BGN",
    "Bản thỏa thuận": "BTT",
    "Giấy ủy quyền": "GUQ",
    "Giấy mời": "GM",
    "Giấy giới thiệu": "GGT",
    "Giấy nghỉ phép": "GNP",
    "Phiếu gửi": "PG",
    "Phiếu chuyển": "PC",
    "Phiếu báo": "PB",
    "Thư công": None,
}


def test_all_29_types_with_annex_iii_abbreviations() -> None:
    assert len(DocType) == 29
    assert {t.label: t.abbr for t in DocType} == EXPECTED_TYPES


def test_codes_are_stable_ascii_and_round_trip() -> None:
    codes = [t.code for t in DocType]
    assert len(set(codes)) == 29
    assert all(code.isascii() and code == code.lower() for code in codes)
    assert DocType("quyet_dinh") is DocType.QUYET_DINH
    assert DocType("cong_van").abbr is None
    assert DocType.THU_CONG.abbr is None


def test_abbreviation_lookup_ignores_case_and_keeps_qyd_distinct() -> None:
    assert DocType.from_abbr("QĐ") is DocType.QUYET_DINH
    assert DocType.from_abbr("qđ") is DocType.QUYET_DINH
    assert DocType.from_abbr("QyĐ") is DocType.QUY_DINH
    assert DocType.from_abbr("CTr") is DocType.CHUONG_TRINH
    assert DocType.from_abbr("CT") is DocType.CHI_THI
    assert DocType.from_abbr("NĐ") is None


def test_copy_kinds() -> None:
    assert {c.label: c.abbr for c in CopyKind} == {
        "Bản sao y": "SY",
        "Bản trích sao": "TrS",
        "Bản sao lục": "SL",
    }


def test_urgency_and_confidentiality_labels_and_marks() -> None:
    assert [u.label for u in Urgency] == ["Thường", "Khẩn", "Thượng khẩn", "Hỏa tốc"]
    assert [c.label for c in Confidentiality] == ["Thường", "Mật", "Tối mật", "Tuyệt mật"]
    assert Urgency.THUONG.mark is None
    assert Urgency.HOA_TOC.mark == "HỎA TỐC"
    assert Confidentiality.THUONG.mark is None
    assert Confidentiality.TOI_MAT.mark == "TỐI MẬT"
    assert Confidentiality.MAT.is_secret and not Confidentiality.THUONG.is_secret


def test_authority_prefixes() -> None:
    assert [a.prefix for a in Authority] == ["TM.", "Q.", "KT.", "TL.", "TUQ.", "TM. KT.", "TM. Q."]
    assert Authority.KT.line("Chủ tịch") == "KT. CHỦ TỊCH"
    assert Authority.TM.line("Ủy ban  nhân dân") == "TM. ỦY BAN NHÂN DÂN"


@pytest.mark.parametrize(
    ("authority", "expected"),
    [
        (None, ["CHỦ TỊCH"]),
        (Authority.TM, ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]),
        (Authority.KT, ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]),
        (Authority.Q, ["Q. CHỦ TỊCH"]),
        (Authority.TL, ["TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG"]),
        (Authority.TUQ, ["TUQ. CHỦ TỊCH", "GIÁM ĐỐC SỞ NỘI VỤ"]),
        (Authority.TM_KT, ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]),
        (Authority.TM_Q, ["TM. ỦY BAN NHÂN DÂN", "Q. CHỦ TỊCH"]),
    ],
)
def test_signer_lines_for_every_authority_the_decree_uses(
    authority: Authority | None, expected: list[str]
) -> None:
    titles = {
        None: "Chủ tịch",
        Authority.TM: "Chủ tịch",
        Authority.TL: "Chánh Văn phòng",
        Authority.TUQ: "Giám đốc Sở Nội vụ",
    }
    on_behalf = "Ủy ban nhân dân" if authority is Authority.TM else "Chủ tịch"
    lines = signer_lines(
        authority,
        titles.get(authority, "Phó Chủ tịch"),
        on_behalf_of=on_behalf,
        collective="Ủy ban  nhân dân",
    )
    assert lines == expected


def test_acting_head_does_not_print_the_title_twice() -> None:
    lines = signer_lines(Authority.Q, "Quyền Chủ tịch", on_behalf_of="Chủ tịch")
    assert lines == ["Q. CHỦ TỊCH"]
    assert signer_label(Authority.TM_KT, "Phó Chủ tịch", "Chủ tịch", "Ủy ban nhân dân") == (
        "TM. ỦY BAN NHÂN DÂN, KT. CHỦ TỊCH, PHÓ CHỦ TỊCH"
    )


@pytest.mark.parametrize(
    ("subject", "line"),
    [
        ("triển khai chữ ký số", "V/v triển khai chữ ký số"),
        ("Về việc triển khai chữ ký số", "V/v triển khai chữ ký số"),
        ("về  việc triển khai chữ ký số", "V/v triển khai chữ ký số"),
        ("V/v triển khai chữ ký số", "V/v triển khai chữ ký số"),
        ("Vấn đề an toàn thông tin", "V/v Vấn đề an toàn thông tin"),
    ],
)
def test_cong_van_about_line_never_doubles_vv(subject: str, line: str) -> None:
    assert about_line(subject) == line


def test_cong_van_needs_the_drafting_unit() -> None:
    with pytest.raises(ValueError):
        number_symbol(5, DocType.CONG_VAN, "UBND")
    with pytest.raises(BadDraft):
        require_drafting_unit(DocType.CONG_VAN, " ")
    require_drafting_unit(DocType.CONG_VAN, "VP")
    require_drafting_unit(DocType.QUYET_DINH, None)


def test_constants() -> None:
    assert SUBJECT_MAX_LENGTH == 500
    assert QUOC_HIEU == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert TIEU_NGU == "Độc lập - Tự do - Hạnh phúc"


@pytest.mark.parametrize(
    ("n", "text"), [(1, "01"), (5, "05"), (9, "09"), (10, "10"), (1234, "1234")]
)
def test_format_number_pads_below_ten(n: int, text: str) -> None:
    assert format_number(n) == text


def test_format_number_rejects_zero() -> None:
    with pytest.raises(ValueError):
        format_number(0)


def test_number_symbol_examples_from_the_decree() -> None:
    assert number_symbol(5, DocType.QUYET_DINH, "UBND") == "05/QĐ-UBND"
    assert number_symbol(12, DocType.CONG_VAN, "UBND", "VP") == "12/UBND-VP"
    assert number_symbol(3, DocType.QUY_DINH, "UBND") == "03/QyĐ-UBND"
    assert number_symbol(120, DocType.CONG_VAN, "UBND", "VP") == "120/UBND-VP"


def test_symbol_rejects_unit_on_named_type_and_bad_abbreviations() -> None:
    with pytest.raises(ValueError):
        symbol(DocType.QUYET_DINH, "UBND", "VP")
    for bad in ("", "UB ND", "UBND/1", "UB-ND"):
        with pytest.raises(ValueError):
            symbol(DocType.QUYET_DINH, bad)


def test_number_line_for_numbered_and_unnumbered_drafts() -> None:
    assert number_line(5, DocType.QUYET_DINH, "UBND", None) == "Số: 05/QĐ-UBND"
    assert number_line(None, DocType.QUYET_DINH, "UBND", None) == "Số: .../QĐ-UBND"
    assert number_line(None, DocType.CONG_VAN, "UBND", "VP") == "Số: .../UBND-VP"


@pytest.mark.parametrize(
    ("text", "number", "sym", "doc_type", "issuer", "unit", "year"),
    [
        ("05/QĐ-UBND", 5, "QĐ-UBND", DocType.QUYET_DINH, "UBND", None, None),
        ("Số: 05/QĐ-UBND", 5, "QĐ-UBND", DocType.QUYET_DINH, "UBND", None, None),
        ("12/UBND-VP", 12, "UBND-VP", None, "UBND", "VP", None),
        ("số 7 / qđ – UBND", 7, "QĐ-UBND", DocType.QUYET_DINH, "UBND", None, None),
        ("123/QĐ-TTg", 123, "QĐ-TTg", DocType.QUYET_DINH, "TTg", None, None),
        ("15/2020/NĐ-CP", 15, "NĐ-CP", None, "NĐ", "CP", 2020),
        ("08/KH-UBND", 8, "KH-UBND", DocType.KE_HOACH, "UBND", None, None),
        ("1234/BTC-TCT", 1234, "BTC-TCT", None, "BTC", "TCT", None),
        # A legacy-encoded eth (U+00D0) instead of Đ still reads as QĐ.
        ("05/Q\u00d0-UBND", 5, "QĐ-UBND", DocType.QUYET_DINH, "UBND", None, None),
    ],
)
def test_parse_number_symbol(
    text: str,
    number: int,
    sym: str,
    doc_type: DocType | None,
    issuer: str,
    unit: str | None,
    year: int | None,
) -> None:
    parsed = parse_number_symbol(text)
    assert (parsed.number, parsed.symbol, parsed.doc_type) == (number, sym, doc_type)
    assert (parsed.issuer_abbr, parsed.unit_abbr, parsed.year) == (issuer, unit, year)


def test_parsed_number_symbol_prints_canonically() -> None:
    assert str(parse_number_symbol("Số:5/qđ-UBND")) == "05/QĐ-UBND"
    assert str(parse_number_symbol("15/2020/NĐ-CP")) == "15/2020/NĐ-CP"


@pytest.mark.parametrize("text", ["", "QĐ-UBND", "05", "05/", "0/QĐ-UBND", "abc/QĐ", "05/QĐ UBND"])
def test_parse_number_symbol_rejects_garbage(text: str) -> None:
    with pytest.raises(BadNumberSymbol) as caught:
        parse_number_symbol(text)
    assert isinstance(caught.value, BadInput)


_ISSUERS = st.sampled_from(["UBND", "BNV", "SGDĐT", "TTg", "HĐND", "BTC"])


@given(
    number=st.integers(min_value=1, max_value=99999),
    doc_type=st.sampled_from([t for t in DocType if t.abbr]),
    issuer=_ISSUERS,
)
def test_number_symbol_round_trips_through_parse(
    number: int, doc_type: DocType, issuer: str
) -> None:
    text = number_symbol(number, doc_type, issuer)
    parsed = parse_number_symbol(text)
    assert (parsed.number, parsed.doc_type, parsed.issuer_abbr) == (number, doc_type, issuer)
    assert str(parsed) == text


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (date(2026, 3, 5), "ngày 05 tháng 3 năm 2026"),
        (date(2026, 1, 5), "ngày 05 tháng 01 năm 2026"),
        (date(2026, 2, 28), "ngày 28 tháng 02 năm 2026"),
        (date(2026, 12, 10), "ngày 10 tháng 12 năm 2026"),
        (None, "ngày ... tháng ... năm ..."),
    ],
)
def test_date_padding_per_annex_i(when: date | None, expected: str) -> None:
    assert format_date(when) == expected


def test_place_date_line() -> None:
    assert place_date_line("Hậu Giang", date(2026, 3, 5)) == "Hậu Giang, ngày 05 tháng 3 năm 2026"
    assert place_date_line(" Hà  Nội ", date(2026, 1, 9)) == "Hà Nội, ngày 09 tháng 01 năm 2026"


def test_a_peoples_committee_has_no_body_printed_above_it():
    """Annex I: a ward's committee heads its own level; a department prints its parent above."""
    from documents.decree30 import heads_its_level

    assert heads_its_level("UBND phường Ninh Kiều")
    assert heads_its_level("Ủy ban nhân dân thành phố Cần Thơ")
    assert heads_its_level("HĐND xã Phong Điền")
    assert not heads_its_level("Sở Nội vụ")
    assert not heads_its_level("Văn phòng HĐND và UBND")
