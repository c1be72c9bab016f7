"""Many writers at once: the chain stays one unbroken line on SQLite (BEGIN IMMEDIATE) and PostgreSQL (row lock)."""

from __future__ import annotations

import threading

from ggzy.audit import service as audit
from ggzy.kit.actor import Actor
from ggzy.kit.clock import FrozenClock
from ggzy.kit.db import Database


def test_concurrent_appends_keep_the_chain_intact(migrated, platform_key):
    db = Database(migrated.url, info=dict(migrated.info))
    clock = FrozenClock(migrated.info["audit"].platform_key.certificate.not_valid_before_utc)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(20):
                with db.session(write=True) as s:
                    audit.record(
                        s,
                        tag="test:race:append",
                        actor=Actor(n, f"w{n}", "test"),
                        now=clock.now(),
                        payload={"writer": n, "i": i},
                    )
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.session() as s:
        report = audit.verify(s, cert=platform_key.certificate)
    db.dispose()
    assert report.ok, report.summary()
