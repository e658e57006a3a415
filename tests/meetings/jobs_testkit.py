"""Running the meetings' background jobs in tests: a real Huey consumer in threads of the test
process (as tests/core/test_jobs.py does), and waiting for a job to end."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from core import jobs
from core.db import get_engine
from core.jobs import Job


@pytest.fixture
def consumer(app: Flask) -> Iterator[Any]:
    """A consumer on the app's own queue (Huey's SQLite storage in the test's instance)."""
    running = jobs.start_consumer(app, workers=1, periodic=False)
    yield running
    running.stop(graceful=True)
    jobs._queue(app).huey.storage.flush_all()


def job_row(app: Flask, job_id: int) -> Job:
    with Session(get_engine(app), expire_on_commit=False) as session:
        return session.get_one(Job, job_id)


def finished(app: Flask, job_id: int, timeout: float = 60) -> Job:
    """The job once a worker has ended it; a worker runs on its own time, so this polls."""
    deadline = time.monotonic() + timeout
    while not (job := job_row(app, job_id)).finished:
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} did not finish in {timeout} s")
        time.sleep(0.02)
    return job
