"""CA fee standards (数字证书收费, seed 一.6): providers, published schedules, fees entities paid.

Every CA on the provincial trust list is accepted at every center (一证通), so the only thing that
differs between providers for a bidder is the price: the platform publishes each provider's
schedule side by side. Schedules are append-only history; amounts are integer fen.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.audit.service import record
from ggzy.authz.roles import role
from ggzy.authz.scope import Principal
from ggzy.kit.actor import Actor
from ggzy.kit.clock import to_shanghai
from ggzy.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ggzy.kit.money import fen_to_yuan
from ggzy.pki.fee_models import CaFeeItem, CaFeePayment, CaFeeSchedule, CaProvider

ITEMS = {
    "cert_issue": "数字证书新办",
    "cert_renewal": "证书年度续费（每年）",
    "e_seal": "电子印章制作",
    "usb_key": "USB Key 介质",
}
MAX_FEN = 10_000_000_00
"""No single CA fee item comes near ¥10 million; a larger figure is a typing error (fen entered as yuan)."""

RECORD_PERMISSION = "entity:cafee:record"
MANAGE_PERMISSION = "province:cafee:manage"


@dataclass(frozen=True)
class ScheduleView:
    schedule: CaFeeSchedule
    items: dict[str, CaFeeItem]


def yuan_text(fen: int) -> str:
    return f"{fen_to_yuan(fen)}"


def check_amount(fen: int, *, allow_zero: bool) -> int:
    """Fen as an exact integer, not negative (zero only where a fee may be waived), not absurd."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise ValidationFailed("金额须为以分为单位的整数。", code="money.invalid")
    if fen < 0 or (fen == 0 and not allow_zero):
        raise ValidationFailed(f"金额不能为{'负数' if fen < 0 else '零'}：{fen} 分。", code="money.not_positive")
    if fen > MAX_FEN:
        raise ValidationFailed(f"金额 {yuan_text(fen)} 元超出合理范围，请核对单位（元/分）。", code="money.too_large")
    return fen


def _check_item(item: str) -> str:
    if item not in ITEMS:
        raise ValidationFailed(f"未知的收费项目 {item!r}：可选 {', '.join(ITEMS)}。", code="cafees.unknown_item")
    return item


def add_provider(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    code: str,
    name: str,
    licence_no: str,
    contact: str = "",
    website: str = "",
    ca_names: Sequence[str] = (),
    algorithms: str = "",
) -> CaProvider:
    """Register a CA provider (电子认证服务机构) with its licence number."""
    code = code.strip().upper()
    if session.execute(select(CaProvider.id).where(CaProvider.code == code)).first():
        raise Conflict(f"CA 服务机构代码 {code} 已存在。", code="cafees.duplicate_provider")
    provider = CaProvider(
        code=code,
        name=name.strip(),
        licence_no=licence_no.strip(),
        contact=contact,
        website=website,
        ca_names=json.dumps(list(ca_names), ensure_ascii=False),
        algorithms=algorithms,
        created_at=now,
    )
    session.add(provider)
    session.flush()
    record(
        session,
        tag="pki:ca_provider:added",
        actor=actor,
        now=now,
        subject_id=provider.id,
        payload={"code": code, "name": provider.name, "licence_no": provider.licence_no},
    )
    return provider


def publish_schedule(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime,
    provider: CaProvider,
    effective_from: dt.date,
    items: dict[str, tuple[int, str]],
    note: str = "",
) -> CaFeeSchedule:
    """Publish a new schedule (item → (fen, unit)); earlier schedules stay as history."""
    if not items:
        raise ValidationFailed("收费标准至少要有一个收费项目。", code="cafees.empty_schedule")
    checked = {_check_item(k): (check_amount(fen, allow_zero=True), unit) for k, (fen, unit) in items.items()}
    clash = select(CaFeeSchedule.id).where(
        CaFeeSchedule.provider_id == provider.id, CaFeeSchedule.effective_from == effective_from
    )
    if session.execute(clash).first():
        raise Conflict(
            f"{provider.name} 已有 {effective_from} 生效的收费标准：已公布的标准不能覆盖，请另定生效日期。",
            code="cafees.duplicate_schedule",
        )
    schedule = CaFeeSchedule(provider_id=provider.id, effective_from=effective_from, note=note, published_at=now)
    session.add(schedule)
    session.flush()
    for item, (fen, unit) in checked.items():
        session.add(CaFeeItem(schedule_id=schedule.id, item=item, amount_fen=fen, unit=unit))
    session.flush()
    payload = {
        "provider": provider.code,
        "effective_from": effective_from.isoformat(),
        "items": {k: fen for k, (fen, _) in checked.items()},
    }
    record(session, tag="pki:ca_fee_schedule:published", actor=actor, now=now, subject_id=schedule.id, payload=payload)
    return schedule


