"""Request bodies of the award API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class PublicityCreate(BaseModel):
    ends_at: dt.datetime | None = Field(None, description="公示结束时间（带时区）；省略则取法定最短期限")


class ObjectionCreate(BaseModel):
    text: str = Field(..., min_length=1, max_length=5000)


class ObjectionReply(BaseModel):
    reply: str = Field(..., min_length=1, max_length=5000)


class Decision(BaseModel):
    winner_entity_id: int | None = Field(None, description="省略则为排名第一的中标候选人")
    passed_over: dict[int, str] = Field(default_factory=dict, description="顺延时：排名在前的候选人 → 原因代码")


class ContractCreate(BaseModel):
    code: str = Field(..., min_length=1, max_length=100)
    name: str = Field(..., min_length=1, max_length=300)
    amount_fen: int = Field(..., gt=0)
    signed_at: dt.datetime
    content: str = ""
    term_days: int | None = None
