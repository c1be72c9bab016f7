"""Expert fee tariffs (评审费/劳务报酬) as published data, and the fee computed from them. Pure.

No national tariff exists; each expert library (专家库) publishes its own (cn-standards §4.4). A tariff here is
one published version of one library's standard: the project types it covers, its effective dates, a base
amount for a first bracket of time, then steps (each started unit of time within a bracket costs a fixed
amount), the committee leader's surcharge, the remote-site (远程异地评标 副场) surcharge, a daily cap and how a
partial unit is counted. Every number carries its source. The amount is computed, never negotiated.

Remote multi-site evaluation (发改办法规〔2025〕807号, X-13): an expert may be paid by the tariff of the home
library or of the main venue's library; "就高不就低" — the platform computes both and pays the higher.

**Demo figures.** The Guizhou GP 2019 notice of 贵州省财政厅 applies to the 贵州省综合评标专家库, but its
amounts were not retrieved (cn-standards §4.4, GZ-5). The ``GZ`` tariff below therefore carries *demo*
figures, marked ``demo=True`` and shown as such on the public page; replace them with the notice's figures
(as a new version with its effective date) before use. The Anhui and Guangdong tariffs are the published
figures quoted in cn-standards §4.4 [V2].
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from ggzy.kit.errors import NotFound, ValidationFailed


class Rounding(StrEnum):
    CEIL = "ceil"  # every started unit counts in full
    OVER_HALF = "over_half"  # a remainder of at most half a unit is ignored, more counts as a full unit


class Role(StrEnum):
    MEMBER = "member"
    LEADER = "leader"  # 评标委员会主任委员/组长


@dataclass(frozen=True)
class Step:
    """After the base bracket and up to ``until_minutes`` (None: without end), each unit of time costs ``unit_fen``."""

    until_minutes: int | None
    unit_minutes: int
    unit_fen: int


@dataclass(frozen=True)
class Tariff:
    library: str  # expert library code, e.g. GZ (贵州省综合评标专家库)
    library_name: str
    version: str
    project_types: frozenset[str]  # transaction types (projects.rulesets.TransactionType values)
    effective_from: dt.date
    effective_until: dt.date | None
    base_minutes: int
    base_fen: int
    steps: tuple[Step, ...]
    rounding: Rounding
    source: str
    leader_fen: int = 0
    remote_fen: int = 0
    daily_cap_fen: int | None = None
    senior_base_fen: int | None = None  # a higher base for senior experts where the standard has one
    demo: bool = False
    sources: dict[str, str] = field(default_factory=dict)  # per-number sources where they differ from ``source``

    @property
    def key(self) -> str:
        return f"{self.library}/{self.version}"

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_until is None or on <= self.effective_until)

    def source_of(self, number: str) -> str:
        return self.sources.get(number, self.source)


@dataclass(frozen=True)
class FeeLine:
    label: str
    fen: int
    source: str


@dataclass(frozen=True)
class FeeBreakdown:
    tariff: str
    demo: bool
    minutes: int
    lines: tuple[FeeLine, ...]
    total_fen: int
    compared: tuple[tuple[str, int], ...] = ()  # (tariff key, total) for every library considered (就高不就低)

    def as_dict(self) -> dict:
        return {
            "tariff": self.tariff,
            "demo": self.demo,
            "minutes": self.minutes,
            "total_fen": self.total_fen,
            "lines": [{"label": x.label, "fen": x.fen, "source": x.source} for x in self.lines],
            "compared": [{"tariff": k, "total_fen": v} for k, v in self.compared],
        }


HIGHEST_SOURCE = "发改办法规〔2025〕807号（远程异地评标专家劳务报酬按专家所在库标准或主副场协商，鼓励“就高不就低”）[V2]"
_CONSTRUCTION = frozenset({"construction", "concession"})
_ALL = frozenset({"construction", "procurement", "concession", "land", "mining", "state_property", "drug"})

TARIFFS: tuple[Tariff, ...] = (
    Tariff(
        library="GZ",
        library_name="贵州省综合评标专家库",
        version="demo-2019",
        project_types=_ALL,
        effective_from=dt.date(2019, 1, 1),
        effective_until=None,
        base_minutes=240,
        base_fen=400_00,
        steps=(Step(480, 240, 400_00), Step(None, 240, 400_00)),
        rounding=Rounding.CEIL,
        leader_fen=100_00,
        remote_fen=200_00,
        demo=True,
        source="示范数据：贵州省财政厅2019年评审专家劳务报酬通知的金额尚未取得（cn-standards §4.4、GZ-5），"
        "此处为演示用数值（半日≤4小时、全日4–8小时、超过8小时每半日计），不得作为实际支付依据",
    ),
    Tariff(
        library="AH",
        library_name="安徽省综合评标评审专家库",
        version="2017",
        project_types=_CONSTRUCTION,
        effective_from=dt.date(2017, 1, 1),
        effective_until=None,
        base_minutes=180,
        base_fen=300_00,
        senior_base_fen=500_00,
        steps=(Step(480, 60, 100_00), Step(None, 60, 150_00)),
        rounding=Rounding.CEIL,
        leader_fen=100_00,
        source="皖发改公管规〔2017〕7号（≤3小时 高级专家500元、其他300元；3–8小时每小时100元；8小时以上每小时150元；"
        "主任委员加100元）[V2] https://coyis.com/technical-reserves/gczj/2023021754769.html",
        sources={"rounding": "不足1小时按1小时计：[R] 待核对原文"},
    ),
    Tariff(
        library="GD",
        library_name="广东省政府采购评审专家库",
        version="2020",
        project_types=frozenset({"procurement"}),
        effective_from=dt.date(2020, 1, 1),
        effective_until=None,
        base_minutes=120,
        base_fen=400_00,
        steps=(Step(480, 60, 100_00), Step(None, 60, 150_00)),
        rounding=Rounding.OVER_HALF,
        source="粤财采购〔2020〕17号（≤2小时400元，其后每小时100元至8小时，8小时以上每小时150元；"
        "不足0.5小时不计，超过0.5小时按1小时计）[V2] https://hzbidding.net/?cat=17",
    ),
)


def tariff_for(library: str, project_type: str, on: dt.date, tariffs: Iterable[Tariff] = TARIFFS) -> Tariff:
    """The version of ``library``'s tariff in force on ``on`` for ``project_type``."""
    found = [t for t in tariffs if t.library == library and project_type in t.project_types and t.in_force(on)]
    if not found:
        raise NotFound(
            f"专家库 {library} 在 {on.isoformat()} 没有适用于 {project_type} 项目的劳务报酬标准：请先公布该标准。",
            code="tariff.not_found",
        )
    return max(found, key=lambda t: t.effective_from)


