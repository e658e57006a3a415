"""A thread per app process that sequences queued events soon after a request records them.

Requests only wake it, so opening a document does not pay for a second transaction. A woken
thread first lets events gather for a short window (``LOG_BATCH_SECONDS``): at rest an event
joins the log that much later, under load one pass appends hundreds of events instead of every
process running pass after pass for a handful. When another process holds the log's lock the
pass is skipped and tried again after the next window, so nobody queues behind it.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from audit.config import log_settings
from audit.log import integrate
from audit.services import RECORDED
from core.db import get_engine, get_session

logger = logging.getLogger(__name__)


class BackgroundSequencer:
    def __init__(self, app: Flask, window: float = 0.1) -> None:
        self.app = app
        self.window = window
        self.passes = 0
        self._wake = threading.Event()
        self._guard = threading.Lock()
        self._done = threading.Condition()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def wake(self) -> None:
        """Ask for a pass soon; cheap enough for every request that recorded events."""
        self._ensure_running()
        self._wake.set()

    def wait_for_pass(self, after: int, timeout: float) -> bool:
        """Block until more than ``after`` passes finished (for tests and shutdown)."""
        with self._done:
            return self._done.wait_for(lambda: self.passes > after, timeout)

    def _ensure_running(self) -> None:
        with self._guard:
            # A forked worker (gunicorn) inherits the object but not the thread.
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._run, name="vanthu-audit-sequencer", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if self.window > 0:
                time.sleep(self.window)  # a batching window, not a wait for something
            self._wake.clear()
            with self.app.app_context(), Session(get_engine(self.app)) as session:
                try:
                    done = integrate(session, log_settings(), wait=False)
                except Exception:
                    logger.exception("audit log: background sequencing failed; events stay queued")
                    continue
            if done is None:
                self._wake.set()  # another process is integrating; its pass may miss ours
                continue
            with self._done:
                self.passes += 1
                self._done.notify_all()


def init_app(app: Flask) -> None:
    """Sequence the events a request (or command) recorded once it ends: in a background
    thread per process, or in the request's thread when ``LOG_SEQUENCE_IN_BACKGROUND`` is off."""
    app.teardown_appcontext(_sequence_recorded_events)
    if app.config.get("LOG_SEQUENCE_IN_BACKGROUND", True):
        app.extensions[SEQUENCER] = BackgroundSequencer(
            app, window=app.config.get("LOG_BATCH_SECONDS", 0.1)
        )


SEQUENCER = "vanthu.audit.sequencer"


def _sequence_recorded_events(_error: BaseException | None) -> None:
    """After a request (or command) that recorded events, sequence them if no one else is.

    Runs before the session is closed; whatever the view did not commit is discarded first, as
    closing would. Never fails the request: events that stay queued join at the next chance.
    """
    session = g.get("db_session")
    recorded = session is not None and session.info.pop(RECORDED, False)
    if recorded:
        _sequence(current_app._get_current_object())  # type: ignore[attr-defined]


def after_recording(app: Flask) -> None:
    """Ask for the sequencing of events committed outside any request's session (the file
    route's fast path commits them below Flask, so no teardown sees them)."""
    if SEQUENCER in app.extensions:
        _sequence(app)
        return
    with app.app_context():
        _sequence(app)


def _sequence(app: Flask) -> None:
    sequencer = app.extensions.get(SEQUENCER)
    if sequencer is not None:
        sequencer.wake()
        return
    session = get_session()
    try:
        session.rollback()
        integrate(session, log_settings(), wait=False)
    except Exception:
        logger.exception("audit log: sequencing after the request failed; events stay queued")
        session.rollback()
