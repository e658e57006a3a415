"""Vocabulary and formatting rules of Decree 30/2020/ND-CP (Art. 7, Art. 15, Annexes I and III).

Pure data and string functions: document types, marks, authority prefixes, number/symbol, date line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import Enum

from core.errors import N_
from documents.errors import BadDraft, BadNumberSymbol

SUBJECT_MAX_LENGTH = 500
"""Annex VI: the Subject (trích yếu) metadata field holds at most 500 characters."""

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"


def normalise_d(text: str) -> str:
    """Legacy Vietnamese encodings put the Icelandic eth (Ð/ð) where Đ/đ belongs."""
    return text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")


class DocType(Enum):
    """The 29 administrative document types (Art. 7) with their Annex III abbreviations.

    The value is a stable ASCII code meant for databases and URLs; ``label`` and ``abbr`` are the
    Vietnamese name and the abbreviation (``None`` for Công văn and Thư công, which have none).
    Look a type up by code with ``DocType("quyet_dinh")``; the defaults in ``__new__`` exist only
    so that type checkers accept that one-argument call.
    """

    label: str
    abbr: str | None

    def __new__(cls, code: str, label: str = "", abbr: str | None = None) -> DocType:
        member = object.__new__(cls)
        member._value_ = code
        member.label = label
        member.abbr = abbr
        return member

    NGHI_QUYET = ("nghi_quyet", "Nghị quyết", "NQ")
    QUYET_DINH = ("quyet_dinh", "Quyết định", "QĐ")
    CHI_THI = ("chi_thi", "Chỉ thị", "CT")
    QUY_CHE = ("quy_che", "Quy chế", "QC")
    QUY_DINH = ("quy_dinh", "Quy định", "QyĐ")
    THONG_CAO = ("thong_cao", "Thông cáo", "TC")
    THONG_BAO = ("thong_bao", "Thông báo", "TB")
    HUONG_DAN = ("huong_dan", "Hướng dẫn", "HD")
    CHUONG_TRINH = ("chuong_trinh", "Chương trình", "CTr")
    KE_HOACH = ("ke_hoach", "Kế hoạch", "KH")
    PHUONG_AN = ("phuong_an", "Phương án", "PA")
    DE_AN = ("de_an", "Đề án", "ĐA")
    DU_AN = ("du_an", "Dự án", "DA")
    BAO_CAO = ("bao_cao", "Báo cáo", "BC")
    BIEN_BAN = ("bien_ban", "Biên bản", "BB")
    TO_TRINH = ("to_trinh", "Tờ trình", "TTr")
    HOP_DONG = ("hop_dong", "Hợp đồng", "HĐ")
    CONG_VAN = ("cong_van", "Công văn", None)
    CONG_DIEN = ("cong_dien", "Công điện", "CĐ")
    BAN_GHI_NHO = ("ban_ghi_nho", "Bản ghi nhớ", "BGN")
    BAN_THOA_THUAN = ("ban_thoa_thuan", "Bản thỏa thuận", "BTT")
    GIAY_UY_QUYEN = ("giay_uy_quyen", "Giấy ủy quyền", "GUQ")
    GIAY_MOI = ("giay_moi", "Giấy mời", "GM")
    GIAY_GIOI_THIEU = ("giay_gioi_thieu", "Giấy giới thiệu", "GGT")
    GIAY_NGHI_PHEP = ("giay_nghi_phep", "Giấy nghỉ phép", "GNP")
    PHIEU_GUI = ("phieu_gui", "Phiếu gửi", "PG")
    PHIEU_CHUYEN = ("phieu_chuyen", "Phiếu chuyển", "PC")
    PHIEU_BAO = ("phieu_bao", "Phiếu báo", "PB")
    THU_CONG = ("thu_cong", "Thư công", None)

    @property
    def code(self) -> str:
        """The stable code, the same as ``value``; named for readability at call sites."""
        return str(self.value)

    @property
    def heading(self) -> str:
        """The type name as printed above the subject: upper-case (Annex I)."""
        return self.label.upper()

    @classmethod
    def from_abbr(cls, abbr: str) -> DocType | None:
        """Find a type by abbreviation, ignoring case ("qđ" is QĐ); ``None`` when unknown."""
        return _BY_ABBR.get(_fold_abbr(abbr))


def _fold_abbr(abbr: str) -> str:
    return normalise_d(unicodedata.normalize("NFC", abbr)).strip().casefold()


_BY_ABBR: dict[str, DocType] = {_fold_abbr(t.abbr): t for t in DocType if t.abbr}


class CopyKind(Enum):
    """Forms of copy (Art. 25) and their abbreviations (Annex III)."""

    label: str
    abbr: str

    def __new__(cls, code: str, label: str = "", abbr: str = "") -> CopyKind:
        member = object.__new__(cls)
        member._value_ = code
        member.label = label
        member.abbr = abbr
        return member

    SAO_Y = ("sao_y", "Bản sao y", "SY")
    TRICH_SAO = ("trich_sao", "Bản trích sao", "TrS")
    SAO_LUC = ("sao_luc", "Bản sao lục", "SL")


class _Mark(Enum):
    """A mark with a stable code and a Vietnamese label; the first member prints nothing."""

    label: str

    def __new__(cls, code: str, label: str = "") -> _Mark:
        member = object.__new__(cls)
        member._value_ = code
        member.label = label
        return member

    @property
    def mark(self) -> str | None:
        """What the document prints, upper-case; ordinary documents print nothing."""
        ordinary = next(iter(type(self)))
        return None if self is ordinary else self.label.upper()


class Urgency(_Mark):
    """Độ khẩn."""

    THUONG = ("thuong", "Thường")
    KHAN = ("khan", "Khẩn")
    THUONG_KHAN = ("thuong_khan", "Thượng khẩn")
    HOA_TOC = ("hoa_toc", "Hỏa tốc")


class Confidentiality(_Mark):
    """Độ mật. Anything above THUONG restricts who may see the document."""

    THUONG = ("thuong", "Thường")
    MAT = ("mat", "Mật")
    TOI_MAT = ("toi_mat", "Tối mật")
    TUYET_MAT = ("tuyet_mat", "Tuyệt mật")

    @property
    def is_secret(self) -> bool:
        return self is not Confidentiality.THUONG


class Authority(Enum):
    """Prefixes placed before the signer's title (Art. 13, Annex I part II.8).

    ``TM_KT`` and ``TM_Q`` are the two combinations the decree uses: a deputy (KT.) or an
    acting head (Q.) signing on behalf of a collective, e.g. "TM. ỦY BAN NHÂN DÂN" over
    "KT. CHỦ TỊCH" over "PHÓ CHỦ TỊCH".
    """

    meaning: str

    def __new__(cls, prefix: str, meaning: str = "") -> Authority:
        member = object.__new__(cls)
        member._value_ = prefix
        member.meaning = meaning
        return member

    TM = ("TM.", "Thay mặt tập thể")
    Q = ("Q.", "Quyền")
    KT = ("KT.", "Ký thay người đứng đầu")
    TL = ("TL.", "Thừa lệnh")
    TUQ = ("TUQ.", "Thừa ủy quyền")
    TM_KT = ("TM. KT.", "Thay mặt tập thể, ký thay người đứng đầu")
    TM_Q = ("TM. Q.", "Thay mặt tập thể, quyền người đứng đầu")

    @property
    def prefix(self) -> str:
        return str(self.value)

    @property
    def on_behalf_of_collective(self) -> bool:
        """Whether a "TM. <collective>" line comes first, above the head's line."""
        return self in (Authority.TM_KT, Authority.TM_Q)

    @property
    def personal(self) -> str:
        """The prefix of the line right above the title: "KT." for TM. KT., "TM." for TM."""
        return self.prefix.split()[-1]

    def line(self, on_behalf_of: str) -> str:
        """The line above the signer's title, e.g. ``KT. CHỦ TỊCH`` or ``TM. ỦY BAN NHÂN DÂN``."""
        return f"{self.personal} {_collapse(on_behalf_of).upper()}"


