"""Validators with messages in our catalogue: WTForms ships no Vietnamese translation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired, Length


def required() -> DataRequired:
    return DataRequired(message=_l("Please fill in this field."))


def max_length(limit: int) -> Length:
    return Length(max=limit, message=_l("At most %(max)d characters.", max=limit))
