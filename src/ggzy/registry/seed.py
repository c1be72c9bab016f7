"""Demo market entities for the demo personas, with codes made by the GB 32100 check algorithm.

The organisation-code bodies are invented (prefix ``MA6`` like post-2015 Guizhou codes), so the codes are
valid by their check characters but belong to no real company.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.auth.models import Account
from ggzy.authz.scope import Grant, Principal, require
from ggzy.centers.service import get_center, nodes
from ggzy.kit.actor import Actor
from ggzy.registry import codes, repository, service
from ggzy.registry.models import CreditRecord


def make_uscc(authority_and_kind: str, region: str, org_body: str) -> str:
    """A valid 统一社会信用代码 from its parts: '91' + region + 8-char organisation body (+ both check chars)."""
    first16 = authority_and_kind + region + org_body
    first17 = first16 + codes.org_code_check_char(org_body)
    return first17 + codes.uscc_check_char(first17)


def make_resident_id(first17: str) -> str:
    """A valid 公民身份号码 from its first 17 digits (GB 11643 check digit appended)."""
    return first17 + codes.resident_id_check_char(first17)


DEMO_ENTITIES = [
    {
        "account": "tenderee.gy",
        "center": "GY",
        "kind": "legal_person",
        "fields": {
            "name": "贵阳市城乡建设投资示范有限公司",
            "uscc": make_uscc("91", "520100", "MA6DKQ71"),
            "legal_represent": "张建国",
            "represent_id_card": make_resident_id("52010219800315001"),
            "represent_phone": "0851-85550101",
            "region_code": "520100",
            "address": "贵州省贵阳市观山湖区示范大道 1 号",
            "reg_capital_fen": 50_000_000_000,
            "legal_contact": "刘敏",
            "legal_contact_phone": "13985550101",
            "legal_email": "zhaobiao@example.cn",
            "roles": ["tenderee"],
        },
        "qualifications": [],
    },
    {
        "account": "bidder.gy",
        "center": "GY",
        "kind": "legal_person",
        "fields": {
            "name": "贵州黔筑示范建设工程有限公司",
            "uscc": make_uscc("91", "520102", "MA6DLR82"),
            "legal_represent": "王黔生",
            "represent_id_card": make_resident_id("52010319750720003"),
            "represent_phone": "0851-85550202",
            "region_code": "520102",
            "address": "贵州省贵阳市南明区示范路 88 号",
            "reg_capital_fen": 8_000_000_000,
            "legal_contact": "陈静",
            "legal_contact_phone": "13985550202",
            "legal_email": "toubiao@example.cn",
            "roles": ["bidder", "supplier"],
        },
        "qualifications": [
            ("D10102", "建筑工程施工总承包", "二级", "D252010001", "贵州省住房和城乡建设厅"),
            ("D10302", "市政公用工程施工总承包", "三级", "D352010002", "贵阳市住房和城乡建设局"),
        ],
    },
    {
        "account": "bidder.zy",
        "center": "ZY",
        "kind": "legal_person",
        "fields": {
            "name": "遵义汇川示范路桥工程有限公司",
            "uscc": make_uscc("91", "520303", "MA6EB093"),
            "legal_represent": "赵遵义",
            "represent_id_card": make_resident_id("52030319881111002"),
            "represent_phone": "0851-28550303",
            "region_code": "520303",
            "address": "贵州省遵义市汇川区示范街 3 号",
            "reg_capital_fen": 3_000_000_000,
            "legal_contact": "孙丽",
            "legal_contact_phone": "13985550303",
            "legal_email": "luqiao@example.cn",
            "roles": ["bidder"],
        },
        "qualifications": [("D20203", "公路工程施工总承包", "三级", "D352030003", "贵州省交通运输厅")],
    },
]


def seed_demo_entities(session: Session, *, actor: Actor, now: dt.datetime) -> int:
    """Register the demo entities and link the persona accounts; running it twice adds nothing."""
    added = 0
    accounts = {a.username: a for a in session.execute(select(Account)).scalars()}
    for spec in DEMO_ENTITIES:
        fields = dict(spec["fields"])  # type: ignore[arg-type]
        entity = repository.find_by_codes(session, uscc=fields["uscc"])
        if entity is None:
            entity = service.register_entity(
                session, actor=actor, now=now, center_code=spec["center"], kind=spec["kind"], fields=fields
            )
            for qual_type, name, level, cert_no, issuer in spec["qualifications"]:  # type: ignore[attr-defined]
                service.add_qualification(
                    session,
                    actor=actor,
                    now=now,
                    entity=entity,
                    qual_type=qual_type,
                    qual_name=name,
                    qual_level=level,
                    qual_cert_no=cert_no,
                    issuer=issuer,
                    valid_from=dt.date(2024, 3, 1),
                    qual_cert_end_date=dt.date(2029, 2, 28),
                )
            added += 1
        account = accounts.get(spec["account"])  # type: ignore[arg-type]
        if account is not None and account.entity_id is None:
            service.link_account(session, actor=actor, now=now, entity=entity, account=account)
    _seed_credit_record(session, actor=actor, now=now)
    return added


def _seed_credit_record(session: Session, *, actor: Actor, now: dt.datetime) -> None:
    """One published violation record on the Zunyi bidder, entered at the Zunyi center."""
    entity = repository.find_by_codes(session, uscc=DEMO_ENTITIES[2]["fields"]["uscc"])  # type: ignore[index]
    if entity is None or session.execute(select(CreditRecord.id).where(CreditRecord.entity_id == entity.id)).first():
        return
    center = get_center(session, "ZY")
    # The seed acts as the Zunyi center's staff would: through a checked scope, never around it.
    staff = Principal(account_id=None, name="遵义中心", grants=(Grant("center_staff", center.id),))
    scope = require(staff, "center:credit:manage", nodes(session), center.id)
    start = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    service.add_credit_record(
        session,
        actor=actor,
        now=now,
        scope=scope,
        center=center,
        entity=entity,
        kind="violation",
        title="投标文件中项目经理业绩材料不实",
        reason="在示范路面改造工程投标中提供的项目经理业绩证明与实际不符。",
        body_role="bidder",
        government="遵义市交通运输局",
        document_code="遵交罚〔2026〕7号",
        punishment_basis="《中华人民共和国招标投标法》第五十四条",
        punishment_result="警告，记入不良行为记录",
        confined_action="",
        violating_time=dt.date(2026, 6, 18),
        record_date=dt.date(2026, 8, 28),
        confined_start=start,
        confined_end=start + dt.timedelta(days=365),
    )
