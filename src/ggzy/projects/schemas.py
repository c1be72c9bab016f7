from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class ProjectCreate(BaseModel):
    center: str = Field(examples=["GY"], description="受理的交易中心代码")
    name: str = Field(examples=["示例道路改造工程"], min_length=1, max_length=200)
    transaction_type: str = Field(examples=["construction"])
    tenderee_id: int | None = Field(None, description="代理机构代招标人登记时，填写招标人主体编号")
    code: str | None = Field(None, description="省级赋码服务已分配的 17 位项目编号；不填则由平台编号")


class TenderProjectCreate(BaseModel):
    name: str = Field(examples=["示例道路改造工程施工"], max_length=200)
    rule_set: str = Field(examples=["construction.open/2019"])
    estimate: str = Field(examples=["10000000.00"], description="估算价/预算（元，最多两位小数）")
    code: str | None = Field(None, description="已分配的 20 位招标项目编号（须以项目编号开头）")


class SectionCreate(BaseModel):
    name: str = Field(examples=["一标段"], max_length=200)
    estimate: str = Field(examples=["10000000.00"], description="标段估算价/预算（元）")
    code: str | None = Field(None, description="已分配的 23 位标段（包）编号（须以招标项目编号开头）")


class SectionTermsIn(BaseModel):
    code: str
    documents_from: dt.datetime
    documents_until: dt.datetime | None = None
    bid_deadline: dt.datetime
    deposit: str = Field("0", description="保证金（元）")
    deposit_forms: list[str] = Field(default_factory=list, examples=[["cash", "bank_guarantee"]])
    ceiling: str | None = Field(
        None, examples=["9800000.00"], description="最高投标限价（元，可选；条例第二十七条，超过者评标时否决）"
    )


class AnnouncementCreate(BaseModel):
    title: str = Field(max_length=300)
    body: str
    kind: str = Field("tender", description="tender / amendment / clarification")
    affects_bids: bool = Field(True, description="澄清或修改是否可能影响投标文件编制（影响则适用15日规则）")
    sections: list[SectionTermsIn] = Field(default_factory=list)


class ReviewNote(BaseModel):
    note: str


class QuestionCreate(BaseModel):
    text: str = Field(max_length=5000)


class AnswerCreate(BaseModel):
    text: str = Field(max_length=20000)


class TerminateRequest(BaseModel):
    reason: str


class SectionPublic(BaseModel):
    code: str
    name: str
    estimate_fen: int
    status: str
    documents_from: dt.datetime | None
    documents_until: dt.datetime | None
    bid_deadline: dt.datetime | None
    deposit_fen: int
    deposit_forms: list[str]
    ceiling_fen: int | None = None  # 最高投标限价, public with the documents (条例 第二十七条)
    terminated_reason: str | None


class AnnouncementPublic(BaseModel):
    version: int
    kind: str
    status: str
    title: str
    body: str
    published_at: dt.datetime | None
    content_hash: str | None
    signature: str | None = Field(None, description="平台签名（base64, ECDSA-SHA256），用平台证书校验")


class DocumentPublic(BaseModel):
    id: int
    name: str
    media_type: str
    size: int
    sha256: str
    sm3: str


class QAPublic(BaseModel):
    id: int
    text: str
    asked_at: dt.datetime
    answer: str | None
    answered_at: dt.datetime | None


class TenderProjectPublic(BaseModel):
    code: str
    name: str
    project_code: str
    project_name: str
    transaction_type: str
    transaction_type_label: str
    rule_set: str
    rule_set_label: str
    center: str
    tenderee: str
    agency: str | None
    estimate_fen: int
    sections: list[SectionPublic]
    announcements: list[AnnouncementPublic]
    documents: list[DocumentPublic]
    questions: list[QAPublic]
