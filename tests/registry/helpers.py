"""Shared values for the registry tests: valid codes made by the check algorithms, and a registration body."""

from __future__ import annotations

from ggzy.registry import codes
from ggzy.registry.seed import make_resident_id, make_uscc

USCC = make_uscc("91", "520181", "MA6F2K41")  # registered at the Qingzhen county center
REPRESENT_ID = make_resident_id("52018119850612003")
PERSON_ID = "11010519491231002X"  # the GB 11643 example
PHONE = "13985559999"
REPRESENT_PHONE = "0851-82229999"
EMAIL = "secret.contact@example.cn"
CONTACT = "秘密联系人"
ORG_BODY = "52345678"
ORGAN_NO = ORG_BODY + codes.org_code_check_char(ORG_BODY)
LICENSE_NO = "52010000012345" + codes.registration_no_check_digit("52010000012345")

PRIVATE_VALUES = (REPRESENT_ID, PERSON_ID, PHONE, REPRESENT_PHONE, EMAIL, CONTACT)


def profile(**overrides) -> dict:
    fields = {
        "name": "清镇示范机电安装有限公司",
        "uscc": USCC,
        "legal_represent": "周清镇",
        "represent_id_card": REPRESENT_ID,
        "represent_phone": REPRESENT_PHONE,
        "region_code": "520181",
        "address": "贵州省清镇市示范路 9 号",
        "reg_capital_fen": 123_456_700,
        "legal_contact": CONTACT,
        "legal_contact_phone": PHONE,
        "legal_email": EMAIL,
        "roles": ["bidder"],
    }
    fields.update(overrides)
    return fields


def registration(username: str = "qz.jingban", **overrides) -> dict:
    return {
        "center": "GY-QZ",
        "kind": "legal_person",
        **profile(**overrides),
        "account": {"username": username, "display_name": "清镇经办", "password": "Strong-pass-2026"},
    }
