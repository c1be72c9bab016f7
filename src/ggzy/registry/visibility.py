"""What each viewer sees of an entity. The one place that decides; routes and pages only call it.

Public (公众, and the public directory whoever asks): name, code, type, roles, region, registering center,
qualifications in force and credit records that are published, not revoked and in force. Never an ID
number, a phone number, an e-mail, a contact person, the legal representative, the address or the capital
(《个人信息保护法》; the national directory publishes the same short list). A natural person is not listed
at all: the only code a natural person has is an ID number.

Full (the entity's own accounts; center staff; regulators, read-only): the whole record and history.
"""

from __future__ import annotations

import datetime as dt

from ggzy.kit.clock import to_shanghai
from ggzy.registry.models import CreditRecord, Entity, Qualification
from ggzy.registry.policies import CREDIT_KINDS, ENTITY_KINDS, decode_roles
from ggzy.registry.schemas import (
    CreditRecordPublic,
    CreditRecordRead,
    EntityFull,
    EntityPublic,
    QualificationPublic,
    QualificationRead,
)


def listed(entity: Entity) -> bool:
    """Whether the public directory shows this entity at all."""
    return entity.kind != "natural_person" and entity.status == "active"


def public_code(entity: Entity) -> str | None:
    """主体代码 as published: the USCC, else the legacy organisation code or registration number."""
    if entity.kind == "natural_person":
        return None
    return entity.uscc or entity.organ_no or entity.license_no


def qualification_in_force(q: Qualification, now: dt.datetime) -> bool:
    today = to_shanghai(now).date()
    return q.withdrawn_at is None and q.valid_from <= today <= q.qual_cert_end_date


def credit_in_force(r: CreditRecord, now: dt.datetime) -> bool:
    return r.revoked_at is None and r.confined_start <= now and (r.confined_end is None or now < r.confined_end)


def credit_public(r: CreditRecord, now: dt.datetime) -> bool:
    return r.published and credit_in_force(r, now)


def _qualification_public(q: Qualification, now: dt.datetime) -> QualificationPublic:
    return QualificationPublic(
        id=q.id,
        qual_type=q.qual_type,
        qual_name=q.qual_name,
        qual_level=q.qual_level,
        qual_cert_no=q.qual_cert_no,
        issuer=q.issuer,
        valid_from=q.valid_from,
        qual_cert_end_date=q.qual_cert_end_date,
        in_force=qualification_in_force(q, now),
    )


def _credit_public_fields(r: CreditRecord) -> dict:
    return dict(
        record_code=r.record_code,
        kind=r.kind,
        kind_label=CREDIT_KINDS[r.kind],
        title=r.title,
        reason=r.reason,
        government=r.government,
        document_code=r.document_code,
        punishment_result=r.punishment_result,
        confined_action=r.confined_action,
        record_date=r.record_date,
        confined_start=r.confined_start,
        confined_end=r.confined_end,
    )


def public_view(
    entity: Entity, quals: list[Qualification], credits: list[CreditRecord], center_code: str, now: dt.datetime
) -> EntityPublic:
    return EntityPublic(
        id=entity.id,
        name=entity.name,
        legal_code=public_code(entity),
        kind=entity.kind,
        kind_label=ENTITY_KINDS[entity.kind],
        roles=decode_roles(entity.roles),
        region_code=entity.region_code,
        status=entity.status,
        registered_center=center_code,
        registered_at=entity.registered_at,
        qualifications=[_qualification_public(q, now) for q in quals if qualification_in_force(q, now)],
        credit_records=[CreditRecordPublic(**_credit_public_fields(r)) for r in credits if credit_public(r, now)],
    )


def full_view(
    entity: Entity,
    quals: list[Qualification],
    credits: list[CreditRecord],
    center_codes: dict[int, str],
    now: dt.datetime,
) -> EntityFull:
    return EntityFull(
        id=entity.id,
        name=entity.name,
        kind=entity.kind,
        kind_label=ENTITY_KINDS[entity.kind],
        uscc=entity.uscc,
        license_no=entity.license_no,
        license_end_date=entity.license_end_date,
        organ_no=entity.organ_no,
        id_card=entity.id_card,
        legal_represent=entity.legal_represent,
        represent_id_card=entity.represent_id_card,
        represent_phone=entity.represent_phone,
        region_code=entity.region_code,
        address=entity.address,
        reg_capital_fen=entity.reg_capital_fen,
        legal_contact=entity.legal_contact,
        legal_contact_phone=entity.legal_contact_phone,
        legal_email=entity.legal_email,
        roles=decode_roles(entity.roles),
        status=entity.status,
        registered_center=center_codes[entity.center_id],
        registered_at=entity.registered_at,
        updated_at=entity.updated_at,
        version=entity.version,
        qualifications=[
            QualificationRead(
                **_qualification_public(q, now).model_dump(),
                created_at=q.created_at,
                withdrawn_at=q.withdrawn_at,
                withdrawn_reason=q.withdrawn_reason,
            )
            for q in quals
        ],
        credit_records=[
            CreditRecordRead(
                **_credit_public_fields(r),
                id=r.id,
                body_role=r.body_role,
                punishment_basis=r.punishment_basis,
                violating_time=r.violating_time,
                tender_project_code=r.tender_project_code,
                tender_project_name=r.tender_project_name,
                published=r.published,
                in_force=credit_in_force(r, now),
                center=center_codes[r.center_id],
                created_at=r.created_at,
                revoked_at=r.revoked_at,
                revoked_reason=r.revoked_reason,
            )
            for r in credits
        ],
    )
