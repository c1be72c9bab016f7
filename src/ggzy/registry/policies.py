"""Pure rules of the registry: what a valid entity profile is, and who may do what to an entity.

No session, no clock: callers pass ``today`` and the center nodes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ggzy.authz.roles import role
from ggzy.authz.scope import CenterNode, Principal, has
from ggzy.kit.errors import ValidationFailed
from ggzy.registry import codes

ENTITY_KINDS = {
    "legal_person": "法人",
    "other_org": "非法人组织",
    "sole_trader": "个体工商户",
    "natural_person": "自然人",
}
ORGANISATIONS = ("legal_person", "other_org")
# 主体角色 (LEGAL_ROLE / BODY_ROLE): the parts an entity plays in transactions.
ENTITY_ROLES = {
    "bidder": "投标人",
    "supplier": "供应商",
    "tenderee": "招标人/采购人",
    "agency": "招标代理机构",
    "buyer": "竞买人",
}
# The account role an entity's accounts receive for each part it plays (authz/roles.py).
ACCOUNT_ROLE_FOR = {
    "bidder": "bidder",
    "supplier": "bidder",
    "buyer": "bidder",
    "tenderee": "tenderee",
    "agency": "agency",
}
CREDIT_KINDS = {"violation": "违法违规", "blacklist": "黑名单"}

READ_FULL = ("center:entity:read", "supervision:entity:read")
MANAGE_OWN = "entity:profile:manage"
CORRECT_ANY = "province:entity:manage"
CREDIT_MANAGE = "center:credit:manage"

# The profile fields a change may touch; codes and kind identify the entity and never change.
EDITABLE = (
    "name",
    "license_end_date",
    "legal_represent",
    "represent_id_card",
    "represent_phone",
    "region_code",
    "address",
    "reg_capital_fen",
    "legal_contact",
    "legal_contact_phone",
    "legal_email",
    "roles",
)
IMMUTABLE = ("kind", "uscc", "license_no", "organ_no", "id_card")
PROFILE_FIELDS = IMMUTABLE + EDITABLE

_REGION = re.compile(r"^[1-8]\d{5}$")
_PHONE = re.compile(r"^[0-9+\-() ]{5,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_QUAL_TYPE = re.compile(r"^[0-9A-Z]{6}$")


def _bad(code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, code=f"registry.{code}")


def _text(fields: dict[str, Any], key: str, label: str, max_len: int, *, required: bool = False) -> str | None:
    value = fields.get(key)
    value = value.strip() if isinstance(value, str) else value
    if not value:
        if required:
            raise _bad(f"{key}.required", f"请填写{label}。")
        return None
    if len(value) > max_len:
        raise _bad(f"{key}.too_long", f"{label}最多 {max_len} 个字符，当前 {len(value)} 个。")
    return value


def _phone(fields: dict[str, Any], key: str, label: str, *, required: bool = False) -> str | None:
    value = _text(fields, key, label, 20, required=required)
    if value and not _PHONE.match(value):
        raise _bad(f"{key}.invalid", f"{label} {value} 格式不对：只能包含数字、空格、+、- 和括号，5–20 位。")
    return value


def _codes(kind: str, fields: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """The identifying codes of each kind of entity, validated with their check characters (cn-standards §6)."""
    uscc = codes.validate_uscc(fields["uscc"]) if fields.get("uscc") else None
    license_no = _text(fields, "license_no", "营业执照注册号", 50)
    organ_no = codes.validate_org_code(fields["organ_no"]) if fields.get("organ_no") else None
    # A 15-character number is a GS 15-2006 registration number and carries a check digit; other licences
    # (事业单位法人证书, 社会团体登记证书 …) keep their own formats and are stored as given.
    if license_no and len(license_no) == 15:
        license_no = codes.validate_registration_no(license_no)
    if kind == "natural_person":
        if uscc or license_no or organ_no:
            raise _bad(
                "natural_person.codes", "自然人不填写统一社会信用代码、注册号或组织机构代码，请填写公民身份号码。"
            )
        if not fields.get("id_card"):
            raise _bad("id_card.required", "自然人须填写18位公民身份号码。")
        id_card = codes.validate_resident_id(fields["id_card"], today=today)
        return {"uscc": None, "license_no": None, "organ_no": None, "id_card": id_card}
    if fields.get("id_card"):
        raise _bad("id_card.not_allowed", "只有自然人以公民身份号码登记；单位和个体工商户请填写统一社会信用代码。")
    if uscc:
        if (uscc[:2] == "92") != (kind == "sole_trader"):
            expected = "个体工商户" if uscc[:2] == "92" else "法人或非法人组织"
            raise _bad("uscc.kind", f"统一社会信用代码 {uscc} 的第1–2位表明该主体为{expected}，与所选主体类型不符。")
        if organ_no and organ_no != uscc[8:17]:
            raise _bad(
                "organ_no.mismatch",
                f"组织机构代码 {organ_no} 与统一社会信用代码第9–17位 {uscc[8:17]} 不一致：请核对，或不填组织机构代码。",
            )
        organ_no = uscc[8:17]
    elif kind == "sole_trader":
        if not license_no:
            raise _bad("uscc.required", "个体工商户须填写统一社会信用代码，尚未换发的填写15位营业执照注册号。")
    elif not (license_no and organ_no):
        raise _bad(
            "uscc.required",
            "请填写18位统一社会信用代码；尚未换发的，请同时填写营业执照注册号和9位组织机构代码。",
        )
    return {"uscc": uscc, "license_no": license_no, "organ_no": organ_no, "id_card": None}


def check_profile(kind: str, fields: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """Validate and normalise a whole profile; raises with the first problem, naming the field."""
    if kind not in ENTITY_KINDS:
        raise _bad(
            "kind.invalid",
            f"主体类型 {kind!r} 无效：可选 {'、'.join(f'{k}（{v}）' for k, v in ENTITY_KINDS.items())}。",
        )
    out: dict[str, Any] = {"kind": kind, **_codes(kind, fields, today)}
    out["name"] = _text(fields, "name", "主体名称", 200, required=True)
    natural = kind == "natural_person"
    out["legal_represent"] = _text(fields, "legal_represent", "法定代表人（负责人）姓名", 20, required=not natural)
    if natural:
        out["legal_represent"] = out["legal_represent"] or out["name"][:20]
    rid = fields.get("represent_id_card")
    out["represent_id_card"] = codes.validate_resident_id(rid, today=today) if rid and not natural else None
    if kind == "sole_trader" and not out["represent_id_card"]:
        raise _bad("represent_id_card.required", "个体工商户须填写经营者的18位公民身份号码。")
    out["represent_phone"] = _phone(fields, "represent_phone", "法定代表人联系电话")
    region = (fields.get("region_code") or "").strip()
    if not _REGION.match(region):
        raise _bad(
            "region_code.invalid", f"行政区划代码须为6位数字（GB/T 2260），如贵阳市 520100；实际为「{region}」。"
        )
    out["region_code"] = region
    out["address"] = _text(fields, "address", "地址", 300) or ""
    capital = fields.get("reg_capital_fen")
    if capital is not None and (not isinstance(capital, int) or isinstance(capital, bool) or capital < 0):
        raise _bad("reg_capital.invalid", "注册资本须为不小于 0 的金额（以分计）。")
    out["reg_capital_fen"] = capital
    out["legal_contact"] = _text(fields, "legal_contact", "联系人", 20) or ""
    out["legal_contact_phone"] = _phone(fields, "legal_contact_phone", "联系人电话") or ""
    email = _text(fields, "legal_email", "电子邮箱", 100)
    if email and not _EMAIL.match(email):
        raise _bad("legal_email.invalid", f"电子邮箱 {email} 格式不对，应如 name@example.com。")
    out["legal_email"] = email
    out["license_end_date"] = fields.get("license_end_date")
    out["roles"] = check_roles(fields.get("roles") or [])
    return out


def check_roles(roles: list[str]) -> list[str]:
    unknown = [r for r in roles if r not in ENTITY_ROLES]
    if unknown or not roles:
        choices = "、".join(f"{k}（{v}）" for k, v in ENTITY_ROLES.items())
        raise _bad("roles.invalid", f"请至少选择一个主体角色，可选：{choices}。")
    return [r for r in ENTITY_ROLES if r in roles]


def encode_roles(roles: list[str]) -> str:
    return "," + ",".join(roles) + ","


def decode_roles(stored: str) -> list[str]:
    return [r for r in stored.split(",") if r]


def check_qualification(
    *,
    qual_type: str,
    qual_name: str,
    qual_level: str,
    qual_cert_no: str,
    issuer: str,
    valid_from: dt.date,
    end: dt.date,
) -> None:
    """资质 fields of data sets 103/106: QUAL_TYPE has 6 characters; the validity period must not be inverted."""
    if not _QUAL_TYPE.match(qual_type or ""):
        raise _bad("qual_type.invalid", f"资质类别代码（QUAL_TYPE）须为6位数字或大写字母，实际为「{qual_type}」。")
    for value, label, n in (
        (qual_name, "资质名称", 50),
        (qual_level, "资质等级", 20),
        (qual_cert_no, "资质证书编号", 50),
    ):
        if not value or not value.strip() or len(value) > n:
            raise _bad("qualification.invalid", f"请填写{label}（不超过 {n} 个字符）。")
    if not issuer or not issuer.strip():
        raise _bad("qualification.issuer", "请填写资质证书的发证机关。")
    if end < valid_from:
        raise _bad("qualification.period", f"资质证书有效期截止日 {end} 早于起始日 {valid_from}：请核对。")


def check_credit_period(kind: str, start: dt.datetime, end: dt.datetime | None) -> None:
    """A blacklist entry always has an end (BLACK_LIST: 限制期限); no period may end before it starts."""
    if kind not in CREDIT_KINDS:
        raise _bad("credit.kind", "信用记录类型须为 violation（违法违规）或 blacklist（黑名单）。")
    if kind == "blacklist" and end is None:
        raise _bad("credit.end_required", "黑名单记录须填写限制期限的结束时间（confined_end）。")
    if end is not None and end <= start:
        raise _bad("credit.period", "限制行为结束时间须晚于开始时间：请核对处理决定的期限。")


# --- who may do what -----------------------------------------------------------------------------------


def holds(principal: Principal, permission: str) -> bool:
    """An entity-scope permission (held for the principal's own entity, not for centers)."""
    return any(permission in role(g.role).permissions for g in principal.grants)


def is_own(principal: Principal, entity_id: int) -> bool:
    return principal.entity_id == entity_id and holds(principal, MANAGE_OWN)


def reads_full(principal: Principal, entity_id: int, nodes: list[CenterNode]) -> bool:
    """The entity's own accounts, center staff and regulators (read-only) see the full record."""
    return is_own(principal, entity_id) or any(has(principal, p, nodes) for p in READ_FULL)


def may_edit(principal: Principal, entity_id: int, nodes: list[CenterNode]) -> bool:
    """The entity itself, or a platform administrator correcting a record (province:entity:manage)."""
    return is_own(principal, entity_id) or has(principal, CORRECT_ANY, nodes)
