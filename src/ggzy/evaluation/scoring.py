"""Evaluation methods as data, automatic price scores, aggregation, ranking and outlier detection. Pure.

Four methods (cn-standards §4.3):

- 综合评估法 (construction, 七部委12号令 第二十九条、第三十四条起, X-11 [R]): configurable score items with
  maximum points and weights; the price part is scored by the formula the tender documents state (the
  low-price-priority formula below by default, or a 评标基准价 given by the documents).
- 经评审的最低投标价法 (construction, 12号令 第三十条 [R]): bids that meet every substantive requirement
  are ranked by evaluated price (bid price plus the adjustments the documents allow); no technical scores.
- GP 综合评分法 (87号令 第五十五条 [V2], X-10): price weight ≥30 % for goods and ≥10 % for services
  (竞争性磋商 30–60 % / 10–30 %); price score = (评标基准价 / 投标报价) × 价格权值 × 100, the base being the
  lowest valid price; total = Σ Fi × Ai.
- 最低评标价法 (GP, 政府采购法实施条例 第三十四条 [V], X-9): the lowest evaluated price among the bids
  meeting every substantive requirement ranks first.

Ties (documented, applied in this order):

1. comprehensive methods: higher total; then lower bid price (87号令 第五十六条/第五十七条 [R]: "得分相同的，
   按投标报价由低到高顺序排列"); then higher non-price score;
2. price methods: lower evaluated price; then lower bid price;
3. still equal: the bids are *tied* (并列). They are listed by bidder id so that output is deterministic, and
   ``Ranked.tied`` is set: the committee resolves the tie by the rule in the tender documents (e.g. drawing
   lots), the code never pretends that bidder ids decide.

At most 3 ranked candidates (条例 第五十三条, T-15). Aggregation across experts is the mean (nothing dropped by
default; ``drop_extremes=1`` drops one highest and one lowest mark per item, a practice of several provinces).
Amounts are integer fen, points are ``Decimal`` (never float), rounded half-up to 2 places.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

from ggzy.kit.errors import ValidationFailed

CENT = Decimal("0.01")
MAX_CANDIDATES = 3
MAX_CANDIDATES_SOURCE = "招标投标法实施条例 第五十三条（推荐的中标候选人应当不超过3个，并标明排序）"


class Method(StrEnum):
    COMPREHENSIVE = "comprehensive"  # 综合评估法（工程）
    LOWEST_EVALUATED_BID = "lowest_evaluated_bid"  # 经评审的最低投标价法（工程）
    GP_COMPREHENSIVE = "gp_comprehensive"  # 综合评分法（政府采购）
    GP_LOWEST_PRICE = "gp_lowest_price"  # 最低评标价法（政府采购）

    @property
    def label(self) -> str:
        return METHOD_LABELS[self]

    @property
    def scored(self) -> bool:
        return self in (Method.COMPREHENSIVE, Method.GP_COMPREHENSIVE)


METHOD_LABELS = {
    Method.COMPREHENSIVE: "综合评估法",
    Method.LOWEST_EVALUATED_BID: "经评审的最低投标价法",
    Method.GP_COMPREHENSIVE: "综合评分法",
    Method.GP_LOWEST_PRICE: "最低评标价法",
}
METHOD_SOURCES = {
    Method.COMPREHENSIVE: "评标委员会和评标方法暂行规定（七部委12号令）第二十九条、第三十五条（[R]）",
    Method.LOWEST_EVALUATED_BID: "评标委员会和评标方法暂行规定（七部委12号令）第三十条至第三十三条（[R]）",
    Method.GP_COMPREHENSIVE: "政府采购法实施条例 第三十四条；政府采购货物和服务招标投标管理办法（87号令）第五十五条",
    Method.GP_LOWEST_PRICE: "政府采购法实施条例 第三十四条（技术、服务等标准统一的货物服务项目应当采用最低评标价法）",
}


@dataclass(frozen=True)
class PriceWeightRule:
    """Bounds on the price weight of a GP comprehensive scheme, with the rule id and source (X-10)."""

    minimum: Decimal
    maximum: Decimal
    rule_id: str
    source: str


# X-10 [V2]: 87号令 第五十五条 (tendering) and 财库〔2014〕214号 第二十四条 (竞争性磋商).
PRICE_WEIGHTS: dict[tuple[str, str], PriceWeightRule] = {
    ("tender", "goods"): PriceWeightRule(
        Decimal("0.30"), Decimal("1"), "X-10", "87号令 第五十五条（货物项目的价格分值占总分值的比重不得低于30%）"
    ),
    ("tender", "services"): PriceWeightRule(
        Decimal("0.10"), Decimal("1"), "X-10", "87号令 第五十五条（服务项目的价格分值占总分值的比重不得低于10%）"
    ),
    ("consultation", "goods"): PriceWeightRule(
        Decimal("0.30"), Decimal("0.60"), "X-10", "财库〔2014〕214号 第二十四条（货物项目价格分值为总分值的30%至60%）"
    ),
    ("consultation", "services"): PriceWeightRule(
        Decimal("0.10"), Decimal("0.30"), "X-10", "财库〔2014〕214号 第二十四条（服务项目价格分值为总分值的10%至30%）"
    ),
}


@dataclass(frozen=True)
class ScoreItem:
    """One expert-scored factor: points from ``min_points`` to ``max_points``; counts ``weight`` × points."""

    key: str
    label: str
    max_points: Decimal
    min_points: Decimal = Decimal(0)
    weight: Decimal = Decimal(1)

    @property
    def range_text(self) -> str:
        return f"{_fmt(self.min_points)}–{_fmt(self.max_points)} 分"


@dataclass(frozen=True)
class Aggregation:
    """How the experts' marks for one item become one mark: the mean after dropping ``drop_extremes`` at each end."""

    drop_extremes: int = 0