def signer_lines(
    authority: Authority | None, title: str, on_behalf_of: str = "", collective: str = ""
) -> list[str]:
    """The upper-case lines above the signature (Annex I part II.8), in order.

    ``on_behalf_of`` follows the prefix nearest the title ("Chủ tịch" in "KT. CHỦ TỊCH");
    ``collective`` follows the "TM." of a combination ("Ủy ban nhân dân"). An acting head
    (Q.) signs under "Q. CHỦ TỊCH" alone: the title is not printed a second time.
    """
    if authority is None:
        return [_collapse(title).upper()]
    lines = [f"TM. {_collapse(collective).upper()}"] if authority.on_behalf_of_collective else []
    lines.append(authority.line(on_behalf_of))
    if authority.personal != "Q.":
        lines.append(_collapse(title).upper())
    return lines


def signer_label(
    authority: Authority | None, title: str, on_behalf_of: str = "", collective: str = ""
) -> str:
    """The signer block on one line for pages and lists: "TM. ỦY BAN NHÂN DÂN, KT. CHỦ TỊCH,
    PHÓ CHỦ TỊCH"."""
    return ", ".join(line for line in signer_lines(authority, title, on_behalf_of, collective))


def require_drafting_unit(doc_type: DocType, unit_abbr: str | None) -> None:
    """A công văn's symbol names the drafting unit ("12/UBND-VP", never "12/UBND")."""
    if doc_type is DocType.CONG_VAN and not (unit_abbr or "").strip():
        raise BadDraft(
            N_(
                "A công văn needs the abbreviation of the drafting unit for its symbol "
                "(for example VP in 12/UBND-VP)."
            )
        )