def _units(minutes: int, unit: int, rounding: Rounding) -> int:
    whole, rest = divmod(minutes, unit)
    if rounding is Rounding.CEIL:
        return whole + (1 if rest else 0)
    return whole + (1 if rest * 2 > unit else 0)


def fee_by(tariff: Tariff, *, minutes: int, role: Role, remote: bool, senior: bool = False) -> FeeBreakdown:
    """The fee for one expert under one tariff: base bracket, steps, leader and remote surcharges, cap."""
    if minutes <= 0:
        raise ValidationFailed("评审时长须为正数（分钟）。", code="tariff.bad_duration")
    base = tariff.senior_base_fen if senior and tariff.senior_base_fen else tariff.base_fen
    lines = [FeeLine(f"基本报酬（{tariff.base_minutes // 60}小时以内）", base, tariff.source_of("base"))]
    start = tariff.base_minutes
    for step in tariff.steps:
        end = minutes if step.until_minutes is None else min(minutes, step.until_minutes)
        if end > start:
            n = _units(end - start, step.unit_minutes, tariff.rounding)
            span = f"{start // 60}–{end // 60 if step.until_minutes is None else step.until_minutes // 60}小时"
            lines.append(
                FeeLine(f"{span}：{n} × {step.unit_fen // 100} 元", n * step.unit_fen, tariff.source_of("steps"))
            )
        if step.until_minutes is not None:
            start = max(start, step.until_minutes)
    time_fen = sum(x.fen for x in lines)
    if tariff.daily_cap_fen is not None and time_fen > tariff.daily_cap_fen:
        lines.append(FeeLine("按日封顶", tariff.daily_cap_fen - time_fen, tariff.source_of("daily_cap")))
    if role is Role.LEADER and tariff.leader_fen:
        lines.append(FeeLine("主任委员（组长）加发", tariff.leader_fen, tariff.source_of("leader")))
    if remote and tariff.remote_fen:
        lines.append(FeeLine("远程异地评标副场补助", tariff.remote_fen, tariff.source_of("remote")))
    total = sum(x.fen for x in lines)
    return FeeBreakdown(tariff.key, tariff.demo, minutes, tuple(lines), total, ((tariff.key, total),))


def compute_fee(
    *,
    libraries: Iterable[str],
    project_type: str,
    on: dt.date,
    minutes: int,
    role: Role | str = Role.MEMBER,
    remote: bool = False,
    senior: bool = False,
    tariffs: Iterable[Tariff] = TARIFFS,
) -> FeeBreakdown:
    """The fee for one expert: every applicable library's tariff computed, the highest paid ("就高不就低")."""
    tariffs = tuple(tariffs)
    libs = list(dict.fromkeys(libraries))
    if not libs:
        raise ValidationFailed("请指定专家库（专家所在库，远程异地评标时另含主场库）。", code="tariff.no_library")
    options = [
        fee_by(
            tariff_for(lib, project_type, on, tariffs), minutes=minutes, role=Role(role), remote=remote, senior=senior
        )
        for lib in libs
    ]
    best = max(options, key=lambda f: f.total_fen)
    compared = tuple((f.tariff, f.total_fen) for f in options)
    if len(options) > 1:
        best = FeeBreakdown(
            best.tariff,
            best.demo,
            best.minutes,
            (*best.lines, FeeLine(f"就高不就低：比较 {len(options)} 个专家库标准，取最高", 0, HIGHEST_SOURCE)),
            best.total_fen,
            compared,
        )
    else:
        best = FeeBreakdown(best.tariff, best.demo, best.minutes, best.lines, best.total_fen, compared)
    return best


def published(on: dt.date, tariffs: Iterable[Tariff] = TARIFFS) -> list[Tariff]:
    """Every tariff version, the ones in force on ``on`` first: the public table (/experts/fees)."""
    return sorted(tariffs, key=lambda t: (not t.in_force(on), t.library, t.effective_from))
