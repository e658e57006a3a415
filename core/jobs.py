"""Background jobs: a row in the `jobs` table that every process sees, run by a Huey consumer.

Huey keeps the queue (an SQLite file in the instance folder by default, Redis in production);
the database keeps each job's state, progress and result. Domains register their job kinds and
periodic tasks here in their `init_app`; this module knows none of them.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, UTCDateTime, created_at, enum_column, get_engine, intpk, utcnow
from core.errors import N_, NotFound, VanThuError

__all__ = [
    "Job",
    "JobRun",
    "JobState",
    "Owner",
    "crontab",
    "enqueue",
    "job_status",
    "periodic",
    "register",
    "report_progress",
]

log = logging.getLogger(__name__)

#: A job that was interrupted this many times (its process died) is given up as failed.
MAX_ATTEMPTS = 3
ERROR_LENGTH = 500


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    """One piece of background work: who asked, what, how far it got, and how it ended."""

    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_owner_kind", "owner_id", "kind", "id"),)

    id: Mapped[intpk]
    #: The registered kind, e.g. "signing.verify_bulk": which handler runs it.
    kind: Mapped[str] = mapped_column(sa.String(64))
    #: The person who asked; only they see the job. Periodic work has no owner.
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[JobState] = mapped_column(enum_column(JobState), index=True)
    #: What the handler needs, kept here so that a job re-queued after a crash has it.
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: The handler's result (or its running tallies while it works), as JSON.
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    #: Why the job failed, in words a clerk can act on.
    error: Mapped[str | None] = mapped_column(sa.String(ERROR_LENGTH))
    #: How many times a worker started it (more than one: an earlier worker died during it).
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[created_at]
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The last sign of life (start or progress): a running job silent for long has died.
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)


class JobNotFound(NotFound):
    code = "job_not_found"


class JobQueueUnavailable(VanThuError):
    """The queue's storage (Redis) cannot be reached; nothing was started."""

    status = 503
    code = "job_queue_unavailable"


class Owner(Protocol):
    id: int


@dataclass
class JobRun:
    """What a handler gets: its job, a session of its own, the app, and a way to report."""

    app: Flask
    session: Session
    job: Job

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    def progress(self, done: int, total: int, result: Mapping[str, Any] | None = None) -> None:
        """Record and commit progress (with whatever the handler added to the session)."""
        report_progress(self.session, self.job.id, done, total, result)
        self.session.commit()


Handler = Callable[[JobRun], Mapping[str, Any] | None]
PeriodicTask = Callable[[Flask, Session], None]
Schedule = Callable[[datetime], bool]


# --- the public API ------------------------------------------------------------------------------


def register(app: Flask, kind: str, handler: Handler) -> None:
    """Make ``kind`` a job this app can enqueue and its workers can run."""
    _queue(app).handlers[kind] = handler


def periodic(app: Flask, name: str, schedule: Schedule, task: PeriodicTask) -> None:
    """Run ``task(app, session)`` on Huey's schedule, e.g. ``crontab(minute="*/5")``.

    The consumer's scheduler enqueues it; run one worker with periodic tasks enabled
    (`vanthu jobs worker`, or `vanthu run`), the others with ``--no-periodic``.
    """
    _queue(app).add_periodic(name, schedule, task)


