"""Recipients opening a document under 32 concurrent clients, against a bare streaming route.

The real route signs in, checks access, writes a read receipt and an audit event and streams the
stored file; both servers run under gunicorn with the same settings on loopback. After the run
every request must have left its receipt.

Defaults: 4 workers x 4 threads (gthread, keep-alive). ``--threads 0`` runs gunicorn's sync
workers instead, which close the connection after each response, as behind a reverse proxy that
does not keep connections to the app open.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from _setup import arguments, fresh_app, issued_pdf, report, server_env
from sqlalchemy.orm import Session

from accounts.models import Role, Unit, UnitKind, User, UserRole
from accounts.passwords import hash_password
from core.db import get_engine
from core.storage import StagedBlobs, blob_store
from documents import circulation
from documents.models import ReadReceipt

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark password"  # noqa: S105 - throw-away accounts of a temporary database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gunicorn(
    target: str, env: dict[str, str], workers: int, threads: int, extra: Sequence[str] = ()
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            *(["--worker-class", "sync"] if threads == 0 else ["--threads", str(threads)]),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            *extra,
            target,
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.05)  # waiting for the server to listen, not timing anything
    process.kill()
    raise SystemExit("server did not start")


def sign_in(port: int, username: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = session_cookie(response)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    body = urlencode(
        {"username": username, "password": PASSWORD, "csrf_token": token.group(1) if token else ""}
    )
    conn.request(
        "POST",
        "/login",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise SystemExit(f"sign-in failed for {username}: {response.status}")
    return session_cookie(response)


def session_cookie(response: http.client.HTTPResponse) -> str:
    for header in response.headers.get_all("Set-Cookie") or []:
        if header.startswith("session="):
            return header.split(";")[0]
    raise SystemExit("the server set no session cookie")


def server_cpu_seconds(server: subprocess.Popen[bytes]) -> float:
    """CPU time used so far by a gunicorn master and its workers (Linux /proc), to report the
    cost of a request, which drifts less than requests/s on a shared machine."""
    pids = [server.pid]
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU time used so far by the PostgreSQL processes on this machine (0 if none): on loopback
    the database shares the cores with the servers, so its share belongs to the figure."""
    ticks = 0
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            if (process / "comm").read_text().strip() != "postgres":
                continue
            fields = (process / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def hammer(port: int, path: str, cookies: list[str], per_client: int) -> tuple[float, int]:
    """Each client thread sends ``per_client`` requests on one keep-alive connection."""
    done = [0] * len(cookies)
    errors: list[str] = []
    start = threading.Barrier(len(cookies) + 1)

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Cookie": cookies[i]} if cookies[i] else {}
        start.wait()
        for _ in range(per_client):
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(str(response.status))
                return
            done[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(cookies))]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise SystemExit(f"requests failed: {errors[:5]}")
    return sum(done) / elapsed, sum(done)


def main() -> None:
    args = arguments(
        __doc__ or "", clients=32, requests=60, rounds=5, workers=4, threads=4, size_kb=200
    )
    app = fresh_app(args.database_url)
    engine = get_engine(app)
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
        password_hash = hash_password(PASSWORD, "fast")
        clerk = User(
            username="clerk",
            full_name="Văn thư",
            unit=province,
            password_hash=password_hash,
            role_rows=[UserRole(role=Role.CLERK)],
        )
        readers = [
            User(
                username=f"reader{i:02d}",
                full_name=f"Cán bộ {i}",
                unit=department,
                password_hash=password_hash,
            )
            for i in range(args.clients)
        ]
        session.add_all([province, department, clerk, *readers])
        session.flush()
        with StagedBlobs(blob_store(app)) as staged:
            document, version = issued_pdf(
                session, staged, clerk, "Benchmark", "Cong van ", args.size_kb
            )
            circulation.circulate(session, clerk, document, unit_ids=[department.id])
            session.commit()
        blob_path = blob_store(app).path_for(version.sha256)
        path = f"/documents/{document.id}/v/{version.number}/file?download=1"

    env = server_env(app, str(blob_path))
    server, port = gunicorn("wsgi:app", env, args.workers, args.threads)
    bare, bare_port = gunicorn("bench._bare_app:app", env, args.workers, args.threads)
    rates: list[float] = []
    baselines: list[float] = []
    cpu_used = [0.0, 0.0, 0.0]  # CPU seconds in the measured rounds: real, bare, PostgreSQL
    sent = 0
    try:
        cookies = [sign_in(port, f"reader{i:02d}") for i in range(args.clients)]
        warm_up = hammer(port, path, cookies, 3)[1]  # both servers alike
        sent += warm_up
        hammer(bare_port, "/file", [""] * args.clients, 3)
        # Rounds alternate between the two servers so that the machine's drift hits both.
        for _ in range(args.rounds):
            cpu, database = server_cpu_seconds(server), postgres_cpu_seconds()
            rate, done = hammer(port, path, cookies, args.requests)
            cpu_used[0] += server_cpu_seconds(server) - cpu
            cpu_used[2] += postgres_cpu_seconds() - database
            rates.append(rate)
            sent += done
            cpu = server_cpu_seconds(bare)
            baselines.append(hammer(bare_port, "/file", [""] * args.clients, args.requests)[0])
            cpu_used[1] += server_cpu_seconds(bare) - cpu
    finally:
        for process in (server, bare):
            process.terminate()
            process.wait()
    rate, baseline = statistics.median(rates), statistics.median(baselines)

    measured = sent - warm_up
    per_request = {
        "server_cpu_ms_per_request": round(cpu_used[0] * 1000 / measured, 3),
        "bare_cpu_ms_per_request": round(cpu_used[1] * 1000 / measured, 3),
    }
    if engine.dialect.name == "postgresql":
        per_request["postgres_cpu_ms_per_request"] = round(cpu_used[2] * 1000 / measured, 3)
    with Session(engine) as session:
        receipts = session.scalar(sa.select(sa.func.sum(ReadReceipt.times_opened)))
    expected = sent
    if receipts != expected:
        raise SystemExit(f"lost receipts: {receipts} stored for {expected} openings")
    report(
        "open_document_32_clients",
        rate,
        "req/s",
        baseline,
        rate / baseline,
        database=engine.dialect.name,
        requests=measured,
        **per_request,
        rounds=args.rounds,
        receipts=receipts,
        file_kb=args.size_kb,
        server="sync" if args.threads == 0 else f"{args.workers}x{args.threads} gthread",
    )


if __name__ == "__main__":
    main()
