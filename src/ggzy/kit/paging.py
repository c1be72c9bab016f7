"""Cursor paging: stable under inserts, no OFFSET scans."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ggzy.kit.errors import ValidationFailed

T = TypeVar("T")
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(values: dict[str, Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any]:
    if not cursor:
        return {}
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, json.JSONDecodeError):
        raise ValidationFailed("分页游标无效：请使用上一页返回的 next_cursor。", code="paging.bad_cursor") from None
    if not isinstance(value, dict):
        raise ValidationFailed("分页游标无效：请使用上一页返回的 next_cursor。", code="paging.bad_cursor")
    return value


def check_limit(limit: int | None, default: int = 50) -> int:
    if limit is None:
        return default
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"每页条数必须在 1 到 {MAX_LIMIT} 之间。", code="paging.bad_limit")
    return limit
