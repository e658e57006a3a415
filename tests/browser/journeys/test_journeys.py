"""Issue 14: each role's main journey, step by step, at tablet (1024×768) and phone (390×844)
size, through the real forms; every step is a screenshot in test-artifacts/journeys/ that fits
the width and passes axe-core (journey.py). The steps themselves are in steps.py.
"""

from __future__ import annotations

import shutil

import pytest

from core.clock import today_local
from tests.browser.journeys import steps
from tests.browser.journeys.arrange import (
    HANDLE_WITHIN,
    LETTER,
    assigned_report,
    signed_letter,
    submitted_letter,
    user,
    ward_report,
)
from tests.browser.journeys.journey import both_sizes, go_home, sign_in, waiting_count

pytestmark = pytest.mark.browser

DRAFTED = "Về việc sử dụng chữ ký số trên máy tính bảng"


@both_sizes
def test_the_clerk_drafts_numbers_and_submits_a_letter(start_journey, demo, db, size):
    journey = start_journey("clerk", size)
    sign_in(journey.page, "vanthu", demo.passwords["vanthu"])
    journey.step("home")
    steps.open_documents(journey)
    steps.draft_document(journey, DRAFTED, user(db, "chutich").full_name)
    steps.number_document(journey)
    number = steps.submit_for_signature(journey)
    steps.check_original(journey, converts=shutil.which("soffice") is not None)
    steps.outgoing_register(journey, number)


@both_sizes
def test_the_official_signs_what_waits_for_him(start_journey, demo, app, db, size):
    submitted_letter(app, db)
    journey = start_journey("official", size)
    sign_in(journey.page, "chutich", demo.passwords["chutich"])
    waiting = waiting_count(journey.page, "Văn bản chờ đồng chí ký số")
    assert waiting >= 1
    journey.step("home")
    steps.open_waiting(journey, "Văn bản chờ đồng chí ký số", LETTER)
    journey.step("to-sign")
    steps.read_in_full(journey)
    steps.confirm_facts_and_pin(journey, demo.pins["chutich"])
    steps.sign(journey)
    go_home(journey.page)
    assert waiting_count(journey.page, "Văn bản chờ đồng chí ký số") == waiting - 1
    journey.step("home-after")


@both_sizes
def test_the_clerk_seals_and_sends_to_a_unit(start_journey, demo, app, db, size):
    signed_letter(app, db, demo.pins["chutich"])
    journey = start_journey("clerk-seal", size)
    sign_in(journey.page, "vanthu", demo.passwords["vanthu"])
    journey.step("home")
    steps.open_waiting(journey, "Đã ký, chờ đóng dấu", LETTER)
    journey.step("to-seal")
    steps.seal(journey, demo.pins["vanthu"])
    steps.dispatch(journey, "Sở Tài chính")


@both_sizes
def test_the_receiving_clerk_acknowledges_registers_and_assigns(start_journey, demo, db, size):
    report = ward_report(db)
    journey = start_journey("receiving-clerk", size)
    sign_in(journey.page, "vanthu", demo.passwords["vanthu"])
    journey.step("home")
    steps.open_waiting(journey, "Chờ tiếp nhận cho đơn vị", report.subject)
    journey.step("incoming")
    steps.acknowledge(journey)
    steps.register_incoming(journey, "Chuyển Chủ tịch xem xét.")
    deadline = today_local() + HANDLE_WITHIN
    steps.assign_for_handling(
        journey, user(db, "chutich").full_name, deadline.isoformat(), "Tổng hợp, báo cáo."
    )
    steps.incoming_register(journey, report.number_symbol)


@both_sizes
def test_the_assignee_sees_the_deadline_and_reports_progress(start_journey, demo, app, db, size):
    report = assigned_report(app, db)
    journey = start_journey("assignee", size)
    page = journey.page
    sign_in(page, "chutich", demo.passwords["chutich"])
    assert waiting_count(page, "Văn bản cần xử lý") == 1
    journey.step("home")
    steps.open_tasks(journey, report.subject)
    deadline = f"{today_local() + HANDLE_WITHIN:%d/%m/%Y}"
    steps.report_progress(journey, report.subject, deadline, "Đã giao Văn phòng tổng hợp.")


@both_sizes
def test_the_official_writes_a_private_note_in_the_meeting_pack(start_journey, demo, size):
    journey = start_journey("meeting", size)
    sign_in(journey.page, "chutich", demo.passwords["chutich"])
    journey.step("home")
    steps.open_meeting_document(
        journey, "Phiên họp thường kỳ UBND thành phố tháng này", "01/UBND-VP"
    )
    steps.write_private_note(journey, "văn bản điện tử", "Hỏi tiến độ của các phường.")


@both_sizes
def test_the_auditor_finds_a_document_by_number_and_verifies_it(start_journey, demo, size):
    journey = start_journey("auditor", size)
    sign_in(journey.page, "kiemtoan", demo.passwords["kiemtoan"])
    journey.step("home")
    steps.filter_audit_log(journey, "02/QĐ-UBND")
    steps.verify_document(journey, "02/QĐ-UBND")


@both_sizes
def test_the_admin_imports_users_and_prints_their_codes(start_journey, demo, tmp_path, size):
    csv_file = tmp_path / "users.csv"
    csv_file.write_text(
        "username,full_name,title,unit_code,email,phone,roles\n"
        "lan.vp,Nguyễn Thị Lan,Chuyên viên,VP,,,\n"
        "minh.vp,Võ Văn Minh,Phó Chánh Văn phòng,VP,,,leader\n",
        encoding="utf-8",
    )
    journey = start_journey("admin", size)
    sign_in(journey.page, "quantri", demo.passwords["quantri"])
    journey.step("home")
    steps.import_users(journey, csv_file)
    steps.print_codes(journey)
