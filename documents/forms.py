"""Forms of the document pages; Flask-WTF adds the CSRF token to each."""

from __future__ import annotations

from enum import Enum

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from core.forms import VietnameseDateField, max_length, required
from documents.decree30 import Authority, Confidentiality, DocType, Urgency
from documents.models import AssignmentState


def _choices(enum_cls: type[Enum], blank: str | None = None) -> list[SelectChoice]:
    first = [SelectChoice("", blank)] if blank is not None else []
    return first + [SelectChoice(m.value, _label(m)) for m in enum_cls]


def _label(member: Enum) -> str:
    if isinstance(member, Authority):
        return f"{member.prefix} ({member.meaning})"
    return str(getattr(member, "label", member.value))


class DraftForm(FlaskForm):
    doc_type = SelectField(
        _l("Document type"), choices=_choices(DocType), default=DocType.CONG_VAN.value
    )
    subject = TextAreaField(_l("Subject (trích yếu)"), validators=[required()])
    content = TextAreaField(_l("Content"), validators=[Optional()])
    drafter_abbr = StringField(
        _l("Drafting unit abbreviation"), validators=[Optional(), max_length(32)]
    )
    signer_authority = SelectField(_l("Signing authority"), choices=_choices(Authority, "—"))
    signer_on_behalf_of = StringField(_l("On behalf of"), validators=[Optional(), max_length(255)])
    signer_collective = StringField(
        _l("On behalf of the collective (TM.)"), validators=[Optional(), max_length(255)]
    )
    signer_id = SelectField(_l("Signer"), validate_choice=False)
    signer_title = StringField(_l("Signer's title"), validators=[Optional(), max_length(255)])
    recipients = TextAreaField(_l("Recipients (nơi nhận), one per line"), validators=[Optional()])
    addressees = TextAreaField(
        _l("Addressees of a công văn (kính gửi), one per line"), validators=[Optional()]
    )
    urgency = SelectField(_l("Urgency"), choices=_choices(Urgency))
    confidentiality = SelectField(_l("Confidentiality"), choices=_choices(Confidentiality))
    due_on = VietnameseDateField(_l("Due date"), validators=[Optional()])
    named_users = SelectMultipleField(
        _l("People allowed to see a confidential document"), validate_choice=False
    )


class UploadForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file."))])
    note = StringField(_l("Note"), validators=[Optional(), max_length(255)])


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[required(), max_length(500)])


class CirculateForm(FlaskForm):
    units = SelectMultipleField(_l("Units"), validate_choice=False)
    users = SelectMultipleField(_l("People"), validate_choice=False)
    message = TextAreaField(_l("Message"), validators=[Optional(), max_length(1000)])


class AssignForm(FlaskForm):
    lead = SelectField(_l("Lead person"), validate_choice=False)
    lead_unit = SelectField(_l("or lead unit"), validate_choice=False)
    cooperators = SelectMultipleField(_l("Cooperating people"), validate_choice=False)
    cooperating_units = SelectMultipleField(_l("Cooperating units"), validate_choice=False)
    deadline = VietnameseDateField(_l("Deadline"), validators=[Optional()])
    instructions = TextAreaField(_l("Instructions"), validators=[Optional(), max_length(1000)])


class ProgressForm(FlaskForm):
    state = SelectField(
        _l("State"),
        choices=[
            SelectChoice(AssignmentState.PENDING.value, _l("Not started")),
            SelectChoice(AssignmentState.IN_PROGRESS.value, _l("In progress")),
            SelectChoice(AssignmentState.DONE.value, _l("Done")),
        ],
    )
    note = TextAreaField(_l("Progress"), validators=[Optional(), max_length(1000)])


class IncomingForm(FlaskForm):
    issuer_name = StringField(_l("Issuing body"), validators=[required(), max_length(255)])
    number_symbol = StringField(_l("Number and symbol"), validators=[required(), max_length(64)])
    issued_on = VietnameseDateField(_l("Date of the document"), validators=[Optional()])
    doc_type = SelectField(
        _l("Document type"), choices=_choices(DocType), default=DocType.CONG_VAN.value
    )
    subject = TextAreaField(_l("Subject (trích yếu)"), validators=[required()])
    urgency = SelectField(_l("Urgency"), choices=_choices(Urgency))
    confidentiality = SelectField(_l("Confidentiality"), choices=_choices(Confidentiality))
    due_on = VietnameseDateField(_l("Due date"), validators=[Optional()])
    file = FileField(
        _l("File (PDF or DOCX)"), validators=[FileRequired(message=_l("Choose a file."))]
    )
    accept_duplicate = BooleanField(_l("Register it anyway"))


class RegisterFieldsForm(FlaskForm):
    """What only the registers and Annex VI need; the clerk who keeps the register fills it."""

    issued_amount = IntegerField(_l("Number of copies"), validators=[Optional()])
    file_copy_unit = StringField(
        _l("Unit holding the file copy"), validators=[Optional(), max_length(255)]
    )
    sent_on = VietnameseDateField(_l("Date sent (on paper)"), validators=[Optional()])
    register_note = TextAreaField(_l("Notes"), validators=[Optional(), max_length(500)])
    file_catalog = IntegerField(_l("File catalogue (hồ sơ)"), validators=[Optional()])
    file_notation = StringField(_l("File notation"), validators=[Optional(), max_length(64)])
    doc_ordinal = IntegerField(_l("Ordinal in the file"), validators=[Optional()])
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]
        + [SelectChoice(code, code) for code in ("fr", "zh", "ru", "lo", "km")],
        default="vi",
    )
    page_amount = IntegerField(_l("Number of pages"), validators=[Optional()])
    issuer_organ_id = StringField(
        _l("Issuing body's code (OrganId)"), validators=[Optional(), max_length(32)]
    )
    addressees = TextAreaField(
        _l("Addressees, one per line: code; name"), validators=[Optional(), max_length(5000)]
    )
