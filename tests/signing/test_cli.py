"""`vanthu pki ...` and `vanthu signing ...`: set-up, issue, revoke, CRL, trust, PKCS#12 import,
and a bundle exported from the command line checked by `vanthu verify` and by openssl.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import zipfile

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, pkcs12

from accounts.models import Role
from core import cli
from core.storage import blob_store
from documents import circulation
from documents.models import Document
from signing import document_checks, trust
from signing.crypto import pades, pki
from signing.errors import NoCertificate
from signing.keys import generate_signing_key
from signing.models import Certificate, CertRole, SigningRequest
from signing.settings import from_config
from tests.signing.flow_testkit import SEAL_PIN, Office, build_office
from tests.signing.pades_testkit import nss_db, pdfsig

SECRETS = {"VANTHU_ROOT_PASSPHRASE": "correct root passphrase 2026", "VANTHU_SEAL_PIN": "592041"}


def invoke(runner, *args, **env):
    result = runner.invoke(args=list(args), env=env or None)
    return result


@pytest.fixture
def bare_office(app, db, make):
    return build_office(app, db, make, with_pki=False)


def test_pki_init_issue_list_revoke_and_crl(runner, bare_office: Office, db, tmp_path):
    result = invoke(runner, "pki", "init", **SECRETS)
    assert result.exit_code == 0, result.output
    assert "SHA-256" in result.output
    assert SECRETS["VANTHU_ROOT_PASSPHRASE"] not in result.output
    assert SECRETS["VANTHU_SEAL_PIN"] not in result.output
    again = invoke(runner, "pki", "init", **SECRETS)
    assert again.exit_code == 1 and "already exists" in again.output

    enrol = invoke(runner, "pki", "issue", "chutich")
    assert enrol.exit_code == 0 and "/signing/key" in enrol.output
    issued = invoke(runner, "pki", "issue", "phochutich", "--pin", VANTHU_SIGNING_PIN="384756")
    assert issued.exit_code == 0, issued.output
    assert "384756" not in issued.output
    refused = invoke(runner, "pki", "issue", "vanthu", "--pin", VANTHU_SIGNING_PIN="384756")
    assert refused.exit_code == 1  # a clerk is not an official
    assert invoke(runner, "pki", "issue", "nobody").exit_code == 1

    certificate = db.scalar(
        sa.select(Certificate).where(Certificate.user_id == bare_office.vice.id)
    )
    listing = invoke(runner, "pki", "list").output
    assert certificate.serial in listing and "seal" in listing

    revoked = invoke(runner, "pki", "revoke", certificate.serial, "--reason", "keyCompromise")
    assert revoked.exit_code == 0, revoked.output
    out = tmp_path / "crl.der"
    fresh = invoke(runner, "pki", "crl", "--out", str(out))
    assert fresh.exit_code == 0
    crl = x509.load_der_x509_crl(out.read_bytes())
    entry = crl.get_revoked_certificate_by_serial_number(int(certificate.serial, 16))
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason is x509.ReasonFlags.key_compromise
    assert invoke(runner, "pki", "revoke", "ABCDEF", "--reason", "superseded").exit_code == 1
    assert invoke(runner, "pki", "seal", VANTHU_SEAL_PIN="273849").exit_code == 0
    seals = db.scalars(sa.select(Certificate).where(Certificate.role == CertRole.SEAL)).all()
    assert len(seals) == 2


def _foreign_ca(now):
    """Another CA (as the national one would be) whose certificate carries our official policy."""
    root = pki.create_root_ca("National Root", "Ban Co yeu", not_before=now - dt.timedelta(days=30))
    issuing = pki.create_issuing_ca(
        root, "National Issuing", "Ban Co yeu", not_before=now - dt.timedelta(days=20)
    )
    key = generate_signing_key()
    cert = pki.issue_official_certificate(
        issuing,
        key.public_key(),
        full_name="Lê Văn Chủ",
        title="Chủ tịch",
        unit="UBND tỉnh",
        organisation="Ban Co yeu",
        not_before=now - dt.timedelta(days=1),
    )
    crl = pki.build_crl(issuing, [], crl_number=3, this_update=now - dt.timedelta(hours=1))
    return root, issuing, key, cert, crl


def test_import_p12_trust_and_external_crl(runner, make, app, db, tmp_path):
    office = build_office(app, db, make)
    now = dt.datetime.now(dt.UTC)
    root, issuing, key, cert, crl = _foreign_ca(now)
    bundle = pkcs12.serialize_key_and_certificates(
        b"p12", key, cert, [issuing.certificate], BestAvailableEncryption(b"mat-khau")
    )
    p12 = tmp_path / "chutich.p12"
    p12.write_bytes(bundle)
    holder = make.user(
        "nhap",
        roles=[Role.OFFICIAL],
        unit=office.province,
        full_name="Lê Văn Chủ",
        title="Chủ tịch",
    )
    wrong = invoke(
        runner, "pki", "import-p12", str(p12), "--user", "nhap",
        VANTHU_P12_PASSWORD="sai", VANTHU_SIGNING_PIN="528491",
    )  # fmt: skip
    assert wrong.exit_code == 1 and "password" in wrong.output
    ok = invoke(
        runner, "pki", "import-p12", str(p12), "--user", "nhap",
        VANTHU_P12_PASSWORD="mat-khau", VANTHU_SIGNING_PIN="528491",
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    twice = invoke(
        runner, "pki", "import-p12", str(p12), "--user", "nhap",
        VANTHU_P12_PASSWORD="mat-khau", VANTHU_SIGNING_PIN="528491",
    )  # fmt: skip
    assert twice.exit_code == 1  # the same key is never certified twice

    document = office.draft(signer_id=holder.id)
    request = office.submit(document, [holder])
    with pytest.raises(NoCertificate):  # its root is not trusted: no signature is stored
        office.sign(request, holder, "528491")
    db.rollback()

    root_pem = tmp_path / "national.pem"
    root_pem.write_bytes(pki.chain_to_pem([root.certificate]))
    assert invoke(runner, "pki", "trust", str(root_pem)).exit_code == 0
    with pytest.raises(NoCertificate):  # revocation cannot be checked without its CRL
        office.sign(request, holder, "528491")
    db.rollback()
    crl_file = tmp_path / "national.crl"
    crl_file.write_bytes(crl.public_bytes(Encoding.DER))
    imported = invoke(runner, "pki", "import-crl", str(crl_file))
    assert imported.exit_code == 0, imported.output
    office.sign(request, holder, "528491")
    office.seal(request)
    verdict = document_checks.verify_stored(db, office.blobs, office.settings, document, actor=None)
    assert verdict.status == "TOTAL_PASSED"
    assert verdict.report.official.signer_name == "Lê Văn Chủ"


def _openssl(workdir, p7s, document, ca="chain.pem", *extra):
    return subprocess.run(
        [
            "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(workdir / p7s),
            "-content", str(workdir / document), "-CAfile", str(workdir / ca),
            "-purpose", "any", *extra, "-out", "/dev/null",
        ],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


def _vanthu_verify(path) -> int:
    with pytest.raises(SystemExit) as done:
        cli.main(["verify", str(path), "--json"])
    return int(done.value.code)


def test_signing_list_and_export_then_both_checks_accept_and_reject(
    runner, office: Office, tmp_path, capsys
):
    document, _ = office.signed_and_sealed()
    pending = office.submit(office.draft(subject="Chưa đóng dấu"))
    office.sign(pending)
    never = office.draft(subject="Chưa ký")
    listing = invoke(runner, "signing", "list")
    assert listing.exit_code == 0
    first_tokens = [line.split()[0] for line in listing.output.splitlines()]
    assert first_tokens == [str(document.id), str(pending.document_id)]
    assert str(never.id) not in first_tokens

    out = tmp_path / "bundle.zip"
    exported = invoke(runner, "signing", "export", str(document.id), str(out))
    assert exported.exit_code == 0, exported.output
    assert (
        invoke(
            runner, "signing", "export", str(pending.document_id), str(tmp_path / "x.zip")
        ).exit_code
        == 1
    )
    assert _vanthu_verify(out) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["result"] == "valid"
    assert report["metadata"]["number_symbol"] == "01/QĐ-UBND"

    workdir = tmp_path / "unzipped"
    workdir.mkdir()
    with zipfile.ZipFile(out) as archive:
        archive.extractall(workdir)
        name = json.loads(archive.read("manifest.json"))["document"]["file"]
    crl_pem = subprocess.run(
        ["openssl", "crl", "-inform", "DER", "-in", str(workdir / "crl.der")],
        capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    (workdir / "ca.pem").write_bytes((workdir / "chain.pem").read_bytes() + crl_pem)
    for p7s in ("official.p7s", "seal.p7s"):
        result = _openssl(workdir, p7s, name)
        assert result.returncode == 0, result.stderr
        with_crl = _openssl(workdir, p7s, name, "ca.pem", "-crl_check")
        assert with_crl.returncode == 0, with_crl.stderr

    data = bytearray((workdir / name).read_bytes())
    data[len(data) // 3] ^= 0x01
    (workdir / name).write_bytes(bytes(data))
    for p7s in ("official.p7s", "seal.p7s"):
        assert _openssl(workdir, p7s, name).returncode != 0
    flipped = io.BytesIO()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(flipped, "w") as target:
        for member in source.namelist():
            target.writestr(member, bytes(data) if member == name else source.read(member))
    bad = tmp_path / "flipped.zip"
    bad.write_bytes(flipped.getvalue())
    assert _vanthu_verify(bad) == 1
    assert json.loads(capsys.readouterr().out)["result"] == "invalid"
    assert SEAL_PIN not in listing.output + exported.output


def test_demo_data_includes_a_signed_and_sealed_document(runner, app, db, tmp_path):
    result = invoke(runner, "demo")
    assert result.exit_code == 0, result.output
    listing = invoke(runner, "signing", "list").output.splitlines()
    # The công văn (sent to two departments and a ward), the Quyết định and the ward's report
    # signed over their DOCX, the công văn signed inside its PDF, and the meeting's Giấy mời.
    assert len(listing) == 5 and all("sealed" in line for line in listing)
    roots = trust.trust_material(db, from_config(app.config)).roots
    originals = 0
    for line in listing:
        document = db.get(Document, int(line.split()[0]))
        request = db.scalars(
            sa.select(SigningRequest).where(SigningRequest.document_id == document.id)
        ).one()
        if request.pades:
            # The PDF original: pdfsig lists the chairman's signature and the seal, both valid.
            assert request.original_sha256
            path = tmp_path / f"original-{document.id}.pdf"
            path.write_bytes(blob_store(app).get(request.original_sha256))
            code, entries, output = pdfsig(path, nssdir=nss_db(tmp_path / "nss", roots))
            assert code == 0
            assert [e.field for e in entries] == [pades.OFFICIAL_FIELD, pades.SEAL_FIELD]
            assert all(e.valid and e.trusted for e in entries), output
            originals += 1
        verdict = document_checks.verify_stored(
            db, blob_store(app), from_config(app.config), document, actor=None
        )
        assert verdict.status == "TOTAL_PASSED"
        assert document.status.value == "issued"
    assert originals == 1
    assert invoke(runner, "demo").exit_code == 0  # loads once
    assert len(invoke(runner, "signing", "list").output.splitlines()) == 5


def test_a_recalled_document_is_not_exported(runner, office: Office, tmp_path):
    document, _ = office.signed_and_sealed()
    circulation.recall(office.db, office.clerk, document, "Sai sót nội dung")
    office.db.commit()
    out = tmp_path / "bundle.zip"
    exported = invoke(runner, "signing", "export", str(document.id), str(out))
    assert exported.exit_code == 1
    assert "recalled" in exported.output
    assert not out.exists()
