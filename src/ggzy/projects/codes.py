"""Hierarchical, immutable transaction codes (cn-standards §3.3): project 17 → tender project 20 → section 23.

The national composition of the 17-character project code is not published in the reference we hold
(§3.3 [R]); only the lengths and the prefix property are normative. ggzy issues ``P`` + the 6-digit GB/T
2260 region code + ``yymmdd`` + a 4-digit daily serial, and accepts any 17-character code a provincial
赋码 service issued instead. Tender projects and sections append 3-digit serials.
"""

from __future__ import annotations

import datetime as dt
import re

from ggzy.kit.errors import ValidationFailed

PROJECT_LEN, TENDER_PROJECT_LEN, SECTION_LEN = 17, 20, 23
_CODE = re.compile(r"^[0-9A-Z]+$")


def project_code(region_code: str, day: dt.date, serial: int) -> str:
    if not re.fullmatch(r"\d{6}", region_code) or not 1 <= serial <= 9999:
        raise ValueError("region code must be 6 digits and serial 1..9999")
    return f"P{region_code}{day:%y%m%d}{serial:04d}"


def child_code(parent: str, serial: int) -> str:
    if not 1 <= serial <= 999:
        raise ValidationFailed("同一上级下最多 999 个招标项目或标段（包）。", code="projects.code_serial")
    return f"{parent}{serial:03d}"


def check_code(code: str, *, kind: str, parent: str | None = None) -> str:
    """Validate a code's length, characters and prefix; returns it upper-cased."""
    expected = {"project": PROJECT_LEN, "tender_project": TENDER_PROJECT_LEN, "section": SECTION_LEN}[kind]
    label = {"project": "项目编号", "tender_project": "招标项目编号", "section": "标段（包）编号"}[kind]
    code = code.strip().upper()
    if len(code) != expected:
        raise ValidationFailed(
            f"{label}须为 {expected} 位，实际为 {len(code)} 位：{code}",
            code="projects.code_length",
            detail={"expected": expected, "actual": len(code)},
        )
    if not _CODE.match(code):
        raise ValidationFailed(f"{label}只能包含数字和大写字母：{code}", code="projects.code_chars")
    if parent is not None and not code.startswith(parent):
        raise ValidationFailed(
            f"{label} {code} 必须以上级编号 {parent} 开头（编号逐级包含，不可更改）。", code="projects.code_prefix"
        )
    return code
