"""The demo's "done when" (issue 6): one construction section taken through the whole chain with times in the past.

Published 70 days ago; cash deposits through the simulated bank; three bids built with ggzy-client's package and
envelope code from the bidders' keys and submitted in-process; opened at the deadline by the bidders' key
handovers; a committee of 5 drawn across 贵阳 (main venue) and 遵义 (secondary); declarations, review, scoring,
the report signed by every expert (who gave a clearly fake payee account in the simulated bank's range); publicity,
award notice (which reveals the draw), refunds, contract record; then the simulated bank fetches the transfer orders
(refunds and expert fees), checks the platform's signature and settles every one, as ``ggzy bank settle`` does.

The bidders' certificates for this scenario come from a demo CA of its own whose validity starts before the
publication (the demo's everyday certificates start the day ``ggzy demo`` first ran). Idempotent: a second run
finds the project and adds nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.auth import service as auth
from ggzy.auth.models import Account
from ggzy.auth.service import get_account, principal_of
from ggzy.authz.scope import require
from ggzy.centers.service import get_center, nodes, working_calendar
from ggzy.evaluation import session as evaluation
from ggzy.kit.actor import Actor
from ggzy.kit.clock import SHANGHAI, to_shanghai
from ggzy.projects.models import Project
from ggzy.registry.models import Entity

NAME = "远程异地评标示范工程（贵阳主场·遵义副场）"
DEPOSIT_FEN = 100_000_00
ESTIMATE_FEN = 30_000_000_00
FORMS = {
    "bidder.gy": (29_100_000_00, 360, "合格", "张工"),
    "bidder.zy": (28_800_000_00, 365, "优良", "李工"),
    "bidder.three": (29_600_000_00, 330, "合格", "王工"),
}
THIRD = ("bidder.three", "贵州第三示范建设有限公司", "贵州第三示范建设经办")
MARKS = ({"design": "26", "team": "8", "record": "8"}, {"design": "24", "team": "9", "record": "7"})


def _at(day: dt.date, hm: str) -> dt.datetime:
    h, m = (int(x) for x in hm.split(":"))
    return dt.datetime.combine(day, dt.time(h, m), tzinfo=SHANGHAI)


# Each bidder submits from its own office network (the same address for all would be a collusion indicator).
ADDRESSES = {"bidder.gy": "10.52.1.11", "bidder.zy": "10.52.3.27", "bidder.three": "10.52.1.86"}


def _actor(session: Session, username: str, role: str) -> Actor:
    return Actor(get_account(session, username).id, username, role, None, ADDRESSES.get(username, "10.52.0.2"))


def _scope(session: Session, username: str, permission: str):
    return require(principal_of(session, get_account(session, username)), permission, nodes(session))


def seed_evaluated_section(session: Session, *, actor: Actor, now: dt.datetime, key, data_dir: Path) -> dict[str, int]:
    """Take one demo construction section from publication to contract, in the past (idempotent)."""
    if session.execute(select(Project.id).where(Project.name == NAME)).first() is not None:
        return {"evaluated": 0}
    start = _at((now - dt.timedelta(days=70)).astimezone(SHANGHAI).date(), "10:00")
    if not _bank_covers(data_dir, start):
        # A data directory seeded before this scenario has a bank certificate that starts later than the past
        # deposits: leave the demo as it is rather than fail the whole `ggzy demo`.
        return {"evaluated": 0}
    folder = data_dir / "demo-certs" / "evaluation-scenario"
    certs = _certificates(session, actor=actor, now=start - dt.timedelta(days=2), folder=folder)
    section = _publish(session, now=start, key=key)
    _deposits(session, section=section, now=start + dt.timedelta(days=2), data_dir=data_dir)
    deadline = section.bid_deadline
    bids = _bids(
        session, section=section, folder=folder, now=deadline - dt.timedelta(days=1), key=key, data_dir=data_dir
    )
    _open(session, section=section, certs=certs, bids=bids, deadline=deadline, key=key, data_dir=data_dir)
    report_at = _evaluate(session, section=section, at=deadline + dt.timedelta(hours=2))
    closed = _award(session, section=section, key=key, reported=report_at)
    _bank_settles(session, key=key, at=closed + dt.timedelta(hours=1), present=now, data_dir=data_dir)
    return {"evaluated": 1}


def _bank_covers(data_dir: Path, start: dt.datetime) -> bool:
    from cryptography import x509

    path = data_dir / "demo-bank" / "bank-cert.pem"
    if not path.exists():
        return False
    return x509.load_pem_x509_certificate(path.read_bytes()).not_valid_before_utc <= start


# --- certificates ----------------------------------------------------------------------------------------------


def _third_bidder(session: Session, *, actor: Actor, now: dt.datetime) -> None:
    username, org, display = THIRD
    if session.execute(select(Account.id).where(Account.username == username)).first() is not None:
        return
    from ggzy.demo import DEMO_PASSWORD

    center = get_center(session, "GY")
    e = Entity(
        kind="legal_person",
        name=org,
        legal_represent="赵六",
        region_code="520100",
        roles=",bidder,",
        center_id=center.id,
        registered_at=now,
        updated_at=now,
    )
    session.add(e)
    session.flush()
    account = auth.create_account(
        session,
        actor=actor,
        now=now,
        username=username,
        display_name=display,
        kind="entity",
        password=DEMO_PASSWORD,
        home_center_code="GY",
    )
    account.entity_id = e.id
    auth.grant_role(session, actor=actor, now=now, account=account, role="bidder")


def _certificates(session: Session, *, actor: Actor, now: dt.datetime, folder: Path) -> dict[str, tuple]:
    """A scenario CA on the trust list and one bound RSA certificate per bidder, valid from before the publication."""
    from ggzy.demo import _demo_ca, _demo_crl, _demo_leaf
    from ggzy.pki import service as pki
    from ggzy.pki.certs import load_certificate
    from ggzy.pki.keys import load_private_key

    _third_bidder(session, actor=actor, now=now)
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = _demo_ca(folder, "demo-eval-ca", "示范 CA 丙（评标演示）", "rsa", now)
    from cryptography.hazmat.primitives import serialization

    pki.add_ca(
        session,
        actor=actor,
        now=now,
        certificate=ca_cert.public_bytes(serialization.Encoding.PEM),
        name="示范 CA 丙（评标演示）",
        provider="ggzy 示范 CA（仅供试用）",
        crl=_demo_crl(ca_key, ca_cert, now),
    )
    out = {}
    for username in FORMS:
        account = auth.get_account(session, username)
        org = session.get_one(Entity, account.entity_id).name
        leaf = _demo_leaf(folder, username, org, ca_key, ca_cert, "rsa", now)
        pki.bind_certificate(
            session, actor=actor, now=now, account=account, certificate=leaf, trust=pki.current_trust_list(session)
        )
        key_pem = (folder / f"{username}.key.pem").read_bytes()
        out[username] = (load_private_key(key_pem), load_certificate((folder / f"{username}.cert.pem").read_bytes()))
    return out


# --- publication, deposits, bids ---------------------------------------------------------------------------------


def _publish(session: Session, *, now: dt.datetime, key):
    from ggzy.projects import service as projects
    from ggzy.projects.rulesets import RULE_SETS, DepositForm
    from ggzy.projects.seed import _earliest_deadline

    tenderee = session.get_one(Entity, get_account(session, "tenderee.gy").entity_id)
    actor = _actor(session, "tenderee.gy", "tenderee")
    rules_key = "construction.open/2019"
    p = projects.create_project(
        session,
        actor=actor,
        now=now,
        acting_entity_id=tenderee.id,
        center_code="GY",
        name=NAME,
        transaction_type="construction",
    )
    tp = projects.add_tender_project(
        session,
        actor=actor,
        now=now,
        entity_id=tenderee.id,
        project_code=p.code,
        name=NAME + "施工",
        rule_set_key=rules_key,
        estimate_fen=ESTIMATE_FEN,
    )
    s = projects.add_section(
        session,
        actor=actor,
        now=now,
        entity_id=tenderee.id,
        tender_project_code=tp.code,
        name="一标段",
        estimate_fen=ESTIMATE_FEN,
    )
    cal = working_calendar(session, get_center(session, "GY"))
    deadline = _earliest_deadline(RULE_SETS[rules_key], cal, now)
    docs_until = _at((deadline - dt.timedelta(days=10)).date(), "17:00")
    terms = [projects.SectionTerms(s.code, now, docs_until, deadline, DEPOSIT_FEN, frozenset({DepositForm.CASH}))]
    a = projects.draft_announcement(
        session,
        actor=actor,
        now=now,
        entity_id=tenderee.id,
        tender_project_code=tp.code,
        title=NAME + "招标公告",
        body="远程异地评标示范：主场贵阳，副场遵义。",
        terms=terms,
    )
    projects.submit_announcement(
        session, actor=actor, now=now, entity_id=tenderee.id, tender_project_code=tp.code, version=a.version
    )
    projects.publish_announcement(
        session,
        actor=_actor(session, "gy.staff", "center_staff"),
        now=now,
        scope=_scope(session, "gy.staff", "center:project:review"),
        key=key,
        tender_project_code=tp.code,
        version=a.version,
        publish_key=f"pub-{s.code}",
    )
    session.flush()
    session.refresh(s)
    return s


def _deposits(session: Session, *, section, now: dt.datetime, data_dir: Path) -> None:
    from ggzy.deposits import service as deposits
    from ggzy.deposits.bank_simulator import SimulatedBank
    from ggzy.projects.models import TenderProject

    bank = SimulatedBank(data_dir / "demo-bank", now=now)
    tp = session.get_one(TenderProject, section.tender_project_id)
    for i, username in enumerate(FORMS):
        entity = session.get_one(Entity, get_account(session, username).entity_id)
        sub = deposits.open_sub_account(
            session, actor=_actor(session, username, "bidder"), now=now, entity_id=entity.id, section=section, tp=tp
        )
        body, headers = bank.notification(
            account_number=sub.number,
            amount_fen=DEPOSIT_FEN,
            payer_name=entity.name,
            payer_account=f"95580000{i:08d}",
            now=now + dt.timedelta(minutes=10),
            notification_id=f"eval-demo-{section.code}-{i}",
        )
        deposits.receive_notification(
            session,
            now=now + dt.timedelta(minutes=11),
            bank_code=headers["X-Bank-Id"],
            signature=headers["X-Bank-Signature"],
            body=body,
            ip="127.0.0.1",
        )


def _bids(
    session: Session, *, section, folder: Path, now: dt.datetime, key, data_dir: Path
) -> dict[str, tuple[str, bytes]]:
    """Each bidder's package signed and enveloped by ggzy-client code, then uploaded and completed in-process."""
    import hashlib

    from ggzy.bidding import ceremony
    from ggzy.bidding import service as bidding
    from ggzy.client.api import GgzyClient
    from ggzy.kit.blobs import BlobStore
    from ggzy.pki import service as pki

    opening_cert = ceremony.certificate(ceremony.opening_key_of(session, section.id))
    upload_dir, blobs = data_dir / "uploads", BlobStore(data_dir / "blobs")
    out = {}
    for n, (username, (price, days, quality, manager)) in enumerate(FORMS.items()):
        at = now + dt.timedelta(minutes=10 * n)
        account = get_account(session, username)
        form = {
            "section": section.code,
            "price_fen": price,
            "duration_days": days,
            "quality": quality,
            "key_terms": {"项目经理": manager},
        }
        with tempfile.TemporaryDirectory() as tmp, GgzyClient("http://ggzy.invalid") as client:
            # ggzy-client's own code builds the bid offline; only the upload goes in-process instead of over HTTP.
            client.load_identity(folder / f"{username}.key.pem", folder / f"{username}.cert.pem")
            doc = Path(tmp) / "技术标.pdf"
            doc.write_bytes(b"%PDF-1.4\n" + f"{username} 施工组织设计".encode() * 200)
            client.build_bid(section.code, form, [doc], Path(tmp) / "bid.p7m", opening_cert=opening_cert)
            data = (Path(tmp) / "bid.p7m").read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            signature = client.sign(digest.encode())
        actor = _actor(session, username, "bidder")
        up = bidding.start_upload(
            session,
            actor=actor,
            now=at,
            entity_id=account.entity_id,
            account_id=account.id,
            section_code=section.code,
            size=len(data),
            sha256=digest,
            upload_dir=upload_dir,
        )
        path = bidding.upload_path(upload_dir, up.token)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        bid, _receipt = bidding.complete_upload(
            session,
            actor=actor,
            now=at + dt.timedelta(minutes=1),
            key=key,
            trust=pki.current_trust_list(session),
            entity_id=account.entity_id,
            account_id=account.id,
            token=up.token,
            signature=signature,
            upload_dir=upload_dir,
            blobs=blobs,
        )
        out[username] = (bid.number, data)
    return out


