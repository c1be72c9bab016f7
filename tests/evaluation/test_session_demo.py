"""The demo's "done when": one construction section evaluated by a committee drawn across two centers, through
publicity, award notice, refunds and contract — seeded twice without change, and every verification passes."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from ggzy.audit.service import verify as verify_audit
from ggzy.award import archive
from ggzy.award.models import AwardContract, AwardNotice, AwardResult
from ggzy.demo import seed_demo_business
from ggzy.deposits.models import TransferInstruction
from ggzy.evaluation import verify as draw_verify
from ggzy.evaluation.demo_scenario import NAME
from ggzy.evaluation.models import Draw
from ggzy.evaluation.session_models import EvaluationSeat, EvaluationSession, ExpertFeePayment
from ggzy.kit.actor import SYSTEM
from ggzy.kit.blobs import BlobStore
from ggzy.opening.models import Opening
from ggzy.opening.verify import verify_section as verify_opening
from ggzy.projects.models import Project, Section, TenderProject


def _section(session) -> Section:
    return session.execute(
        select(Section)
        .join(TenderProject, TenderProject.id == Section.tender_project_id)
        .join(Project, Project.id == TenderProject.project_id)
        .where(Project.name == NAME)
    ).scalar_one()


def test_the_demo_evaluates_a_section_across_two_centers_and_everything_verifies(session, clock, platform, tmp_path):
    seed_demo_business(session, actor=SYSTEM, now=clock.now(), key=platform.key, data_dir=tmp_path)
    counted = session.scalar(select(func.count()).select_from(EvaluationSession))
    seed_demo_business(session, actor=SYSTEM, now=clock.now(), key=platform.key, data_dir=tmp_path)
    assert session.scalar(select(func.count()).select_from(EvaluationSession)) == counted == 1
    session.commit()
    s = _section(session)
    assert s.bid_deadline < clock.now()
    ev = session.execute(select(EvaluationSession).where(EvaluationSession.section_id == s.id)).scalar_one()
    assert ev.status == "reported" and ev.ended_at < clock.now()
    seats = session.execute(select(EvaluationSeat).where(EvaluationSeat.session_id == ev.id)).scalars().all()
    assert {x.venue for x in seats} == {"GY", "ZY"} and all(x.signed_at for x in seats)
    result = session.execute(select(AwardResult).where(AwardResult.section_id == s.id)).scalar_one()
    assert result.status == "contracted" and len(json.loads(result.signers)) == 5
    assert session.execute(select(AwardNotice).where(AwardNotice.result_id == result.id)).scalars().all()
    assert session.execute(select(AwardContract).where(AwardContract.result_id == result.id)).scalar_one()
    assert len(session.execute(select(TransferInstruction)).scalars().all()) == 3  # every deposit refunded
    assert len(session.execute(select(ExpertFeePayment)).scalars().all()) == 5
    d = session.execute(select(Draw).where(Draw.section_id == s.id)).scalar_one()
    assert d.status == "revealed"

    checks = draw_verify.verify_section(session, s.code)
    assert checks and all(c.ok for c in checks), [c.line() for c in checks]
    report = verify_opening(session, s.code, blobs=BlobStore(tmp_path / "blobs"), key=platform.key, now=clock.now())
    assert report.ok, report.problems
    opening = session.execute(select(Opening).where(Opening.section_id == s.id)).scalar_one()
    answers = [c["answer"] for c in json.loads(opening.transcript_json)["record_confirmations"]]
    assert sorted(answers) == ["none", "signed", "signed"]  # E-13: two bidders signed the record
    bundle = archive.export(
        session, section_code=s.code, key=platform.key, now=clock.now(), blobs=BlobStore(tmp_path / "blobs")
    )
    assert archive.verify(bundle, cert=platform.key.certificate, now=clock.now()).ok
    assert verify_audit(session, cert=platform.key.certificate).ok
