from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class VenueRead(BaseModel):
    code: str
    name: str
    kind: str
    kind_label: str
    seats: list[str]
    origin_center: str


class CenterRead(BaseModel):
    code: str
    name: str
    short_name: str
    level: str
    level_label: str
    region_code: str | None
    parent: str | None
    address: str
    status: str
    status_label: str
    merged_into: str | None = Field(None, description="整合后承接业务的中心代码；旧代码仍可查询")
    current: str = Field(description="当前承接该代码业务的中心（未整合时为其自身）")


class CenterDetail(CenterRead):
    venues: list[VenueRead]
    former_codes: list[str] = Field(description="已整合进本中心的中心代码")


class VenueCreate(BaseModel):
    code: str = Field(examples=["KB9"], pattern=r"^[A-Z0-9]{1,12}$")
    name: str = Field(examples=["第九开标室"], min_length=1, max_length=100)
    kind: str = Field(examples=["opening"], description="opening（开标室）或 evaluation（评标室）")
    seats: list[str] = Field(examples=[["K01", "K02", "K03"]], min_length=1, max_length=200)


class MergerCreate(BaseModel):
    target: str = Field(examples=["GY"], description="承接的上级中心代码")
    effective_at: dt.datetime = Field(description="生效时间（带时区），到时由时序任务执行")
    reason: str = Field(examples=["黔府办函〔2026〕1号"], min_length=1)


class MergerRead(BaseModel):
    id: int
    source: str
    target: str
    effective_at: dt.datetime
    status: str


class CalendarDayRead(BaseModel):
    date: dt.date
    kind: str
    name: str
    source: str = Field(description="依据：国务院办公厅通知或中心自行登记")


class CalendarYearRead(BaseModel):
    year: int
    source: str = Field(description="依据：国务院办公厅关于该年部分节假日安排的通知")
    origin: str = Field(description="bundled（随版本发布的 holidays_cn.json）或 imported（平台管理员补录）")
    holidays: int = Field(description="放假日条数")
    workdays: int = Field(description="调休上班日条数")
    sha256: str | None = Field(None, description="补录时所存该年数据（规范 JSON）的 SHA-256")
    imported_at: dt.datetime | None = None