# --- opening -----------------------------------------------------------------------------------------------------


def _open(session: Session, *, section, certs, bids, deadline: dt.datetime, key, data_dir: Path) -> None:
    from ggzy.kit.blobs import BlobStore
    from ggzy.opening import service as opening
    from ggzy.opening.handover import key_handover
    from ggzy.opening.models import Opening
    from ggzy.pki import service as pki
    from ggzy.pki.cms import sign_detached

    env = opening.Env(BlobStore(data_dir / "blobs"), key, data_dir / "tmp")
    opening.start(session, section.id, deadline)
    at = deadline + dt.timedelta(minutes=1)
    for username in FORMS:
        account = get_account(session, username)
        opening.sign_in(
            session,
            actor=_actor(session, username, "bidder"),
            now=at,
            code=section.code,
            entity_id=account.entity_id,
            user_agent=f"ggzy-client/1 ({username})",
            env=env,
        )
    row = session.execute(select(Opening).where(Opening.section_id == section.id)).scalar_one()
    at = max(at, row.roll_call_ends or at) + dt.timedelta(minutes=1)
    opening.advance(session, row.id, at, env=env)
    for username, (number, data) in bids.items():
        private, cert = certs[username]
        h = key_handover(data, private, cert, section=section.code, bid=number)
        account = get_account(session, username)
        trust = pki.current_trust_list(session)
        plan = opening.prepare_key(
            session,
            actor=_actor(session, username, "bidder"),
            now=at,
            code=section.code,
            entity_id=account.entity_id,
            account_id=account.id,
            bid_number=number,
            cek=base64.b64decode(h["content_key"]),
            statement=h["statement"],
            signature=base64.b64decode(h["signature"]),
            trust=trust,
            env=env,
        )
        if isinstance(plan, opening.Plan):
            outcome = opening.run_plan(plan, trust=trust, env=env)
            try:
                opening.apply_outcome(
                    session, plan=plan, outcome=outcome, actor=_actor(session, username, "bidder"), now=at, env=env
                )
            finally:
                outcome.cleanup()
    for _ in range(12):
        session.refresh(row)
        if row.status == "recorded" or row.next_check is None:
            break
        at = max(at, row.next_check) + dt.timedelta(seconds=1)
        opening.advance(session, row.id, at, env=env)
    # E-13: two bidders sign the record with their certificates; the third does not answer before publication.
    for username in list(FORMS)[:2]:
        private, cert = certs[username]
        opening.answer_record(
            session,
            actor=_actor(session, username, "bidder"),
            now=at + dt.timedelta(minutes=2),
            code=section.code,
            entity_id=get_account(session, username).entity_id,
            trust=pki.current_trust_list(session),
            signature=sign_detached(row.record_json or b"", cert, private, signing_time=at + dt.timedelta(minutes=2)),
        )
    opening.confirm(
        session,
        actor=_actor(session, "gy.staff", "center_staff"),
        now=at + dt.timedelta(minutes=5),
        code=section.code,
        env=env,
        signature=None,
        trust=None,
    )


