"""Registration, duplicates, check characters, versions and credit records (service level, both databases)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from ggzy.audit.models import AuditEvent
from ggzy.authz.scope import Grant, Principal, require
from ggzy.centers.service import get_center, nodes
from ggzy.kit.actor import SYSTEM
from ggzy.kit.errors import Conflict, Forbidden, ValidationFailed
from ggzy.registry import repository, service
from ggzy.registry.models import Entity, EntityVersion
from ggzy.registry.seed import DEMO_ENTITIES
from ggzy.registry.visibility import public_view

from .helpers import LICENSE_NO, ORGAN_NO, PERSON_ID, USCC, profile


def _events(session) -> int:
    return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def _register(session, clock, kind="legal_person", center="GY-QZ", **overrides) -> Entity:
    return service.register_entity(
        session, actor=SYSTEM, now=clock.now(), center_code=center, kind=kind, fields=profile(**overrides)
    )


def _staff_scope(session, center_code: str):
    center = get_center(session, center_code)
    principal = Principal(account_id=None, name="staff", grants=(Grant("center_staff", center.id),))
    return center, require(principal, "center:credit:manage", nodes(session), center.id)


def test_a_registration_at_a_county_center_is_in_force_everywhere_at_once(session, clock):
    before = _events(session)
    entity = _register(session, clock)
    assert entity.status == "active" and entity.version == 1
    assert _events(session) == before + 1
    # No per-center copy and no queue: the one row is what every center's search finds.
    assert [e.id for e in repository.search(session, code=USCC).items] == [entity.id]
    assert [e.id for e in repository.search(session, region="520100").items] == [
        e.id for e in repository.search(session, region="520100").items
    ]
    assert entity.organ_no == USCC[8:17]


def test_a_duplicate_credit_code_is_refused_naming_the_existing_entity(session, clock):
    existing = DEMO_ENTITIES[1]["fields"]
    with pytest.raises(Conflict) as err:
        _register(session, clock, uscc=existing["uscc"], name="另一家公司")
    assert err.value.code == "registry.duplicate_uscc" and existing["name"] in err.value.message


def test_an_organisation_code_already_inside_a_registered_credit_code_is_a_duplicate(session, clock):
    existing = DEMO_ENTITIES[1]["fields"]["uscc"]
    with pytest.raises(Conflict) as err:
        _register(session, clock, uscc=None, license_no=LICENSE_NO, organ_no=existing[8:17])
    assert err.value.code == "registry.duplicate_organ_no"


def test_a_wrong_check_character_says_which_one_is_expected(session, clock):
    wrong = USCC[:17] + ("0" if USCC[17] != "0" else "1")
    with pytest.raises(ValidationFailed) as err:
        _register(session, clock, uscc=wrong)
    assert err.value.code == "registry.uscc.check_char"
    assert f"应为 {USCC[17]}" in err.value.message
    assert session.execute(select(Entity).where(Entity.uscc == wrong)).first() is None


def test_a_natural_person_registers_with_a_checked_resident_id_instead(session, clock):
    person = _register(session, clock, kind="natural_person", uscc=None, id_card=PERSON_ID, name="李四")
    assert person.id_card == PERSON_ID and person.uscc is None and person.legal_represent == "周清镇"
    with pytest.raises(ValidationFailed) as err:
        _register(session, clock, kind="natural_person", uscc=None, id_card="110105194912310021", name="王五")
    assert err.value.code == "registry.resident_id.check_char" and "应为 X" in err.value.message
    with pytest.raises(Conflict) as dup:
        _register(session, clock, kind="natural_person", uscc=None, id_card=PERSON_ID, name="冒名")
    assert "李四" not in dup.value.message  # the holder of an ID number is not revealed


def test_legacy_registration_number_and_organisation_code_are_accepted_without_a_credit_code(session, clock):
    entity = _register(session, clock, uscc=None, license_no=LICENSE_NO, organ_no=ORGAN_NO)
    assert (entity.license_no, entity.organ_no, entity.uscc) == (LICENSE_NO, ORGAN_NO, None)
    with pytest.raises(ValidationFailed) as err:
        _register(session, clock, uscc=None, license_no=LICENSE_NO[:14] + "X", organ_no=ORGAN_NO)
    assert err.value.code.startswith("registry.registration_no")


def test_a_credit_code_of_a_sole_trader_does_not_register_a_company(session, clock):
    from ggzy.registry.seed import make_uscc

    sole = make_uscc("92", "520181", "L12345K7")
    with pytest.raises(ValidationFailed) as err:
        _register(session, clock, uscc=sole)
    assert err.value.code == "registry.uscc.kind"
    trader = _register(session, clock, kind="sole_trader", uscc=sole, name="清镇示范五金店")
    assert trader.kind == "sole_trader"


def test_every_profile_change_is_a_new_version_with_exactly_one_event(session, clock):
    entity = _register(session, clock)
    before = _events(session)
    clock.advance(hours=1)
    service.update_entity(
        session, actor=SYSTEM, now=clock.now(), entity=entity, changes={"address": "新地址 1 号"}, reason="搬迁"
    )
    assert _events(session) == before + 1 and entity.version == 2
    versions = repository.versions_of(session, entity.id)
    assert [v.version for v in versions] == [1, 2]
    assert json.loads(versions[0].snapshot)["address"] == "贵州省清镇市示范路 9 号"  # history is kept
    assert json.loads(versions[1].changed) == ["address"]
    event = session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert event.tag == "registry:entity:updated"
    assert json.loads(event.payload)["snapshot_hash"] == versions[1].snapshot_hash
    assert "新地址" not in event.payload  # private values stay out of the audit log


def test_a_change_that_changes_nothing_writes_nothing(session, clock):
    entity = _register(session, clock)
    before = _events(session)
    service.update_entity(session, actor=SYSTEM, now=clock.now(), entity=entity, changes={"roles": ["bidder"]})
    assert _events(session) == before and entity.version == 1


def test_a_stale_version_and_a_code_change_are_refused(session, clock):
    entity = _register(session, clock)
    with pytest.raises(Conflict):
        service.update_entity(
            session, actor=SYSTEM, now=clock.now(), entity=entity, changes={"address": "x"}, expected_version=7
        )
    with pytest.raises(ValidationFailed) as err:
        service.update_entity(session, actor=SYSTEM, now=clock.now(), entity=entity, changes={"uscc": USCC})
    assert err.value.code == "registry.immutable"
    count = session.execute(select(func.count()).select_from(EntityVersion).where(EntityVersion.entity_id == entity.id))
    assert count.scalar_one() == 1


def _qualification(session, clock, entity, cert_no="D252019999"):
    return service.add_qualification(
        session,
        actor=SYSTEM,
        now=clock.now(),
        entity=entity,
        qual_type="D10102",
        qual_name="建筑工程施工总承包",
        qual_level="三级",
        qual_cert_no=cert_no,
        issuer="贵州省住房和城乡建设厅",
        valid_from=dt.date(2025, 1, 1),
        qual_cert_end_date=dt.date(2027, 1, 1),
    )


def _public(session, clock, entity):
    return public_view(
        entity,
        repository.qualifications_of(session, [entity.id])[entity.id],
        repository.credit_records_of(session, [entity.id])[entity.id],
        "GY-QZ",
        clock.now(),
    )


def test_a_withdrawn_or_expired_qualification_leaves_the_directory_but_stays_on_file(session, clock):
    entity = _register(session, clock)
    q = _qualification(session, clock, entity)
    assert [x.qual_cert_no for x in _public(session, clock, entity).qualifications] == ["D252019999"]
    with pytest.raises(Conflict):
        _qualification(session, clock, entity)
    before = _events(session)
    service.withdraw_qualification(session, actor=SYSTEM, now=clock.now(), qualification=q, reason="降级换证")
    assert _events(session) == before + 1
    assert _public(session, clock, entity).qualifications == []
    assert repository.qualifications_of(session, [entity.id])[entity.id][0].withdrawn_reason == "降级换证"
    other = _qualification(session, clock, entity, cert_no="D252018888")
    clock.set(dt.datetime(2027, 1, 2, 1, tzinfo=dt.UTC))
    assert other.id and _public(session, clock, entity).qualifications == []


def _credit(session, clock, entity, kind="blacklist", end_days=30, center="GY", **extra):
    center_row, scope = _staff_scope(session, center)
    start = clock.now()
    return service.add_credit_record(
        session,
        actor=SYSTEM,
        now=clock.now(),
        scope=scope,
        center=center_row,
        entity=entity,
        kind=kind,
        confined_start=start,
        confined_end=start + dt.timedelta(days=end_days) if end_days else None,
        title="串通投标",
        reason="与其他投标人相互串通投标报价。",
        government="贵阳市住房和城乡建设局",
        document_code="筑建罚〔2026〕12号",
        record_date=dt.date(2026, 10, 30),
        **extra,
    )


def test_a_blacklist_entry_is_public_while_in_force_and_then_drops_out(session, clock):
    entity = _register(session, clock)
    before = _events(session)
    record = _credit(session, clock, entity)
    assert _events(session) == before + 1 and len(record.record_code) == 36
    assert [r.kind for r in _public(session, clock, entity).credit_records] == ["blacklist"]
    clock.advance(days=31)
    assert _public(session, clock, entity).credit_records == []
    assert len(repository.credit_records_of(session, [entity.id])[entity.id]) == 1


def test_a_blacklist_entry_needs_an_end_and_an_unpublished_or_revoked_record_is_not_public(session, clock):
    entity = _register(session, clock)
    with pytest.raises(ValidationFailed) as err:
        _credit(session, clock, entity, end_days=None)
    assert err.value.code == "registry.credit.end_required"
    _credit(session, clock, entity, kind="violation", end_days=None, published=False)
    assert _public(session, clock, entity).credit_records == []
    record = _credit(session, clock, entity, kind="violation", end_days=None)
    assert len(_public(session, clock, entity).credit_records) == 1
    _, scope = _staff_scope(session, "GY")
    service.revoke_credit_record(session, actor=SYSTEM, now=clock.now(), scope=scope, credit=record, reason="复议撤销")
    assert _public(session, clock, entity).credit_records == []


def test_credit_records_are_entered_only_in_the_staff_members_own_centers(session, clock):
    entity = _register(session, clock)
    center, _ = _staff_scope(session, "GY")
    _, zy_scope = _staff_scope(session, "ZY")
    with pytest.raises(Forbidden):
        service.add_credit_record(
            session,
            actor=SYSTEM,
            now=clock.now(),
            scope=zy_scope,
            center=center,
            entity=entity,
            kind="violation",
            confined_start=clock.now(),
            confined_end=None,
            title="t",
            reason="r",
            government="g",
            document_code="d",
            record_date=dt.date(2026, 10, 30),
        )


def test_the_demo_personas_act_for_their_entities_and_seeding_twice_adds_nothing(session, clock):
    from ggzy.auth.service import get_account
    from ggzy.demo import seed_demo

    assert get_account(session, "bidder.zy").entity_id is not None
    assert get_account(session, "tenderee.gy").entity_id != get_account(session, "bidder.gy").entity_id
    before = _events(session)
    assert seed_demo(session, actor=SYSTEM, now=clock.now())["entities"] == 0
    assert _events(session) == before
