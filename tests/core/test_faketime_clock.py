"""The sleep used under faketime waits as long as asked, and only replaces time.sleep there."""

from __future__ import annotations

import time

import pytest

from tests import faketime_clock


def test_it_sleeps_at_least_as_long_as_asked():
    start = time.monotonic()
    faketime_clock._sleep(0.05)
    assert time.monotonic() - start >= 0.05


def test_a_negative_sleep_is_refused_like_time_sleep():
    with pytest.raises(ValueError):
        faketime_clock._sleep(-1)


def test_nothing_is_replaced_without_faketime(monkeypatch):
    monkeypatch.setenv("LD_PRELOAD", "")
    original = time.sleep
    assert faketime_clock.install() is False
    assert time.sleep is original
