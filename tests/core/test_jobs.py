"""Background jobs run by a real Huey consumer, on its SQLite storage and on Redis.

Huey's immediate mode would skip the queue; these tests run a consumer in a thread of the test
process, or as a separate worker process that they kill and start again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from accounts.models import User
from core import jobs
from core.app import create_app
from core.config import PROJECT_ROOT
from core.db import get_engine
from core.jobs import Job, JobNotFound, JobQueueUnavailable, JobState
from tests.conftest import make_test_config
from tests.core import jobs_worker
from tests.factories import Factory

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_ready() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["sqlite", "redis"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """The queue's storage: Huey's SQLite file, or Redis under a name of this test's own."""
    if request.param == "sqlite":
        return {"JOBS_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}"}
    if not _redis_ready():
        message = f"Redis does not answer at {REDIS_URL}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {"JOBS_URL": REDIS_URL, "JOBS_NAME": f"vanthu_test_{uuid.uuid4().hex}"}


@pytest.fixture
def app_config(storage: dict[str, Any]) -> dict[str, Any]:
    return dict(storage)


@pytest.fixture
def queue_app(app: Flask) -> Iterator[Flask]:
    """The test app with the test job kinds; its queue is emptied afterwards."""
    jobs_worker.register_kinds(app)
    yield app
    jobs._queue(app).huey.storage.flush_all()


@pytest.fixture
def consumer(queue_app: Flask) -> Iterator[Any]:
    jobs_worker.RELEASE.clear()
    jobs_worker.REPORTED.clear()
    running = jobs.start_consumer(queue_app, workers=2, periodic=False)
    yield running
    jobs_worker.RELEASE.set()
    running.stop(graceful=True)


@pytest.fixture
def owner(make: Factory) -> User:
    return make.user("kiemtoan")


def job_row(app: Flask, job_id: int) -> Job:
    """The job as another session sees it now."""
    with Session(get_engine(app), expire_on_commit=False) as session:
        return session.get_one(Job, job_id)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Poll until ``condition`` holds; a worker runs on its own time."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def finished(app: Flask, job_id: int) -> Job:
    wait_for(lambda: job_row(app, job_id).finished, f"job {job_id} to finish")
    return job_row(app, job_id)


def test_a_job_runs_on_a_real_consumer_and_keeps_its_result(queue_app, consumer, owner):
    with queue_app.app_context():
        job_id = jobs.enqueue("test.add", owner, {"numbers": [1, 2, 3, 4]})
    job = finished(queue_app, job_id)
    assert (job.state, job.done, job.total, job.attempts) == (JobState.DONE, 4, 4, 1)
    assert job.result == {"sum": 10}
    assert job.owner_id == owner.id and job.error is None
    assert job.started_at is not None and job.finished_at is not None


def test_progress_is_visible_from_another_app_instance(
    queue_app, consumer, owner, database_url, tmp_path, storage
):
    job_id = jobs.enqueue("test.wait", owner.id, {}, app=queue_app)
    assert jobs_worker.REPORTED.wait(timeout=60)
    other = create_app(make_test_config(database_url, tmp_path / "other", **storage))
    try:
        with Session(get_engine(other)) as session:
            seen = jobs.job_status(session, job_id, owner)
            assert (seen.state, seen.done, seen.total) == (JobState.RUNNING, 1, 3)
        jobs_worker.RELEASE.set()
        done = finished(other, job_id)
        assert (done.state, done.done, done.result) == (JobState.DONE, 3, {"finished": True})
    finally:
        get_engine(other).dispose()


def test_a_failing_job_is_marked_failed_with_a_clear_message(queue_app, consumer, owner):
    crash = jobs.enqueue("test.divide", owner, {"divisor": 0}, app=queue_app)
    refused = jobs.enqueue("test.refuse", owner, {}, app=queue_app)
    crashed = finished(queue_app, crash)
    assert crashed.state is JobState.FAILED
    assert crashed.error == (
        "The job stopped on an unexpected error: ZeroDivisionError: division by zero"
    )
    assert (crashed.done, crashed.total) == (1, 2)  # its progress until then stays
    said_no = finished(queue_app, refused)
    assert (said_no.state, said_no.error) == (JobState.FAILED, "The pack has no documents.")


def test_another_user_cannot_see_your_job(queue_app, owner, make, db):
    job_id = jobs.enqueue("test.add", owner, {"numbers": []}, app=queue_app)
    stranger = make.user("nguoila")
    assert jobs.job_status(db, job_id, owner).id == job_id
    with pytest.raises(JobNotFound) as refused:
        jobs.job_status(db, job_id, stranger)
    with pytest.raises(JobNotFound) as missing:
        jobs.job_status(db, job_id + 1000, stranger)
    assert refused.value.status == missing.value.status == 404
    assert refused.value.message == missing.value.message


def test_an_unknown_kind_is_a_programming_error(queue_app, owner, db):
    with pytest.raises(ValueError, match="no job kind"):
        jobs.enqueue("test.nothing", owner, {}, app=queue_app)
    assert db.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


# --- a worker process, killed and started again --------------------------------------------------


class Worker:
    """`python -m tests.core.jobs_worker` with the test app's configuration."""

    def __init__(self, config: dict[str, Any], log: Path) -> None:
        self.config, self.log = config, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, **overrides: Any) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.core.jobs_worker",
                    json.dumps(self.config | overrides),
                ],
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=30)

    def wait_exit(self) -> int:
        assert self.process is not None
        return self.process.wait(timeout=60)


