"""Forms of the meeting pages; Flask-WTF adds the CSRF token to each. Every form that changes a
meeting carries the version it was drawn from (see `meetings.meetings.claim_version`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from core.forms import VietnameseDateField, VietnameseDateTimeField, max_length, required
from documents.decree30 import Confidentiality
from meetings.models import ItemKind, MeetingKind, ParticipantRole, Recurrence
from meetings.room.models import Presence, SpeechKind

KIND_LABELS = {
    MeetingKind.PEOPLES_COMMITTEE: _l("Meeting of the People's Committee"),
    MeetingKind.DEPARTMENT: _l("Department meeting"),
    MeetingKind.THEMATIC: _l("Thematic meeting"),
    MeetingKind.OTHER: _l("Other meeting"),
}
ITEM_KIND_LABELS = {
    ItemKind.NORMAL: _l("Normal"),
    ItemKind.INTERNAL: _l("Internal: members only"),
    ItemKind.HIDDEN: _l("Hidden: chair and secretary only"),
}
ROLE_LABELS = {
    ParticipantRole.MEMBER: _l("Member"),
    ParticipantRole.GUEST: _l("Invited guest"),
    ParticipantRole.OBSERVER: _l("Observer"),
}
REPEAT_LABELS = {Recurrence.WEEKLY: _l("Every week"), Recurrence.MONTHLY: _l("Every month")}


def _choices(labels: dict, blank: object | None = None) -> list[SelectChoice]:
    first = [SelectChoice("", blank)] if blank is not None else []
    return first + [SelectChoice(member.value, label) for member, label in labels.items()]


class VersionedForm(FlaskForm):
    version = HiddenField()


class MeetingForm(VersionedForm):
    title = StringField(_l("Title"), validators=[required(), max_length(500)])
    kind = SelectField(_l("Kind of meeting"), choices=_choices(KIND_LABELS))
    starts_at = VietnameseDateTimeField(_l("Starts"), validators=[required()])
    ends_at = VietnameseDateTimeField(_l("Ends"), validators=[required()])
    room = StringField(_l("Room"), validators=[Optional(), max_length(255)])
    online_link = StringField(_l("Online link"), validators=[Optional(), max_length(500)])
    chair_id = SelectField(_l("Chair"), validate_choice=False)
    secretary_id = SelectField(_l("Secretary"), validate_choice=False)
    confidentiality = SelectField(
        _l("Confidentiality"),
        choices=[SelectChoice(c.value, c.label) for c in Confidentiality],
    )
    repeat = SelectField(_l("Repeat"), choices=_choices(REPEAT_LABELS, _l("Once")))
    occurrences = IntegerField(
        _l("Number of meetings in the series"),
        default=1,
        validators=[Optional(), NumberRange(min=1, max=52)],
    )


class ItemForm(VersionedForm):
    title = StringField(_l("Title"), validators=[required(), max_length(500)])
    description = TextAreaField(_l("Description"), validators=[Optional()])
    parent_id = SelectField(_l("Under"), validate_choice=False)
    presenter_id = SelectField(_l("Presenter"), validate_choice=False)
    presenter_name = StringField(
        _l("Presenter (if not a VanThu user)"), validators=[Optional(), max_length(255)]
    )
    duration_minutes = IntegerField(
        _l("Planned duration (minutes)"), default=15, validators=[Optional()]
    )
    kind = SelectField(_l("Who sees it"), choices=_choices(ITEM_KIND_LABELS))


class MoveForm(VersionedForm):
    parent_id = SelectField(_l("Under"), validate_choice=False)
    position = IntegerField(_l("Position"), default=0, validators=[Optional()])


class AccessForm(VersionedForm):
    participant_ids = SelectMultipleField(_l("Only these participants"), validate_choice=False)


class AttachForm(VersionedForm):
    document_id = SelectField(_l("Document"), validate_choice=False)
    number = IntegerField(_l("Version (empty: the current one)"), validators=[Optional()])


class MaterialForm(VersionedForm):
    title = StringField(_l("Title"), validators=[Optional(), max_length(500)])
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file."))])


class ReplaceForm(VersionedForm):
    number = IntegerField(_l("Version (empty: the current one)"), validators=[Optional()])
    file = FileField(_l("New file"))


class PeopleForm(FlaskForm):
    user_ids = SelectMultipleField(_l("People"), validate_choice=False)
    unit_ids = SelectMultipleField(_l("Whole units"), validate_choice=False)
    role = SelectField(_l("Invited as"), choices=_choices(ROLE_LABELS))


class GuestForm(FlaskForm):
    name = StringField(_l("Guest’s name"), validators=[required(), max_length(255)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), max_length(255)])


class RepresentativeForm(FlaskForm):
    representative_id = SelectField(_l("Representative"), validate_choice=False)


class StatusForm(FlaskForm):
    to = HiddenField()
    #: Publishing: who signs the Giấy mời (the chair when empty).
    signer_id = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class NoteTextForm(FlaskForm):
    """Changing one's own note's words."""

    text = TextAreaField(_l("Note"), validators=[Optional()])
    back = HiddenField()


class NoteActionForm(FlaskForm):
    """Sharing, taking back or deleting one's note; ``back`` says which page to return to."""

    back = HiddenField()


