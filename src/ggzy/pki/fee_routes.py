"""JSON API of CA fee standards: public reads, platform-admin publication, entities record their own fees."""

from __future__ import annotations

import datetime as dt
import json

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, StrictInt, StrictStr, model_validator
from sqlalchemy.orm import Session

from ggzy.kit.money import yuan_to_fen
from ggzy.pki import fees
from ggzy.pki.fee_models import CaProvider
from ggzy.web.context import Viewer, csrf_checked, db_session, platform_of, scope_for, signed_in

router = APIRouter(prefix="/api/v1", tags=["CA 证书收费"])


class Amount(BaseModel):
    """Either ``amount_fen`` (integer fen) or ``amount_yuan`` (a decimal string, at most two places) — never a float."""

    amount_fen: StrictInt | None = Field(None, examples=[30000])
    amount_yuan: StrictStr | None = Field(None, examples=["300.00"])

    @model_validator(mode="after")
    def one_amount(self):
        if (self.amount_fen is None) == (self.amount_yuan is None):
            raise ValueError("须且只须填写 amount_fen（分，整数）或 amount_yuan（元，字符串）之一")
        return self

    def fen(self) -> int:
        return self.amount_fen if self.amount_fen is not None else yuan_to_fen(self.amount_yuan)


class ProviderCreate(BaseModel):
    code: str = Field(pattern=r"^[A-Za-z0-9_-]{2,32}$", examples=["GZCA"])
    name: str = Field(min_length=2, max_length=200)
    licence_no: str = Field(min_length=2, max_length=100, description="电子认证服务许可证号")
    contact: str = Field("", max_length=200)
    website: str = Field("", max_length=300)
    ca_names: list[str] = Field(default_factory=list, max_length=20, description="其运营的受信任 CA 名称")
    algorithms: str = Field("", max_length=100, examples=["RSA、SM2"])


class ScheduleItem(Amount):
    item: str = Field(examples=["cert_issue"])
    unit: str = Field("", max_length=40, examples=["元/证/年"])


class ScheduleCreate(BaseModel):
    effective_from: dt.date
    note: str = Field("", max_length=2000)
    items: list[ScheduleItem] = Field(min_length=1, max_length=len(fees.ITEMS))


class PaymentCreate(Amount):
    provider: str
    item: str
    paid_at: dt.datetime
    receipt_no: str = Field(min_length=1, max_length=64)
    entity_id: StrictInt | None = Field(None, description="可省略；填写时必须是本账户绑定的主体")


def _schedule(view: fees.ScheduleView | None) -> dict | None:
    if view is None:
        return None
    return {
        "effective_from": view.schedule.effective_from.isoformat(),
        "note": view.schedule.note,
        "items": [
            {
                "item": key,
                "label": fees.ITEMS[key],
                "amount_fen": it.amount_fen,
                "amount_yuan": fees.yuan_text(it.amount_fen),
                "unit": it.unit,
            }
            for key in fees.ITEMS
            if (it := view.items.get(key)) is not None
        ],
    }


def provider_read(session: Session, p: CaProvider, now: dt.datetime, *, history: bool = False) -> dict:
    body = {
        "code": p.code,
        "name": p.name,
        "licence_no": p.licence_no,
        "contact": p.contact,
        "website": p.website,
        "ca_names": json.loads(p.ca_names),
        "algorithms": p.algorithms,
        "current_schedule": _schedule(fees.current_schedule(session, p, now=now)),
    }
    if history:
        body["schedules"] = [_schedule(s) for s in fees.schedules(session, p)]
    return body


@router.get("/ca-providers", summary="CA 服务机构及其现行收费标准（公开）")
def list_providers(request: Request, session: Session = Depends(db_session, scope="function")):
    now = platform_of(request).clock.now()
    return [provider_read(session, p, now) for p in fees.providers(session)]


@router.get("/ca-providers/{code}", summary="一个 CA 服务机构及其全部历史收费标准（公开）")
def get_provider(code: str, request: Request, session: Session = Depends(db_session, scope="function")):
    return provider_read(session, fees.get_provider(session, code), platform_of(request).clock.now(), history=True)


@router.post("/ca-providers", status_code=201, summary="登记 CA 服务机构（平台管理员）")
def add_provider(
    body: ProviderCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    scope_for(session, v, fees.MANAGE_PERMISSION)
    now = platform_of(request).clock.now()
    p = fees.add_provider(session, actor=v.actor, now=now, **body.model_dump())
    return provider_read(session, p, now)


@router.post("/ca-providers/{code}/schedules", status_code=201, summary="公布新的收费标准（平台管理员；旧标准保留）")
def publish_schedule(
    code: str,
    body: ScheduleCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    scope_for(session, v, fees.MANAGE_PERMISSION)
    provider = fees.get_provider(session, code)
    items = {i.item: (i.fen(), i.unit) for i in body.items}
    now = platform_of(request).clock.now()
    fees.publish_schedule(
        session,
        actor=v.actor,
        now=now,
        provider=provider,
        effective_from=body.effective_from,
        items=items,
        note=body.note,
    )
    return provider_read(session, provider, now, history=True)


@router.post("/ca-fees", status_code=201, summary="登记本主体缴纳的 CA 费用（市场主体）")
def record_fee(
    body: PaymentCreate,
    request: Request,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(csrf_checked),
):
    provider = fees.get_provider(session, body.provider)
    p = fees.record_payment(
        session,
        actor=v.actor,
        principal=v.principal,
        now=platform_of(request).clock.now(),
        entity_id=body.entity_id,
        provider=provider,
        item=body.item,
        amount_fen=body.fen(),
        paid_at=body.paid_at,
        receipt_no=body.receipt_no,
    )
    return _payment(p, provider)


@router.get("/ca-fees", summary="本主体的 CA 缴费记录（市场主体）")
def my_fees(session: Session = Depends(db_session, scope="function"), v: Viewer = Depends(signed_in)):
    return [_payment(p, prov) for p, prov in fees.payments_of(session, principal=v.principal)]


def _payment(p, provider: CaProvider) -> dict:
    return {
        "id": p.id,
        "entity_id": p.entity_id,
        "provider": provider.code,
        "item": p.item,
        "item_label": fees.ITEMS[p.item],
        "amount_fen": p.amount_fen,
        "amount_yuan": fees.yuan_text(p.amount_fen),
        "paid_at": p.paid_at.isoformat(),
        "receipt_no": p.receipt_no,
    }
