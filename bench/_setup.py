"""Shared set-up for the benchmarks: a migrated database in a temporary folder and an app on it.

Run against PostgreSQL with `--database-url postgresql+psycopg://...` (the schema is recreated).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import migrate
from core.app import create_app
from core.db import make_engine


def arguments(description: str, **extra: Any) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database-url", default=os.environ.get("VANTHU_BENCH_DATABASE_URL"))
    for name, default in extra.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    return parser.parse_args()


def fresh_app(database_url: str | None) -> Any:
    """An app on an empty, migrated database (a new SQLite file unless a URL is given)."""
    folder = Path(tempfile.mkdtemp(prefix="vanthu-bench-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # the database and files too
    url = database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    engine = make_engine(url)
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    engine.dispose()
    os.environ["VANTHU_INSTANCE_DIR"] = str(folder / "instance")
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "benchmark",
            "BLOB_DIR": str(folder / "blobs"),
            "PASSWORD_HASH_PROFILE": "fast",
            "WTF_CSRF_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            "PREFERRED_URL_SCHEME": "http",
        }
    )


def report(
    bench: str, value: float, unit: str, baseline: float, ratio: float, **details: Any
) -> None:
    """Print the one JSON line `make bench` collects (details first, on stderr)."""
    if details:
        print(json.dumps(details), file=sys.stderr)
    print(
        json.dumps(
            {
                "bench": bench,
                "value": round(value, 4),
                "unit": unit,
                "baseline": round(baseline, 4),
                "ratio": round(ratio, 3),
            }
        )
    )


def issued_pdf(
    session: Any, staged: Any, clerk: Any, subject: str, filler: str, size_kb: int
) -> Any:
    """A công văn issued as a PDF of about ``size_kb`` that shows its number, as a clerk does
    it: draft, reserve the number, upload the final PDF, issue. Returns (document, version)."""
    from datetime import date

    from documents import drafting, numbering
    from documents.decree30 import DocType
    from tests.documents.conftest import build_pdf

    settings = drafting.Settings(place="Cần Thơ", max_upload_bytes=50 << 20)
    data = drafting.DraftData(doc_type=DocType.CONG_VAN, subject=subject, drafter_abbr="VP")
    document = drafting.create_draft(session, staged, clerk, data, settings)
    number = numbering.reserve_number(session, clerk, document, date(2026, 12, 1))
    text = f"So {number.number_symbol} " + filler * (size_kb * 1024 // len(filler))
    version = drafting.upload_version(
        session, staged, clerk, document, build_pdf(text), "cv.pdf", settings
    )
    # Standing for the seal: the benchmark measures reading, not signing.
    numbering.issue(
        session, staged, clerk, document, date(2026, 12, 1), sealed_version_id=version.id
    )
    return document, version


def server_env(app: Any, file_path: str) -> dict[str, str]:
    """The environment of a gunicorn serving ``app``'s database and blobs (and, for the bare
    baseline route, ``file_path``)."""
    return {
        "VANTHU_DATABASE_URL": app.config["DATABASE_URL"],
        "VANTHU_SECRET_KEY": "benchmark",
        "VANTHU_BLOB_DIR": app.config["BLOB_DIR"],
        "VANTHU_INSTANCE_DIR": app.instance_path,
        "VANTHU_COOKIE_SECURE": "0",
        "VANTHU_PASSWORD_HASH_PROFILE": "fast",
        "BENCH_FILE": file_path,
    }
