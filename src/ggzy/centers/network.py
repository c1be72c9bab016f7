"""The province's network of trading centers, read from data and checked before anything uses it.

``data/guizhou.json`` describes the Guizhou network ("全省一张网", cn-standards §9 GZ-2/GZ-3): the
provincial center, the nine city and prefecture centers, the Gui'an New Area center and county
centers, each with its venues — opening rooms (开标室) and evaluation rooms (评标室) with numbered seats.

Center codes: ``GZ`` for the province; two or three pinyin initials for a city or prefecture (``GY``
贵阳, ``QDN`` 黔东南) and for the new area (``GA``); ``<parent>-<initials>`` for a county (``GY-QZ`` 清镇).
Codes are stable identifiers: once published they never change.

The loader is pure: it reads the file, checks every rule below and returns frozen specs, or raises
:class:`ValidationFailed` naming the bad entry. The database models for centers are built from these
specs elsewhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from ggzy.kit.errors import ValidationFailed

CODE_PATTERN = re.compile(r"^[A-Z]{2,4}(-[A-Z]{2,4})?$")
REGION_PATTERN = re.compile(r"^\d{6}$")
SEAT_PREFIX_PATTERN = re.compile(r"^[A-Z]$")


class CenterLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    NEW_AREA = "new_area"
    COUNTY = "county"

    @property
    def rank(self) -> int:
        """0 for the province, 1 for cities, prefectures and new areas, 2 for counties."""
        return {"province": 0, "city": 1, "new_area": 1, "county": 2}[self.value]

    @property
    def label(self) -> str:
        return {"province": "省级", "city": "市（州）级", "new_area": "新区", "county": "县级"}[self.value]


class VenueKind(StrEnum):
    OPENING = "opening"  # 开标室
    EVALUATION = "evaluation"  # 评标室

    @property
    def label(self) -> str:
        return "开标室" if self is VenueKind.OPENING else "评标室"


@dataclass(frozen=True)
class VenueSpec:
    code: str
    name: str
    kind: VenueKind
    seats: tuple[str, ...]
    remote_evaluation: bool = False

    @property
    def capacity(self) -> int:
        return len(self.seats)


@dataclass(frozen=True)
class CenterSpec:
    code: str
    name: str
    short_name: str
    level: CenterLevel
    region_code: str | None
    parent: str | None
    address: str
    venues: tuple[VenueSpec, ...]
    # The 6-digit GB/T 2260 code sent where one is mandatory; equals region_code unless that is None.
    reporting_region_code: str
    internal_region_code: str | None = None
    note: str = ""

    def venues_of(self, kind: VenueKind) -> tuple[VenueSpec, ...]:
        return tuple(v for v in self.venues if v.kind is kind)


DEFAULT_PATH = "guizhou.json"


def load_network(path: str | Path | None = None) -> list[CenterSpec]:
    """Read and check a network file (the bundled Guizhou network by default)."""
    if path is None:
        text = resources.files("ggzy.centers").joinpath("data", DEFAULT_PATH).read_text(encoding="utf-8")
        source = DEFAULT_PATH
    else:
        text = Path(path).read_text(encoding="utf-8")
        source = str(path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _invalid("network.json", f"中心网络文件 {source} 不是有效的 JSON：第{exc.lineno}行 {exc.msg}") from exc
    return parse_network(document)


def parse_network(document: Mapping[str, Any]) -> list[CenterSpec]:
    """Check a decoded network document; centers come parents first (by level, then file order)."""
    province = document.get("province") or {}
    province_code = str(province.get("region_code", ""))
    if not REGION_PATTERN.match(province_code) or not province_code.endswith("0000"):
        raise _invalid("network.province", "中心网络文件缺少省级行政区划代码 province.region_code（如 520000）")
    entries = document.get("centers")
    if not isinstance(entries, list) or not entries:
        raise _invalid("network.centers", "中心网络文件缺少 centers 列表")
    raw = [_raw_center(entry, index) for index, entry in enumerate(entries, start=1)]
    by_code = _unique_codes(raw)
    centers = [_center(entry, by_code, province_code) for entry in raw]
    _one_root(centers)
    return sorted(centers, key=lambda c: c.level.rank)


def _raw_center(entry: Any, index: int) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise _invalid("network.center", f"centers 第{index}项不是对象")
    for key in ("code", "name", "short_name", "level", "address"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            who = entry.get("code") or f"第{index}项"
            raise _invalid("network.center.field", f"交易中心 {who} 缺少字段 {key}", center=who, field=key)
    if not CODE_PATTERN.match(entry["code"]):
        raise _invalid(
            "network.center.code",
            f"交易中心代码 {entry['code']!r} 不合规则：应为 2–4 个大写字母，县级为“上级代码-字母”（如 GY-QZ）",
            center=entry["code"],
        )
    try:
        CenterLevel(entry["level"])
    except ValueError:
        raise _invalid(
            "network.center.level",
            f"交易中心 {entry['code']} 的层级 {entry['level']!r} 无效：应为 province、city、new_area 或 county",
            center=entry["code"],
        ) from None
    return entry


def _unique_codes(raw: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    by_code: dict[str, dict[str, Any]] = {}
    for entry in raw:
        if entry["code"] in by_code:
            raise _invalid("network.center.duplicate", f"交易中心代码 {entry['code']} 重复出现", center=entry["code"])
        by_code[entry["code"]] = entry
    return by_code


def _center(entry: dict[str, Any], by_code: Mapping[str, dict[str, Any]], province_code: str) -> CenterSpec:
    code = entry["code"]
    level = CenterLevel(entry["level"])
    parent = _check_parent(code, level, entry.get("parent"), by_code)
    region = entry.get("region_code")
    parent_region = by_code[parent].get("region_code") if parent else None
    if region is None:
        reporting = _check_regionless(code, level, entry, province_code)
    else:
        _check_region(code, level, str(region), province_code, parent_region)
        reporting = region
    return CenterSpec(
        code=code,
        name=entry["name"],
        short_name=entry["short_name"],
        level=level,
        region_code=region,
        parent=parent,
        address=entry["address"],
        venues=_venues(code, entry.get("venues")),
        reporting_region_code=reporting,
        internal_region_code=entry.get("internal_region_code"),
        note=entry.get("note", ""),
    )


def _check_parent(
    code: str, level: CenterLevel, parent: str | None, by_code: Mapping[str, dict[str, Any]]
) -> str | None:
    if level is CenterLevel.PROVINCE:
        if parent is not None:
            raise _invalid("network.center.parent", f"省级交易中心 {code} 不能有上级中心", center=code)
        return None
    if parent not in by_code:
        raise _invalid(
            "network.center.parent",
            f"交易中心 {code} 的上级中心 {parent!r} 不存在",
            center=code,
            parent=parent,
        )
    parent_level = CenterLevel(by_code[parent]["level"])
    if parent_level.rank >= level.rank:
        raise _invalid(
            "network.center.parent_level",
            f"交易中心 {code}（{level.label}）的上级 {parent} 是{parent_level.label}：上级中心的层级必须更高",
            center=code,
            parent=parent,
        )
    if level is CenterLevel.COUNTY and not code.startswith(f"{parent}-"):
        raise _invalid(
            "network.center.code",
            f"县级交易中心代码 {code} 应以上级代码 {parent}- 开头",
            center=code,
            parent=parent,
        )
    return parent


def _check_region(code: str, level: CenterLevel, region: str, province_code: str, parent_region: str | None) -> None:
    if not REGION_PATTERN.match(region):
        raise _invalid(
            "network.center.region",
            f"交易中心 {code} 的行政区划代码 {region!r} 应为6位数字（GB/T 2260）",
            center=code,
        )
    if region[:2] != province_code[:2]:
        raise _invalid(
            "network.center.region",
            f"交易中心 {code} 的行政区划代码 {region} 不在本省（{province_code[:2]}xxxx）内",
            center=code,
        )
    expected_shape = {
        CenterLevel.PROVINCE: region == province_code,
        CenterLevel.CITY: region.endswith("00") and not region.endswith("0000"),
        CenterLevel.NEW_AREA: not region.endswith("0000"),
        CenterLevel.COUNTY: not region.endswith("00"),
    }[level]
    if not expected_shape:
        raise _invalid(
            "network.center.region",
            f"交易中心 {code} 是{level.label}中心，但行政区划代码 {region} 不是{level.label}代码",
            center=code,
        )
    if level is CenterLevel.COUNTY and parent_region and region[:4] != parent_region[:4]:
        raise _invalid(
            "network.center.region",
            f"县级交易中心 {code} 的行政区划代码 {region} 不在上级中心的行政区 {parent_region} 之下",
            center=code,
        )


def _check_regionless(code: str, level: CenterLevel, entry: Mapping[str, Any], province_code: str) -> str:
    """Only a new area may lack a GB/T 2260 code, and it must say what to report instead and why."""
    reporting = str(entry.get("reporting_region_code", ""))
    if (
        level is not CenterLevel.NEW_AREA
        or not entry.get("note")
        or not REGION_PATTERN.match(reporting)
        or reporting[:2] != province_code[:2]
    ):
        raise _invalid(
            "network.center.region",
            f"交易中心 {code} 缺少行政区划代码：只有没有 GB/T 2260 代码的新区可以留空，"
            "且须填写 reporting_region_code（本省6位代码）并在 note 中说明",
            center=code,
        )
    return reporting


def _venues(center: str, entries: Any) -> tuple[VenueSpec, ...]:
    if not isinstance(entries, list):
        raise _invalid("network.venue", f"交易中心 {center} 缺少 venues 列表", center=center)
    venues = tuple(_venue(center, entry) for entry in entries)
    for attr, what in (("code", "场地代码"), ("name", "场地名称")):
        values = [getattr(v, attr) for v in venues]
        duplicates = sorted({x for x in values if values.count(x) > 1})
        if duplicates:
            raise _invalid("network.venue.duplicate", f"交易中心 {center} 的{what} {duplicates[0]} 重复", center=center)
    prefixes = [v.seats[0][0] for v in venues]
    if len(set(prefixes)) != len(prefixes):
        raise _invalid("network.venue.seat_prefix", f"交易中心 {center} 的场地席位字母重复", center=center)
    return venues


def _venue(center: str, entry: Any) -> VenueSpec:
    name = entry.get("name") if isinstance(entry, dict) else None
    where = f"交易中心 {center} 的场地 {name or entry!r}"
    if not isinstance(entry, dict) or not entry.get("code") or not name:
        raise _invalid("network.venue", f"{where} 缺少 code 或 name", center=center)
    try:
        kind = VenueKind(entry.get("kind"))
    except ValueError:
        raise _invalid(
            "network.venue.kind",
            f"{where} 的类型应为 opening（开标室）或 evaluation（评标室）",
            center=center,
        ) from None
    seats, prefix = entry.get("seats"), str(entry.get("seat_prefix", ""))
    if not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= 99:
        raise _invalid("network.venue.seats", f"{where} 的席位数应为 1–99 的整数", center=center)
    if not SEAT_PREFIX_PATTERN.match(prefix):
        raise _invalid("network.venue.seat_prefix", f"{where} 的席位字母应为一个大写字母", center=center)
    return VenueSpec(
        code=entry["code"],
        name=name,
        kind=kind,
        seats=tuple(f"{prefix}{n:02d}" for n in range(1, seats + 1)),
        remote_evaluation=bool(entry.get("remote_evaluation", False)),
    )


def _one_root(centers: list[CenterSpec]) -> None:
    roots = [c.code for c in centers if c.level is CenterLevel.PROVINCE]
    if len(roots) != 1:
        raise _invalid("network.province", f"中心网络应恰有一个省级交易中心，实际为 {len(roots)} 个：{roots}")


def _invalid(code: str, message: str, **detail: Any) -> ValidationFailed:
    return ValidationFailed(message, code=code, detail=detail)
