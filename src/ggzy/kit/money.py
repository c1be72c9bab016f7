"""Money is integer fen (分). Parsing and formatting never go through float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ggzy.kit.errors import ValidationFailed

_YUAN = re.compile(r"^-?\d{1,15}(\.\d{1,2})?$")


def yuan_to_fen(text: str | int | Decimal) -> int:
    """Parse an amount in yuan ("12345.67", Decimal or int yuan) into fen, refusing sub-fen precision."""
    if isinstance(text, bool):
        raise ValidationFailed("金额格式错误：请填写以元为单位、最多两位小数的数字。", code="money.invalid")
    if isinstance(text, int):
        return text * 100
    raw = str(text).strip().replace(",", "")
    if isinstance(text, Decimal):
        try:
            fen = text * 100
        except InvalidOperation:
            raise ValidationFailed("金额格式错误。", code="money.invalid") from None
        if fen != fen.to_integral_value():
            raise ValidationFailed("金额只能精确到分（两位小数）。", code="money.precision")
        return int(fen)
    if not _YUAN.match(raw):
        raise ValidationFailed(
            f"金额 {raw!r} 格式错误：请填写以元为单位、最多两位小数的数字，如 12345.67。", code="money.invalid"
        )
    return int(Decimal(raw) * 100)


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_yuan(fen: int) -> str:
    """Show fen as yuan with thousands separators: 1234567 → '12,345.67 元'."""
    return f"{fen_to_yuan(fen):,.2f} 元"


def percent_of(fen: int, numerator: int, denominator: int) -> int:
    """A share of an amount in whole fen, rounded down (caps such as 2 % must never round up)."""
    return (fen * numerator) // denominator
