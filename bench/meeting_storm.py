"""A meeting starts: 500 participants each open the pack page and its 5 documents in one minute.

The documents are issued công văn attached to five agenda items as exact versions; the
participants are invited through their unit and are not recipients of the documents, so each
opening goes through the meetings' grant of the one access rule. Two loads, on 64 keep-alive
connections to gunicorn on loopback:

- open loop: the 3,000 requests (each participant's pack page, then its documents) arrive at the
  pace of one minute whatever the server does; latency runs from when each was due;
- closed loop: the same requests as fast as 64 clients get answers (the capacity, requests/s).

The bare route streaming the same file, under the open loop, is the baseline. Afterwards every
document opening must have left exactly one receipt.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from datetime import timedelta

import _meeting
import sqlalchemy as sa
from _setup import arguments, fresh_app, issued_pdf, report, server_env
from open_document import gunicorn, sign_in
from province_storm import Load
from sqlalchemy.orm import Session

from core.db import get_engine
from core.storage import StagedBlobs, blob_store
from documents import drafting
from documents.models import ReadReceipt
from meetings import agenda, attachments, calendar, invitations, meetings

PASSWORD = _meeting.PASSWORD


def build_meeting(app, people: int, documents: int, size_kb: int) -> tuple[list[str], str]:
    """A published meeting with ``documents`` items, each with one issued document, and
    ``people`` participants; returns the pack page's path, then the documents' paths, and a blob
    path for the bare route."""
    with Session(get_engine(app), expire_on_commit=False) as session:
        at = _meeting.office(session, people, chair_signs_in=False)
        starts = _meeting.STARTS
        clerk = at.clerk
        meeting = _meeting.meeting_of(session, at, "Phiên họp thường kỳ", room="Phòng họp số 1")
        paths = [f"/meetings/{meeting.id}"]
        with StagedBlobs(blob_store(app)) as staged:
            for n in range(documents):
                document, version = issued_pdf(
                    session, staged, clerk, f"Tờ trình {n}", f"To trinh {n} ", size_kb
                )
                data = agenda.ItemData(title=f"Nội dung {n + 1}", duration_minutes=20)
                item = agenda.add_item(
                    session, clerk, meeting, data, expected_version=meeting.version
                )
                attached = attachments.attach_document(
                    session,
                    clerk,
                    meeting,
                    item.id,
                    document.id,
                    None,
                    expected_version=meeting.version,
                )
                paths.append(f"/meetings/{meeting.id}/items/{item.id}/documents/{attached.id}")
            # Publishing submits the Giấy mời for the chair's signature; the storm reads the pack.
            sending = invitations.Sending(
                blobs=staged,
                documents=drafting.Settings(place="Cần Thơ", max_upload_bytes=50 << 20),
                site=calendar.site_from_config(app.config),
                email=False,
                today=starts.date(),
                now=starts - timedelta(days=7),
            )
            meetings.publish(session, clerk, meeting, sending)
            session.commit()
        return paths, str(blob_store(app).path_for(version.sha256))


def closed_loop(port: int, requests: list[tuple[str, int]], cookies: dict[int, str], clients: int):
    """Send ``requests`` on ``clients`` connections, each taking the next as soon as it is
    answered; returns requests per second."""
    load = Load(port, 1.0, 0.0, clients, cookies)
    load.total = len(requests)

    async def run() -> float:
        queue: asyncio.Queue = asyncio.Queue()
        for path, official in requests:
            queue.put_nowait((time.perf_counter(), path, official))
        for _ in range(clients):
            queue.put_nowait(None)
        began = time.perf_counter()
        await asyncio.gather(*(load._connection(queue) for _ in range(clients)))
        return len(requests) / (time.perf_counter() - began)

    rate = asyncio.run(run())
    if load.errors:
        raise SystemExit(f"requests failed: {load.errors[:5]}")
    return rate


def main() -> None:
    args = arguments(
        __doc__ or "",
        participants=500,
        documents=5,
        seconds=60.0,
        connections=64,
        workers=4,
        threads=4,
        size_kb=200,
    )
    app = fresh_app(args.database_url)
    paths, blob_path = build_meeting(app, args.participants, args.documents, args.size_kb)
    env = server_env(app, blob_path)
    server, port = gunicorn("wsgi:app", env, args.workers, args.threads)
    bare, bare_port = gunicorn("bench._bare_app:app", env, args.workers, args.threads)
    people = list(range(args.participants))
    random.Random(11).shuffle(people)  # arrivals in no particular order, the same every run
    try:
        signed_in = {i: sign_in(port, f"member{i:04d}") for i in people}
        requests = [(path, i) for i in people for path in paths]
        rate = len(requests) / args.seconds
        real = Load(port, rate, args.seconds, args.connections, dict(signed_in))
        real.run(requests)
        capacity = closed_loop(port, requests, dict(signed_in), args.connections)
        baseline = Load(bare_port, rate, args.seconds, args.connections, {})
        baseline.run([("/file", 0)])
    finally:
        for process in (server, bare):
            process.terminate()
            process.wait()
    if real.errors or baseline.errors:
        raise SystemExit(f"requests failed: {(real.errors + baseline.errors)[:5]}")
    with Session(get_engine(app)) as session:
        opened = session.scalar(sa.select(sa.func.sum(ReadReceipt.times_opened)))
        receipts = session.scalar(sa.select(sa.func.count(ReadReceipt.id)))
    wanted = 2 * args.participants * args.documents  # the open loop, then the closed one
    if opened != wanted or receipts != args.participants * args.documents:
        raise SystemExit(f"openings recorded {opened} times on {receipts} receipts, not {wanted}")
    p99, bare_p99 = real.percentile(99) * 1000, baseline.percentile(99) * 1000
    report(
        "meeting_storm_p99",
        p99,
        "ms",
        bare_p99,
        p99 / bare_p99,
        database=get_engine(app).dialect.name,
        requests=len(requests),
        seconds=args.seconds,
        p50_ms=round(real.percentile(50) * 1000, 1),
        max_ms=round(max(real.latencies) * 1000, 1),
        mean_ms=round(statistics.fmean(real.latencies) * 1000, 1),
        capacity_req_per_s=round(capacity, 1),
        bare_p50_ms=round(baseline.percentile(50) * 1000, 1),
        receipts=receipts,
        server=f"{args.workers}x{args.threads} gthread",
    )


if __name__ == "__main__":
    main()
