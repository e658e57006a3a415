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