def format_number(n: int) -> str:
    """Numbers below 10 are written with a leading zero: 5 -> "05" (Annex I)."""
    if n < 1:
        raise ValueError("document numbers start at 1")
    return f"{n:02d}"


_ABBR_RE = re.compile(r"^[^\W_]+$")


def _check_abbr(abbr: str, what: str) -> str:
    abbr = normalise_d(unicodedata.normalize("NFC", abbr.strip()))
    if not _ABBR_RE.match(abbr):
        raise ValueError(f"{what} must be letters and digits only, got {abbr!r}")
    return abbr


def symbol(doc_type: DocType, issuer_abbr: str, unit_abbr: str | None = None) -> str:
    """The ký hiệu without the number: "QĐ-UBND", or "UBND-VP" for a type without abbreviation.

    Annex I puts the drafting unit only in the symbol of a công văn (and of the other type without
    an abbreviation); passing one for a named type, or none for a công văn, is a caller mistake
    and raises ``ValueError`` (see ``require_drafting_unit`` for the clerk's message).
    """
    issuer = _check_abbr(issuer_abbr, "issuer_abbr")
    if doc_type.abbr is None:
        if unit_abbr is None or not unit_abbr.strip():
            if doc_type is DocType.CONG_VAN:
                raise ValueError("a công văn symbol needs the drafting unit")
            return issuer
        return f"{issuer}-{_check_abbr(unit_abbr, 'unit_abbr')}"
    if unit_abbr is not None and unit_abbr.strip():
        raise ValueError(f"{doc_type.label} symbols do not include the drafting unit")
    return f"{doc_type.abbr}-{issuer}"


def number_symbol(
    number: int, doc_type: DocType, issuer_abbr: str, unit_abbr: str | None = None
) -> str:
    """Số, ký hiệu: ``number_symbol(5, QUYET_DINH, "UBND")`` -> "05/QĐ-UBND"."""
    return f"{format_number(number)}/{symbol(doc_type, issuer_abbr, unit_abbr)}"


def number_line(
    number: int | None, doc_type: DocType, issuer_abbr: str, unit_abbr: str | None
) -> str:
    """The "Số: ..." line of the header; an unnumbered draft shows dots where the number goes."""
    sym = symbol(doc_type, issuer_abbr, unit_abbr)
    shown = "..." if number is None else format_number(number)
    return f"Số: {shown}/{sym}"


@dataclass(frozen=True)
class NumberSymbol:
    """A parsed "Số/ký hiệu" of an incoming document.

    ``symbol`` (e.g. "QĐ-UBND") is the reliable part for duplicate checks; ``doc_type``,
    ``issuer_abbr`` and ``unit_abbr`` are a best-effort reading. ``doc_type`` is ``None`` when the
    first part is not one of the 29 abbreviations: a công văn, or a legal normative document such
    as "NĐ-CP", whose first part then lands in ``issuer_abbr``.
    """

    number: int
    symbol: str
    doc_type: DocType | None
    issuer_abbr: str
    unit_abbr: str | None
    year: int | None = None

    def __str__(self) -> str:
        year = f"/{self.year}" if self.year is not None else ""
        return f"{format_number(self.number)}{year}/{self.symbol}"


