"""Forms of the signing pages; Flask-WTF adds the CSRF token to each.

PIN fields never echo a value back into the page, even after a failed submission.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, Optional

from core.forms import VietnameseDateField, max_length, required
from signing.issuance import REVOCATION_REASONS

#: RFC 5280 reason names (the values stored and put into the CRL) and what an admin reads.
REASON_LABELS = {
    "keyCompromise": _l("Key compromised"),
    "affiliationChanged": _l("Moved to another organisation or post"),
    "superseded": _l("Replaced by a new certificate"),
    "cessationOfOperation": _l("No longer signs documents"),
    "privilegeWithdrawn": _l("Signing right withdrawn"),
    "unspecified": _l("Other reason"),
}


def _pin(label: object) -> PasswordField:
    return PasswordField(
        label,
        validators=[required(), max_length(32)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class SubmitForm(FlaskForm):
    approver1 = SelectField(_l("First official to sign (optional)"), validate_choice=False)
    approver2 = SelectField(_l("Second official to sign (optional)"), validate_choice=False)


class SignForm(FlaskForm):
    pin = _pin(_l("Signing PIN"))
    sha256 = HiddenField(validators=[required()])


class DeclineForm(FlaskForm):
    reason = StringField(_l("Reason for declining"), validators=[required(), max_length(500)])


class EnrolForm(FlaskForm):
    pin = _pin(_l("New signing PIN (6 to 32 digits)"))
    confirm = PasswordField(
        _l("Repeat the PIN"),
        validators=[EqualTo("pin", message=_l("The two PINs differ."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class ChangePinForm(FlaskForm):
    old_pin = _pin(_l("Current PIN"))
    pin = _pin(_l("New PIN"))
    confirm = PasswordField(
        _l("Repeat the new PIN"),
        validators=[EqualTo("pin", message=_l("The two PINs differ."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class ImportForm(FlaskForm):
    file = FileField(_l("PKCS#12 file (.p12, .pfx)"), validators=[FileRequired()])
    password = PasswordField(_l("Password of the file"), render_kw={"autocomplete": "off"})
    pin = _pin(_l("New signing PIN (6 to 32 digits)"))
    confirm = PasswordField(
        _l("Repeat the PIN"),
        validators=[EqualTo("pin", message=_l("The two PINs differ."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class SignatureImageForm(FlaskForm):
    file = FileField(
        _l("Signature image (PNG, transparent background, blue ink)"), validators=[FileRequired()]
    )


class AuthoriseForm(FlaskForm):
    user = SelectField(_l("Official"), validate_choice=False, validators=[required()])


class RevokeForm(FlaskForm):
    reason = SelectField(
        _l("Reason"),
        choices=[SelectChoice(r.value, REASON_LABELS[r.value]) for r in REVOCATION_REASONS],
        validators=[required()],
    )


class UploadForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired()])


class SignatureCheckForm(FlaskForm):
    file = FileField(_l("Document file"), validators=[FileRequired()])
    p7s = FileField(_l("Signature file (.p7s)"), validators=[FileRequired()])


class JobForm(FlaskForm):
    date_from = VietnameseDateField(_l("Signed from"), validators=[required()])
    date_to = VietnameseDateField(_l("Signed until"), validators=[required()])


class PdfJobForm(FlaskForm):
    files = MultipleFileField(_l("Signed PDF files, or one .zip holding them"))


class DocumentIdForm(FlaskForm):
    class Meta:
        csrf = False

    document = StringField(
        _l("Document number/symbol"),
        validators=[Optional(), max_length(100)],
        render_kw={"placeholder": _l("e.g. 04/UBND-VP")},
    )