def enqueue(
    kind: str, owner: Owner | int | None, payload: Mapping[str, Any], *, app: Flask | None = None
) -> int:
    """Store a queued job and hand it to the queue; return its id.

    The row is committed (in a session of its own) before the queue hears of it, so a worker
    always finds it. If the queue cannot take it, the row says so and JobQueueUnavailable is
    raised.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    queue = _queue(app)
    if kind not in queue.handlers:
        raise ValueError(f"no job kind {kind!r} is registered")
    owner_id = owner if isinstance(owner, int) or owner is None else owner.id
    with Session(get_engine(app), expire_on_commit=False) as session:
        job = Job(kind=kind, owner_id=owner_id, state=JobState.QUEUED, payload=dict(payload))
        session.add(job)
        session.commit()
        try:
            queue.submit(job.id)
        except Exception:
            log.exception("job %s could not be queued", job.id)
            message = N_("The job queue cannot be reached; try again in a few minutes.")
            _finish(session, job.id, JobState.FAILED, error=message)
            session.commit()
            raise JobQueueUnavailable(message) from None
        return job.id


def job_status(session: Session, job_id: int, user: Owner) -> Job:
    """The job, if ``user`` asked for it; anyone else gets the same answer as for no job."""
    job = session.get(Job, job_id)
    if job is None or job.owner_id != user.id:
        raise JobNotFound(N_("This job does not exist."))
    return job


def report_progress(
    session: Session,
    job_id: int,
    done: int,
    total: int,
    result: Mapping[str, Any] | None = None,
) -> None:
    """Set how far the job got (and its running result); the caller commits."""
    job = session.get(Job, job_id)
    if job is None:
        raise JobNotFound(N_("This job does not exist."))
    job.done, job.total, job.updated_at = done, total, utcnow()
    if result is not None:
        job.result = dict(result)


def requeue_stalled(app: Flask, now: datetime | None = None) -> int:
    """Queue again the running jobs that stopped reporting (their process died).

    A job is stalled when it has shown no sign of life for JOBS_STALE_SECONDS. It goes back to
    the queue until it has been started MAX_ATTEMPTS times, then fails with a message saying so.
    Returns how many jobs went back to the queue.
    """
    queue = _queue(app)
    cutoff = (now or utcnow()) - timedelta(seconds=app.config["JOBS_STALE_SECONDS"])
    requeued = 0
    with Session(get_engine(app)) as session:
        stalled = session.execute(
            sa.select(Job.id, Job.attempts)
            .where(Job.state == JobState.RUNNING, Job.updated_at <= cutoff)
            .order_by(Job.id)
        ).all()
        for job_id, attempts in stalled:
            still = (Job.id == job_id, Job.state == JobState.RUNNING, Job.updated_at <= cutoff)
            if attempts >= MAX_ATTEMPTS:
                session.execute(
                    sa.update(Job)
                    .where(*still)
                    .values(
                        state=JobState.FAILED,
                        finished_at=utcnow(),
                        error=N_("The job was interrupted too many times; start it again."),
                    )
                )
                session.commit()
                continue
            moved = session.execute(
                sa.update(Job).where(*still).values(state=JobState.QUEUED, updated_at=utcnow())
            )
            session.commit()
            if moved.rowcount:  # type: ignore[attr-defined]
                queue.submit(job_id)
                requeued += 1
    if requeued:
        log.warning("re-queued %d interrupted job(s)", requeued)
    return requeued


# --- the engine ----------------------------------------------------------------------------------


class Queue:
    """One app's Huey instance, with the app's job kinds and periodic tasks."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.handlers: dict[str, Handler] = {}
        self.periodics: dict[str, tuple[Schedule, PeriodicTask]] = {}
        self._huey: Huey | None = None
        self._job_task: Any = None

    @property
    def huey(self) -> Huey:
        """Made on first use, so that an app that never queues anything opens no storage."""
        if self._huey is None:
            self._huey = self._make_huey()
            self._job_task = self._huey.task(name="vanthu.job")(self._run_job)
            for name in self.periodics:
                self._register_periodic(name)
        return self._huey

    def _make_huey(self) -> Huey:
        config = self.app.config
        url: str = config["JOBS_URL"]
        name: str = config["JOBS_NAME"]
        # Results live in the jobs table; Huey keeps only the queue and its schedule.
        if config.get("JOBS_IMMEDIATE"):
            return Huey(name, results=False, immediate=True)
        if url.startswith(("redis://", "rediss://", "unix://")):
            return RedisHuey(name, results=False, url=url)
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            return SqliteHuey(name, results=False, filename=str(path))
        raise ValueError(f"VANTHU_JOBS_URL must start with sqlite:/// or redis://, not {url!r}")

    def submit(self, job_id: int) -> None:
        """Put a message naming the job on the queue (immediate mode: run it now)."""
        huey = self.huey
        huey.enqueue(self._job_task.s(job_id))

    def add_periodic(self, name: str, schedule: Schedule, task: PeriodicTask) -> None:
        self.periodics[name] = (schedule, task)
        if self._huey is not None:
            self._register_periodic(name)

    def _register_periodic(self, name: str) -> None:
        schedule, task = self.periodics[name]

        def run_periodic() -> None:
            with self.app.app_context(), Session(get_engine(self.app)) as session:
                task(self.app, session)
                session.commit()

        assert self._huey is not None
        self._huey.periodic_task(schedule, name=f"vanthu.periodic.{name}")(run_periodic)

    def _run_job(self, job_id: int) -> None:
        with self.app.app_context(), Session(get_engine(self.app), expire_on_commit=False) as s:
            self.execute(s, job_id)

    def execute(self, session: Session, job_id: int) -> None:
        """Claim the job (a duplicate message finds it taken) and run its handler."""
        now = utcnow()
        claimed = session.execute(
            sa.update(Job)
            .where(Job.id == job_id, Job.state == JobState.QUEUED)
            .values(
                state=JobState.RUNNING,
                attempts=Job.attempts + 1,
                started_at=now,
                updated_at=now,
            )
        )
        session.commit()
        if not claimed.rowcount:  # type: ignore[attr-defined]
            log.info("job %s is no longer queued; message skipped", job_id)
            return
        job = session.get_one(Job, job_id)
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                unknown = N_("No worker knows how to run this job (%(kind)s).")
                raise VanThuError(unknown, kind=job.kind)
            result = handler(JobRun(self.app, session, job))
        except Exception as exc:
            session.rollback()
            if not isinstance(exc, VanThuError):
                log.exception("job %s (%s) failed", job_id, job.kind)
            _finish(session, job_id, JobState.FAILED, error=failure_message(exc))
            session.commit()
            return
        _finish(session, job_id, JobState.DONE, result=result)
        session.commit()


