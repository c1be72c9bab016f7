"""A section opened in the test (tests/opening: three bids by ggzy-client, opened by their bidders' keys, the
record published) and a committee of 5 drawn across GY (main) and ZY (secondary), every member confirmed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from evaluation.conftest import STAFF, make_expert
from ggzy.auth import service as auth
from ggzy.evaluation import repository
from ggzy.evaluation import service as draws
from ggzy.evaluation import session as ev_service
from ggzy.evaluation.draw import RecusalPolicy
from ggzy.evaluation.models import Expert
from ggzy.kit.actor import SYSTEM, Actor
from ggzy.kit.clock import to_shanghai
from ggzy.opening.models import Opening
from opening.conftest import (
    FORMS,
    Hall,
    bid_with_client,
    certs_for,
    hall_on,
    hand_over_all,
    headers,
    publish_on,
    sign_in_all,
    to_deadline,
)
from support import staff_scope


@dataclass
class Committee:
    hall: Hall
    experts: list[Expert]  # in seat order
    bidders: dict[str, int]  # username → entity id

    @property
    def code(self) -> str:
        return self.hall.code


def expert_actor(e: Expert) -> Actor:
    return Actor(e.account_id, e.name, "expert", None, "10.0.0.9")


def open_section(client, session, platform, clock, hall: Hall, tmp_path) -> None:
    for name in FORMS:
        bid_with_client(client, hall, name, tmp_path)
    to_deadline(platform, clock)
    sign_in_all(client, hall)
    hand_over_all(client, hall)
    for _ in range(4):
        clock.advance(minutes=31)
        platform.chronograph.tick()
    r = client.post(f"/api/v1/sections/{hall.code}/opening/confirm", headers=headers(client, "gy.staff"))
    assert r.status_code == 200, r.text
    session.expire_all()
    assert (
        session.execute(select(Opening).where(Opening.section_id == hall.section_id)).scalar_one().status == "published"
    )


def draw_committee(session, clock, hall: Hall) -> list[Expert]:
    now = clock.now()
    for i in range(8):
        make_expert(session, now, center="GY" if i % 2 else "ZY", specialties=("A010",))
    scope = staff_scope(session, "gy.staff", "center:expert:draw")
    order = draws.DrawOrder(
        section_code=hall.code,
        evaluation_date=to_shanghai(now).date(),
        committee_size=5,
        representatives=0,
        requirements=[("A010", 5)],
        secondary_centers=["ZY"],
        policy=RecusalPolicy(),
    )
    d = draws.start_draw(session, actor=STAFF, now=now, scope=scope, order=order, account_id=None)
    draws.run(session, actor=STAFF, now=now, scope=scope, draw=d)
    confirm_all(session, clock, d.id)
    members = repository.members_of(session, d.id)
    return [session.get_one(Expert, m.expert_id) for m in members if m.status != "refused"]


def confirm_all(session, clock, draw_id: int) -> None:
    for m in repository.members_of(session, draw_id):
        if m.status == "invited":
            e = session.get_one(Expert, m.expert_id)
            draws.answer(session, actor=expert_actor(e), now=clock.now(), expert=e, member_id=m.id, accept=True)


def make_hall(session, clock, platform, tmp_path) -> Hall:
    certs = certs_for(session, clock, tmp_path)
    return hall_on(publish_on(session, clock, platform), certs)


def committee(client, session, platform, clock, tmp_path) -> Committee:
    hall = make_hall(session, clock, platform, tmp_path)
    open_section(client, session, platform, clock, hall, tmp_path)
    experts = draw_committee(session, clock, hall)
    scope = staff_scope(session, "gy.staff", "center:expert:draw")
    ev_service.start(session, actor=STAFF, now=clock.now(), scope=scope, section_code=hall.code)
    session.commit()
    bidders = {name: auth.get_account(session, name).entity_id for name in FORMS}
    return Committee(hall, experts, bidders)


def link_account(session, expert: Expert, username: str) -> None:
    """Give a drawn pool expert the persona's login (test setup: the pool experts have no accounts)."""
    account = auth.get_account(session, username)
    for other in session.execute(select(Expert).where(Expert.account_id == account.id)).scalars():
        other.account_id = None
    session.flush()
    expert.account_id = account.id
    session.flush()


def new_expert_account(session, clock, username: str) -> None:
    a = auth.create_account(
        session,
        actor=SYSTEM,
        now=clock.now(),
        username=username,
        display_name="另一位专家",
        kind="expert",
        password="Ggzy-demo-2026",
        home_center_code="GY",
    )
    auth.grant_role(session, actor=SYSTEM, now=clock.now(), account=a, role="expert")
    e = make_expert(session, clock.now(), center="GY", specialties=("A080",), account_id=a.id)
    session.flush()
    assert e.account_id == a.id


def declare_all(session, clock, c: Committee) -> None:
    for e in c.experts:
        ev_service.declare(
            session, actor=expert_actor(e), now=clock.now(), section_code=c.code, expert=e, conflict=False
        )


def review_all(session, clock, c: Committee, fail: dict[int, str] | None = None) -> None:
    fail = fail or {}
    for e in c.experts:
        verdicts = {b: (b not in fail, fail.get(b, "")) for b in c.bidders.values()}
        ev_service.review(
            session, actor=expert_actor(e), now=clock.now(), section_code=c.code, expert=e, verdicts=verdicts
        )


def marks(design="25", team="8", record="8") -> dict[str, str]:
    return {"design": design, "team": team, "record": record}


def score_all(session, clock, c: Committee, special: dict[int, dict[str, str]] | None = None) -> None:
    special = special or {}
    for i, e in enumerate(c.experts):
        sheets = {b: special.get(i, marks()) for b in c.bidders.values()}
        ev_service.score(session, actor=expert_actor(e), now=clock.now(), section_code=c.code, expert=e, sheets=sheets)


def sign_all(session, clock, c: Committee, skip: int | None = None) -> None:
    for i, e in enumerate(c.experts):
        if i != skip:
            clock.advance(minutes=30)
            ev_service.sign(session, actor=expert_actor(e), now=clock.now(), section_code=c.code, expert=e)


def later(clock, hours: int) -> dt.datetime:
    clock.advance(hours=hours)
    return clock.now()
