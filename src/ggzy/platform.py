"""The composition root: settings → database, platform key, chronograph jobs. Used by the CLI and the web app."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from ggzy.audit.service import AuditConfig
from ggzy.audit.tasks import checkpoint_job
from ggzy.award import service as award
from ggzy.bidding.tasks import expired_uploads_job
from ggzy.centers import service as centers
from ggzy.deposits import service as deposits
from ggzy.kit import migrate
from ggzy.kit.chronograph import Chronograph, Job
from ggzy.kit.clock import Clock
from ggzy.kit.db import Database
from ggzy.kit.settings import Settings, ensure_dirs
from ggzy.kit.signing import PlatformKey, load_or_create_platform_key
from ggzy.opening import live as opening_live
from ggzy.opening import tasks as opening_tasks
from ggzy.pki.tasks import crl_refresh_job
from ggzy.projects import service as projects


class Platform:
    def __init__(self, settings: Settings, clock: Clock | None = None, db: Database | None = None):
        self.settings = settings
        self.clock = clock or Clock()
        ensure_dirs(settings)
        self.key: PlatformKey = load_or_create_platform_key(
            settings.key_dir, now=self.clock.now(), name=settings.platform_name
        )
        self.audit = AuditConfig(settings.audit_hash, settings.checkpoint_every, self.key)
        self.db = db or Database(settings.database_url)
        self.db.info["audit"] = self.audit
        self.db.info[opening_live.BROKER_KEY] = opening_live.broker_for(settings.redis_url)

    @property
    def published_checkpoint_path(self):
        return self.settings.data_dir / "public" / "audit-checkpoint.json"

    def jobs(self) -> list[Job]:
        return [
            Job("centers.merger", centers.due_mergers, centers.run_merger),
            crl_refresh_job(),
            Job("projects.section_deadline", projects.due_sections, projects.close_section),
            Job("deposits.refunds", deposits.due_refunds, deposits.execute_refund),
            Job("award.deadlines", award.due_results, award.check_deadlines),
            *opening_tasks.jobs(self.settings, self.key),
            expired_uploads_job(self.settings.data_dir / "uploads"),
            checkpoint_job(
                self.key, dt.timedelta(minutes=self.settings.checkpoint_minutes), self.published_checkpoint_path
            ),
        ]

    @cached_property
    def chronograph(self) -> Chronograph:
        return Chronograph(self.db, self.clock, self.jobs())

    def check_ready(self) -> None:
        """Reachable database on a schema this code knows and has fully applied."""
        self.db.check_reachable()
        migrate.check_not_newer(self.db.engine)

    def upgrade(self) -> None:
        self.db.check_reachable()
        migrate.upgrade(self.db.engine)