_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_NUMBER_SYMBOL_RE = re.compile(
    r"^(?P<number>\d{1,7})(?:/(?P<year>(?:19|20)\d\d))?/(?P<symbol>[^\W_]+(?:-[^\W_]+)*)$"
)


def parse_number_symbol(text: str) -> NumberSymbol:
    """Read "Số: 05/QĐ-UBND", "12/UBND-VP" or "15/2020/NĐ-CP" as typed from a received document.

    Tolerates a leading "Số", spaces around separators and typographic dashes; raises
    ``BadNumberSymbol`` when the text is not a number followed by a symbol.
    """
    raw = normalise_d(unicodedata.normalize("NFC", text)).translate(_DASHES).strip()
    raw = re.sub(r"^(?:số|so)\s*[:.]?\s*", "", raw, flags=re.IGNORECASE)
    raw = re.sub(r"\s*([/-])\s*", r"\1", raw)
    match = _NUMBER_SYMBOL_RE.match(raw)
    if not match or int(match["number"]) == 0:
        raise BadNumberSymbol(
            N_(
                "The number and symbol could not be read; write them as on the document, "
                "for example 05/QĐ-UBND."
            )
        )
    parts = match["symbol"].split("-")
    doc_type = DocType.from_abbr(parts[0]) if len(parts) >= 2 else None
    if doc_type is not None:
        assert doc_type.abbr is not None
        parts[0] = doc_type.abbr
        issuer, rest = parts[1], parts[2:]
    else:
        issuer, rest = parts[0], parts[1:]
    return NumberSymbol(
        number=int(match["number"]),
        symbol="-".join(parts),
        doc_type=doc_type,
        issuer_abbr=issuer,
        unit_abbr="-".join(rest) or None,
        year=int(match["year"]) if match["year"] else None,
    )


def _collapse(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def format_date(when: date | None) -> str:
    """ "ngày 05 tháng 3 năm 2026": day below 10 and months 1-2 get a leading zero (Annex I).

    ``None`` gives the blank form used on a draft that has no issue date yet.
    """
    if when is None:
        return "ngày ... tháng ... năm ..."
    month = f"{when.month:02d}" if when.month < 3 else str(when.month)
    return f"ngày {when.day:02d} tháng {month} năm {when.year}"


def place_date_line(place: str, when: date | None) -> str:
    """The italic line under the Tiêu ngữ: "Cần Thơ, ngày 05 tháng 3 năm 2026"."""
    return f"{_collapse(place)}, {format_date(when)}"


_ABOUT_RE = re.compile(r"^(?:về\s+việc|v\s*/\s*v)\b[\s:.,-]*", re.IGNORECASE)


def about_line(subject: str) -> str:
    """A công văn's subject under its number: "V/v <subject>" (Annex I).

    "V/v" abbreviates "Về việc", so a subject already starting with either is not given a
    second one: "Về việc triển khai..." prints "V/v triển khai...".
    """
    text = _collapse(subject)
    return f"V/v {_ABOUT_RE.sub('', text, count=1)}"


# Abbreviations a unit's short name commonly uses that the header spells out (Annex I).
_SPELT_OUT = (
    (re.compile(r"\bUBND\b"), "Ủy ban nhân dân"),
    (re.compile(r"\bHĐND\b"), "Hội đồng nhân dân"),
    (re.compile(r"\bTP\.\s*"), "thành phố "),
)


def header_name(name: str) -> str:
    """The issuing body's name in full for the header: "UBND thành phố Cần Thơ" becomes
    "Ủy ban nhân dân thành phố Cần Thơ" (a unit may also store its header name itself)."""
    text = normalise_d(_collapse(name))
    for pattern, full in _SPELT_OUT:
        text = pattern.sub(full, text)
    return text


_LOCAL_GOVERNMENT = ("ủy ban nhân dân", "uỷ ban nhân dân", "hội đồng nhân dân")


def heads_its_level(body: str) -> bool:
    """A People's Committee or Council is the body of its own level of local government: Annex I
    prints no body above it (a ward's committee is not headed by the city's on its documents)."""
    return header_name(body).casefold().startswith(_LOCAL_GOVERNMENT)