@dataclass(frozen=True)
class OutlierRule:
    """When an expert's total for a bidder stands far from the other experts' totals for that bidder.

    Flagged if either holds (both thresholds configurable):

    - leave-one-out z-score: |x − mean(others)| / max(sd(others), ``min_spread``) ≥ ``z`` — the expert's own mark
      is left out, because with 5 experts an included mark can never reach |z| ≥ 1.79 (= (n−1)/√n);
      ``min_spread`` keeps unanimous others (sd 0) from flagging a half-point difference;
    - relative deviation from the others' median: |x − median(others)| / median(others) > ``pct``.

    Needs at least ``min_experts`` experts. A flag is information for the committee and supervision
    ("熟面孔打人情分"), never a change to the scores.
    """

    z: Decimal = Decimal("2.5")
    pct: Decimal = Decimal("0.20")
    min_spread: Decimal = Decimal("1")
    min_experts: int = 3


@dataclass(frozen=True)
class Scheme:
    """An evaluation method with its items and price weight, as stated in the tender documents."""

    method: Method
    items: tuple[ScoreItem, ...] = ()
    price_weight: Decimal | None = None  # share of the total (0.30 = 30 %) for comprehensive methods
    subject: str = "goods"  # GP: goods / services (the price-weight rule); works for construction
    procedure: str = "tender"  # GP: tender (87号令) or consultation (竞争性磋商)
    base_price_fen: int | None = None  # a 评标基准价 fixed by the documents; default: the lowest valid price
    aggregation: Aggregation = field(default_factory=Aggregation)
    outliers: OutlierRule = field(default_factory=OutlierRule)

    @property
    def price_points(self) -> Decimal:
        return (self.price_weight or Decimal(0)) * 100


@dataclass(frozen=True)
class Bid:
    """A bid as the evaluation sees it: who, the opened price, whether it passed the review, price adjustments."""

    bidder_id: int
    price_fen: int
    valid: bool = True
    adjustment_fen: int = 0  # 经评审的价格调整 (e.g. GP 小微企业价格扣除 as a negative amount)
    rejection: str = ""

    @property
    def evaluated_fen(self) -> int:
        return self.price_fen + self.adjustment_fen


@dataclass(frozen=True)
class ScoreSheet:
    """One expert's marks for one bidder, item key → points."""

    expert_id: int
    bidder_id: int
    scores: Mapping[str, Decimal]


@dataclass(frozen=True)
class Ranked:
    bidder_id: int
    price_fen: int
    evaluated_fen: int
    item_scores: Mapping[str, Decimal]
    technical: Decimal
    price_score: Decimal
    total: Decimal
    rank: int
    tied: bool = False


