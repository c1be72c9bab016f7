"""Chronograph job: fetch each CA's CRL from its URL before the current one runs out (by its nextUpdate)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from ggzy.kit.actor import CHRONOGRAPH
from ggzy.kit.chronograph import Job
from ggzy.kit.errors import GgzyError
from ggzy.pki import service as pki
from ggzy.pki.models import TrustedCa


def crl_refresh_job(fetch: Callable[[str], bytes] | None = None) -> Job:
    get = fetch or pki.fetch_url
    urls: dict[int, str] = {}

    def due(session: Session, now: dt.datetime, limit: int) -> list[int]:
        ids = pki.crl_refresh_due(session, now, limit)
        urls.update({ca.id: ca.crl_url for ca in pki.list_cas(session) if ca.id in ids and ca.crl_url})
        return ids

    def run(session: Session, ca_id: int, now: dt.datetime) -> bool:
        # Download before the first statement: on SQLite the writing transaction locks the database,
        # and a slow CA server must not hold every other writer up.
        url = urls.pop(ca_id, None)
        data, error = None, None
        try:
            data = get(url) if url else None
        except GgzyError as exc:
            error = exc.message
        ca = session.get(TrustedCa, ca_id)
        if ca is None or ca.status != "active" or ca.crl_source != "url" or ca.crl_url != url:
            return False
        if data is not None:
            try:
                with session.begin_nested():
                    return pki.refresh_crl(session, actor=CHRONOGRAPH, now=now, ca=ca, data=data)
            except GgzyError as exc:
                error = exc.message
        # Keep the last good CRL; remember the failure so the job backs off and the admin page shows it.
        pki.note_crl_failure(session, actor=CHRONOGRAPH, now=now, ca=ca, error=error or "无下载地址")
        return True

    return Job("pki.crl_refresh", due, run)
