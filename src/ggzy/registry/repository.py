"""Every SELECT of the registry. Entities are province-wide: no center filter, by design (DESIGN.md §4)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ggzy.auth.models import Account
from ggzy.centers.models import Center
from ggzy.kit.errors import NotFound
from ggzy.kit.paging import Page, check_limit, decode_cursor, encode_cursor
from ggzy.registry.models import CreditRecord, Entity, EntityVersion, Qualification
from ggzy.registry.policies import encode_roles


def get_entity(session: Session, entity_id: int) -> Entity:
    entity = session.get(Entity, entity_id)
    if entity is None:
        raise NotFound(f"市场主体 {entity_id} 不存在。", code="registry.entity_not_found")
    return entity


def find_by_codes(session: Session, **codes: str | None) -> Entity | None:
    """The entity already holding any of the given codes (uscc, organ_no, license_no, id_card)."""
    clauses = [getattr(Entity, k) == v for k, v in codes.items() if v]
    if not clauses:
        return None
    return session.execute(select(Entity).where(or_(*clauses)).limit(1)).scalar_one_or_none()


def region_prefix(code: str) -> str:
    """520000 → '52', 520100 → '5201', 520123 → '520123' (GB/T 2260 levels)."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def search(
    session: Session,
    *,
    name: str | None = None,
    code: str | None = None,
    region: str | None = None,
    role: str | None = None,
    kind: str | None = None,
    listed_only: bool = True,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[Entity]:
    """Entities by id after ``cursor``; ``listed_only`` keeps what the public directory lists."""
    after = int(decode_cursor(cursor).get("id", 0))
    n = check_limit(limit, default=20)
    stmt = select(Entity).where(Entity.id > after).order_by(Entity.id).limit(n + 1)
    if listed_only:
        stmt = stmt.where(Entity.kind != "natural_person", Entity.status == "active")
    if name and name.strip():
        stmt = stmt.where(Entity.name.contains(name.strip(), autoescape=True))
    if code and code.strip():
        c = code.strip().upper()
        stmt = stmt.where(or_(Entity.uscc == c, Entity.organ_no == c, Entity.license_no == c))
    if region and region.strip():
        stmt = stmt.where(Entity.region_code.startswith(region_prefix(region.strip()), autoescape=True))
    if role:
        stmt = stmt.where(Entity.roles.contains(encode_roles([role]), autoescape=True))
    if kind:
        stmt = stmt.where(Entity.kind == kind)
    rows = list(session.execute(stmt).scalars())
    more = len(rows) > n
    rows = rows[:n]
    return Page(items=rows, next_cursor=encode_cursor({"id": rows[-1].id}) if more and rows else None)


def qualifications_of(session: Session, entity_ids: list[int]) -> dict[int, list[Qualification]]:
    out: dict[int, list[Qualification]] = {i: [] for i in entity_ids}
    if entity_ids:
        stmt = select(Qualification).where(Qualification.entity_id.in_(entity_ids)).order_by(Qualification.id)
        for q in session.execute(stmt).scalars():
            out[q.entity_id].append(q)
    return out


def credit_records_of(session: Session, entity_ids: list[int]) -> dict[int, list[CreditRecord]]:
    out: dict[int, list[CreditRecord]] = {i: [] for i in entity_ids}
    if entity_ids:
        stmt = select(CreditRecord).where(CreditRecord.entity_id.in_(entity_ids)).order_by(CreditRecord.id)
        for r in session.execute(stmt).scalars():
            out[r.entity_id].append(r)
    return out


def get_qualification(session: Session, entity: Entity, qualification_id: int) -> Qualification:
    q = session.get(Qualification, qualification_id)
    if q is None or q.entity_id != entity.id:
        raise NotFound(f"该主体没有编号为 {qualification_id} 的资质。", code="registry.qualification_not_found")
    return q


def get_credit_record(session: Session, entity: Entity, record_id: int) -> CreditRecord:
    r = session.get(CreditRecord, record_id)
    if r is None or r.entity_id != entity.id:
        raise NotFound(f"该主体没有编号为 {record_id} 的信用记录。", code="registry.credit_not_found")
    return r


def versions_of(session: Session, entity_id: int) -> list[EntityVersion]:
    stmt = select(EntityVersion).where(EntityVersion.entity_id == entity_id).order_by(EntityVersion.version)
    return list(session.execute(stmt).scalars())


def accounts_of(session: Session, entity_id: int) -> list[Account]:
    return list(session.execute(select(Account).where(Account.entity_id == entity_id).order_by(Account.id)).scalars())


def center_codes(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Center.id, Center.code)).all())
