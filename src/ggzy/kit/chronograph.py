"""One runner for time-driven transitions.

Aggregates store ``next_check``; each job says how to find due ids and how to handle one. The handler
opens nothing itself: the runner gives it a writing session and commits. Handlers load their row
``with_for_update`` and re-check its state, so running the same tick twice — or in two workers at
once on PostgreSQL — changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ggzy.kit.clock import Clock
from ggzy.kit.db import Database
from ggzy.kit.errors import GgzyError

log = logging.getLogger("ggzy.chronograph")


@dataclass(frozen=True)
class Job:
    name: str
    due: Callable[[Session, dt.datetime, int], list[int]]
    run: Callable[[Session, int, dt.datetime], bool]


@dataclass
class TickResult:
    ran: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.ran.values())


class Chronograph:
    def __init__(self, db: Database, clock: Clock, jobs: list[Job], batch: int = 100):
        self.db, self.clock, self.jobs, self.batch = db, clock, jobs, batch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> TickResult:
        """Run every due item once; a failing item is logged and left due for the next tick."""
        result = TickResult()
        now = self.clock.now()
        for job in self.jobs:
            with self.db.session() as s:
                ids = job.due(s, now, self.batch)
            for item in ids:
                try:
                    with self.db.session(write=True) as s:
                        changed = job.run(s, item, now)
                except GgzyError as exc:
                    log.warning("chronograph job %s item %s refused: %s", job.name, item, exc.message)
                    result.failed[job.name] = result.failed.get(job.name, 0) + 1
                    continue
                if changed:
                    result.ran[job.name] = result.ran.get(job.name, 0) + 1
        return result

    def start(self, interval: float) -> None:
        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.tick()
                except Exception:  # keep the worker alive; the error is logged with its traceback
                    log.exception("chronograph tick failed")

        self._thread = threading.Thread(target=loop, name="ggzy-chronograph", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
