"""The Vietnamese a văn thư expects: one word for each thing, the office's form of address.

The catalogue and the pages a clerk sees are scanned for the forms an experienced văn thư
rejected (issue 12, §2.10).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from accounts.models import Role
from documents.assignment_models import AssignmentState
from tests.conftest import login

CATALOGUE = Path(__file__).resolve().parents[2] / "core/translations/vi/LC_MESSAGES/messages.po"

#: Each banned form, and what a văn thư writes instead.
BANNED = {
    r"\bbạn\b": "one form of address throughout: đồng chí",
    r"anh/chị|ông/bà|quý vị": "one form of address throughout: đồng chí",
    r"hệ thống số": "a numbering series is a sổ (sổ văn bản đi, sổ văn bản mật, sổ văn bản đến)",
    r"kiểm toán": "the auditor role is kiểm tra viên everywhere, its log the nhật ký kiểm tra",
    r"văn bản đến của tôi": "the personal inbox is not the incoming register (Văn bản đến)",
    r"số văn bản \(mã\)": "the internal id is not the document's number",
    r"không sử dụng": "a void number is a số bị hủy",
    r"\b(?:pending|in_progress|done|reserved|void|issued|draft)\b": "raw English state",
    r"\bseries\b": "a numbering series is a sổ",
    r"hủy bỏ số|\bsố hủy\b|số đã hủy": "a void number is a số bị hủy",
    r"lấy số": "a document's number is cấp (cấp số), not lấy",
    r"thanh tra viên": "the auditor role is kiểm tra viên everywhere",
    r"dấu điện tử|con dấu": "the clerk đóng dấu: the organisation's chữ ký số",
    r"chủ tọa": "who leads a meeting is its chủ trì",
    r"người tham dự": "who is invited to a meeting is a người dự họp",
}


def _catalogue():
    with CATALOGUE.open("rb") as handle:
        return [m for m in read_po(handle) if m.id and m.string]


def _offences(text: str) -> list[str]:
    return [
        f"{match.group(0)!r}: {why}"
        for pattern, why in BANNED.items()
        for match in re.finditer(pattern, text, flags=re.IGNORECASE)
    ]


def test_the_vietnamese_catalogue_has_none_of_the_banned_forms():
    found = {m.id: _offences(m.string) for m in _catalogue() if _offences(m.string)}
    assert found == {}


def test_numbering_words_are_those_of_the_register():
    strings = {m.id: m.string for m in _catalogue()}
    assert strings["Series"].startswith("Sổ")
    assert strings["Void"] == "Số bị hủy"
    assert "số bị hủy" in strings["The number is recorded as void."]
    assert strings["Issued"] == "Đã ban hành"
    assert "Văn bản đến" not in strings["Inbox"]
    assert strings["Auditor"] == "Kiểm tra viên"


def test_no_entry_is_left_untranslated_or_fuzzy():
    with CATALOGUE.open("rb") as handle:
        entries = [m for m in read_po(handle) if m.id]
    left = [m.id for m in entries if not m.string or m.fuzzy or m.string == m.id]
    assert left == []


def test_the_incoming_register_is_named_only_where_the_register_is_meant():
    """ "Sổ văn bản đến" is the register; a person's inbox or a received document is not."""
    strings = {m.id: m.string for m in _catalogue()}
    naming = [i for i, s in strings.items() if "sổ văn bản đến" in s.casefold()]
    assert naming and all("regist" in i.casefold() for i in naming), naming


def test_sealing_is_one_word_throughout():
    strings = {m.id: m.string for m in _catalogue()}
    assert strings["Awaiting seal"] == "Chờ đóng dấu"
    assert strings["Not yet sealed"] == "Chưa đóng dấu"
    assert strings["Signed and sealed"] == "Đã ký số và đóng dấu"
    assert strings["Apply the seal"] == "Đóng dấu"
    assert "đóng dấu" in strings["Signed; waiting for the organisation seal"]


#: The pages a citizen may see without signing in: the public verification page and the
#: errors it can answer with. A citizen is not a comrade: these strings address nobody.
PUBLIC_TEMPLATES = ("signing/public_verify.html", "signing/_verdict.html", "error.html")
PUBLIC_MESSAGES = (
    "Too many requests from your address. Please wait %(seconds)s seconds.",
    "This page does not exist, or you may not see it.",
    "No signed document has this verification code.",
)
ADDRESS = re.compile(r"đồng chí|\bcủa tôi\b", re.IGNORECASE)


