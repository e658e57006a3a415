"""Dates are written and read dd/mm/yyyy (HH:mm), Vietnam's way, ISO still accepted; a wrong
date is the form's error on its field."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from core.forms import VietnameseDateField, VietnameseDateTimeField, parse_date, parse_datetime


@pytest.mark.parametrize(
    ("text", "day"),
    [("31/12/2026", date(2026, 12, 31)), ("1/2/2026", date(2026, 2, 1)),
     ("2026-12-31", date(2026, 12, 31)), (" 29/02/2028 ", date(2028, 2, 29))],
)  # fmt: skip
def test_a_date_is_read_day_first_or_iso(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize("text", ["29/02/2027", "31/04/2026", "12/31/2026", "yesterday", ""])
def test_a_date_that_does_not_exist_is_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_a_date_and_time_is_read_day_first_or_iso():
    assert parse_datetime("31/12/2026 14:30") == datetime(2026, 12, 31, 14, 30)
    assert parse_datetime("2026-12-31T14:30") == datetime(2026, 12, 31, 14, 30)
    with pytest.raises(ValueError):
        parse_datetime("31/12/2026 25:00")


class _Form(FlaskForm):
    class Meta:
        csrf = False

    day = VietnameseDateField("Day")
    at = VietnameseDateTimeField("At")


def test_the_fields_show_dd_mm_yyyy_with_a_hint_and_say_what_is_wrong_inline(app):
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        form = _Form(data={"day": date(2026, 12, 31), "at": datetime(2026, 12, 31, 14, 30)})
        html = str(form.day())
        assert 'type="text"' in html and 'value="31/12/2026"' in html
        assert 'placeholder="dd/mm/yyyy"' in html and 'aria-describedby="day-format"' in html
        assert '<span class="hint date-format" id="day-format">ngày/tháng/năm' in html
        assert 'value="31/12/2026 14:30"' in str(form.at())
        wrong = _Form(formdata=MultiDict({"day": "29/02/2027", "at": "31/12/2026 14:30"}))
        assert not wrong.validate()
        assert wrong.day.errors == ["Xin ghi ngày theo dạng ngày/tháng/năm, ví dụ 31/12/2026."]
        assert 'value="29/02/2027"' in str(wrong.day())  # kept as typed, to correct
        assert wrong.at.data == datetime(2026, 12, 31, 14, 30)
