"""Live updates of the opening hall: small notifications per topic, fanned out to SSE streams.

A notification carries no content — only "section X changed, event n" — and every stream recomputes
what its own viewer may see from the database (``visibility.hall_view``). So a notification can never
leak what a viewer should not see, and a lost one costs only a delay (streams also re-check on a timer).

Notifications are sent after the writing transaction commits (a SQLAlchemy ``after_commit`` hook),
never before: a viewer woken early would read the old state. One process needs nothing more
(``LocalBroker``); with ``GGZY_REDIS_URL`` set, ``RedisBroker`` publishes through Redis pub/sub so that
every worker's streams hear every worker's changes (DESIGN.md "Live pages").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("ggzy.opening.live")

CHANNEL_PREFIX = "ggzy:live:"
PENDING_KEY = "ggzy_live_pending"
BROKER_KEY = "live"


def topic_of(section_code: str) -> str:
    return f"opening:{section_code}"


class Subscription:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1000)

    async def next(self, timeout: float) -> dict[str, Any] | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None


class LocalBroker:
    """In-process fan-out; ``publish`` may be called from any thread (routes run in the threadpool)."""

    def __init__(self) -> None:
        self._subs: dict[str, set[tuple[asyncio.AbstractEventLoop, Subscription]]] = {}
        self._lock = threading.Lock()

    def publish(self, topic: str, message: dict[str, Any]) -> None:
        self.deliver(topic, message)

    def deliver(self, topic: str, message: dict[str, Any]) -> None:
        with self._lock:
            targets = list(self._subs.get(topic, ()))
        for loop, sub in targets:
            # A closed loop raises RuntimeError: its stream is gone and unsubscribes itself.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_offer, sub, message)

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Subscription]:
        sub, loop = Subscription(), asyncio.get_running_loop()
        with self._lock:
            self._subs.setdefault(topic, set()).add((loop, sub))
        try:
            yield sub
        finally:
            with self._lock:
                self._subs.get(topic, set()).discard((loop, sub))

    def subscribers(self, topic: str) -> int:
        with self._lock:
            return len(self._subs.get(topic, ()))


def _offer(sub: Subscription, message: dict[str, Any]) -> None:
    if sub.queue.full():  # a stalled stream loses old wake-ups, not correctness: it re-reads the state anyway
        sub.queue.get_nowait()
    sub.queue.put_nowait(message)


class RedisBroker(LocalBroker):
    """Publish through Redis; each stream subscribes to its topic's channel. Falls back to in-process
    delivery (and says so in the log) when Redis cannot be reached, so a Redis outage delays other
    workers' viewers but breaks nobody's page."""

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis

        self.url = url
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def publish(self, topic: str, message: dict[str, Any]) -> None:
        try:
            self._client.publish(CHANNEL_PREFIX + topic, json.dumps(message))
        except Exception as exc:  # any Redis failure: deliver here at least
            log.warning("redis publish failed (%s); delivering in this process only", exc)
            self.deliver(topic, message)

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Subscription]:
        import redis.asyncio as aioredis

        async with super().subscribe(topic) as sub:
            client = aioredis.Redis.from_url(self.url)
            pubsub = client.pubsub()
            reader: asyncio.Task | None = None
            try:
                await pubsub.subscribe(CHANNEL_PREFIX + topic)
                reader = asyncio.create_task(_pump(pubsub, sub))
                yield sub
            finally:
                if reader is not None:
                    reader.cancel()
                try:
                    await pubsub.aclose()
                    await client.aclose()
                except Exception:  # closing a broken connection
                    pass


async def _pump(pubsub: Any, sub: Subscription) -> None:
    try:
        async for item in pubsub.listen():
            if item.get("type") != "message":
                continue
            try:
                _offer(sub, json.loads(item["data"]))
            except ValueError:
                continue
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the stream keeps its timer re-checks
        log.warning("redis subscription ended: %s", exc)


_BROKERS: dict[str | None, LocalBroker] = {}
_BROKERS_LOCK = threading.Lock()


def broker_for(redis_url: str | None) -> LocalBroker:
    """One broker per process and Redis URL (None: in-process only)."""
    with _BROKERS_LOCK:
        if redis_url not in _BROKERS:
            _BROKERS[redis_url] = RedisBroker(redis_url) if redis_url else LocalBroker()
        return _BROKERS[redis_url]


def notify(session: Session, topic: str, **message: Any) -> None:
    """Announce a change of ``topic`` once the session's transaction commits."""
    session.info.setdefault(PENDING_KEY, []).append((topic, {"topic": topic, **message}))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    broker = session.info.get(BROKER_KEY) or broker_for(None)
    for topic, message in pending:
        try:
            broker.publish(topic, message)
        except Exception:  # a notification must never fail a committed transaction
            log.exception("live notification for %s failed", topic)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def sse(event_name: str, data: Any, event_id: int | str | None = None) -> str:
    """One Server-Sent Event (text/event-stream framing)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event_name}\n" + "".join(f"data: {line}\n" for line in body.splitlines()) + "\n"
