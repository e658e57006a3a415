"""`vanthu pki ...` (CAs, certificates, CRL, trust) and `vanthu signing ...` (list, export).

Passphrases and PINs come from an environment variable or a hidden prompt; never echoed or logged.
"""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from cryptography import x509
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from accounts.models import User
from core import config
from core.db import get_session
from core.errors import VanThuError
from core.storage import blob_store
from documents import circulation
from documents.models import Document
from signing import authority, bundle_export, credentials, issuance, trust
from signing.models import Certificate, Signature, SigningRequest
from signing.settings import SigningSettings, from_config

pki_group = AppGroup("pki", help="The organisation's certificate authority, certificates and CRL.")
signing_group = AppGroup("signing", help="Signed documents: list them, export bundles.")


def _settings() -> SigningSettings:
    return from_config(current_app.config)


def _secret(variable: str, prompt: str, *, confirm: bool) -> str:
    """A secret from ``variable`` if set, else typed at a hidden prompt."""
    value = config.prompted(variable)
    if value:
        return value
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


def _user(session: Session, username: str) -> User:
    user = session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    return user


def _run(action: object) -> None:
    """Turn a service's typed error into a clean CLI error (exit 1), never a traceback."""
    session = get_session()
    try:
        assert callable(action)
        action(session)
        session.commit()
    except VanThuError as error:
        session.rollback()
        raise click.ClickException(error.message) from None


@pki_group.command("init", help="Create the root CA, the issuing CA, the seal and the first CRL.")
def pki_init() -> None:
    """Root passphrase: VANTHU_ROOT_PASSPHRASE or prompt; seal PIN: VANTHU_SEAL_PIN or prompt."""
    root_passphrase = _secret(
        config.ROOT_PASSPHRASE, "Root CA passphrase (16+ characters)", confirm=True
    )
    seal_pin = _secret(config.SEAL_PIN, "Seal PIN for the clerks (6+ digits)", confirm=True)

    def action(session: Session) -> None:
        setup = issuance.init_pki(
            session, _settings(), root_passphrase=root_passphrase, seal_pin=seal_pin
        )
        click.echo(f"root CA:    {setup.root.subject}")
        click.echo(f"  SHA-256   {setup.root.fingerprint}  (publish this fingerprint)")
        click.echo(f"issuing CA: {setup.issuing.subject}")
        click.echo(f"seal:       serial {setup.seal.serial}")

    _run(action)


@pki_group.command("issue", help="Allow USERNAME to create a signing key, or create it with --pin.")
@click.argument("username")
@click.option(
    "--pin",
    "with_pin",
    is_flag=True,
    help="Issue now with a PIN typed by the official (VANTHU_SIGNING_PIN or hidden prompt).",
)
def pki_issue(username: str, with_pin: bool) -> None:
    pin = _secret(config.SIGNING_PIN, "Official's signing PIN", confirm=True) if with_pin else ""

    def action(session: Session) -> None:
        user = _user(session, username)
        if with_pin:
            cert = issuance.issue_official(session, _settings(), user, pin, actor=None)
            click.echo(f"issued certificate {cert.serial} to {username}")
        else:
            credentials.authorise_enrolment(session, user, actor=None)
            click.echo(f"{username} may now choose a PIN and create their key at /signing/key")

    _run(action)


@pki_group.command("seal", help="Issue a new organisation-seal certificate (seal PIN prompted).")
def pki_seal() -> None:
    pin = _secret(config.SEAL_PIN, "New seal PIN (6+ digits)", confirm=True)

    def action(session: Session) -> None:
        cert = issuance.issue_seal(session, _settings(), pin, actor=None)
        click.echo(f"issued seal certificate {cert.serial}")

    _run(action)


@pki_group.command("revoke", help="Revoke a certificate by serial number and publish a new CRL.")
@click.argument("serial")
@click.option(
    "--reason",
    required=True,
    type=click.Choice([r.value for r in issuance.REVOCATION_REASONS]),
)
def pki_revoke(serial: str, reason: str) -> None:
    def action(session: Session) -> None:
        cert = issuance.certificate_by_serial(session, serial)
        crl = issuance.revoke(session, _settings(), cert, x509.ReasonFlags(reason), actor=None)
        click.echo(f"revoked {cert.serial}" + (f"; CRL number {crl.number}" if crl else ""))

    _run(action)


