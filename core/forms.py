"""Validators with messages in our catalogue (WTForms ships no Vietnamese translation), and the
date fields every form uses: dd/mm/yyyy (HH:mm), Vietnam's way, whatever the browser's locale."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import Field
from wtforms.validators import DataRequired, Length
from wtforms.widgets import TextInput

DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"
#: ISO forms, still accepted: links, scripts and older tests write them.
_ISO_DATETIME = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


def required() -> DataRequired:
    return DataRequired(message=_l("Please fill in this field."))


def max_length(limit: int) -> Length:
    return Length(max=limit, message=_l("At most %(max)d characters.", max=limit))


def parse_date(text: str) -> date:
    """31/12/2026 (or 2026-12-31) as a date; ValueError for anything else, 29/02/2027 too."""
    text = text.strip()
    try:
        return datetime.strptime(text, DATE_FORMAT).date()
    except ValueError:
        return date.fromisoformat(text)


def parse_datetime(text: str) -> datetime:
    """31/12/2026 14:30 (or 2026-12-31T14:30) as a naive datetime, read as Vietnam time."""
    text = " ".join(text.split())
    for pattern in (DATETIME_FORMAT, *_ISO_DATETIME):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ValueError(text)


class HintedInput(TextInput):
    """A text box for a date with its format written beside it: <input type=date> would show
    the browser's locale (mm/dd/yyyy on an English Chromium), not Vietnam's."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        hint_id = f"{kwargs.get('id', field.id)}-format"
        kwargs.setdefault("inputmode", "numeric")
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("placeholder", field.placeholder)
        kwargs.setdefault("aria-describedby", hint_id)
        hint = Markup('<span class="hint date-format" id="{}">{}</span>').format(
            hint_id, escape(str(field.hint))
        )
        return super().__call__(field, **kwargs) + hint


class VietnameseDateField(Field):
    """A date written dd/mm/yyyy (ISO accepted); a wrong one is the form's error on the field."""

    widget = HintedInput()
    placeholder = "dd/mm/yyyy"
    hint = _l("dd/mm/yyyy, e.g. 31/12/2026")
    message = _l("Write the date as dd/mm/yyyy, e.g. 31/12/2026.")

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime(DATE_FORMAT) if self.data else ""

    def _parse(self, text: str) -> Any:
        return parse_date(text)

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = " ".join(str(v) for v in valuelist).strip() if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            self.data = self._parse(text)
        except ValueError:
            self.data = None
            raise ValueError(str(self.message)) from None


class VietnameseDateTimeField(VietnameseDateField):
    """A date and time written dd/mm/yyyy HH:mm, Vietnam time (ISO accepted); naive, like
    <input type=datetime-local> gave, for the view to convert."""

    placeholder = "dd/mm/yyyy HH:mm"
    hint = _l("dd/mm/yyyy HH:mm, Vietnam time, e.g. 31/12/2026 14:30")
    message = _l("Write the date and time as dd/mm/yyyy HH:mm, e.g. 31/12/2026 14:30.")

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime(DATETIME_FORMAT) if self.data else ""

    def _parse(self, text: str) -> Any:
        return parse_datetime(text)