@dataclass(frozen=True)
class OutlierFlag:
    expert_id: int
    bidder_id: int
    total: Decimal
    others_median: Decimal
    z: Decimal | None
    deviation: Decimal | None
    direction: str  # "high" / "low"

    def describe(self) -> str:
        word = "偏高" if self.direction == "high" else "偏低"
        return (
            f"专家 {self.expert_id} 对投标人 {self.bidder_id} 的评分 {_fmt(self.total)} 分明显{word}"
            f"（其他专家中位数 {_fmt(self.others_median)} 分）"
        )


@dataclass(frozen=True)
class Evaluation:
    method: Method
    base_price_fen: int | None
    ranking: tuple[Ranked, ...]
    rejected: tuple[Bid, ...]
    flags: tuple[OutlierFlag, ...]

    def candidates(self, limit: int = MAX_CANDIDATES) -> tuple[Ranked, ...]:
        """The ranked candidates recommended: at most 3 (T-15)."""
        if limit > MAX_CANDIDATES:
            raise ValidationFailed(
                f"中标候选人不得超过{MAX_CANDIDATES}个（{MAX_CANDIDATES_SOURCE}）。", code="scoring.limit"
            )
        return self.ranking[:limit]


# --- scheme and sheet validation --------------------------------------------------------------------------


def check_scheme(scheme: Scheme) -> None:
    """Refuse a scheme the rules forbid: GP price weight outside X-10, items without sensible ranges."""
    keys = [i.key for i in scheme.items]
    if len(keys) != len(set(keys)):
        raise ValidationFailed("评分项编号重复：每个评分项须有唯一编号。", code="scoring.duplicate_item")
    for item in scheme.items:
        if item.max_points <= item.min_points or item.min_points < 0 or item.weight <= 0:
            raise ValidationFailed(
                f"评分项“{item.label}”的分值范围 {item.range_text}、权重 {item.weight} 无效。", code="scoring.bad_item"
            )
    if scheme.method.scored:
        _check_price_weight(scheme)
    elif scheme.items:
        raise ValidationFailed(
            f"{scheme.method.label}不设评分项：按经评审的价格排序（{METHOD_SOURCES[scheme.method]}）。",
            code="scoring.items_not_allowed",
        )


def _check_price_weight(scheme: Scheme) -> None:
    w = scheme.price_weight
    if w is None or not (0 < w <= 1):
        raise ValidationFailed("综合评分须设定价格权重（0 至 1 之间，如 0.30 表示 30%）。", code="scoring.price_weight")
    if scheme.method is Method.GP_COMPREHENSIVE:
        rule = PRICE_WEIGHTS.get((scheme.procedure, scheme.subject))
        if rule is None:
            raise ValidationFailed(
                f"政府采购综合评分法的采购标的须为 goods（货物）或 services（服务），实际为 {scheme.subject}。",
                code="scoring.subject",
            )
        if not (rule.minimum <= w <= rule.maximum):
            raise ValidationFailed(
                f"价格权重 {w:.0%} 不符合规定：{rule.source}（{rule.rule_id}）。",
                code="scoring.price_weight",
                detail={"minimum": str(rule.minimum), "maximum": str(rule.maximum)},
            )
        total = sum((i.max_points * i.weight for i in scheme.items), Decimal(0)) + scheme.price_points
        # The price weight is a share of the total: the formula's ×100 presumes a 100-point total.
        if total != 100:
            raise ValidationFailed(
                f"评分项满分合计（含价格分 {_fmt(scheme.price_points)} 分）应为 100 分，实际为 {_fmt(total)} 分。",
                code="scoring.total",
            )


