"""A province opening its meeting packs in the same five minutes, against a bare streaming route.

10,000 officials, each pack of 20 documents: about 670 openings a second. Requests arrive at a
fixed rate whether or not earlier ones have been answered (an open loop, as people do not wait
for each other), on keep-alive connections, each as one of the signed-in officials; a request's
latency runs from the moment it was due, so a server that falls behind is not flattered. The
same load is then sent to the app with its file fast path turned off (every request through the
ordinary Flask route), and to a bare Flask route streaming the same file, in the same run.

Reports the 99th percentile latency at that rate with the app as shipped (fast path on), the
ordinary route's beside it; afterwards every answered opening must have left its receipt. Like
a browser, the load keeps the session cookie the server sends back (once a minute per session).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time

import sqlalchemy as sa
from _setup import arguments, fresh_app, issued_pdf, report, server_env
from open_document import gunicorn, sign_in
from sqlalchemy.orm import Session

from accounts.models import Role, Unit, UnitKind, User, UserRole
from accounts.passwords import hash_password
from core.db import get_engine
from core.storage import StagedBlobs, blob_store
from documents import circulation
from documents.models import ReadReceipt

PASSWORD = "benchmark password"  # noqa: S105 - throw-away accounts of a temporary database


def build_province(app, officials: int, documents: int, size_kb: int) -> tuple[list[str], str]:
    """Units, officials and a circulated pack; returns the pack's file paths and a blob path."""
    engine = get_engine(app)
    password_hash = hash_password(PASSWORD, "fast")
    with Session(engine, expire_on_commit=False) as session:
        province = Unit(
            code="CT", name="UBND thành phố", abbreviation="UBND", kind=UnitKind.PROVINCE
        )
        departments = [
            Unit(
                code=f"S{i:02d}",
                name=f"Sở {i}",
                abbreviation=f"S{i:02d}",
                kind=UnitKind.DEPARTMENT,
                parent=province,
            )
            for i in range(20)
        ]
        clerk = User(
            username="clerk",
            full_name="Văn thư",
            unit=province,
            password_hash=password_hash,
            role_rows=[UserRole(role=Role.CLERK)],
        )
        session.add_all([province, *departments, clerk])
        session.flush()
        session.execute(
            sa.insert(User),
            [
                {
                    "username": f"official{i:05d}",
                    "full_name": f"Cán bộ {i}",
                    "title": "Chuyên viên",
                    "unit_id": departments[i % len(departments)].id,
                    "password_hash": password_hash,
                }
                for i in range(officials)
            ],
        )
        paths = []
        with StagedBlobs(blob_store(app)) as staged:
            for n in range(documents):
                document, version = issued_pdf(
                    session, staged, clerk, f"Tài liệu họp {n}", f"Tai lieu {n} ", size_kb
                )
                circulation.circulate(
                    session, clerk, document, unit_ids=[d.id for d in departments]
                )
                paths.append(f"/documents/{document.id}/v/{version.number}/file")
            session.commit()
        return paths, str(blob_store(app).path_for(version.sha256))


