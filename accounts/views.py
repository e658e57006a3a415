"""Sign-in pages, the home page and the administrators' pages for units and users."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from wtforms.fields.choices import SelectChoice

from accounts import auth, services, sessions, signin
from accounts.errors import AccountLocked, AddressThrottled, ImportRejected, InvalidCredentials
from accounts.forms import (
    ROLE_LABELS,
    UNIT_KIND_LABELS,
    ActionForm,
    ActivateForm,
    ImportForm,
    LoginForm,
    UnitForm,
    UserForm,
)
from accounts.models import Role, UnitKind, User
from audit import record_event
from core import i18n, navigation
from core.clock import today_local
from core.db import get_session
from core.errors import N_, VanThuError
from core.security import is_safe_next

bp = Blueprint("accounts", __name__)
admin_only = auth.roles_required(Role.ADMIN)
PAGE_SIZE = 50
ROLE_VALUES = frozenset(r.value for r in Role)
#: The codes the import's roles column takes, in the order the import page lists them.
ROLE_CODES = [r.value for r in Role]


def init_app(app: Flask) -> None:
    auth.init_app(app)
    app.register_blueprint(bp)
    is_admin: Callable[[User], bool] = lambda user: user.has_role(Role.ADMIN)  # noqa: E731
    navigation.add_entry(app, "accounts.users", _l("Users"), is_admin, group="admin")
    navigation.add_entry(app, "accounts.units", _l("Units"), is_admin, group="admin")
    app.jinja_env.globals["role_label"] = lambda role: str(ROLE_LABELS[Role(role)])
    app.jinja_env.globals["unit_kind_label"] = lambda kind: str(UNIT_KIND_LABELS[UnitKind(kind)])


def login_policy() -> signin.LoginPolicy:
    config = current_app.config
    return signin.LoginPolicy(
        max_failures=config["LOGIN_MAX_FAILURES"],
        lock_minutes=config["LOGIN_LOCK_MINUTES"],
        max_failures_per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        hash_profile=config["PASSWORD_HASH_PROFILE"],
    )


# --- signing in ----------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("accounts/login.html", form=form), status
    db = get_session()
    # The address after `core.security`'s proxy fix: the client's, not a header it wrote.
    address = signin.address_key(request.remote_addr, current_app.config["SECRET_KEY"])
    try:
        user = signin.authenticate(
            db,
            form.username.data or "",
            form.password.data or "",
            address=address,
            policy=login_policy(),
        )
    except (InvalidCredentials, AccountLocked, AddressThrottled) as error:
        db.commit()  # failure counters and audit events must outlive the refusal
        headers = {}
        if isinstance(error, AccountLocked | AddressThrottled):
            headers["Retry-After"] = str(error.retry_after)
        message = gettext(error.template, **error.data)
        return (
            render_template("accounts/login.html", form=form, error=message),
            error.status,
            headers,
        )
    except VanThuError as error:
        db.commit()
        message = gettext(error.template, **error.data)
        return render_template("accounts/login.html", form=form, error=message), error.status
    if user.locale:
        session["locale"] = user.locale
    elif session.get("locale"):
        user.locale = session["locale"]
    db.commit()
    auth.sign_in(user)
    target = form.next.data
    return redirect(target if target and is_safe_next(target) else url_for("accounts.home"))


@bp.post("/logout")
@auth.login_required
def logout() -> ResponseReturnValue:
    db = get_session()
    user = auth.signed_in_user()
    # A copy of the cookie must not outlive the sign-out: this ends every session of the user.
    sessions.end_sessions(user)
    record_event(db, "accounts:session:logout", actor=user)
    db.commit()
    _sign_out(gettext("You have signed out."))
    return redirect(url_for("accounts.login"))


@bp.post("/account/sessions/end")
@auth.login_required
def end_my_sessions() -> ResponseReturnValue:
    db = get_session()
    user = auth.signed_in_user()
    sessions.end_everywhere(db, user, user)
    db.commit()
    _sign_out(gettext("You have signed out on every device."))
    return redirect(url_for("accounts.login"))


def _sign_out(message: str) -> None:
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    flash(message, "info")


@bp.route("/activate", methods=["GET", "POST"])
def activate() -> ResponseReturnValue:
    form = ActivateForm()
    if not form.validate_on_submit():
        return render_template("accounts/activate.html", form=form)
    db = get_session()
    services.activate(
        db,
        form.username.data or "",
        form.code.data or "",
        form.password.data or "",
        current_app.config["PASSWORD_HASH_PROFILE"],
    )
    db.commit()
    flash(gettext("Your password is set. You can sign in now."), "success")
    return redirect(url_for("accounts.login"))


@bp.get("/")
@auth.login_required
def home() -> ResponseReturnValue:
    return render_template(
        "home.html", user=auth.signed_in_user(), action_form=ActionForm(), today=today_local()
    )


# --- units ---------------------------------------------------------------------------------------


@bp.get("/admin/units")
@admin_only
def units() -> ResponseReturnValue:
    all_units = services.all_units(get_session())
    return render_template(
        "accounts/units.html", units=all_units, depths=services.unit_depths(all_units)
    )


@bp.route("/admin/units/new", methods=["GET", "POST"])
@bp.route("/admin/units/<int:unit_id>", methods=["GET", "POST"])
@admin_only
def edit_unit(unit_id: int | None = None) -> ResponseReturnValue:
    db = get_session()
    unit = services.get_unit(db, unit_id) if unit_id is not None else None
    form = UnitForm(obj=unit)
    form.parent_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(u.id), u.name)
        for u in services.all_units(db)
        if unit is None or u.id != unit.id
    ]
    if request.method == "GET" and unit is not None:
        form.parent_id.data = str(unit.parent_id or "")
    if not form.validate_on_submit():
        return render_template("accounts/unit_form.html", form=form, unit=unit)
    parent = form.parent_id.data
    services.save_unit(
        db,
        auth.signed_in_user(),
        code=form.code.data or "",
        name=form.name.data or "",
        abbreviation=form.abbreviation.data or "",
        parent_id=int(parent) if parent and parent.isdigit() else None,
        unit=unit,
        header_name=form.header_name.data or "",
        organ_id=form.organ_id.data or "",
    )
    db.commit()
    flash(gettext("The unit has been saved."), "success")
    return redirect(url_for("accounts.units"))


# --- users ---------------------------------------------------------------------------------------


@bp.get("/admin/users")
@admin_only
def users() -> ResponseReturnValue:
    db = get_session()
    query = request.args.get("q", "").strip()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    statement = sa.select(User).order_by(User.username)
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(
            sa.or_(
                sa.func.lower(User.username).like(pattern),
                sa.func.lower(User.full_name).like(pattern),
            )
        )
    rows = list(db.scalars(statement.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)))
    return render_template(
        "accounts/users.html",
        users=rows[:PAGE_SIZE],
        has_more=len(rows) > PAGE_SIZE,
        page=page,
        query=query,
        locked=signin.locked_user_ids(db, [user.id for user in rows]),
    )


@bp.route("/admin/users/new", methods=["GET", "POST"])
@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def edit_user(user_id: int | None = None) -> ResponseReturnValue:
    db = get_session()
    user = services.get_user(db, user_id) if user_id is not None else None
    form = UserForm(obj=user)
    form.unit_id.choices = [SelectChoice(str(u.id), u.name) for u in services.all_units(db)]
    if request.method == "GET" and user is not None:
        form.unit_id.data = str(user.unit_id)
        form.roles.data = sorted(r.value for r in user.roles)
    if not form.validate_on_submit():
        locked = user is not None and user.id in signin.locked_user_ids(db, [user.id])
        return render_template(
            "accounts/user_form.html",
            form=form,
            user=user,
            action_form=ActionForm(),
            locked=locked,
        )
    unit = form.unit_id.data
    data = services.UserData(
        username=form.username.data or "",
        full_name=form.full_name.data or "",
        title=form.title.data or "",
        unit_id=int(unit) if unit and unit.isdigit() else None,
        email=form.email.data or None,
        phone=form.phone.data or None,
        roles=frozenset(Role(r) for r in form.roles.data or [] if r in ROLE_VALUES),
        active=bool(form.active.data),
    )
    services.save_user(
        db,
        auth.signed_in_user(),
        data,
        user=user,
        password=form.password.data or None,
        hash_profile=current_app.config["PASSWORD_HASH_PROFILE"],
    )
    db.commit()
    flash(gettext("The user has been saved."), "success")
    return redirect(url_for("accounts.users"))


@bp.post("/admin/users/<int:user_id>/unlock")
@admin_only
def unlock_user(user_id: int) -> ResponseReturnValue:
    db = get_session()
    signin.unlock_user(db, auth.signed_in_user(), services.get_user(db, user_id))
    db.commit()
    flash(gettext("The account is unlocked."), "success")
    return redirect(url_for("accounts.edit_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/sessions/end")
@admin_only
def end_user_sessions(user_id: int) -> ResponseReturnValue:
    db = get_session()
    sessions.end_everywhere(db, auth.signed_in_user(), services.get_user(db, user_id))
    db.commit()
    flash(gettext("The user is signed out on every device."), "success")
    return redirect(url_for("accounts.edit_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/activation")
@admin_only
def new_activation(user_id: int) -> ResponseReturnValue:
    db = get_session()
    user = services.get_user(db, user_id)
    code = services.reissue_activation_code(db, auth.signed_in_user(), user)
    db.commit()
    return render_template(
        "accounts/activation_codes.html",
        imported=[services.ImportedUser(user.username, user.full_name, code)],
    )


@bp.route("/admin/users/import", methods=["GET", "POST"])
@admin_only
def import_users() -> ResponseReturnValue:
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("accounts/import.html", form=form, role_codes=ROLE_CODES)
    raw = form.file.data.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    db = get_session()
    try:
        if text is None:
            raise ImportRejected(
                N_("Nothing was imported: correct these lines."),
                [(1, N_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."), {})],
            )
        imported = services.import_users_csv(db, auth.signed_in_user(), text, _import_headings())
    except ImportRejected as error:
        db.rollback()
        page = render_template(
            "accounts/import.html", form=form, rejected=error, role_codes=ROLE_CODES
        )
        return page, 400
    db.commit()
    return render_template("accounts/activation_codes.html", imported=imported)


@bp.get("/admin/users/import/template.csv")
@admin_only
def import_template() -> ResponseReturnValue:
    """An empty import file headed in the reader's language; the BOM makes Excel read UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(gettext(services.CSV_HEADINGS[c]) for c in services.CSV_COLUMNS)
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="users-template.csv"'
    return response


def _import_headings() -> dict[str, str]:
    """The template's headings in every language, so a file saved from either imports."""
    return {
        i18n.translate(heading, locale): column
        for column, heading in services.CSV_HEADINGS.items()
        for locale in i18n.LANGUAGES
    }
