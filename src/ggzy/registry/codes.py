"""Identifier codes of market entities and persons, with their check characters.

Each ``validate_*`` function takes what a person typed, normalizes it (NFKC, so full-width characters
become ASCII; surrounding whitespace dropped; letters upper-cased) and returns the normalized value,
or raises :class:`ValidationFailed` with a stable ``code`` (``registry.<kind>.<problem>``) and a
Chinese message naming the code, the position and — for a wrong check character — the expected one.

Algorithms and test vectors: ``reference/cn-standards.md`` §6.1–§6.2.

- 统一社会信用代码, GB 32100-2015: 18 characters, MOD 31 over a 31-character set; positions 9–17 are
  an organisation code (GB 11714) with its own MOD 11 check character.
- 组织机构代码, GB 11714-1997: 8 body characters and one check character (0–9 or X).
- 公民身份号码, GB 11643-1999: 18 characters, ISO 7064 MOD 11-2; the legacy 15-digit number (no check
  digit, two-digit year 19xx) is accepted only where a caller asks for it, and converted to 18.
- 注册号 (legacy business registration number), GS 15-2006 《工商行政管理市场主体注册号编制规则》:
  15 digits, ISO 7064 MOD 11,10 hybrid check digit.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Literal

from ggzy.kit.errors import ValidationFailed

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 32100 position 1, 登记管理部门代码 (cn-standards §6.1).
USCC_AUTHORITIES = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商（市场监管）",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_BODY_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"

USCC = "统一社会信用代码"
ORG_CODE = "组织机构代码"
RESIDENT_ID = "公民身份号码"
REGISTRATION_NO = "注册号"


# ---------------------------------------------------------------------------------------------------
# check characters


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character over positions 1–17 (weights 3^(i-1) mod 31)."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character over the 8 body characters (A=10 … Z=35, MOD 11, 10 → X)."""
    total = sum(_org_value(c) * w for c, w in zip(first8, ORG_CODE_WEIGHTS, strict=True))
    r = 11 - total % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def resident_id_check_char(first17: str) -> str:
    """GB 11643 check character, ISO 7064 MOD 11-2 over the first 17 digits."""
    return RESIDENT_ID_CHECK[sum(int(c) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True)) % 11]


def registration_no_check_digit(first14: str) -> str:
    """ISO 7064 MOD 11,10 (hybrid) check digit of any digit string; GS 15-2006 uses it on 14 digits."""
    p = 10
    for c in first14:
        s = (p + int(c)) % 10 or 10
        p = (s * 2) % 11
    return str((11 - p) % 10)


def _org_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - 55


# ---------------------------------------------------------------------------------------------------
# validators


def validate_uscc(value: str) -> str:
    """Return the 18-character 统一社会信用代码, or raise saying what is wrong and where."""
    code = _normalize(value)
    _expect_length(code, 18, kind="uscc", label=USCC)
    for i, c in enumerate(code, start=1):
        if c not in USCC_CHARS:
            raise _error(
                "uscc.illegal_char",
                f"{USCC}第{i}位「{c}」不是合法字符：只能使用数字和大写字母（不含 I、O、S、V、Z）",
                position=i,
                actual=c,
            )
    if code[0] not in USCC_AUTHORITIES:
        raise _error(
            "uscc.authority",
            f"{USCC}第1位「{code[0]}」不是登记管理部门代码：应为 1–9、A、N 或 Y 之一",
            position=1,
            actual=code[0],
        )
    if not code[2:8].isdigit():
        raise _error(
            "uscc.region",
            f"{USCC}第3–8位应为登记管理机关的行政区划码（6位数字），实际为 {code[2:8]}",
            position=3,
            actual=code[2:8],
        )
    expected_org = org_code_check_char(code[8:16])
    if code[16] != expected_org:
        raise _check_error("uscc.org_check_char", f"{USCC}中的组织机构代码校验位错误", 17, expected_org, code[16])
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise _check_error("uscc.check_char", f"{USCC}校验位错误", 18, expected, code[17])
    return code


def validate_org_code(value: str) -> str:
    """Return the 9-character 组织机构代码 (the printed hyphen ``XXXXXXXX-X`` is accepted and dropped)."""
    code = _normalize(value)
    if len(code) == 10 and code[8] == "-":
        code = code[:8] + code[9]
    _expect_length(code, 9, kind="org_code", label=ORG_CODE)
    for i, c in enumerate(code[:8], start=1):
        if c not in ORG_CODE_BODY_CHARS:
            raise _error(
                "org_code.illegal_char",
                f"{ORG_CODE}第{i}位「{c}」不是合法字符：本体代码只能使用数字和大写字母",
                position=i,
                actual=c,
            )
    expected = org_code_check_char(code[:8])
    if code[8] != expected:
        raise _check_error("org_code.check_char", f"{ORG_CODE}校验位错误", 9, expected, code[8])
    return code


