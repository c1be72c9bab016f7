from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class TokenRequest(BaseModel):
    username: str = Field(examples=["admin"])
    password: str = Field(examples=["Ggzy-demo-2026"])
    name: str = Field(default="api", max_length=100, description="令牌用途，便于日后注销")


class TokenIssued(BaseModel):
    token: str
    expires_at: dt.datetime
    token_type: str = "bearer"


class GrantRead(BaseModel):
    role: str
    role_label: str
    center: str | None
    industry: str | None
    region_code: str | None


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    kind: str
    home_center: str | None
    grants: list[GrantRead]


class AccountCreate(BaseModel):
    username: str = Field(examples=["gy.staff2"])
    display_name: str = Field(examples=["王五"])
    kind: str = Field(examples=["staff"], description="staff / regulator / entity / expert")
    password: str | None = Field(default=None, examples=["Ggzy-demo-2026"])
    home_center: str | None = Field(default=None, examples=["GY"])
    role: str | None = Field(default=None, examples=["center_staff"])
    industry: str | None = None
    region_code: str | None = None


class AccountRead(BaseModel):
    id: int
    username: str
    display_name: str
    kind: str
    status: str
    home_center: str | None
