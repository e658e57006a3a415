"""Let the suite run under `faketime` (how we check it at the new year in Vietnam).

libfaketime 0.9.10 (Debian 12) cannot fake the clocks without breaking timed waits: with the
monotonic clock faked, every timed wait on a lock (`threading.Event.wait`, a queue's `get`) never
returns; with it real (`FAKETIME_DONT_FAKE_MONOTONIC=1`, which `make test` sets), its
`clock_nanosleep` refuses the deadline and `time.sleep` raises EINVAL. So under faketime, with the
monotonic clock real, we sleep through `select()`, which it leaves alone. Only the wall clock is
faked, which is all the tests need. Without faketime this does nothing.
"""

from __future__ import annotations

import os
import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        select.select([], [], [], left)


def install() -> bool:
    """Replace `time.sleep` when running under faketime with a real monotonic clock."""
    under_faketime = "faketime" in os.environ.get("LD_PRELOAD", "")
    if under_faketime and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1":
        time.sleep = _sleep
        return True
    return False