# --- committee and evaluation ------------------------------------------------------------------------------------


def _evaluate(session: Session, *, section, at: dt.datetime) -> dt.datetime:
    from ggzy.evaluation import repository
    from ggzy.evaluation import service as draws
    from ggzy.evaluation.models import Expert

    staff = _actor(session, "gy.staff", "center_staff")
    scope = _scope(session, "gy.staff", "center:expert:draw")
    order = draws.DrawOrder(
        section_code=section.code,
        evaluation_date=at.astimezone(SHANGHAI).date(),
        committee_size=5,
        representatives=0,
        requirements=[("A010", 5)],
        secondary_centers=["ZY"],
        venue_quotas={"GY": 3, "ZY": 2},
    )
    d = draws.start_draw(session, actor=staff, now=at, scope=scope, order=order, account_id=None)
    draws.run(session, actor=staff, now=at + dt.timedelta(minutes=1), scope=scope, draw=d)
    t = at + dt.timedelta(minutes=20)
    for m in repository.members_of(session, d.id):
        e = session.get_one(Expert, m.expert_id)
        draws.answer(session, actor=_expert(e), now=t, expert=e, member_id=m.id, accept=True)
        if not e.bank_account:
            # A clearly fake account in the simulated bank's range, for the fee the bank pays at the end.
            account = {"bank_name": "示范银行（模拟）", "bank_account": f"621700000000{e.id:08d}"}
            draws.update_profile(session, actor=_expert(e), now=t, expert=e, changes=account)
    t += dt.timedelta(minutes=40)
    evaluation.start(session, actor=staff, now=t, scope=scope, section_code=section.code)
    experts = [session.get_one(Expert, m.expert_id) for m in repository.members_of(session, d.id)]
    bidders = [get_account(session, u).entity_id for u in FORMS]
    for e in experts:
        evaluation.declare(session, actor=_expert(e), now=t, section_code=section.code, expert=e, conflict=False)
    t += dt.timedelta(minutes=30)
    c = evaluation.ask(
        session,
        actor=_expert(experts[0]),
        now=t,
        section_code=section.code,
        expert=experts[0],
        entity_id=bidders[2],
        question="请说明 330 日历天工期的关键线路安排。",
    )
    for e in experts:
        v = {b: (True, "") for b in bidders}
        evaluation.review(session, actor=_expert(e), now=t, section_code=section.code, expert=e, verdicts=v)
    evaluation.answer_clarification(
        session,
        actor=_actor(session, "bidder.three", "bidder"),
        now=t + dt.timedelta(minutes=20),
        section_code=section.code,
        clarification_id=c.id,
        entity_id=bidders[2],
        account_id=get_account(session, "bidder.three").id,
        text="主体结构与装饰装修穿插施工，详见投标文件第 4 章进度计划。",
    )
    t += dt.timedelta(hours=1)
    for i, e in enumerate(experts):
        sheets = {b: MARKS[(i + j) % 2] for j, b in enumerate(bidders)}
        evaluation.score(session, actor=_expert(e), now=t, section_code=section.code, expert=e, sheets=sheets)
    for e in experts:
        t += dt.timedelta(minutes=5)
        evaluation.sign(session, actor=_expert(e), now=t, section_code=section.code, expert=e)
    return t


