"""The demo province has every transaction type in every stage before the bids, and seeding twice adds nothing."""

from __future__ import annotations

from sqlalchemy import select

from ggzy.audit.service import verify
from ggzy.demo import seed_demo_business
from ggzy.kit.actor import SYSTEM
from ggzy.projects.models import Announcement, Project, Section, TenderProject
from ggzy.projects.rulesets import TransactionType


def test_every_type_has_a_project_in_every_pre_bid_stage_and_reseeding_adds_nothing(session, clock, platform, tmp_path):
    first = seed_demo_business(session, actor=SYSTEM, now=clock.now(), key=platform.key, data_dir=tmp_path)
    assert first["projects"] == 42 and first["skipped"] == 0 and first["banks"] == 1
    again = seed_demo_business(session, actor=SYSTEM, now=clock.now(), key=platform.key, data_dir=tmp_path)
    assert again == {"banks": 0, "projects": 0, "skipped": 0}
    rows = session.execute(
        select(Project.transaction_type, Project.name, Section.status)
        .join(TenderProject, TenderProject.project_id == Project.id)
        .join(Section, Section.tender_project_id == TenderProject.id)
        .where(Project.name.startswith("【示范"))
    ).all()
    seen = {(t, n.split("·")[1].split("】")[0]) for t, n, _ in rows}
    stages = {"草稿", "待审核", "招标中", "已澄清", "已截标", "已终止"}
    assert seen == {(t.value, s) for t in TransactionType for s in stages}
    statuses = {n.split("·")[1].split("】")[0]: st for _, n, st in rows}
    assert statuses["已截标"] == "closed" and statuses["已终止"] == "terminated" and statuses["草稿"] == "draft"
    clarified = session.execute(select(Announcement.kind).where(Announcement.kind == "clarification")).scalars().all()
    assert len(clarified) >= 7
    assert verify(session, cert=platform.key.certificate).ok
