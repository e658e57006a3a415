"""A secret vote of 500 entitled voters, all casting within 10 seconds, through the real app.

gunicorn runs several processes against the database (PostgreSQL with ``--database-url``); 500
members of a published meeting sign in and load the votes panel (its CSRF token and options),
then each casts a ballot at a moment drawn at random in the 10 seconds (open loop, on 64
keep-alive connections). Fifty of them press twice at once from two connections. Afterwards
every ballot must be counted once: 500 "has voted" rows, tallies summing to 500, and each double
press answered once 302 and once 409. The secretary then closes the vote; the figure is the time
from sending the close to holding the result (the panel with the counts, in the same answer).

Baseline, the same run: the same secretary loading the same panel just before the close (the
page without the count). OpenSlides users report minutes at about 60 voters.
"""

from __future__ import annotations

import http.client
import random
import re
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlencode

import _meeting
import sqlalchemy as sa
from _setup import arguments, fresh_app, report, server_env
from open_document import gunicorn, sign_in
from sqlalchemy.orm import Session

from core.db import get_engine
from core.storage import StagedBlobs, blob_store
from documents import drafting
from meetings import calendar, invitations, meetings, participants
from meetings.room import attendance, polls, votes
from meetings.room.models import PollBallot, PollKind, PollOption, Presence

PASSWORD = _meeting.PASSWORD


def build(app, voters: int) -> tuple[int, int]:
    """A published meeting with ``voters`` members and an open secret vote; (meeting, poll)."""
    with Session(get_engine(app), expire_on_commit=False) as session:
        at = _meeting.office(session, voters)
        starts = _meeting.STARTS
        clerk, chair = at.clerk, at.chair
        meeting = _meeting.meeting_of(session, at, "Kỳ họp thường lệ")
        with StagedBlobs(blob_store(app)) as staged:
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
        # Everyone is in the room: only present members are entitled to vote.
        present = attendance.Marking(Presence.PRESENT)
        for participant in participants.listing(session, meeting):
            attendance.mark(session, clerk, meeting, participant.id, present, now=starts)
        session.commit()
        question = polls.Question(
            "Bầu Phó Chủ tịch", PollKind.CHOICE, ("Ông Trần Văn A", "Bà Lê Thị B"), secret=True
        )
        poll = votes.open_vote(session, chair, meeting, question, None, now=starts)
        session.commit()
        return meeting.id, poll.id


