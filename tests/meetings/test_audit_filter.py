"""The audit log's "Meeting no." filter finds what was done in a real meeting, and only that
(issue 14, item 9: the filter existed before meetings did)."""

from __future__ import annotations

from accounts.models import Role
from tests.conftest import login
from tests.meetings.conftest import add_item, new_meeting


def test_the_audit_log_filters_by_a_real_meeting(client, db, make, office):
    ours = new_meeting(db, office)
    add_item(db, office, ours, "Khai mạc")
    other = new_meeting(db, office, title="Họp giao ban")
    auditor = make.user("kiemtoan.hop", roles=[Role.AUDITOR], unit=office.home)
    login(client, auditor)
    page = client.get(f"/audit?meeting={ours.id}").get_data(as_text=True)
    rows = page.split('data-testid="event-')[1:]
    codes = sorted(row.split("<code>")[1].split("</code>")[0] for row in rows)
    assert codes == ["meetings:item:add", "meetings:meeting:create"]
    assert "Tạo cuộc họp" in page and "Thêm nội dung vào chương trình" in page
    assert (
        client.get(f"/audit?meeting={other.id}").get_data(as_text=True).count('data-testid="event-')
        == 1
    )
    assert client.get("/audit?meeting=abc").status_code == 400
