"""Issue 14 §5: wherever a document is asked for, its number/symbol works, not only the id."""

from __future__ import annotations

import re

from documents import lookup
from tests.conftest import login


def test_a_symbol_is_written_the_way_clerks_type_it():
    assert lookup.normalised("  04 / UBND - VP ") == "04/UBND-VP"
    assert lookup.normalised("05/QĐ-UBND") == "05/QĐ-UBND"


def test_a_number_symbol_or_an_id_names_the_document(db, office):
    document, _request = office.signed_and_sealed()
    symbol = document.number_symbol
    assert lookup.document_ids(db, symbol) == [document.id]
    assert lookup.document_ids(db, symbol.lower()) == [document.id]  # đ/Đ too, on both databases
    assert lookup.document_ids(db, f" {symbol.replace('/', ' / ')} ") == [document.id]
    assert lookup.document_ids(db, str(document.id)) == [document.id]
    assert lookup.document_ids(db, "99/UBND-XX") == []


def test_the_auditor_opens_a_document_by_its_number(client, office):
    document, _request = office.signed_and_sealed()
    login(client, office.auditor)
    response = client.get("/signing/audit", query_string={"document": document.number_symbol})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/signing/documents/{document.id}")


def test_an_unknown_number_is_said_on_the_page_not_as_an_error_page(client, office):
    login(client, office.auditor)
    response = client.get("/signing/audit", query_string={"document": "04/UBND-VP"})
    assert response.status_code == 200
    assert "Không có văn bản nào đồng chí được xem có số, ký hiệu “04/UBND-VP”" in (
        response.get_data(as_text=True)
    )


def test_a_number_shared_by_several_documents_lists_them_to_choose(client, db, office):
    first, _ = office.signed_and_sealed(subject="Quy chế làm việc")
    second, _ = office.signed_and_sealed(subject="Kế hoạch năm 2027")
    second.number_symbol = first.number_symbol  # e.g. the same number in another year
    db.commit()
    login(client, office.auditor)
    page = client.get("/signing/audit", query_string={"document": first.number_symbol})
    assert page.status_code == 200
    listed = re.search(
        r'data-testid="document-matches">(.*?)</ul>', page.get_data(as_text=True), re.S
    )
    assert (
        listed and "Quy chế làm việc" in listed.group(1) and "Kế hoạch năm 2027" in listed.group(1)
    )


def test_the_audit_log_filters_by_number_symbol(client, office):
    document, _request = office.signed_and_sealed()
    other, _ = office.signed_and_sealed(subject="Văn bản khác")
    login(client, office.auditor)
    page = client.get("/audit", query_string={"document": document.number_symbol})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"document={document.id}" in html
    assert f"document={other.id}<" not in html
