"""Request bodies of the evaluation API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class ExpertCreate(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    id_card: str = Field(min_length=15, max_length=18)
    gender: str = Field(pattern="^[12]$")
    title: str = Field(min_length=1, max_length=50)
    employer_name: str = Field(min_length=1, max_length=200)
    employer_entity_id: int | None = None
    region_code: str = Field(min_length=6, max_length=9)
    home_center: str
    specialties: list[str] = Field(min_length=1)
    birthday: dt.date | None = None
    education: str = ""
    phone: str = ""
    work_years: int | None = None
    qualifications: str = ""
    account_username: str | None = None


class ProfileUpdate(BaseModel):
    title: str | None = None
    education: str | None = None
    duty: str | None = None
    employer_name: str | None = None
    phone: str | None = None
    qualifications: str | None = None
    region_code: str | None = None
    specialties: list[str] | None = None
    bank_name: str | None = Field(None, max_length=100, description="收款账户开户银行（专家劳务费）")
    bank_account: str | None = Field(None, max_length=60, description="收款账号，12–30 位数字；空串清除")


class StatusChange(BaseModel):
    status: str
    reason: str


class Unavailable(BaseModel):
    day: dt.date
    reason: str = ""


class RelationCreate(BaseModel):
    kind: str
    entity_name: str = ""
    entity_id: int | None = None
    until: dt.date | None = None
    note: str = ""


class Answer(BaseModel):
    reason: str = ""


class RequirementIn(BaseModel):
    specialty: str
    count: int = Field(ge=1, le=25)


class DrawCreate(BaseModel):
    evaluation_date: dt.date
    committee_size: int = Field(ge=1, le=25)
    representatives: int = Field(ge=0, le=12)
    requirements: list[RequirementIn] = Field(min_length=1)
    secondary_centers: list[str] = []
    venue_quotas: dict[str, int] = Field(
        {}, description='X-14 各场抽取人数，如 {"GY": 3, "ZY": 2}；省略则主副场共用一个候选池'
    )
    bidder_ids: list[int] = []
    recent_employment_years: int = Field(3, ge=0, le=20)
    max_engagements: int = Field(3, ge=0, le=100)
    engagement_months: int = Field(12, ge=1, le=60)
    excluded_regions: list[str] = []


class Reason(BaseModel):
    reason: str
