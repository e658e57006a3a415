"""Administrators' PKI pages: certificates, enrolments, revocation with a reason, CRL, trust.

Creating the CAs needs the root passphrase and stays on the command line (vanthu pki init).
"""

from __future__ import annotations

import sqlalchemy as sa
from cryptography import x509
from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from accounts import auth
from accounts.models import Role, User
from core.db import get_session, utcnow
from core.errors import N_
from documents import circulation
from signing import authority, credentials, issuance, trust
from signing.errors import InvalidSigningRequest, SigningRecordNotFound
from signing.models import Certificate, Enrolment, TrustedCertificate
from signing.web.blueprint import admins, bp, read_upload, settings
from signing.web.forms import REASON_LABELS, AuthoriseForm, RevokeForm, UploadForm


def _certificate(certificate_id: int) -> Certificate:
    certificate = get_session().get(Certificate, certificate_id)
    if certificate is None:
        raise SigningRecordNotFound(N_("This certificate does not exist."))
    return certificate


@bp.get("/admin/pki")
@admins
def admin_pki() -> ResponseReturnValue:
    db = get_session()
    issuing = authority.issuing_record(db)
    form = AuthoriseForm()
    _, users = circulation.recipients_choice(db)
    form.user.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(u.id), f"{u.full_name} ({u.username}) — {u.unit.name}")
        for u in users
        if u.has_role(Role.OFFICIAL)
    ]
    certificates = list(
        db.scalars(
            sa.select(Certificate)
            .options(joinedload(Certificate.user), joinedload(Certificate.key))
            .order_by(Certificate.id.desc())
            .limit(500)
        )
    )
    now = utcnow()
    return render_template(
        "signing/admin_pki.html",
        root=authority.root_record(db),
        issuing=issuing,
        crl=authority.latest_crl(db, issuing.fingerprint) if issuing else None,
        certificates=certificates,
        pin_status={c.id: credentials.pin_status(db, settings(), c, now) for c in certificates},
        enrolments=db.execute(
            sa.select(Enrolment, User)
            .join(User, User.id == Enrolment.user_id)
            .where(Enrolment.completed_at.is_(None))
            .order_by(Enrolment.id)
        ).all(),
        trusted=list(db.scalars(sa.select(TrustedCertificate).order_by(TrustedCertificate.id))),
        authorise_form=form,
        revoke_form=RevokeForm(),
        trust_form=UploadForm(),
        reasons=REASON_LABELS,
        block_after=settings().pin_attempts.block_after,
        now=now,
    )


@bp.post("/admin/pki/enrolments")
@admins
def admin_authorise() -> ResponseReturnValue:
    form = AuthoriseForm()
    db = get_session()
    raw = form.user.data or ""
    user = db.get(User, int(raw)) if raw.isdigit() else None
    if user is None:
        raise InvalidSigningRequest(N_("Choose an official."))
    credentials.authorise_enrolment(db, user, actor=auth.signed_in_user())
    db.commit()
    flash(
        gettext("%(name)s may now create a signing key with their own PIN.", name=user.full_name),
        "success",
    )
    return redirect(url_for("signing.admin_pki"))


@bp.post("/admin/pki/certificates/<int:certificate_id>/revoke")
@admins
def admin_revoke(certificate_id: int) -> ResponseReturnValue:
    certificate = _certificate(certificate_id)
    form = RevokeForm()
    try:
        reason = x509.ReasonFlags(form.reason.data or "")
    except ValueError:
        raise InvalidSigningRequest(N_("Choose a reason for the revocation.")) from None
    db = get_session()
    issuance.revoke(db, settings(), certificate, reason, actor=auth.signed_in_user())
    db.commit()
    flash(gettext("Certificate %(serial)s is revoked.", serial=certificate.serial), "success")
    return redirect(url_for("signing.admin_pki"))


@bp.post("/admin/pki/certificates/<int:certificate_id>/unblock")
@admins
def admin_unblock(certificate_id: int) -> ResponseReturnValue:
    certificate = _certificate(certificate_id)
    db = get_session()
    credentials.unblock(db, certificate, actor=auth.signed_in_user())
    db.commit()
    flash(gettext("The key's wrong PINs are cleared."), "success")
    return redirect(url_for("signing.admin_pki"))


@bp.post("/admin/pki/crl")
@admins
def admin_crl() -> ResponseReturnValue:
    db = get_session()
    record = authority.refresh_crl(db, settings())
    db.commit()
    flash(gettext("CRL number %(n)d is published.", n=record.number), "success")
    return redirect(url_for("signing.admin_pki"))


@bp.post("/admin/pki/trust")
@admins
def admin_trust() -> ResponseReturnValue:
    form = UploadForm()
    if not form.validate_on_submit():
        raise InvalidSigningRequest(N_("Choose a PEM file."))
    db = get_session()
    added = trust.add_trusted(db, read_upload(form.file), actor=auth.signed_in_user())
    db.commit()
    flash(gettext("%(n)d certificates added to the trust store.", n=len(added)), "success")
    return redirect(url_for("signing.admin_pki"))
