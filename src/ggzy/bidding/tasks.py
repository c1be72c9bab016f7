"""Chronograph job: uploads never completed are deleted when they expire (they never were bids)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from ggzy.bidding import service
from ggzy.kit.chronograph import Job


def expired_uploads_job(upload_dir: Path) -> Job:
    def run(session: Session, upload_id: int, now: dt.datetime) -> bool:
        return service.expire_upload(session, upload_id, now, upload_dir)

    return Job("bidding.expired_uploads", service.due_uploads, run)