def providers(session: Session) -> list[CaProvider]:
    return list(session.execute(select(CaProvider).order_by(CaProvider.id)).scalars())


def get_provider(session: Session, code: str) -> CaProvider:
    found = session.execute(select(CaProvider).where(CaProvider.code == code.strip().upper())).scalar_one_or_none()
    if found is None:
        raise NotFound(f"没有代码为 {code} 的 CA 服务机构。", code="cafees.provider_not_found")
    return found


def schedules(session: Session, provider: CaProvider) -> list[ScheduleView]:
    """All schedules of ``provider``, newest effective date first, each with its items."""
    rows = session.execute(
        select(CaFeeSchedule)
        .where(CaFeeSchedule.provider_id == provider.id)
        .order_by(CaFeeSchedule.effective_from.desc())
    ).scalars()
    out = []
    for schedule in rows:
        items = session.execute(select(CaFeeItem).where(CaFeeItem.schedule_id == schedule.id)).scalars()
        out.append(ScheduleView(schedule, {i.item: i for i in items}))
    return out


def current_schedule(session: Session, provider: CaProvider, *, now: dt.datetime) -> ScheduleView | None:
    """The schedule in force on today's date in Beijing: the latest effective on or before it."""
    today = to_shanghai(now).date()
    return next((s for s in schedules(session, provider) if s.schedule.effective_from <= today), None)


def _may_record(principal: Principal) -> bool:
    return any(RECORD_PERMISSION in role(g.role).permissions for g in principal.grants)


def record_payment(
    session: Session,
    *,
    actor: Actor,
    principal: Principal,
    now: dt.datetime,
    entity_id: int | None,
    provider: CaProvider,
    item: str,
    amount_fen: int,
    paid_at: dt.datetime,
    receipt_no: str,
) -> CaFeePayment:
    """Record a CA fee the caller's own entity paid; nobody records fees for another entity."""
    if not _may_record(principal) or principal.entity_id is None:
        raise Forbidden("只有绑定了市场主体的账户可以登记本主体缴纳的 CA 费用。", code="auth.forbidden")
    if entity_id is not None and entity_id != principal.entity_id:
        raise Forbidden("只能登记本主体缴纳的费用，不能替其他市场主体登记。", code="cafees.other_entity")
    if paid_at.tzinfo is None:
        raise ValidationFailed("paid_at 须带时区，如 2026-11-02T10:00:00+08:00。", code="cafees.naive_time")
    if paid_at > now:
        raise ValidationFailed("缴费时间不能晚于当前时间。", code="cafees.future_payment")
    receipt_no = receipt_no.strip()
    if not receipt_no:
        raise ValidationFailed("请填写缴费票据号。", code="cafees.receipt_required")
    dup = select(CaFeePayment.id).where(CaFeePayment.provider_id == provider.id, CaFeePayment.receipt_no == receipt_no)
    if session.execute(dup).first():
        raise Conflict(f"票据号 {receipt_no} 已登记过。", code="cafees.duplicate_receipt")
    payment = CaFeePayment(
        entity_id=principal.entity_id,
        provider_id=provider.id,
        item=_check_item(item),
        amount_fen=check_amount(amount_fen, allow_zero=False),
        paid_at=paid_at,
        receipt_no=receipt_no,
        recorded_by=actor.account_id,
        created_at=now,
    )
    session.add(payment)
    session.flush()
    payload = {
        "entity_id": payment.entity_id,
        "provider": provider.code,
        "item": item,
        "amount_fen": amount_fen,
        "receipt_no": receipt_no,
    }
    record(session, tag="pki:ca_fee:recorded", actor=actor, now=now, subject_id=payment.id, payload=payload)
    return payment


def payments_of(session: Session, *, principal: Principal) -> list[tuple[CaFeePayment, CaProvider]]:
    """The fees the caller's own entity paid, newest first."""
    if principal.entity_id is None or not _may_record(principal):
        raise Forbidden("只有绑定了市场主体的账户可以查看本主体的 CA 缴费记录。", code="auth.forbidden")
    rows = session.execute(
        select(CaFeePayment, CaProvider)
        .join(CaProvider, CaProvider.id == CaFeePayment.provider_id)
        .where(CaFeePayment.entity_id == principal.entity_id)
        .order_by(CaFeePayment.paid_at.desc())
    ).all()
    return [(p, prov) for p, prov in rows]
