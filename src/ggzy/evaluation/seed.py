"""The demo expert pool: ~300 experts across the specialties and the city centers (idempotent)."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.audit.service import record
from ggzy.auth.models import Account
from ggzy.centers.models import Center
from ggzy.evaluation.models import Expert, ExpertSpecialty
from ggzy.evaluation.specialties import SPECIALTIES
from ggzy.kit.actor import Actor

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林"
GIVEN = ["建国", "志强", "秀英", "丽华", "文博", "海燕", "伟", "敏", "静", "军", "磊", "洋", "勇", "艳", "杰", "娟"]
TITLES = ["高级工程师", "正高级工程师", "高级经济师", "高级会计师", "教授", "副教授", "研究员"]
EMPLOYERS = ["贵州省建筑设计研究院", "贵州大学", "贵州省交通规划勘察设计研究院", "贵阳市政工程设计院", "贵州理工学院"]
CENTERS = ["GZ", "GY", "ZY", "LPS", "AS", "BJ", "TR", "QXN", "QDN", "QN"]
DEMO_ID_PREFIX = "52000019"


def seed_demo_experts(session: Session, *, actor: Actor, now: dt.datetime, count: int = 300) -> int:
    """Add the demo experts that are missing; the account ``expert.one`` becomes the first of them."""
    have = set(session.execute(select(Expert.id_card).where(Expert.id_card.like(f"{DEMO_ID_PREFIX}%"))).scalars())
    centers = dict(session.execute(select(Center.code, Center.id)).all())
    codes = sorted(SPECIALTIES)
    rng = random.Random(2026)
    expert_one = session.execute(select(Account.id).where(Account.username == "expert.one")).scalar()
    added = 0
    for n in range(count):
        id_card = f"{DEMO_ID_PREFIX}{n:010d}"
        picks = rng.sample(codes, k=rng.choice((1, 2, 3)))
        center = CENTERS[n % len(CENTERS)]
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if id_card in have or center not in centers:
            continue
        e = Expert(
            account_id=expert_one if n == 0 else None,
            name="评标专家甲" if n == 0 else name,
            id_card=id_card,
            gender=rng.choice("12"),
            title=rng.choice(TITLES),
            education="本科",
            duty="",
            employer_name=rng.choice(EMPLOYERS),
            region_code=f"52{rng.randint(1, 6):02d}00",
            home_center_id=centers[center],
            phone=f"1390851{n:04d}",
            work_years=rng.randint(8, 35),
            qualifications="",
            status="active",
            evaluation_count=rng.randint(0, 40),
            rating=rng.randint(70, 98),
            entered_at=now,
            updated_at=now,
        )
        session.add(e)
        session.flush()
        # Construction specialties are the commonest: every third expert also holds 房屋建筑 and 工程造价.
        if n % 3 == 0:
            picks = list(dict.fromkeys(["A010", "A080", *picks]))
        session.add_all(ExpertSpecialty(expert_id=e.id, code=c, is_main=i == 0) for i, c in enumerate(picks))
        added += 1
    if added:
        session.flush()
        record(session, tag="evaluation:pool:seeded", actor=actor, now=now, payload={"added": added})
    return added
