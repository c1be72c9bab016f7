"""Signing the report: a detached CMS from the expert's bound certificate (checked), the form pages, and the
hand-written migration 0011 matching the models."""

from __future__ import annotations

import base64

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from ggzy.auth import service as auth
from ggzy.demo import _demo_ca, _demo_leaf
from ggzy.evaluation import session as ev
from ggzy.evaluation.session_models import EvaluationSeat
from ggzy.kit.actor import SYSTEM
from ggzy.kit.errors import ValidationFailed
from ggzy.models import metadata
from ggzy.pki import service as pki
from ggzy.pki.cms import sign_detached
from ggzy.pki.keys import load_private_key
from opening.conftest import headers

from .session_helpers import committee, declare_all, expert_actor, link_account, review_all, score_all

TABLES = {
    "evaluation_sessions",
    "evaluation_seats",
    "evaluation_verdicts",
    "evaluation_sheets",
    "evaluation_clarifications",
    "evaluation_fee_payments",
}


def test_the_session_migration_matches_the_models(migrated):
    with migrated.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        diffs = compare_metadata(ctx, metadata)
    assert [d for d in diffs if any(t in repr(d) for t in TABLES)] == []


@pytest.fixture
def signing(client, session, platform, clock, tmp_path):
    c = committee(client, session, platform, clock, tmp_path)
    link_account(session, c.experts[0], "expert.one")
    folder = tmp_path / "certs"  # the demo CAs the opening fixture made
    ca_key, ca_cert = _demo_ca(folder / "ca", "demo-rsa-ca", "示范 CA 甲（RSA）", "rsa", clock.now())
    leaf = _demo_leaf(folder, "expert.one", "贵州某设计院", ca_key, ca_cert, "rsa", clock.now())
    pki.bind_certificate(
        session,
        actor=SYSTEM,
        now=clock.now(),
        account=auth.get_account(session, "expert.one"),
        certificate=leaf,
        trust=pki.current_trust_list(session),
    )
    declare_all(session, clock, c)
    review_all(session, clock, c)
    score_all(session, clock, c)
    session.commit()
    return c, leaf, load_private_key((folder / "expert.one.key.pem").read_bytes()), folder


def test_an_expert_with_a_bound_certificate_signs_the_report_hash_with_cms(client, session, clock, signing):
    c, leaf, key, folder = signing
    e = c.experts[0]
    with pytest.raises(ValidationFailed) as info:
        ev.sign(session, actor=expert_actor(e), now=clock.now(), section_code=c.code, expert=e)
    assert info.value.code == "evaluation.signature_required"
    digest = ev.of_section(session, c_section(session, c)).report_sha256
    other = load_private_key((folder / "bidder.gy.key.pem").read_bytes())
    from ggzy.pki.certs import load_certificate

    wrong = sign_detached(digest.encode(), load_certificate((folder / "bidder.gy.cert.pem").read_bytes()), other)
    with pytest.raises(ValidationFailed) as info:
        ev.sign(session, actor=expert_actor(e), now=clock.now(), section_code=c.code, expert=e, signature=wrong)
    assert info.value.code == "evaluation.bad_signature"
    session.rollback()
    good = base64.b64encode(sign_detached(digest.encode(), leaf, key)).decode()
    r = client.post(
        f"/api/v1/evaluation/{c.code}/signature",
        headers=headers(client, "expert.one"),
        json={"signature": good, "dissent": "对投标人三的工期评分保留意见。"},
    )
    assert r.status_code == 200, r.text
    session.expire_all()
    seat = session.execute(select(EvaluationSeat).where(EvaluationSeat.expert_id == e.id)).scalar_one()
    assert seat.sign_method == "cms" and seat.signer_fingerprint == leaf.fingerprint and seat.dissent
    page = client.get(f"/evaluation/{c.code}", headers=headers(client, "expert.one"))
    assert page.status_code == 200 and "数字证书 CMS 签名" in page.text


def c_section(session, c):
    from ggzy.projects.models import Section

    return session.get_one(Section, c.hall.section_id)


def test_the_room_forms_take_the_declaration_and_refuse_a_bad_score_in_chinese(
    client, session, clock, platform, tmp_path
):
    c = committee(client, session, platform, clock, tmp_path)
    link_account(session, c.experts[0], "expert.one")
    session.commit()
    h = headers(client, "expert.one")
    r = client.post(f"/evaluation/{c.code}/declare", headers=h, data={"conflict": "no"}, follow_redirects=False)
    assert r.status_code == 303
    for e in c.experts[1:]:
        ev.declare(session, actor=expert_actor(e), now=clock.now(), section_code=c.code, expert=e, conflict=False)
    review_all(session, clock, c)
    session.commit()
    form = {f"s_{b}_design": "40" for b in c.bidders.values()}
    r = client.post(f"/evaluation/{c.code}/score", headers=h, data=form)
    assert r.status_code == 422 or r.status_code == 400
    assert "施工组织设计" in r.text or "未对投标人" in r.text
