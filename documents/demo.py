"""Demonstration documents: the city's công văn and Quyết định, and a ward's Báo cáo answering
the công văn, drafted for signing.

None is issued here: a document is issued and sent only once signed and sealed, which the
signing demo does (signing/demo.py) before sending the công văn to two departments and a ward,
and the ward's report back to the city.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from accounts.demo import DemoOrganisation, commune_place, organisation
from accounts.models import Unit, User
from core.storage import StagedBlobs, blob_store
from documents import drafting
from documents.decree30 import Authority, DocType
from documents.models import Document


def load(session: Session, app: Flask) -> list[tuple[str, str, str]]:
    """Create the demo documents once; they need the demo province (accounts.demo)."""
    org = organisation(app)
    _give_organ_id(session, org)
    if session.scalar(sa.select(Document.id).limit(1)) is not None:
        return []
    clerk = session.scalar(sa.select(User).where(User.username == "vanthu"))
    chairman = session.scalar(sa.select(User).where(User.username == "chutich"))
    if clerk is None or chairman is None:
        return []
    settings = drafting.Settings(
        place=app.config["DOCUMENT_PLACE"], max_upload_bytes=app.config["MAX_UPLOAD_MB"] << 20
    )
    with StagedBlobs(blob_store(app)) as staged:
        drafting.create_draft(
            session,
            staged,
            clerk,
            drafting.DraftData(
                doc_type=DocType.CONG_VAN,
                subject="Về việc đẩy mạnh cải cách hành chính và sử dụng văn bản điện tử",
                content=(
                    "Thực hiện Nghị định số 30/2020/NĐ-CP của Chính phủ về công tác văn thư, "
                    f"{org.short_name} đề nghị các sở, ban, ngành và Ủy ban nhân dân các xã, "
                    "phường gửi, nhận văn bản hoàn toàn qua hệ thống VanThu, không gửi văn bản "
                    "giấy song song.\n"
                    "Các đơn vị xác nhận đã nhận văn bản trong ngày và báo cáo kết quả thực "
                    "hiện trước ngày 15 của tháng sau."
                ),
                signer_id=chairman.id,
                signer_title="Chủ tịch",
                drafter_abbr="VP",
                addressees=(
                    f"Các sở, ban, ngành {org.short_name.removeprefix('UBND ')};\n"
                    "Ủy ban nhân dân các xã, phường."
                ),
                recipients="Như trên;\nLưu: VT, VP.",
            ),
            settings,
        )
        drafting.create_draft(
            session,
            staged,
            clerk,
            drafting.DraftData(
                doc_type=DocType.QUYET_DINH,
                subject=f"Ban hành Quy chế làm việc không giấy của {org.short_name}",
                content="Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc không giấy.",
                signer_id=chairman.id,
                signer_title="Chủ tịch",
                signer_authority=Authority.TM,
                signer_on_behalf_of="Ủy ban nhân dân",
            ),
            settings,
        )
        _ward_report(session, staged, app)
        session.flush()
    return []


def _ward_report(session: Session, staged: StagedBlobs, app: Flask) -> None:
    """The first ward's report to the city on the công văn, from its own clerk, signed by its
    own chairman and dated at the ward's own place (two-level local government)."""
    org = organisation(app)
    if not org.communes:
        return
    code = org.communes[0].code
    ward = session.scalar(sa.select(Unit).where(Unit.code == code))
    clerk = session.scalar(sa.select(User).where(User.username == f"vanthu.{code.lower()}"))
    chairman = session.scalar(sa.select(User).where(User.username == f"chutich.{code.lower()}"))
    if ward is None or clerk is None or chairman is None:
        return
    settings = drafting.Settings(
        place=commune_place(app, ward.code),
        max_upload_bytes=app.config["MAX_UPLOAD_MB"] << 20,
    )
    drafting.create_draft(
        session,
        staged,
        clerk,
        drafting.DraftData(
            doc_type=DocType.BAO_CAO,
            subject="Kết quả gửi, nhận văn bản điện tử trên địa bàn phường",
            content=(
                f"Thực hiện Công văn của {org.short_name} về việc đẩy mạnh cải cách hành chính "
                f"và sử dụng văn bản điện tử, {ward.name} báo cáo như sau:\n"
                "Toàn bộ văn bản đi, đến của phường được gửi, nhận qua hệ thống VanThu, ký số "
                "và đóng dấu trên bản gốc điện tử; không còn gửi văn bản giấy song song."
            ),
            signer_id=chairman.id,
            signer_title="Chủ tịch",
            signer_authority=Authority.TM,
            signer_on_behalf_of="Ủy ban nhân dân",
            recipients=f"{org.short_name.replace('UBND', 'Ủy ban nhân dân')};\nLưu: VT.",
        ),
        settings,
    )


def _give_organ_id(session: Session, org: DemoOrganisation) -> None:
    """The demo organisation's OrganId, so its documents get identifiers and export metadata
    (an organisation without one is refused with 409); one an administrator set is kept."""
    unit = session.scalar(sa.select(Unit).where(Unit.code == org.code))
    if unit is not None and org.organ_id and not unit.organ_id:
        unit.organ_id = org.organ_id
        session.flush()