@pki_group.command("crl", help="Sign a fresh CRL now (it is also refreshed on demand).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="write it here")
def pki_crl(out: Path | None) -> None:
    def action(session: Session) -> None:
        record = authority.refresh_crl(session, _settings())
        if out is not None:
            out.write_bytes(record.der)
        click.echo(f"CRL number {record.number}, next update {record.next_update.isoformat()}")

    _run(action)


@pki_group.command("import-p12", help="Keep an official's certificate and key from a PKCS#12 file.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "username", required=True, help="the official's username")
def pki_import_p12(file: Path, username: str) -> None:
    """P12 password: VANTHU_P12_PASSWORD or prompt; new PIN: VANTHU_SIGNING_PIN or prompt."""
    password = config.prompted(config.P12_PASSWORD)
    if password is None:
        password = str(click.prompt("PKCS#12 password", hide_input=True, default=""))
    pin = _secret(config.SIGNING_PIN, "Official's signing PIN", confirm=True)

    def action(session: Session) -> None:
        user = _user(session, username)
        cert = credentials.import_pkcs12(
            session, _settings(), user, file.read_bytes(), password or "", pin, actor=None
        )
        click.echo(f"imported certificate {cert.serial} for {username}")

    _run(action)


@pki_group.command("trust", help="Trust the root CA(s) in a PEM file (e.g. the national CA).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def pki_trust(file: Path) -> None:
    def action(session: Session) -> None:
        added = trust.add_trusted(session, file.read_bytes(), actor=None)
        for record in added:
            click.echo(
                f"trusted {record.kind.value}: {record.subject}  SHA-256 {record.fingerprint}"
            )
        if not added:
            click.echo("nothing new: every certificate was already trusted")

    _run(action)


@pki_group.command("import-crl", help="Store a CRL published by a trusted outside CA (DER).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def pki_import_crl(file: Path) -> None:
    def action(session: Session) -> None:
        record = trust.import_crl(session, file.read_bytes(), actor=None)
        click.echo(f"stored CRL number {record.number} of {record.issuer}")

    _run(action)


@pki_group.command("list", help="Every certificate: serial, role, holder, validity, status.")
def pki_list() -> None:
    session = get_session()
    for cert in session.scalars(sa.select(Certificate).order_by(Certificate.id)):
        holder = cert.user.username if cert.user else "-"
        status = f"revoked ({cert.revocation_reason})" if cert.revoked_at else "valid"
        click.echo(
            f"{cert.serial}\t{cert.role.value}\t{holder}\t"
            f"{cert.not_before.date()}..{cert.not_after.date()}\t{status}"
        )


@pki_group.command("unblock", help="Forget the wrong PINs of a certificate's key.")
@click.argument("serial")
def pki_unblock(serial: str) -> None:
    def action(session: Session) -> None:
        cert = issuance.certificate_by_serial(session, serial)
        cleared = credentials.unblock(session, cert, actor=None)
        click.echo(f"cleared {cleared} wrong PINs")

    _run(action)


@signing_group.command("list", help="Every signed document: its id first, then number and state.")
def signing_list() -> None:
    session = get_session()
    rows = session.execute(
        sa.select(Document.id, Document.number_symbol, SigningRequest.state, SigningRequest.code)
        .join(SigningRequest, SigningRequest.document_id == Document.id)
        .where(sa.exists().where(Signature.request_id == SigningRequest.id))
        .order_by(Document.id, SigningRequest.id.desc())
    ).all()
    seen: set[int] = set()
    for document_id, number, state, code in rows:
        if document_id in seen:
            continue
        seen.add(document_id)
        click.echo(f"{document_id}\t{number or '-'}\t{state.value}\t{code}")


@signing_group.command("export", help="Write the verification bundle of DOCUMENT_ID to OUT.zip.")
@click.argument("document_id", type=int)
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def signing_export(document_id: int, out: Path) -> None:
    def action(session: Session) -> None:
        document = session.get(Document, document_id)
        if document is None:
            raise click.ClickException(f"no document {document_id}")
        circulation.refuse_if_recalled(document)  # gone, as on every route that sends it
        request = bundle_export.sealed_request(session, document)
        name, data = bundle_export.export_bundle(
            session, blob_store(current_app), _settings(), document, request, actor=None
        )
        out.write_bytes(data)
        click.echo(f"wrote {out} ({len(data)} bytes; inside: {name})")
        click.echo(f"check it with: vanthu verify {out}")

    _run(action)
