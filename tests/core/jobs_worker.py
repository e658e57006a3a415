"""A real job worker for tests/core/test_jobs.py: the test app's configuration, test job kinds.

Run as `python -m tests.core.jobs_worker CONFIG_JSON`; it runs `core.jobs.run_worker` as
`vanthu jobs worker` does, until it is killed.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from typing import Any

from flask import Flask

from core import jobs
from core.app import create_app
from core.errors import N_, BadInput

#: Handlers run in a thread of the test process wait for these (tests set them).
RELEASE = threading.Event()
REPORTED = threading.Event()


def add_numbers(run: jobs.JobRun) -> dict[str, Any]:
    numbers = run.payload["numbers"]
    total = 0
    for done, number in enumerate(numbers, start=1):
        total += number
        run.progress(done, len(numbers), {"sum": total})
    return {"sum": total}


def wait_half_way(run: jobs.JobRun) -> dict[str, Any]:
    """Report one of three steps, then wait until the test lets it finish."""
    run.progress(1, 3)
    REPORTED.set()
    if not RELEASE.wait(timeout=60):
        raise TimeoutError("the test never released the job")
    run.progress(3, 3)
    return {"finished": True}


def divide_by_zero(run: jobs.JobRun) -> dict[str, Any]:
    run.progress(1, 2)
    return {"ratio": 1 / run.payload["divisor"]}


def refuse(run: jobs.JobRun) -> None:
    raise BadInput(N_("The pack has no documents."))


def die_on_first_attempt(run: jobs.JobRun) -> dict[str, Any]:
    """Its worker dies half-way through the first attempt, as a killed process would."""
    run.progress(1, 2)
    if run.job.attempts == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    run.progress(2, 2)
    return {"attempts": run.job.attempts}


KINDS = {
    "test.add": add_numbers,
    "test.wait": wait_half_way,
    "test.divide": divide_by_zero,
    "test.refuse": refuse,
    "test.die_once": die_on_first_attempt,
}


def register_kinds(app: Flask) -> None:
    for kind, handler in KINDS.items():
        jobs.register(app, kind, handler)


def main() -> None:
    app = create_app(json.loads(sys.argv[1]))
    register_kinds(app)
    jobs.run_worker(app, workers=1, periodic=False)


if __name__ == "__main__":
    main()
