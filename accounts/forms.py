"""Forms of the account pages; Flask-WTF adds the CSRF token to each."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from accounts.models import Role, UnitKind
from core.forms import max_length, required

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.CLERK: _l("Clerk"),
    Role.OFFICIAL: _l("Official"),
    Role.LEADER: _l("Unit leader"),
    Role.AUDITOR: _l("Auditor"),
}

UNIT_KIND_LABELS = {
    UnitKind.PROVINCE: _l("Province"),
    UnitKind.DEPARTMENT: _l("Department"),
    UnitKind.DIVISION: _l("Division"),
}


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[required(), max_length(64)])
    password = PasswordField(_l("Password"), validators=[required(), max_length(1024)])
    next = HiddenField()


class ActivateForm(FlaskForm):
    username = StringField(_l("Username"), validators=[required(), max_length(64)])
    code = StringField(_l("Activation code"), validators=[required(), max_length(32)])
    password = PasswordField(_l("New password"), validators=[required(), max_length(1024)])


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[required(), max_length(32)])
    name = StringField(_l("Name"), validators=[required(), max_length(255)])
    abbreviation = StringField(_l("Abbreviation"), validators=[required(), max_length(32)])
    header_name = StringField(
        _l("Name in document headers, in full"), validators=[Optional(), max_length(255)]
    )
    organ_id = StringField(
        _l("Organisation code (OrganId), empty for the parent's"),
        validators=[Optional(), max_length(32)],
    )
    parent_id = SelectField(_l("Parent unit"), coerce=str, validate_choice=False)


class UserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[required(), max_length(64)])
    full_name = StringField(_l("Full name"), validators=[required(), max_length(255)])
    title = StringField(_l("Title"), validators=[Optional(), max_length(255)])
    unit_id = SelectField(_l("Unit"), coerce=str, validate_choice=False)
    email = StringField(_l("E-mail"), validators=[Optional(), max_length(255)])
    phone = StringField(_l("Phone"), validators=[Optional(), max_length(32)])
    roles = SelectMultipleField(
        _l("Roles"),
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(_l("Password (leave empty to keep)"), validators=[Optional()])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a file."))])


class ActionForm(FlaskForm):
    """A button-only form (unlock, new activation code): only the CSRF token matters."""