def check_sheet(scheme: Scheme, sheet: ScoreSheet) -> None:
    """Every item scored once, inside its range; unknown items refused. The error names the item and range."""
    items = {i.key: i for i in scheme.items}
    unknown = sorted(set(sheet.scores) - set(items))
    if unknown:
        raise ValidationFailed(f"评分表含有评标办法中没有的评分项：{'、'.join(unknown)}。", code="scoring.unknown_item")
    for item in scheme.items:
        if item.key not in sheet.scores:
            raise ValidationFailed(
                f"专家 {sheet.expert_id} 未对投标人 {sheet.bidder_id} 的评分项“{item.label}”打分"
                f"（{item.range_text}）。",
                code="scoring.missing_item",
                detail={"item": item.key, "expert": sheet.expert_id, "bidder": sheet.bidder_id},
            )
        value = Decimal(sheet.scores[item.key])
        if not (item.min_points <= value <= item.max_points) or value != value.quantize(CENT):
            raise ValidationFailed(
                f"评分项“{item.label}”的得分 {value} 超出范围：应在 {item.range_text}之间，最多两位小数"
                f"（专家 {sheet.expert_id}，投标人 {sheet.bidder_id}）。",
                code="scoring.out_of_range",
                detail={
                    "item": item.key,
                    "min": str(item.min_points),
                    "max": str(item.max_points),
                    "value": str(value),
                    "expert": sheet.expert_id,
                    "bidder": sheet.bidder_id,
                },
            )


# --- price score -----------------------------------------------------------------------------------------


def price_score(*, bid_fen: int, base_fen: int, weight: Decimal) -> Decimal:
    """(评标基准价 / 投标报价) × 价格权值 × 100 — 87号令 第五十五条 low-price-priority method (X-10).

    Computed exactly (fractions) and rounded half-up to 0.01 only at the end, so it never rises with price."""
    if bid_fen <= 0 or base_fen <= 0:
        raise ValidationFailed("投标报价和评标基准价须为正数。", code="scoring.bad_price")
    exact = Fraction(base_fen, bid_fen) * Fraction(weight) * 100
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


# --- aggregation -------------------------------------------------------------------------------------------


def aggregate(marks: Sequence[Decimal], rule: Aggregation) -> Decimal:
    """The mean of the marks after dropping ``drop_extremes`` highest and lowest; independent of their order."""
    n, d = len(marks), rule.drop_extremes
    if n <= 2 * d:
        raise ValidationFailed(
            f"去掉最高、最低各 {d} 个分数后没有剩余分数（共 {n} 位专家评分）。", code="scoring.too_few_marks"
        )
    kept = sorted(Decimal(m) for m in marks)[d : n - d]
    return (sum(kept, Decimal(0)) / len(kept)).quantize(CENT, rounding=ROUND_HALF_UP)


def _technical(scheme: Scheme, scores: Mapping[str, Decimal]) -> Decimal:
    return sum((Decimal(scores[i.key]) * i.weight for i in scheme.items), Decimal(0)).quantize(CENT, ROUND_HALF_UP)


def evaluate(scheme: Scheme, bids: Iterable[Bid], sheets: Iterable[ScoreSheet]) -> Evaluation:
    """Score, aggregate and rank the valid bids; flag outlying experts. Invariant to the order of inputs."""
    check_scheme(scheme)
    bids = sorted(bids, key=lambda b: b.bidder_id)
    if len({b.bidder_id for b in bids}) != len(bids):
        raise ValidationFailed("同一投标人出现了两次。", code="scoring.duplicate_bid")
    valid = [b for b in bids if b.valid]
    rejected = tuple(b for b in bids if not b.valid)
    sheets = list(sheets)
    by_bidder = _sheets_by_bidder(scheme, valid, sheets)
    base = scheme.base_price_fen or (min(b.evaluated_fen for b in valid) if valid else None)
    rows = [_score(scheme, b, by_bidder.get(b.bidder_id, []), base) for b in valid]
    ranking = _rank(scheme, rows)
    flags = detect_outliers(scheme, sheets) if scheme.method.scored else ()
    return Evaluation(scheme.method, base, ranking, rejected, flags)