class Client:
    """One member's keep-alive connection with their session and the panel's form values."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port = port
        self.cookie = cookie
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = ""
        self.options: list[str] = []

    def fresh(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def request(self, method: str, path: str, body: str = "", **headers: str) -> tuple[int, str]:
        headers = {"Cookie": self.cookie, **headers}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body or None, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read().decode()

    def load_panel(self, meeting_id: int) -> None:
        status, page = self.request("GET", f"/meetings/{meeting_id}/room/votes")
        if status != 200:
            raise SystemExit(f"panel answered {status}")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        self.token = token.group(1) if token else ""
        self.options = re.findall(r'name="option" value="(\d+)"', page)

    def cast(self, meeting_id: int, poll_id: int, choice: int) -> tuple[int, float]:
        body = urlencode({"csrf_token": self.token, "option": self.options[choice]})
        self.fresh()  # the server ends idle keep-alive connections after a few seconds
        began = time.perf_counter()
        status, _page = self.request(
            "POST", f"/meetings/{meeting_id}/room/votes/{poll_id}/ballot", body
        )
        return status, time.perf_counter() - began


def cast_all(
    clients: list[Client], doubles: list[Client], meeting_id: int, poll_id: int, seconds: float
) -> tuple[list[float], list[int], float]:
    """Every client casts once at its moment in ``seconds`` (the doubles twice, at once)."""
    rng = random.Random(7)
    plan = sorted((rng.uniform(0, seconds), n) for n in range(len(clients)))
    twins = {id(c): d for c, d in zip(clients[: len(doubles)], doubles, strict=True)}
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    began = time.perf_counter()

    def one(at: float, n: int) -> None:
        client = clients[n]
        choice = rng_choice[n]
        wait = began + at - time.perf_counter()
        if wait > 0:
            time.sleep(wait)  # the open loop's schedule, not a measurement
        twin = twins.get(id(client))
        if twin is None:
            results = [client.cast(meeting_id, poll_id, choice)]
        else:
            with ThreadPoolExecutor(2) as pair:
                results = list(
                    pair.map(lambda c: c.cast(meeting_id, poll_id, choice), [client, twin])
                )
        with lock:
            for status, seconds_taken in results:
                statuses.append(status)
                latencies.append(seconds_taken)

    rng_choice = [rng.randrange(2) for _ in clients]
    with ThreadPoolExecutor(64) as pool:
        list(pool.map(lambda plan_entry: one(*plan_entry), plan))
    return latencies, statuses, time.perf_counter() - began


def main() -> None:
    args = arguments(
        __doc__ or "", voters=500, doubles=50, seconds=10.0, workers=4, threads=8, baseline_runs=5
    )
    app = fresh_app(args.database_url)
    meeting_id, poll_id = build(app, args.voters)
    server, port = gunicorn("wsgi:app", server_env(app, ""), args.workers, args.threads)
    try:
        with ThreadPoolExecutor(16) as pool:
            cookies = list(pool.map(lambda i: sign_in(port, f"member{i:04d}"), range(args.voters)))
            clients = [Client(port, cookie) for cookie in cookies]
            doubles = [Client(port, cookie) for cookie in cookies[: args.doubles]]
            list(pool.map(lambda c: c.load_panel(meeting_id), clients + doubles))
        latencies, statuses, took = cast_all(clients, doubles, meeting_id, poll_id, args.seconds)
        secretary = Client(port, sign_in(port, "clerk"))
        secretary.load_panel(meeting_id)
        panel = []
        for _ in range(args.baseline_runs):
            secretary.fresh()
            began = time.perf_counter()
            secretary.request("GET", f"/meetings/{meeting_id}/room/votes")
            panel.append(time.perf_counter() - began)
        body = urlencode({"csrf_token": secretary.token})
        secretary.fresh()
        began = time.perf_counter()
        status, page = secretary.request(
            "POST",
            f"/meetings/{meeting_id}/room/votes/{poll_id}/close",
            body,
            **{"X-Requested-With": "fetch"},
        )
        to_result = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait()
    if status != 200 or 'data-testid="vote-result"' not in page:
        raise SystemExit(f"the close answered {status} without the result")
    with Session(get_engine(app)) as session:
        ballots = session.scalar(sa.select(sa.func.count()).select_from(PollBallot))
        tallies = session.scalar(sa.select(sa.func.sum(PollOption.tally)))
    counted, refused = statuses.count(302), statuses.count(409)
    if (ballots, tallies, counted, refused) != (
        args.voters,
        args.voters,
        args.voters,
        args.doubles,
    ):
        raise SystemExit(
            f"ballots {ballots}, tallies {tallies}, counted {counted}, refused {refused}, "
            f"other answers {[s for s in statuses if s not in (302, 409)][:5]}"
        )
    baseline = statistics.median(panel)
    ordered = sorted(latencies)
    report(
        "vote_500_close_to_result",
        to_result,
        "s",
        baseline,
        to_result / baseline,
        voters=args.voters,
        double_presses_refused=refused,
        casting_seconds=round(took, 2),
        ballot_p50_ms=round(ordered[len(ordered) // 2] * 1000, 1),
        ballot_p99_ms=round(ordered[int(len(ordered) * 0.99)] * 1000, 1),
        database=app.config["DATABASE_URL"].split(":")[0],
    )


if __name__ == "__main__":
    main()
