"""API shapes of the registry. ``*Public`` shapes are what anyone may see; the visibility module decides."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class QualificationPublic(BaseModel):
    id: int
    qual_type: str = Field(description="资质序列、行业和专业类别（QUAL_TYPE）")
    qual_name: str = Field(description="资质名称（QUAL_NAME）")
    qual_level: str = Field(description="资质等级（QUAL_LEVEL）")
    qual_cert_no: str = Field(description="资质证书编号（QUAL_CERT_NO）")
    issuer: str
    valid_from: dt.date
    qual_cert_end_date: dt.date = Field(description="资质证书失效日期（QUAL_CERT_END_DATE）")
    in_force: bool


class QualificationRead(QualificationPublic):
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdrawn_reason: str | None


class CreditRecordPublic(BaseModel):
    record_code: str = Field(description="违法违规信息标识号 / 黑名单标识号（VIOLATING_CODE / BLACKLIST_CODE）")
    kind: str = Field(description="violation（违法违规，300）或 blacklist（黑名单，302）")
    kind_label: str
    title: str = Field(description="违规事项名称（VIOLATING_NAME）")
    reason: str = Field(description="违法违规说明 / 处罚原因")
    government: str = Field(description="处罚部门（GOVERNMENT）")
    document_code: str = Field(description="处理文件文号（DOCUMENT_CODE）")
    punishment_result: str
    confined_action: str
    record_date: dt.date = Field(description="处罚日期（RECORD_DATE）")
    confined_start: dt.datetime
    confined_end: dt.datetime | None


class CreditRecordRead(CreditRecordPublic):
    id: int
    body_role: str | None
    punishment_basis: str
    violating_time: dt.date | None
    tender_project_code: str | None
    tender_project_name: str | None
    published: bool
    in_force: bool
    center: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_reason: str | None


class EntityPublic(BaseModel):
    """The open-data shape: never an ID number, a phone number, a contact or the capital."""

    id: int
    name: str = Field(description="主体名称（LEGAL_NAME）")
    legal_code: str | None = Field(description="主体代码：统一社会信用代码，或旧营业执照注册号/组织机构代码")
    kind: str
    kind_label: str
    roles: list[str] = Field(description="主体角色（LEGAL_ROLE）")
    region_code: str = Field(description="行政区域代码（REGION_CODE, GB/T 2260）")
    status: str
    registered_center: str
    registered_at: dt.datetime
    qualifications: list[QualificationPublic]
    credit_records: list[CreditRecordPublic]


class EntityFull(BaseModel):
    """The whole record, for the entity's own accounts, center staff and regulators."""

    id: int
    name: str
    kind: str
    kind_label: str
    uscc: str | None
    license_no: str | None = Field(description="营业执照号码（LICENSE_NO）")
    license_end_date: dt.date | None
    organ_no: str | None = Field(description="组织机构代码（ORGAN_NO）")
    id_card: str | None = Field(description="自然人公民身份号码（ID_CARD）")
    legal_represent: str = Field(description="法定代表人姓名（LEGAL_REPRESENT）")
    represent_id_card: str | None
    represent_phone: str | None = Field(description="法人代表联系电话（REPRESENT_PHONE）")
    region_code: str
    address: str = Field(description="法人机构地址（LEGAL_UNIT_ADDRESS）")
    reg_capital_fen: int | None = Field(description="注册资本，人民币分（REG_CAPITAL）")
    legal_contact: str
    legal_contact_phone: str
    legal_email: str | None
    roles: list[str]
    status: str
    registered_center: str
    registered_at: dt.datetime
    updated_at: dt.datetime
    version: int
    qualifications: list[QualificationRead]
    credit_records: list[CreditRecordRead]


class EntityPage(BaseModel):
    items: list[EntityPublic]
    next_cursor: str | None


class AccountCreate(BaseModel):
    username: str = Field(examples=["qianzhu.li"])
    display_name: str = Field(examples=["李经办"], max_length=100)
    password: str = Field(examples=["Strong-pass-2026"], description="至少 10 位；日后可改用 CA 证书登录")


class _Profile(BaseModel):
    name: str | None = Field(None, max_length=200, examples=["贵州黔筑建设工程有限公司"])
    license_end_date: dt.date | None = None
    legal_represent: str | None = Field(None, max_length=20)
    represent_id_card: str | None = Field(None, max_length=18)
    represent_phone: str | None = Field(None, max_length=20)
    region_code: str | None = Field(None, examples=["520100"])
    address: str | None = Field(None, max_length=300)
    reg_capital_fen: int | None = Field(None, ge=0, description="注册资本，人民币分")
    legal_contact: str | None = Field(None, max_length=20)
    legal_contact_phone: str | None = Field(None, max_length=20)
    legal_email: str | None = Field(None, max_length=100)
    roles: list[str] | None = Field(None, examples=[["bidder"]])


class EntityRegister(_Profile):
    center: str = Field(examples=["GY-QZ"], description="办理登记的交易中心（任一中心，全省即时生效）")
    kind: str = Field(examples=["legal_person"], description="legal_person、other_org、sole_trader 或 natural_person")
    uscc: str | None = Field(None, max_length=30, examples=["91520100MA6DKQ7X1B"])
    license_no: str | None = Field(None, max_length=50)
    organ_no: str | None = Field(None, max_length=12)
    id_card: str | None = Field(None, max_length=18, description="自然人登记时的公民身份号码")
    account: AccountCreate


class EntityUpdate(_Profile):
    reason: str = Field("", max_length=500, description="变更原因，记入版本历史")
    expected_version: int | None = Field(None, description="读取时的版本号；已被他人修改时拒绝（409）")


class QualificationCreate(BaseModel):
    qual_type: str = Field(examples=["D10101"])
    qual_name: str = Field(examples=["建筑工程施工总承包"])
    qual_level: str = Field(examples=["二级"])
    qual_cert_no: str = Field(examples=["D252012345"])
    issuer: str = Field(examples=["贵州省住房和城乡建设厅"])
    valid_from: dt.date
    qual_cert_end_date: dt.date


class Withdrawal(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class CreditRecordCreate(BaseModel):
    kind: str = Field(examples=["violation"])
    center: str | None = Field(None, description="录入中心代码；缺省为录入人所属中心")
    title: str = Field(max_length=600, examples=["串通投标"])
    reason: str = Field(min_length=1)
    body_role: str | None = Field(None, examples=["bidder"])
    government: str = Field(max_length=200, examples=["贵阳市住房和城乡建设局"])
    document_code: str = Field(max_length=50, examples=["筑建罚〔2026〕12号"])
    punishment_basis: str = ""
    punishment_result: str = ""
    confined_action: str = Field("", max_length=200)
    violating_time: dt.date | None = None
    record_date: dt.date
    confined_start: dt.datetime
    confined_end: dt.datetime | None = None
    tender_project_code: str | None = Field(None, max_length=20)
    tender_project_name: str | None = Field(None, max_length=200)
    published: bool = True


class EntityVersionRead(BaseModel):
    version: int
    at: dt.datetime
    actor_name: str
    reason: str
    changed: list[str]
    snapshot: dict
    snapshot_hash: str


class Registered(BaseModel):
    entity: EntityFull
    account: str = Field(description="新开设账户的用户名")
