"""The registers as Annex IV lays them out (page, CSV, A4 landscape PDF) and Annex VI exports,
through the pages, with their access checks."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from lxml import etree
from pypdf import PdfReader

from accounts.models import Role
from audit.models import AuditEvent
from documents import assignments, circulation, incoming, metadata_export
from documents.decree30 import Confidentiality
from documents.models import Document, DocumentAddressee, UnitReceipt
from tests.conftest import login
from tests.documents.office_testkit import TODAY, issued
from tests.documents.pages_testkit import build_office

ORGAN = "000.00.00.H29"
SECRET = "Về việc kỷ luật cán bộ"


@pytest.fixture
def office(make, db, blobs):
    people = build_office(make)
    people["province"].organ_id = ORGAN
    people["other_clerk"] = make.user("vanthu2", roles=[Role.CLERK], unit=people["province"])
    people["home_lead"] = make.user("lead.snv", unit=people["home"], full_name="Trần Thị Xử Lý")
    db.commit()
    letter = issued(db, blobs, people["clerk"], subject="Về việc tuyển dụng", due_on=TODAY)
    circulation.circulate(db, people["clerk"], letter, unit_ids=[people["home"].id])
    db.commit()
    incoming.acknowledge(db, people["home_clerk"], letter, TODAY)
    assignments.assign(
        db, people["home_clerk"], letter, lead_id=people["home_lead"].id, today=TODAY
    )
    people["letter"] = letter
    people["secret"] = issued(
        db,
        blobs,
        people["clerk"],
        subject=SECRET,
        confidentiality=Confidentiality.MAT,
        named_user_ids=[people["chairman"].id],
    )
    db.commit()
    return people


def csv_rows(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


FIELDS = {
    "issued_amount": "5",
    "file_copy_unit": "Văn phòng UBND",
    "register_note": "Gửi kèm bản giấy",
    "file_catalog": "2026",
    "file_notation": "HS-01",
    "doc_ordinal": "3",
    "language": "vi",
    "page_amount": "2",
    "addressees": "G01; Bộ Nội vụ\nBáo Cần Thơ",
}


def test_the_outgoing_register_has_annex_ivs_ten_columns_filled_in(client, office, db):
    letter = office["letter"]
    login(client, office["clerk"])
    saved = client.post(f"/documents/{letter.id}/register-fields", data=FIELDS)
    assert saved.status_code == 302
    rows = csv_rows(client.get(f"/registers/outgoing?year={TODAY.year}&format=csv"))
    (row,) = rows
    assert list(row)[:11] == [
        "Số, ký hiệu",
        "Ngày, tháng",
        "Loại",
        "Trích yếu",
        "Người ký",
        "Nơi nhận",
        "Đơn vị, người nhận bản lưu",
        "Số lượng bản",
        "Ngày chuyển",
        "Ký nhận",
        "Ghi chú",
    ]
    assert (row["Số, ký hiệu"], row["Ngày, tháng"], row["Trích yếu"]) == (
        letter.number_symbol,
        TODAY.isoformat(),
        "Về việc tuyển dụng",
    )
    assert (row["Đơn vị, người nhận bản lưu"], row["Số lượng bản"], row["Ghi chú"]) == (
        "Văn phòng UBND",
        "5",
        "Gửi kèm bản giấy",
    )
    assert row["Ngày chuyển"] and row["Ký nhận"].startswith("Sở Nội vụ (")
    page = client.get(f"/registers/outgoing?year={TODAY.year}").get_data(as_text=True)
    assert "Văn phòng UBND" in page and "Gửi kèm bản giấy" in page


def test_the_incoming_register_shows_the_handler_and_the_tracking_columns(client, office, db):
    letter = office["letter"]
    login(client, office["home_clerk"])
    noted = client.post(f"/documents/{letter.id}/register-fields", data={"register_note": "Gấp"})
    assert noted.status_code == 302
    (row,) = csv_rows(client.get(f"/registers/incoming?year={TODAY.year}&format=csv"))
    assert list(row) == [
        "Ngày đến",
        "Số đến",
        "Cơ quan ban hành",
        "Số, ký hiệu",
        "Ngày, tháng",
        "Loại",
        "Trích yếu",
        "Đơn vị, người nhận xử lý",
        "Ngày chuyển",
        "Ký nhận",
        "Ghi chú",
        "Hạn xử lý",
        "Tiến độ",
        "Số, ký hiệu văn bản trả lời",
        "Người xác nhận tiếp nhận",
    ]
    assert row["Đơn vị, người nhận xử lý"] == "Trần Thị Xử Lý"
    assert row["Người xác nhận tiếp nhận"] == office["home_clerk"].full_name
    assert (row["Số đến"], row["Ghi chú"], row["Hạn xử lý"]) == (
        "1",
        "Gấp",
        TODAY.isoformat(),
    )
    assert row["Tiến độ"] == "Chưa thực hiện"  # never the stored "pending"
    assert (row["Loại"], row["Trích yếu"]) == ("Công văn", "Về việc tuyển dụng")
    assert row["Ngày, tháng"] == TODAY.isoformat()
    page = client.get(f"/registers/incoming?year={TODAY.year}").get_data(as_text=True)
    assert 'data-testid="handler">Trần Thị Xử Lý<' in page
    # The sender's note stays the sender's: the receiving unit keeps its own.
    assert db.get(Document, letter.id).register_note == ""
    receipt = db.scalar(sa.select(UnitReceipt).where(UnitReceipt.document_id == letter.id))
    db.refresh(receipt)
    assert receipt.register_note == "Gấp"


@pytest.mark.parametrize("register", ["outgoing", "incoming"])
def test_a_register_prints_as_an_a4_landscape_pdf_in_vietnamese(client, office, register):
    clerk = office["clerk"] if register == "outgoing" else office["home_clerk"]
    login(client, clerk)
    response = client.get(f"/registers/{register}?year={TODAY.year}&format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    text = reader.pages[0].extract_text()
    assert "Về việc tuyển dụng" in text and office["letter"].number_symbol in text


def test_a_masked_row_prints_its_number_only_and_an_auditor_sees_no_secret(client, office):
    url = f"/registers/outgoing?year={TODAY.year}&series=confidential&format="
    login(client, office["other_clerk"])
    printed = PdfReader(io.BytesIO(client.get(url + "pdf").data)).pages[0].extract_text()
    assert office["secret"].number_symbol in printed and SECRET not in printed
    xml = client.get(url + "xml").data
    assert b'masked="true"' in xml and SECRET.encode() not in xml
    login(client, office["auditor"])
    for fmt in ("pdf", "xml", "json", "csv"):
        body = client.get(url + fmt).data
        assert office["secret"].number_symbol.encode() not in body, fmt


def test_register_metadata_downloads_are_valid_against_the_schema(client, office):
    schema = etree.XMLSchema(etree.parse(str(metadata_export.SCHEMA)))
    login(client, office["clerk"])
    outgoing = client.get(f"/registers/outgoing?year={TODAY.year}&format=xml")
    assert outgoing.status_code == 200
    schema.assertValid(etree.fromstring(outgoing.data))
    login(client, office["home_clerk"])
    received = etree.fromstring(
        client.get(f"/registers/incoming?year={TODAY.year}&format=xml").data
    )
    schema.assertValid(received)
    assert received.find("DocumentMetadata").findtext("ArrivalNumber") == "1"
    as_json = client.get(f"/registers/incoming?year={TODAY.year}&format=json").get_json()
    assert as_json["documents"][0]["ArrivalNumber"] == 1


def test_an_unknown_export_format_is_a_clear_400(client, office):
    login(client, office["clerk"])
    assert client.get("/registers/outgoing?format=docx").status_code == 400
    assert client.get(f"/documents/{office['letter'].id}/metadata/docx").status_code == 400


def test_a_documents_metadata_downloads_as_xml_and_json(client, office, db):
    letter = office["letter"]
    login(client, office["reader"])  # sent to their unit
    xml = client.get(f"/documents/{letter.id}/metadata/xml")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    tree = etree.fromstring(xml.data)
    etree.XMLSchema(etree.parse(str(metadata_export.SCHEMA))).assertValid(tree)
    assert tree.findtext("Identifier") == f"{ORGAN}.{TODAY.year}.{letter.number_symbol}"
    assert tree.findtext("ArrivalNumber") == "1"  # the arrival in the reader's own unit
    login(client, office["clerk"])  # the sender: no arrival of theirs
    as_json = client.get(f"/documents/{letter.id}/metadata/json").get_json()
    assert as_json["Identifier"] == tree.findtext("Identifier") and "ArrivalNumber" not in as_json
    exported = db.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "documents:metadata:export")
    ).all()
    assert len(exported) == 2


def test_nobody_gets_the_metadata_of_a_document_they_may_not_see(client, office):
    secret = office["secret"]
    for person in ("outsider", "auditor", "other_clerk", "reader"):
        login(client, office[person])
        for fmt in ("xml", "json"):
            response = client.get(f"/documents/{secret.id}/metadata/{fmt}")
            assert response.status_code == 404, (person, fmt)
            assert SECRET not in response.get_data(as_text=True)
    login(client, office["chairman"])  # named on it
    assert client.get(f"/documents/{secret.id}/metadata/xml").status_code == 200


def test_a_clerk_of_another_unit_cannot_fill_in_a_register_they_do_not_keep(client, office, db):
    letter = office["letter"]
    login(client, office["home_clerk"])  # keeps only the incoming register's note
    client.post(f"/documents/{letter.id}/register-fields", data=FIELDS)
    assert db.get(Document, letter.id).issued_amount is None
    outsider_clerk_unit = office["finance"]
    stranger = office["other_clerk"]
    stranger.unit_id = outsider_clerk_unit.id
    db.commit()
    login(client, stranger)
    refused = client.post(f"/documents/{letter.id}/register-fields", data=FIELDS)
    assert refused.status_code in (403, 404)
    db.expire_all()
    assert db.get(Document, letter.id).file_copy_unit == ""


@pytest.mark.parametrize(
    "changes",
    [
        {"issued_amount": "0"},
        {"issued_amount": "năm"},
        {"language": "xx"},
        {"addressees": "không hợp lệ!; Bộ Nội vụ"},
        {"register_note": "x" * 501},
    ],
    ids=["zero copies", "not a number", "language", "organ id", "long note"],
)
def test_bad_register_fields_are_refused_with_nothing_stored(client, office, db, changes):
    letter = office["letter"]
    login(client, office["clerk"])
    response = client.post(f"/documents/{letter.id}/register-fields", data={**FIELDS, **changes})
    assert response.status_code == 400
    db.expire_all()
    stored = db.get(Document, letter.id)
    assert (stored.issued_amount, stored.file_copy_unit, stored.file_notation) == (None, "", "")
    assert db.scalar(sa.select(sa.func.count()).select_from(DocumentAddressee)) == 0


def test_saving_register_fields_is_audited(client, office, db):
    login(client, office["clerk"])
    client.post(f"/documents/{office['letter'].id}/register-fields", data=FIELDS)
    event = db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "documents:register:fields"))
    assert event is not None and "issued_amount" in event.details["changed"]


def test_without_an_organ_id_the_outgoing_metadata_is_refused_but_the_receivers_is_not(
    client, office, db
):
    office["province"].organ_id = None
    db.commit()
    login(client, office["clerk"])
    refused = client.get(f"/registers/outgoing?year={TODAY.year}&format=xml")
    assert refused.status_code == 409
    assert "OrganId" in refused.get_data(as_text=True)
    assert client.get(f"/registers/outgoing?year={TODAY.year}&format=csv").status_code == 200
    login(client, office["home_clerk"])  # cannot set the sender's code: still gets its register
    received = client.get(f"/registers/incoming?year={TODAY.year}&format=xml")
    assert received.status_code == 200
    etree.XMLSchema(etree.parse(str(metadata_export.SCHEMA))).assertValid(
        etree.fromstring(received.data)
    )


def test_the_register_entries_page_shows_what_was_saved(client, office):
    letter = office["letter"]
    login(client, office["clerk"])
    client.post(f"/documents/{letter.id}/register-fields", data=FIELDS)
    page = client.get(f"/documents/{letter.id}/register-fields").get_data(as_text=True)
    assert 'value="Văn phòng UBND"' in page and "G01; Bộ Nội vụ\nBáo Cần Thơ" in page
    shown = client.get(f"/documents/{letter.id}").get_data(as_text=True)
    assert 'data-testid="register-fields"' in shown
    register = client.get(f"/registers/outgoing?year={TODAY.year}").get_data(as_text=True)
    assert 'data-testid="export-pdf"' in register and "format=xml" in register


def test_an_english_reader_gets_the_register_csv_headed_in_english(client, office, db):
    office["clerk"].locale = "en"
    db.commit()
    login(client, office["clerk"])
    response = client.get(f"/registers/outgoing?year={TODAY.year}&format=csv")
    assert response.get_data().startswith("\ufeff".encode())  # Excel reads it as UTF-8
    (row,) = csv_rows(response)
    assert list(row)[:4] == ["Number and symbol", "Date", "Type", "Subject"]
    assert row["Subject"] == "Về việc tuyển dụng"
