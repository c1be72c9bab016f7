"""The one injectable clock. Business code takes a clock; it never reads the wall clock itself."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock:
    """Reads the system time, always timezone-aware UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that tests move by hand; thread-safe so the chronograph can read it too."""

    def __init__(self, start: dt.datetime):
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, when: dt.datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FrozenClock.set needs a timezone-aware time")
        with self._lock:
            self._now = when.astimezone(UTC)

    def advance(self, **delta: float) -> dt.datetime:
        with self._lock:
            self._now = self._now + dt.timedelta(**delta)
            return self._now


def to_shanghai(when: dt.datetime) -> dt.datetime:
    """Shown times are Asia/Shanghai; stored times are UTC."""
    return when.astimezone(SHANGHAI)


def ensure_aware(when: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes for UTC columns; make them aware again."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
