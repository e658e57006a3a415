"""Circulating one document to 1,000 recipients, against one plain executemany of the same rows.

Both run in the same database in the same run; the figure is the median of several rounds.
"""

from __future__ import annotations

import statistics
import time
from datetime import date

import sqlalchemy as sa
from _setup import arguments, fresh_app, report
from sqlalchemy.orm import Session

from accounts.models import Role, Unit, UnitKind, User, UserRole
from core.db import get_engine, utcnow
from core.storage import StagedBlobs, blob_store
from documents import circulation, drafting, numbering
from documents.decree30 import DocType
from documents.models import Delivery


def main() -> None:
    args = arguments(__doc__ or "", recipients=1000, rounds=5)
    app = fresh_app(args.database_url)
    engine = get_engine(app)
    settings = drafting.Settings(place="Cần Thơ", max_upload_bytes=10 << 20)
    with Session(engine, expire_on_commit=False) as session:
        province = Unit(
            code="CT", name="UBND thành phố", abbreviation="UBND", kind=UnitKind.PROVINCE
        )
        department = Unit(
            code="SNV",
            name="Sở Nội vụ",
            abbreviation="SNV",
            kind=UnitKind.DEPARTMENT,
            parent=province,
        )
        clerk = User(
            username="clerk",
            full_name="Văn thư",
            unit=province,
            role_rows=[UserRole(role=Role.CLERK)],
        )
        session.add_all([province, department, clerk])
        session.flush()
        session.execute(
            sa.insert(User),
            [
                {
                    "username": f"cb{i:05d}",
                    "full_name": f"Cán bộ {i}",
                    "title": "Chuyên viên",
                    "unit_id": department.id,
                    "active": True,
                    "created_at": utcnow(),
                }
                for i in range(args.recipients)
            ],
        )
        session.commit()
        user_ids = list(session.scalars(sa.select(User.id).where(User.unit_id == department.id)))

        timings, baselines = [], []
        for _ in range(args.rounds):
            with StagedBlobs(blob_store(app)) as staged:
                document = drafting.create_draft(
                    session,
                    staged,
                    clerk,
                    drafting.DraftData(
                        doc_type=DocType.CONG_VAN, subject="Benchmark", drafter_abbr="VP"
                    ),
                    settings,
                )
                # Standing for the seal: the benchmark measures circulation, not signing.
                numbering.issue(
                    session,
                    staged,
                    clerk,
                    document,
                    date.today(),
                    sealed_version_id=document.current_version_id,
                )
                session.commit()
            started = time.perf_counter()
            circulation.circulate(session, clerk, document, unit_ids=[department.id])
            session.commit()
            timings.append(time.perf_counter() - started)

            circulation_id = session.scalar(sa.text("SELECT max(id) FROM circulations"))
            other = drafting.create_draft  # a second document for the baseline rows
            with StagedBlobs(blob_store(app)) as staged:
                target = other(
                    session,
                    staged,
                    clerk,
                    drafting.DraftData(
                        doc_type=DocType.CONG_VAN, subject="Baseline", drafter_abbr="VP"
                    ),
                    settings,
                )
                session.commit()
            rows = [
                {
                    "document_id": target.id,
                    "user_id": uid,
                    "circulation_id": circulation_id,
                    "via_unit_id": department.id,
                    "delivered_at": utcnow(),
                }
                for uid in user_ids
            ]
            started = time.perf_counter()
            with engine.begin() as connection:
                connection.execute(sa.insert(Delivery), rows)
            baselines.append(time.perf_counter() - started)
        delivered = session.scalar(sa.select(sa.func.count()).select_from(Delivery))
    value, baseline = statistics.median(timings), statistics.median(baselines)
    report(
        f"circulate_{args.recipients}",
        value,
        "s",
        baseline,
        value / baseline,
        database=engine.dialect.name,
        deliveries=delivered,
        rounds=args.rounds,
    )


if __name__ == "__main__":
    main()
