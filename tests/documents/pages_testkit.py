"""What the document page tests share: an office of units and people, signing in, drafting."""

from __future__ import annotations

import io

import sqlalchemy as sa

from accounts.models import Role, User
from core.storage import StagedBlobs, blob_store
from documents.models import Document, ReadReceipt
from tests.conftest import login
from tests.documents.office_testkit import issue_as_sealed

#: The box an irreversible step (number, seal, sending) is confirmed with.
CONFIRM = {"confirm": "yes"}


def build_office(make):
    province = make.unit("UBND thành phố Cần Thơ", abbreviation="UBND")
    home = make.unit("Sở Nội vụ", parent=province, abbreviation="SNV")
    finance = make.unit("Sở Tài chính", parent=province, abbreviation="STC")
    return {
        "province": province,
        "home": home,
        "finance": finance,
        "clerk": make.user("vanthu", roles=[Role.CLERK], unit=province),
        "chairman": make.user("chutich", unit=province, title="Chủ tịch"),
        "home_clerk": make.user("vanthu.snv", roles=[Role.CLERK], unit=home),
        "reader": make.user("a.snv", unit=home),
        "finance_reader": make.user("a.stc", unit=finance),
        "outsider": make.user("other", unit=make.unit("Sở Y tế", parent=province)),
        "auditor": make.user("kiemtoan", roles=[Role.AUDITOR], unit=province),
    }


def create_draft(client, **fields):
    data = {
        "doc_type": "cong_van",
        "subject": "Về việc cải cách hành chính",
        "content": "Đề nghị thực hiện.",
        "drafter_abbr": "VP",
        "urgency": "thuong",
        "confidentiality": "thuong",
        "signer_authority": "",
        "signer_id": "",
        **fields,
    }
    response = client.post("/documents/new", data=data)
    return response


def last_document(db):
    return db.scalar(sa.select(Document).order_by(Document.id.desc()))


def sent_to_home(client, db, office, pdf_of):
    """An issued công văn circulated to the Sở Nội vụ by its clerk: a revised draft (version 2),
    then, its number reserved, the final PDF showing the number (version 3), the one sent."""
    login(client, office["clerk"])
    assert create_draft(client).status_code == 302
    document = last_document(db)
    upload_pdf(client, document, pdf_of("Du thao"))
    assert client.post(f"/signing/documents/{document.id}/reserve", data=CONFIRM).status_code == 302
    db.refresh(document)
    upload_pdf(client, document, pdf_of(f"Ban chinh thuc so {document.number_symbol}"))
    issue_sealed(client, db, document)
    units = {"units": [str(office["home"].id)]}
    assert (
        client.post(f"/documents/{document.id}/circulate", data={**units, **CONFIRM}).status_code
        == 302
    )
    return document


def upload_pdf(client, document, pdf):
    upload = client.post(
        f"/documents/{document.id}/versions",
        data={"file": (io.BytesIO(pdf), "cv.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302, upload.get_data(as_text=True)


def receipts_of(db, user):
    return db.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(ReadReceipt.times_opened), 0)).where(
            ReadReceipt.user_id == user.id
        )
    )


def issue_sealed(client, db, document):
    """Stands for submit, sign and seal, which issue the document (real keys: tests/signing)."""
    app = client.application
    db.expire_all()  # the pages changed it in their own sessions
    clerk = db.get(User, document.created_by_id)
    with app.app_context(), StagedBlobs(blob_store(app)) as staged:
        issue_as_sealed(db, staged, clerk, db.get(Document, document.id))
        db.commit()