def _expert(e) -> Actor:
    return Actor(e.account_id, e.name, "expert", None, "127.0.0.1")


# --- award (and reveal), refunds, contract ----------------------------------------------------------------------------


def _award(session: Session, *, section, key, reported: dt.datetime) -> dt.datetime:
    from ggzy.award import service as award
    from ggzy.deposits import service as deposits

    tenderee = get_account(session, "tenderee.gy").entity_id
    actor = _actor(session, "tenderee.gy", "tenderee")
    t = reported + dt.timedelta(days=1)
    result = award.publish_publicity(session, actor=actor, now=t, entity_id=tenderee, section_code=section.code)
    assert result.publicity_end is not None
    t = result.publicity_end + dt.timedelta(hours=1)
    # The award notice reveals the draw's seed and committee in the same step.
    award.decide_award(session, actor=actor, now=t, key=key, entity_id=tenderee, section_code=section.code)
    _run_refunds(session, deposits, t + dt.timedelta(days=6))
    winner = session.get_one(type(result), result.id).winner_entity_id
    price = FORMS[next(u for u in FORMS if get_account(session, u).entity_id == winner)][0]
    signed = t + dt.timedelta(days=10)
    award.record_contract(
        session,
        actor=actor,
        now=signed + dt.timedelta(hours=2),
        entity_id=tenderee,
        section_code=section.code,
        code=f"HT-{section.code[-8:]}",
        name=NAME + "施工合同",
        amount_fen=price,
        signed_at=signed,
        content="合同主要条款：工期、质量、价款与支付（示范）。",
        term_days=365,
    )
    _run_refunds(session, deposits, signed + dt.timedelta(days=6))
    return signed + dt.timedelta(days=6)


