"""Chronograph job: sign a checkpoint of the chain head periodically and publish it outside the database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.audit.models import AuditCheckpoint, AuditHead
from ggzy.audit.service import checkpoint, config_of, latest_checkpoint, published_checkpoint
from ggzy.kit.chronograph import Job
from ggzy.kit.signing import PlatformKey


def checkpoint_job(key: PlatformKey, every: dt.timedelta, publish_to: Path) -> Job:
    def due(session: Session, now: dt.datetime, limit: int) -> list[int]:
        head = session.get(AuditHead, 1)
        last_seq, last_at = session.execute(
            select(AuditCheckpoint.seq, AuditCheckpoint.at).order_by(AuditCheckpoint.seq.desc()).limit(1)
        ).first() or (0, None)
        if head is None or head.seq <= last_seq:
            return []
        if last_at is not None and now - last_at < every:
            return []
        return [head.seq]

    def run(session: Session, _seq: int, now: dt.datetime) -> bool:
        cp = checkpoint(session, now=now, key=key)
        if cp is None:
            return False
        publish(publish_to, published_checkpoint(cp, key.certificate))
        return True

    return Job("audit.checkpoint", due, run)


def publish(path: Path, document: dict) -> None:
    """Write the public checkpoint atomically (the public site serves this file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)


__all__ = ["checkpoint_job", "config_of", "latest_checkpoint", "publish"]