@pytest.fixture
def worker(queue_app: Flask, database_url: str, tmp_path: Path, storage) -> Iterator[Worker]:
    config = make_test_config(database_url, tmp_path / "worker", **storage)
    process = Worker(config, tmp_path / "worker.log")
    yield process
    if process.process is not None and process.process.poll() is None:
        process.kill()


@pytest.mark.slow
def test_a_job_queued_while_the_worker_is_dead_runs_once_it_is_back(queue_app, worker, owner):
    worker.start()
    first = jobs.enqueue("test.add", owner, {"numbers": [1]}, app=queue_app)
    assert finished(queue_app, first).result == {"sum": 1}
    worker.kill()

    second = jobs.enqueue("test.add", owner, {"numbers": [2, 3]}, app=queue_app)
    assert job_row(queue_app, second).state is JobState.QUEUED  # nobody to run it
    worker.start()
    job = finished(queue_app, second)
    assert (job.state, job.result, job.attempts) == (JobState.DONE, {"sum": 5}, 1)


@pytest.mark.slow
def test_a_job_cut_short_by_a_dying_worker_runs_again_after_a_restart(queue_app, worker, owner):
    job_id = jobs.enqueue("test.die_once", owner, {}, app=queue_app)
    worker.start()
    assert worker.wait_exit() == -9  # killed half-way through the job
    stuck = job_row(queue_app, job_id)
    assert (stuck.state, stuck.done, stuck.attempts) == (JobState.RUNNING, 1, 1)

    # The new worker finds the job silent (any silence is too long here) and queues it again.
    worker.start(JOBS_STALE_SECONDS=0)
    job = finished(queue_app, job_id)
    assert (job.state, job.done, job.total, job.result) == (JobState.DONE, 2, 2, {"attempts": 2})


# --- the queue's own rules, without a consumer ---------------------------------------------------

MOMENT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def _running(db: Session, owner: User, attempts: int, silent_since: datetime) -> Job:
    job = Job(
        kind="test.add",
        owner_id=owner.id,
        state=JobState.RUNNING,
        payload={"numbers": [1]},
        attempts=attempts,
        started_at=silent_since,
        updated_at=silent_since,
    )
    db.add(job)
    db.commit()
    return job


def test_a_silent_running_job_is_queued_again_then_given_up(queue_app, owner, db):
    recent = _running(db, owner, 1, MOMENT - timedelta(minutes=5))
    stalled = _running(db, owner, 1, MOMENT - timedelta(minutes=11))
    hopeless = _running(db, owner, jobs.MAX_ATTEMPTS, MOMENT - timedelta(minutes=11))

    assert jobs.requeue_stalled(queue_app, now=MOMENT) == 1
    assert job_row(queue_app, recent.id).state is JobState.RUNNING
    assert job_row(queue_app, stalled.id).state is JobState.QUEUED
    assert jobs._queue(queue_app).huey.pending_count() == 1
    given_up = job_row(queue_app, hopeless.id)
    assert given_up.state is JobState.FAILED
    assert given_up.error == "The job was interrupted too many times; start it again."


def test_a_queue_that_cannot_be_reached_fails_the_job_with_a_message(app, owner, db):
    jobs_worker.register_kinds(app)
    app.config["JOBS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    with pytest.raises(JobQueueUnavailable) as refused:
        jobs.enqueue("test.add", owner, {"numbers": [1]}, app=app)
    assert refused.value.status == 503
    job = db.scalars(sa.select(Job)).one()
    assert job.state is JobState.FAILED
    assert job.error == "The job queue cannot be reached; try again in a few minutes."


def test_periodic_tasks_are_scheduled_by_huey(queue_app, db, owner):
    ran: list[int] = []

    def count_jobs(app: Flask, session: Session) -> None:
        ran.append(session.scalar(sa.select(sa.func.count()).select_from(Job)) or 0)

    jobs.periodic(queue_app, "count_jobs", jobs.crontab(minute="30", hour="7"), count_jobs)
    huey = jobs._queue(queue_app).huey
    names = {task.name for task in huey.read_periodic(datetime(2026, 12, 4, 7, 30))}
    assert "vanthu.periodic.count_jobs" in names
    assert "vanthu.periodic.count_jobs" not in {
        task.name for task in huey.read_periodic(datetime(2026, 12, 4, 7, 31))
    }
    for task in huey.read_periodic(datetime(2026, 12, 4, 7, 30)):
        huey.execute(task)
    assert ran == [0]


def test_vanthu_run_starts_a_consumer_in_the_serving_process(monkeypatch, database_url, tmp_path):
    from core import cli

    monkeypatch.setenv("VANTHU_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("VANTHU_DATABASE_URL", database_url)
    started: list[Flask] = []
    served: list[tuple[str, int]] = []
    monkeypatch.setattr(jobs, "start_consumer", lambda app: started.append(app))
    monkeypatch.setattr(
        "flask.cli.run_simple", lambda host, port, app, **_: served.append((host, port))
    )
    for args, consumers in ((["--port", "5999"], 1), (["--port", "5999", "--no-jobs"], 0)):
        started.clear()
        with pytest.raises(SystemExit) as ended:
            cli.main(["run", *args])
        assert ended.value.code == 0
        assert len(started) == consumers and served[-1] == ("127.0.0.1", 5999)
