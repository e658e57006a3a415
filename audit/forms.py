"""Forms of the auditors' pages; Flask-WTF adds the CSRF token to each."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField
from wtforms.validators import Optional


class ReceiptCheckForm(FlaskForm):
    text = TextAreaField(_l("Receipt (tlog-proof text)"), validators=[Optional()])
    file = FileField(_l("or a receipt file (.tlog-proof)"), validators=[Optional()])