def _run_refunds(session: Session, deposits, now: dt.datetime) -> None:
    for refund_id in deposits.due_refunds(session, now, 100):
        deposits.execute_refund(session, refund_id, now)


# --- money out: the bank fetches its transfer orders and settles them ---------------------------------------------


def _bank_settles(session: Session, *, key, at: dt.datetime, present: dt.datetime, data_dir: Path) -> None:
    """The simulated bank, in-process but through the same service calls as over HTTP: a signed fetch, the
    platform's signature checked (now: the platform certificate may be younger than the scenario), each order
    settled with a signed notice."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from ggzy.deposits import settlement
    from ggzy.deposits.bank_simulator import SimulatedBank

    bank = SimulatedBank(data_dir / "demo-bank", now=at)
    fetch = bank.fetch_headers(at)
    content, signature = settlement.fetch_orders(
        session,
        now=at,
        key=key,
        bank_code=fetch["X-Bank-Id"],
        timestamp=fetch["X-Bank-Timestamp"],
        signature=fetch["X-Bank-Signature"],
        ip="127.0.0.1",
    )
    cert = key.certificate.public_bytes(Encoding.PEM)
    orders = bank.read_orders(content, base64.b64encode(signature).decode(), cert, present)
    for n, order in enumerate(orders):
        t = at + dt.timedelta(hours=2, minutes=n)
        body, headers = bank.settlement(
            key=order["key"],
            amount_fen=order["total_fen"],
            now=t,
            settlement_id=f"demo-{order['key']}",
            bank_reference=f"DEMO{to_shanghai(t):%Y%m%d}{n + 1:06d}",
        )
        settlement.receive_settlement(
            session,
            now=t,
            bank_code=headers["X-Bank-Id"],
            signature=headers["X-Bank-Signature"],
            body=body,
            ip="127.0.0.1",
        )