def validate_registration_no(value: str) -> str:
    """Return the legacy 15-digit 注册号 (GS 15-2006), checked with ISO 7064 MOD 11,10."""
    code = _normalize(value)
    _expect_length(code, 15, kind="registration_no", label=REGISTRATION_NO)
    _expect_digits(code, kind="registration_no", label=REGISTRATION_NO)
    expected = registration_no_check_digit(code[:14])
    if code[14] != expected:
        raise _check_error("registration_no.check_char", f"{REGISTRATION_NO}校验位错误", 15, expected, code[14])
    return code


def validate_resident_id(value: str, *, allow_15: bool = False, today: dt.date | None = None) -> str:
    """Return the 18-character 公民身份号码; a 15-digit one is converted only when ``allow_15``.

    ``today`` (from the caller's clock) additionally refuses a birth date in the future.
    """
    number = _normalize(value)
    if len(number) == 15:
        if not allow_15:
            raise _error(
                "resident_id.legacy_15",
                f"{RESIDENT_ID}为15位旧号码：请填写18位{RESIDENT_ID}（可按 GB 11643 升位）",
                actual=number,
            )
        return convert_resident_id_15_to_18(number)
    _expect_length(number, 18, kind="resident_id", label=RESIDENT_ID)
    _expect_digits(number[:17], kind="resident_id", label=RESIDENT_ID)
    if number[17] not in RESIDENT_ID_CHECK:
        raise _error(
            "resident_id.illegal_char",
            f"{RESIDENT_ID}第18位「{number[17]}」不是合法字符：应为数字或 X",
            position=18,
            actual=number[17],
        )
    _check_birth_date(number[6:14], today=today)
    expected = resident_id_check_char(number[:17])
    if number[17] != expected:
        raise _check_error("resident_id.check_char", f"{RESIDENT_ID}校验位错误", 18, expected, number[17])
    return number


def convert_resident_id_15_to_18(value: str) -> str:
    """Upgrade a 15-digit 身份证号 (``RRRRRRYYMMDDSSS``, born 19YY) to 18 digits with its check digit."""
    number = _normalize(value)
    label = f"15位{RESIDENT_ID}"
    _expect_length(number, 15, kind="resident_id", label=label)
    _expect_digits(number, kind="resident_id", label=label)
    # 15-digit numbers were issued before 1999 and carry a two-digit year of the 20th century.
    first17 = number[:6] + "19" + number[6:]
    _check_birth_date(first17[6:14], today=None)
    return first17 + resident_id_check_char(first17)


@dataclass(frozen=True)
class ResidentIdInfo:
    number: str
    region_code: str
    birth_date: dt.date
    sex: Literal["male", "female"]


def resident_id_info(value: str, *, allow_15: bool = False) -> ResidentIdInfo:
    """Validate and decode: address code, birth date, and sex (sequence odd = male, even = female)."""
    number = validate_resident_id(value, allow_15=allow_15)
    birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    sex: Literal["male", "female"] = "male" if int(number[16]) % 2 == 1 else "female"
    return ResidentIdInfo(number=number, region_code=number[:6], birth_date=birth, sex=sex)


# ---------------------------------------------------------------------------------------------------
# helpers


def _normalize(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().upper()


def _expect_length(code: str, length: int, *, kind: str, label: str) -> None:
    if len(code) != length:
        shown = "空" if not code else f"{len(code)}位"
        raise _error(
            f"{kind}.length",
            f"{label}应为{length}位，实际为{shown}：请核对是否多输或漏输了字符",
            expected=length,
            actual=len(code),
        )


def _expect_digits(code: str, *, kind: str, label: str) -> None:
    for i, c in enumerate(code, start=1):
        if not ("0" <= c <= "9"):
            raise _error(f"{kind}.illegal_char", f"{label}第{i}位「{c}」不是数字", position=i, actual=c)


def _check_birth_date(yyyymmdd: str, *, today: dt.date | None) -> None:
    try:
        birth = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        birth = None
    if birth is None or birth.year < 1800 or (today is not None and birth > today):
        raise _error(
            "resident_id.birth_date",
            f"{RESIDENT_ID}第7–14位出生日期 {yyyymmdd} 不是有效日期：请核对证件",
            position=7,
            actual=yyyymmdd,
        )


def _check_error(code: str, what: str, position: int, expected: str, actual: str) -> ValidationFailed:
    return _error(
        code,
        f"{what}：第{position}位应为 {expected}，实际为 {actual}；请核对代码是否抄错",
        position=position,
        expected=expected,
        actual=actual,
    )


def _error(code: str, message: str, **detail: object) -> ValidationFailed:
    return ValidationFailed(message, code=f"registry.{code}", detail=dict(detail))