def _sheets_by_bidder(scheme: Scheme, valid: list[Bid], sheets: list[ScoreSheet]) -> dict[int, list[ScoreSheet]]:
    if not scheme.method.scored:
        return {}
    out: dict[int, list[ScoreSheet]] = {}
    seen: set[tuple[int, int]] = set()
    valid_ids = {b.bidder_id for b in valid}
    for s in sheets:
        check_sheet(scheme, s)
        if s.bidder_id not in valid_ids:
            continue  # a rejected bid's marks are not counted
        if (s.expert_id, s.bidder_id) in seen:
            raise ValidationFailed(
                f"专家 {s.expert_id} 对投标人 {s.bidder_id} 提交了两份评分表。", code="scoring.duplicate_sheet"
            )
        seen.add((s.expert_id, s.bidder_id))
        out.setdefault(s.bidder_id, []).append(s)
    experts = {s.expert_id for s in sheets}
    for b in valid:
        missing = experts - {s.expert_id for s in out.get(b.bidder_id, [])}
        if missing or b.bidder_id not in out:
            raise ValidationFailed(
                f"投标人 {b.bidder_id} 缺少专家 {sorted(missing) or '全部'} 的评分表：每位专家须对每个有效投标评分。",
                code="scoring.incomplete",
            )
    return out


def _score(scheme: Scheme, bid: Bid, sheets: list[ScoreSheet], base: int | None) -> dict:
    items = {i.key: aggregate([s.scores[i.key] for s in sheets], scheme.aggregation) for i in scheme.items}
    technical = _technical(scheme, items) if scheme.method.scored else Decimal(0)
    p = Decimal(0)
    if scheme.method.scored and base is not None:
        p = price_score(bid_fen=bid.evaluated_fen, base_fen=base, weight=scheme.price_weight or Decimal(0))
    return {"bid": bid, "items": items, "technical": technical, "price": p, "total": technical + p}


def _rank_key(scheme: Scheme, row: dict) -> tuple:
    bid: Bid = row["bid"]
    if scheme.method.scored:
        return (-row["total"], bid.price_fen, -row["technical"])
    return (bid.evaluated_fen, bid.price_fen)


def _rank(scheme: Scheme, rows: list[dict]) -> tuple[Ranked, ...]:
    rows = sorted(rows, key=lambda r: (_rank_key(scheme, r), r["bid"].bidder_id))
    keys = [_rank_key(scheme, r) for r in rows]
    out, rank = [], 0
    for i, r in enumerate(rows):
        if i == 0 or keys[i] != keys[i - 1]:
            rank = i + 1
        tied = (i > 0 and keys[i] == keys[i - 1]) or (i + 1 < len(rows) and keys[i] == keys[i + 1])
        b: Bid = r["bid"]
        out.append(
            Ranked(
                b.bidder_id,
                b.price_fen,
                b.evaluated_fen,
                r["items"],
                r["technical"],
                r["price"],
                r["total"],
                rank,
                tied,
            )
        )
    return tuple(out)


# --- outliers ------------------------------------------------------------------------------------------------


def detect_outliers(scheme: Scheme, sheets: Iterable[ScoreSheet]) -> tuple[OutlierFlag, ...]:
    """Experts whose total for a bidder stands far from the other experts' totals (see :class:`OutlierRule`)."""
    rule = scheme.outliers
    totals: dict[int, dict[int, Decimal]] = {}
    for s in sheets:
        totals.setdefault(s.bidder_id, {})[s.expert_id] = _technical(scheme, s.scores)
    flags = []
    for bidder, marks in sorted(totals.items()):
        if len(marks) < rule.min_experts:
            continue
        for expert, x in sorted(marks.items()):
            flag = _outlier(rule, bidder, expert, x, [v for e, v in marks.items() if e != expert])
            if flag is not None:
                flags.append(flag)
    return tuple(flags)


def _outlier(rule: OutlierRule, bidder: int, expert: int, x: Decimal, others: list[Decimal]) -> OutlierFlag | None:
    med = Decimal(statistics.median(others))
    mean = sum(others, Decimal(0)) / len(others)
    sd = Decimal(statistics.pstdev(others)) if len(others) > 1 else Decimal(0)
    z = (x - mean) / max(sd, rule.min_spread)
    dev = (x - med) / med if med else None
    if abs(z) < rule.z and (dev is None or abs(dev) <= rule.pct):
        return None
    return OutlierFlag(
        expert_id=expert,
        bidder_id=bidder,
        total=x,
        others_median=med.quantize(CENT, ROUND_HALF_UP),
        z=z.quantize(CENT, ROUND_HALF_UP),
        deviation=None if dev is None else dev.quantize(Decimal("0.0001"), ROUND_HALF_UP),
        direction="high" if x > med else "low",
    )


def _fmt(d: Decimal) -> str:
    text = f"{Decimal(d):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
