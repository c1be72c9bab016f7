"""The demo ends with the money out: the simulated bank fetched the scenario's refund and fee orders, checked the
platform's signature and settled every one — the bidders see their deposits returned, the experts their fees paid,
and the audit chain still verifies."""

from __future__ import annotations

from sqlalchemy import select

from ggzy.audit.models import AuditEvent
from ggzy.audit.service import verify as verify_audit
from ggzy.auth.service import get_account
from ggzy.demo import seed_demo_business
from ggzy.deposits import service as deposits
from ggzy.deposits.models import Refund, TransferInstruction
from ggzy.evaluation import fees
from ggzy.evaluation.demo_scenario import FORMS
from ggzy.evaluation.models import Expert
from ggzy.evaluation.session_models import ExpertFeePayment
from ggzy.kit.actor import SYSTEM

from .test_session_demo import _section


def test_the_demo_bank_settles_every_refund_and_fee_of_the_scenario(session, clock, platform, tmp_path):
    seed_demo_business(session, actor=SYSTEM, now=clock.now(), key=platform.key, data_dir=tmp_path)
    session.commit()
    s = _section(session)
    refunds = session.execute(select(Refund).where(Refund.section_id == s.id)).scalars().all()
    assert len(refunds) == 3 and {r.status for r in refunds} == {"settled"}
    orders = session.execute(select(TransferInstruction)).scalars().all()
    assert {o.status for o in orders} == {"settled"} and all(o.bank_reference.startswith("DEMO") for o in orders)
    for username in FORMS:
        entity_id = get_account(session, username).entity_id
        assert deposits.deposit_status(session, s.id, entity_id) == "refunded"
        [mine] = [r for r in deposits.refunds_of(session, entity_id) if r["section"] == s.code]
        assert mine["status"] == "settled" and mine["bank_reference"].startswith("DEMO")
    payments = session.execute(select(ExpertFeePayment)).scalars().all()
    assert len(payments) == 5 and {fees.state_of(p) for p in payments} == {"settled"}
    for p in payments:
        expert = session.get_one(Expert, p.expert_id)
        assert p.payee_account == expert.bank_account and expert.bank_account.startswith("621700000000")
    tags = [t for t in session.execute(select(AuditEvent.tag)).scalars() if t.startswith("deposits:transfer:")]
    assert tags.count("deposits:transfer:fetched") == tags.count("deposits:transfer:settled") == 8
    assert verify_audit(session, cert=platform.key.certificate).ok
