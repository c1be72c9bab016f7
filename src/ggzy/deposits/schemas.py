"""Request bodies of the deposits API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class BankCreate(BaseModel):
    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    account_prefix: str = Field(description="子账号前缀，4–8 位数字")
    cert_pem: str = Field(description="银行通知签名证书（PEM，RSA 或 ECDSA P-256）")
    demand_rate_bp: int = Field(0, ge=0, le=10_000, description="活期存款年利率（基点），用于计算退还利息")


class IssuerCreate(BaseModel):
    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    form: str = Field(description="bank_guarantee 或 insurance_guarantee")
    verify_endpoint: str = Field("", max_length=300)


class GuaranteeCreate(BaseModel):
    issuer_code: str = Field(min_length=1, max_length=20)
    guarantee_no: str = Field(min_length=1, max_length=64)
    amount_fen: int = Field(gt=0, description="保函金额（分）")


class Resolution(BaseModel):
    note: str = Field(min_length=1, max_length=2000)


class Reissue(BaseModel):
    payee_account: str | None = Field(
        None,
        max_length=60,
        description="更正后的收款账号（12–30 位数字）；不更正的留空（劳务费默认用专家资料中的账号）",
    )
    reason: str = Field(max_length=2000, description="重新发出的原因（必填）")