PRESENCE_LABELS = {
    Presence.PRESENT: _l("Present"),
    Presence.ONLINE: _l("Online"),
    Presence.ABSENT: _l("Absent"),
    Presence.REPRESENTED: _l("Represented"),
}
SPEECH_LABELS = {
    SpeechKind.NORMAL: _l("To speak"),
    SpeechKind.PRO: _l("For"),
    SpeechKind.CONTRA: _l("Against"),
    SpeechKind.POINT_OF_ORDER: _l("Point of order"),
}


class CheckInForm(FlaskForm):
    """Checking in on one's own device, for one's own invitation or one held in someone's place."""

    participant_id = HiddenField()
    online = HiddenField()


class AttendanceForm(FlaskForm):
    """The secretary's mark for one participant."""

    status = SelectField(_l("Attendance"), choices=_choices(PRESENCE_LABELS))
    reason = StringField(_l("Reason for the absence"), validators=[Optional(), max_length(500)])
    arrived_at = VietnameseDateTimeField(_l("Arrived"), validators=[Optional()])
    left_at = VietnameseDateTimeField(_l("Left"), validators=[Optional()])


class SpeakForm(FlaskForm):
    item_id = HiddenField()
    kind = SelectField(_l("Ask to speak"), choices=_choices(SPEECH_LABELS))


class SpeakingTimeForm(FlaskForm):
    minutes = IntegerField(
        _l("Speaking time (minutes)"),
        validators=[
            required(),
            NumberRange(
                min=1, max=60, message=_l("The speaking time is between 1 and 60 minutes.")
            ),
        ],
    )


class ConflictForm(FlaskForm):
    item_id = HiddenField()
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), max_length(500)])


class ConclusionForm(VersionedForm):
    """One item's conclusion; an owner and a due date make it a task."""

    text = TextAreaField(_l("Conclusion"), validators=[Optional()])
    owner_user_id = SelectField(_l("Carried out by (person)"), validate_choice=False)
    owner_unit_id = SelectField(_l("Carried out by (unit)"), validate_choice=False)
    due_on = VietnameseDateField(_l("Due date"), validators=[Optional()])


class MinutesFileForm(FlaskForm):
    """The minutes edited in Word, uploaded back."""

    file = FileField(
        _l("Edited Word file"), validators=[FileRequired(message=_l("Choose a file."))]
    )


class VoteForm(FlaskForm):
    """The chair's or secretary's form opening a vote in the room."""

    question = StringField(_l("Question"), validators=[required(), max_length(1000)])
    kind = SelectField(
        _l("What is voted"),
        choices=[
            SelectChoice("yes_no", _l("Yes / No / Abstain")),
            SelectChoice("choice", _l("A choice among options")),
        ],
    )
    options = TextAreaField(_l("Options, one per line"), validators=[Optional()])
    secret = BooleanField(_l("Secret ballot"))
    rule = SelectField(
        _l("Passed when"),
        choices=[
            SelectChoice("half_entitled", _l("more than half of the entitled voters agree")),
            SelectChoice("half_cast", _l("more than half of the ballots cast agree")),
            SelectChoice(
                "two_thirds_entitled", _l("more than two thirds of the entitled voters agree")
            ),
        ],
    )
    item = HiddenField()


class BallotForm(FlaskForm):
    """One ballot: the option chosen and, for a representative, the member it is cast for."""

    option = HiddenField()
    member = HiddenField()


class ConsultationForm(FlaskForm):
    """A clerk's written consultation (xin ý kiến): question, members, deadline, documents."""

    title = StringField(_l("Title"), validators=[required(), max_length(500)])
    body = TextAreaField(_l("What is asked, and why"), validators=[Optional()])
    question = StringField(_l("Question"), validators=[required(), max_length(1000)])
    kind = SelectField(
        _l("What is answered"),
        choices=[
            SelectChoice("yes_no", _l("Yes / No / Abstain")),
            SelectChoice("choice", _l("A choice among options")),
        ],
    )
    options = TextAreaField(_l("Options, one per line"), validators=[Optional()])
    rule = VoteForm.rule
    deadline = VietnameseDateTimeField(_l("Answer by"), validators=[required()])
    member_ids = SelectMultipleField(_l("Members consulted"), validate_choice=False)
    version_ids = StringField(
        _l("Document versions to read (their numbers in VanThu, separated by commas)"),
        validators=[Optional(), max_length(500)],
    )


class AnswerForm(FlaskForm):
    """A member's answer; with their signing PIN, it is also signed with their key."""

    option = HiddenField()
    pin = PasswordField(_l("Signing PIN (to sign the answer; optional)"), validators=[Optional()])