def failure_message(exc: BaseException) -> str:
    """What the job's page says: a typed error's own words, else what went wrong."""
    if isinstance(exc, VanThuError):
        text = exc.message
    else:
        text = f"The job stopped on an unexpected error: {type(exc).__name__}: {exc}"
    return text[:ERROR_LENGTH]


def _finish(
    session: Session,
    job_id: int,
    state: JobState,
    *,
    error: str | None = None,
    result: Mapping[str, Any] | None = None,
) -> None:
    now = utcnow()
    values: dict[str, Any] = {"state": state, "finished_at": now, "updated_at": now}
    if error is not None:
        values["error"] = error
    if result is not None:
        values["result"] = dict(result)
    session.execute(sa.update(Job).where(Job.id == job_id).values(**values))


class _InProcessConsumer(Consumer):
    """A consumer inside the web server's process: the server keeps its own signal handlers."""

    def _set_signal_handlers(self) -> None:
        pass


def init_app(app: Flask) -> None:
    queue = Queue(app)
    app.extensions["vanthu.jobs"] = queue
    # The reaper runs every minute in whichever worker runs periodic tasks.
    queue.add_periodic("requeue_stalled", crontab(), lambda app, _session: _reap(app))


def _reap(app: Flask) -> None:
    requeue_stalled(app)


def _queue(app: Flask) -> Queue:
    queue: Queue = app.extensions["vanthu.jobs"]
    return queue


def start_consumer(app: Flask, workers: int = 1, periodic: bool = True) -> Consumer:
    """Start a consumer's threads in this process (`vanthu run`); stop it with ``.stop()``."""
    requeue_stalled(app)
    consumer = _InProcessConsumer(
        _queue(app).huey, workers=workers, periodic=periodic, worker_type="thread"
    )
    consumer.start()
    return consumer


def run_worker(app: Flask, workers: int = 1, periodic: bool = True) -> None:
    """Run a consumer until it is signalled (`vanthu jobs worker`).

    SIGTERM and SIGINT let running jobs finish first; a job cut short anyway (SIGKILL, a crash)
    is queued again by the stalled-job check once it has been silent for JOBS_STALE_SECONDS.
    """
    requeue_stalled(app)
    consumer = _queue(app).huey.create_consumer(
        workers=workers, periodic=periodic, worker_type="thread", graceful_signal="TERM"
    )
    consumer.run()
