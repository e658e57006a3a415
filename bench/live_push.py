"""The chair advances the agenda while 500 devices follow the meeting room's live stream.

gunicorn runs several gthread processes against PostgreSQL (each process's one LISTEN
connection fans announcements out to its streams); 500 participants, each signed in, hold the
room's stream open on raw sockets in this one client process. Each round the chair POSTs the
next item and every listener notes when the ``agenda.current`` message reaches it: the figure is
the time from sending the POST to each listener receiving it (p50, p99; target p99 < 1 s).

Baseline, same run, same listeners: an event announced by a direct NOTIFY from this process (a
row and ``pg_notify`` committed without any request), i.e. the fan-out alone, without the
chair's request (sign-in check, access rule, audit, commit).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import http.client
import json
import re
import statistics
import time
from urllib.parse import urlencode

import _meeting
from _setup import arguments, fresh_app, report, server_env
from open_document import gunicorn, session_cookie, sign_in
from sqlalchemy.orm import Session

from core.db import get_engine
from meetings import agenda
from meetings.models import MeetingStatus
from meetings.room import events

PASSWORD = _meeting.PASSWORD
#: The longest one round may take before the run gives up (seconds).
ROUND_LIMIT = 30.0
#: Listeners connecting together.
JOINING = 25


def build_meeting(app, people: int, items: int) -> tuple[int, list[int]]:
    """A meeting in progress with ``items`` items and ``people`` members (member0000...);
    its chair is "chair"."""
    with Session(get_engine(app), expire_on_commit=False) as session:
        at = _meeting.office(session, people)
        clerk = at.clerk
        meeting = _meeting.meeting_of(session, at, "Phiên họp thường kỳ")
        item_ids = []
        for n in range(items):
            data = agenda.ItemData(title=f"Nội dung {n + 1}", duration_minutes=15)
            item = agenda.add_item(session, clerk, meeting, data, expected_version=meeting.version)
            item_ids.append(item.id)
        # Publishing (the Giấy mời and its signature) is not what is measured: the meeting is
        # simply put in progress.
        meeting.status = MeetingStatus.IN_PROGRESS
        session.commit()
        return meeting.id, item_ids


class Listener:
    """One device's stream on a raw socket: when each message of a kind arrived."""

    def __init__(self, port: int, path: str, cookie: str) -> None:
        self.port, self.path, self.cookie = port, path, cookie
        self.arrivals: dict[bytes, list[float]] = {}
        self.connected = asyncio.Event()

    async def run(self, kinds: tuple[bytes, ...]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(
            (
                f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {self.cookie}\r\n"
                "Accept: text/event-stream\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise SystemExit(f"stream refused: {head[:40]!r}")
        buffer = b""
        try:
            while True:
                block = await reader.read(65536)
                if not block:
                    return
                now = time.perf_counter()
                buffer += block
                if b"retry:" in buffer:  # subscribed: the stream's first bytes
                    self.connected.set()
                for kind in kinds:
                    marker = b"event: " + kind + b"\n"
                    while marker in buffer:
                        self.arrivals.setdefault(kind, []).append(now)
                        buffer = buffer.replace(marker, b"", 1)
                buffer = buffer[-256:]
        finally:
            writer.close()


def room_form(port: int, cookie: str, meeting_id: int) -> tuple[str, str]:
    """The chair's cookie and CSRF token as the room page gives them to the chair's browser."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", f"/meetings/{meeting_id}/room", headers={"Cookie": cookie})
    response = conn.getresponse()
    page = response.read().decode()
    if response.status != 200:
        raise SystemExit(f"the room page answered {response.status}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if token is None:
        raise SystemExit("the chair's room page has no form")
    with contextlib.suppress(SystemExit):  # unless the session did not change
        cookie = session_cookie(response)
    return cookie, token.group(1)


def post_current(port: int, chair: tuple[str, str], meeting_id: int, item_id: int) -> None:
    cookie, token = chair
    conn = http.client.HTTPConnection("127.0.0.1", port)
    body = urlencode({"item_id": item_id, "csrf_token": token})
    conn.request(
        "POST",
        f"/meetings/{meeting_id}/room/current",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise SystemExit(f"advancing the item failed: {response.status}")


def direct_notify(app, meeting_id: int) -> None:
    with Session(get_engine(app)) as session:
        events.announce(session, meeting_id, "agenda.timer", {}, actor_id=None)
        session.commit()


async def measure(args, app, port: int, meeting_id: int, items: list[int]) -> dict:
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        cookies = list(
            pool.map(lambda n: sign_in(port, f"member{n:04d}"), range(args.participants))
        )
    chair = room_form(port, sign_in(port, "chair"), meeting_id)
    path = f"/meetings/{meeting_id}/room/stream"
    listeners = [Listener(port, path, cookie) for cookie in cookies]
    kinds = (b"agenda.current", b"agenda.timer")
    tasks = []
    # Devices join a few at a time, as people arrive in a room: 500 streams opening in the same
    # instant would each want a pooled connection for their first read at once.
    for start in range(0, len(listeners), JOINING):
        batch = listeners[start : start + JOINING]
        tasks += [asyncio.create_task(listener.run(kinds)) for listener in batch]
        await asyncio.wait_for(
            asyncio.gather(*(listener.connected.wait() for listener in batch)), ROUND_LIMIT
        )
    loop = asyncio.get_running_loop()

    async def round_trip(kind: bytes, n: int, act) -> list[float]:
        started = time.perf_counter()
        await loop.run_in_executor(None, act)
        deadline = started + ROUND_LIMIT
        while any(len(listener.arrivals.get(kind, ())) < n for listener in listeners):
            if time.perf_counter() > deadline:
                raise SystemExit(f"round {n} of {kind!r}: not every listener heard it")
            await asyncio.sleep(0.005)  # polling the listeners' records, not timing anything
        return [listener.arrivals[kind][n - 1] - started for listener in listeners]

    pushed: list[float] = []
    direct: list[float] = []
    for n in range(1, args.rounds + 1):
        item = items[n % len(items)]
        pushed += await round_trip(
            b"agenda.current", n, lambda item=item: post_current(port, chair, meeting_id, item)
        )
        direct += await round_trip(b"agenda.timer", n, lambda: direct_notify(app, meeting_id))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"pushed": pushed, "direct": direct}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    args = arguments(__doc__ or "", participants=500, rounds=5, workers=4, threads=200)
    if not (args.database_url or "").startswith("postgresql"):
        # `make bench` runs every script: say why this one measured nothing, and go on.
        print(json.dumps({"bench": "live_push", "skipped": "needs PostgreSQL: --database-url"}))
        return
    app = fresh_app(args.database_url)
    meeting_id, items = build_meeting(app, args.participants, max(2, args.rounds + 1))
    env = server_env(app, "")
    env["VANTHU_ROOM_HEARTBEAT_SECONDS"] = "15"
    env["VANTHU_LOG_SEQUENCE_IN_BACKGROUND"] = "1"
    # As README's production command: each worker takes no more connections than it has
    # threads, since every open stream keeps one.
    server, port = gunicorn(
        "wsgi:app",
        env,
        args.workers,
        args.threads,
        extra=["--worker-connections", str(args.threads)],
    )
    try:
        found = asyncio.run(measure(args, app, port, meeting_id, items))
    finally:
        # Open streams hold gunicorn's graceful stop until their next heartbeat: no waiting.
        server.kill()
        server.wait(timeout=30)
        get_engine(app).dispose()
    pushed, direct = found["pushed"], found["direct"]
    p99, baseline = percentile(pushed, 0.99), percentile(direct, 0.99)
    report(
        "live_push_p99",
        p99,
        "s",
        baseline,
        p99 / baseline if baseline else 0.0,
        listeners=args.participants,
        rounds=args.rounds,
        workers=args.workers,
        threads=args.threads,
        push_p50=round(statistics.median(pushed), 4),
        push_p99=round(p99, 4),
        push_max=round(max(pushed), 4),
        direct_notify_p50=round(statistics.median(direct), 4),
        direct_notify_p99=round(baseline, 4),
    )


if __name__ == "__main__":
    main()