class Load:
    """An open-loop load: request k is due at start + k / rate."""

    def __init__(
        self, port: int, rate: float, seconds: float, connections: int, cookies: dict[int, str]
    ) -> None:
        self.port, self.rate, self.connections = port, rate, connections
        self.total = int(rate * seconds)
        self.latencies: list[float] = []
        self.errors: list[str] = []
        #: Per official, their session cookie as the server last set it.
        self.cookies = cookies

    def run(self, requests: list[tuple[str, int]]) -> None:
        asyncio.run(self._run(requests))

    async def _run(self, requests: list[tuple[str, int]]) -> None:
        queue: asyncio.Queue[tuple[float, str, int] | None] = asyncio.Queue()
        workers = [asyncio.create_task(self._connection(queue)) for _ in range(self.connections)]
        start = time.perf_counter() + 0.2
        for k in range(self.total):
            due = start + k / self.rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)  # pacing the arrivals, not waiting for a result
            path, official = requests[k % len(requests)]
            queue.put_nowait((due, path, official))
        for _ in workers:
            queue.put_nowait(None)
        await asyncio.gather(*workers)

    async def _connection(self, queue: asyncio.Queue[tuple[float, str, int] | None]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        while (item := await queue.get()) is not None:
            due, path, official = item
            cookie = self.cookies.get(official, "")
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\r\n".encode()
            )
            status, length, new_cookie = await _read_head(reader)
            if new_cookie:
                self.cookies[official] = new_cookie
            await reader.readexactly(length)
            self.latencies.append(time.perf_counter() - due)
            if status != 200:
                self.errors.append(str(status))
        writer.close()

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, int, str]:
    """The status, the body's length and a new session cookie, if the server set one."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    length, cookie = 0, ""
    for line in head[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "set-cookie" and value.strip().startswith("session="):
            cookie = value.strip().split(";")[0]
    return status, length, cookie


def main() -> None:
    args = arguments(
        __doc__ or "",
        officials=10_000,
        documents=20,
        signed_in=600,
        rate=670.0,
        seconds=20.0,
        connections=64,
        workers=4,
        threads=4,
        size_kb=200,
    )
    app = fresh_app(args.database_url)
    paths, blob_path = build_province(app, args.officials, args.documents, args.size_kb)
    env = server_env(app, blob_path)
    server, port = gunicorn("wsgi:app", env, args.workers, args.threads)
    route_env = {**env, "VANTHU_FILE_FAST_PATH": "0"}
    route_server, route_port = gunicorn("wsgi:app", route_env, args.workers, args.threads)
    bare, bare_port = gunicorn("bench._bare_app:app", env, args.workers, args.threads)
    chooser = random.Random(30)  # the same officials and documents on every run
    try:
        names = chooser.sample(range(args.officials), args.signed_in)
        signed_in = {i: sign_in(port, f"official{i:05d}") for i in names}
        requests = [(chooser.choice(paths), chooser.choice(names)) for _ in range(10_000)]
        real = Load(port, args.rate, args.seconds, args.connections, dict(signed_in))
        real.run(requests)
        route = Load(route_port, args.rate, args.seconds, args.connections, dict(signed_in))
        route.run(requests)
        baseline = Load(bare_port, args.rate, args.seconds, args.connections, {})
        baseline.run([("/file", 0)])
    finally:
        for process in (server, route_server, bare):
            process.terminate()
            process.wait()
    if real.errors or route.errors or baseline.errors:
        raise SystemExit(f"requests failed: {(real.errors + route.errors + baseline.errors)[:5]}")
    with Session(get_engine(app)) as session:
        receipts = session.scalar(sa.select(sa.func.sum(ReadReceipt.times_opened)))
    if receipts != real.total + route.total:
        raise SystemExit(f"lost receipts: {receipts} stored for {real.total + route.total}")
    p99, bare_p99 = real.percentile(99) * 1000, baseline.percentile(99) * 1000
    report(
        "province_storm_p99",
        p99,
        "ms",
        bare_p99,
        p99 / bare_p99,
        database=get_engine(app).dialect.name,
        rate_per_s=args.rate,
        openings=real.total,
        p50_ms=round(real.percentile(50) * 1000, 1),
        p95_ms=round(real.percentile(95) * 1000, 1),
        max_ms=round(max(real.latencies) * 1000, 1),
        mean_ms=round(statistics.fmean(real.latencies) * 1000, 1),
        route_only_p99_ms=round(route.percentile(99) * 1000, 1),
        route_only_p50_ms=round(route.percentile(50) * 1000, 1),
        bare_p50_ms=round(baseline.percentile(50) * 1000, 1),
        officials=args.officials,
        signed_in=args.signed_in,
        receipts=receipts,
        server=f"{args.workers}x{args.threads} gthread",
    )


if __name__ == "__main__":
    main()
