"""Demo projects: every transaction type in every stage before the bids, at three centers.

Schedules are computed from the rule sets and the working calendar, so every demo announcement is one the
platform would accept. Projects already past their deadline are created with times in the past (their
audit events carry those times). A year the calendar does not cover yet is skipped with a notice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.auth.service import get_account, principal_of
from ggzy.authz.scope import require
from ggzy.centers.calendar import YearNotCovered
from ggzy.centers.service import get_center, nodes, working_calendar
from ggzy.kit.actor import Actor
from ggzy.kit.clock import SHANGHAI
from ggzy.kit.signing import PlatformKey
from ggzy.projects import service as projects
from ggzy.projects.models import Project
from ggzy.projects.rulesets import RULE_SETS, RuleSet, TransactionType

STAGES = ("draft", "under_review", "published", "clarified", "closed", "terminated")
STAGE_LABELS = {
    "draft": "草稿",
    "under_review": "待审核",
    "published": "招标中",
    "clarified": "已澄清",
    "closed": "已截标",
    "terminated": "已终止",
}
# (center, reviewing staff account) — the demo personas who review at each center.
CENTERS = (("GY", "gy.staff"), ("ZY", "zy.staff"), ("GZ", "gz.admin"))
PROJECT_NAMES = {
    TransactionType.CONSTRUCTION: "城市道路改造工程",
    TransactionType.PROCUREMENT: "办公设备采购",
    TransactionType.LAND: "国有建设用地使用权出让",
    TransactionType.MINING: "采矿权出让",
    TransactionType.STATE_PROPERTY: "国有股权转让",
    TransactionType.DRUG: "药品集中带量采购",
    TransactionType.CONCESSION: "污水处理特许经营",
}


def _earliest_deadline(rules: RuleSet, cal, start: dt.datetime) -> dt.datetime:
    last = start.astimezone(SHANGHAI).date() + dt.timedelta(days=3)
    for limit in (rules.min_bid_period, rules.announcement_period, rules.document_availability):
        if limit is not None:
            last = max(last, cal.last_day(start, limit.period))
    return dt.datetime.combine(last + dt.timedelta(days=2), dt.time(9, 30), tzinfo=SHANGHAI)


def _rule_sets() -> list[RuleSet]:
    """One rule set per type, the methods taking turns so that the demo shows several of each."""
    by_type: dict[TransactionType, list[RuleSet]] = {}
    for r in RULE_SETS.values():
        by_type.setdefault(r.transaction_type, []).append(r)
    return [r for rs in by_type.values() for r in rs]


def seed_demo_projects(session: Session, *, key: PlatformKey, now: dt.datetime) -> dict[str, int]:
    """Create the demo projects that do not exist yet (matched by name); returns counts."""
    tenderee = get_account(session, "tenderee.gy")
    entity_id = tenderee.entity_id
    if entity_id is None:
        return {"projects": 0, "skipped": 0}
    actor = Actor(tenderee.id, tenderee.display_name, "tenderee", tenderee.home_center_id)
    have = set(session.execute(select(Project.name)).scalars())
    counts = {"projects": 0, "skipped": 0}
    by_type: dict[TransactionType, list[RuleSet]] = {}
    for r in _rule_sets():
        by_type.setdefault(r.transaction_type, []).append(r)
    # Past stages first, so that the audit chain's times run forward.
    for stage in ("closed", "terminated", "draft", "under_review", "published", "clarified"):
        for n, (ttype, sets) in enumerate(by_type.items()):
            rules = sets[STAGES.index(stage) % len(sets)]
            center, reviewer = CENTERS[(n + STAGES.index(stage)) % len(CENTERS)]
            name = f"【示范·{STAGE_LABELS[stage]}】{PROJECT_NAMES[ttype]}（{rules.method_label}）"
            if name in have:
                continue
            try:
                with session.begin_nested():
                    _seed_one(
                        session,
                        actor=actor,
                        entity_id=entity_id,
                        key=key,
                        now=now,
                        rules=rules,
                        center=center,
                        reviewer=reviewer,
                        name=name,
                        stage=stage,
                    )
                counts["projects"] += 1
            except YearNotCovered:
                counts["skipped"] += 1
    return counts


def _seed_one(
    session: Session,
    *,
    actor: Actor,
    entity_id: int,
    key: PlatformKey,
    now: dt.datetime,
    rules: RuleSet,
    center: str,
    reviewer: str,
    name: str,
    stage: str,
) -> None:
    at = now - dt.timedelta(days=45) if stage in ("closed",) else now
    cal = working_calendar(session, get_center(session, center))
    estimate = 80_000_000_00 if rules.transaction_type is TransactionType.CONSTRUCTION else 12_000_000_00
    p = projects.create_project(
        session,
        actor=actor,
        now=at,
        acting_entity_id=entity_id,
        center_code=center,
        name=name,
        transaction_type=rules.transaction_type.value,
    )
    tp = projects.add_tender_project(
        session,
        actor=actor,
        now=at,
        entity_id=entity_id,
        project_code=p.code,
        name=name,
        rule_set_key=rules.key,
        estimate_fen=estimate,
    )
    section = projects.add_section(
        session,
        actor=actor,
        now=at,
        entity_id=entity_id,
        tender_project_code=tp.code,
        name="一标段" if rules.transaction_type is TransactionType.CONSTRUCTION else "一包",
        estimate_fen=estimate,
    )
    if stage == "draft":
        return
    start = at + dt.timedelta(hours=1)
    deadline = _earliest_deadline(rules, cal, start)
    forms = frozenset(sorted(rules.deposit.forms)[:2]) if rules.deposit else frozenset()
    deposit = estimate // 100 if rules.deposit else 0
    terms = [projects.SectionTerms(section.code, start, deadline, deadline, deposit, forms)]
    a = projects.draft_announcement(
        session,
        actor=actor,
        now=at,
        entity_id=entity_id,
        tender_project_code=tp.code,
        title=f"{name}公告",
        body=_body(rules, name),
        terms=terms,
    )
    projects.submit_announcement(
        session, actor=actor, now=at, entity_id=entity_id, tender_project_code=tp.code, version=a.version
    )
    if stage == "under_review":
        return
    staff = get_account(session, reviewer)
    scope = require(principal_of(session, staff), "center:project:review", nodes(session))
    staff_actor = Actor(staff.id, staff.display_name, "center_staff", staff.home_center_id)
    projects.publish_announcement(
        session,
        actor=staff_actor,
        now=at,
        scope=scope,
        key=key,
        tender_project_code=tp.code,
        version=a.version,
        publish_key=f"demo:{tp.code}/v1",
    )
    if stage == "closed":
        projects.close_section(session, section.id, max(now, deadline))
    elif stage == "terminated":
        projects.terminate_section(
            session,
            actor=actor,
            now=at,
            entity_id=entity_id,
            section_code=section.code,
            reason="项目资金来源发生变化，经批准终止招标（示范数据）。",
        )
    elif stage == "clarified":
        c = projects.draft_announcement(
            session,
            actor=actor,
            now=at,
            entity_id=entity_id,
            tender_project_code=tp.code,
            title=f"关于{name}的澄清（一）",
            body="工程量清单第3章第2节数量更正如附件（示范数据）。",
            terms=[],
            kind="clarification",
            affects_bids=True,
        )
        projects.submit_announcement(
            session, actor=actor, now=at, entity_id=entity_id, tender_project_code=tp.code, version=c.version
        )
        projects.publish_announcement(
            session,
            actor=staff_actor,
            now=at,
            scope=scope,
            key=key,
            tender_project_code=tp.code,
            version=c.version,
            publish_key=f"demo:{tp.code}/v2",
        )


def _body(rules: RuleSet, name: str) -> str:
    limits = "；".join(
        f"{lim.rule_id} {lim.period.describe()}（{lim.source}）"
        for lim in (
            rules.min_bid_period,
            rules.announcement_period,
            rules.document_availability,
            rules.clarification_notice,
        )
        if lim
    )
    return (
        f"一、项目概况：{name}。\n二、交易方式：{rules.label}。\n三、适用时限：{limits or '按采购文件规定'}。\n"
        "四、获取文件：本平台免费下载，无需报名。\n五、本公告为 ggzy 示范数据。"
    )