def test_the_public_verification_page_addresses_a_citizen_neutrally():
    templates = CATALOGUE.parents[4] / "templates"
    call = re.compile(r"""_\(\s*'((?:[^'\\]|\\.)*)'\s*[,)]""")
    ids = {
        m for name in PUBLIC_TEMPLATES for m in call.findall((templates / name).read_text("utf-8"))
    }
    assert len(ids) >= 20  # the scan found the pages' strings
    ids |= set(PUBLIC_MESSAGES)
    strings = {m.id: m.string for m in _catalogue()}
    assert ids - strings.keys() == set()
    addressed = {i: strings[i] for i in ids if ADDRESS.search(strings[i])}
    assert addressed == {}


def test_an_unknown_verification_code_answers_a_citizen_neutrally(client):
    response = client.get("/verify/KHONGCO-MA", headers={"Accept-Language": "vi"})
    assert response.status_code == 404
    text = _visible_text(response.get_data(as_text=True))
    assert "Không có văn bản đã ký nào có mã kiểm tra này." in text
    assert not ADDRESS.search(text)


def test_the_scan_catches_what_it_bans():
    assert _offences("Bạn không có quyền xem; hệ thống số; pending")
    assert len(_offences("Series; hủy bỏ số 05; lấy số; Thanh tra viên; con dấu; chủ tọa")) == 6
    assert not _offences("Đồng chí không có quyền xem; sổ văn bản đi; số bị hủy")


@pytest.fixture
def office(make):
    province = make.unit("UBND thành phố Cần Thơ", abbreviation="UBND")
    home = make.unit("Sở Nội vụ", parent=province, abbreviation="SNV")
    return {
        "clerk": make.user("vanthu", roles=[Role.CLERK], unit=province),
        "home_clerk": make.user("vanthu.snv", roles=[Role.CLERK], unit=home),
        "official": make.user("a.snv", roles=[Role.OFFICIAL, Role.LEADER], unit=home),
        "auditor": make.user("kiemtoan", roles=[Role.AUDITOR], unit=province),
    }


PAGES = {
    "clerk": ["/", "/documents", "/documents/new", "/registers/outgoing", "/registers/incoming"],
    "home_clerk": ["/inbox", "/tasks", "/registers/incoming", "/incoming/new"],
    "official": ["/inbox", "/tasks", "/meetings/", "/notifications"],
    "auditor": ["/audit", "/audit/checkpoints"],
}


@pytest.mark.parametrize("who", sorted(PAGES))
def test_pages_show_none_of_the_banned_forms(client, office, who):
    login(client, office[who])
    for url in PAGES[who]:
        response = client.get(url, headers={"Accept-Language": "vi"})
        assert response.status_code == 200, url
        text = _visible_text(response.get_data(as_text=True))
        assert _offences(text) == [], url


def test_a_task_page_shows_its_state_in_vietnamese(app, client, db, office):
    """The progress column once printed 'in_progress' as it is stored."""
    from core.storage import StagedBlobs, blob_store
    from documents import assignments, incoming
    from documents.decree30 import DocType
    from tests.documents.conftest import build_pdf
    from tests.documents.office_testkit import TODAY
    from tests.factories import documents_settings

    clerk, official = office["home_clerk"], office["official"]
    data = incoming.IncomingData(
        issuer_name="Bộ Nội vụ",
        number_symbol="05/QĐ-BNV",
        issued_on=TODAY,
        doc_type=DocType.QUYET_DINH,
        subject="Về việc kiện toàn Ban chỉ đạo",
    )
    with StagedBlobs(blob_store(app)) as staged:
        receipt = incoming.register_incoming(
            db, staged, clerk, data, build_pdf("qd"), "qd.pdf", documents_settings(), today=TODAY
        )
        db.commit()
    assignment = assignments.assign(db, clerk, receipt.document, lead_id=official.id, today=TODAY)
    assignment.state = AssignmentState.IN_PROGRESS
    db.commit()
    login(client, clerk)
    text = _visible_text(client.get("/tasks").get_data(as_text=True))
    assert "Về việc kiện toàn" in text
    assert _offences(text) == []


def _visible_text(html: str) -> str:
    """What a reader sees: no tags, attributes, scripts or styles."""
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"<[^>]+>", " ", html)


def test_each_authority_prefix_has_its_own_label():
    from documents.decree30 import Authority
    from documents.forms import _label

    labels = {member.prefix: _label(member) for member in Authority}
    assert set(labels) == {"TM.", "Q.", "KT.", "TL.", "TUQ.", "TM. KT.", "TM. Q."}
    assert len(set(labels.values())) == len(labels)
    assert all(label.startswith(prefix + " (") for prefix, label in labels.items())
    assert "Thay mặt" in labels["TM."] and "Ký thay" in labels["KT."]
    assert "Thừa lệnh" in labels["TL."] and "Thừa ủy quyền" in labels["TUQ."]
    assert "Quyền" in labels["Q."]
