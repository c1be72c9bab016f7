"""Committee composition as data, keyed by rule set (falling back to the transaction type).

Sources (cn-standards §4.1): X-1 招标投标法 第三十七条; X-2 招标投标法实施条例 第四十五—四十九条; X-3 12号令 第九条;
X-5 政府采购法 第三十八、四十条, 政府采购法实施条例 第三十九条, 87号令 第四十七条; 竞争性磋商办法 (财库〔2014〕214号).
Tags as in the reference: [V] verified against the legal text, [V2] a quoting source, [R] recalled.
Kept out of ``projects/rulesets.py`` on purpose: that module owns procedure deadlines, this one committees.
"""

from __future__ import annotations

from dataclasses import dataclass

from ggzy.kit.errors import ValidationFailed


@dataclass(frozen=True)
class CommitteeRule:
    """Minimum size, odd size, expert share and the large-budget threshold of one procedure."""

    name: str
    min_size: int
    odd: bool
    expert_share: tuple[int, int]  # experts ≥ numerator/denominator of the committee
    source: str
    large_budget_fen: int | None = None  # at or above this budget the committee needs ``large_min_size``
    large_min_size: int | None = None
    large_source: str = ""
    max_size: int = 25  # a platform sanity limit, not a legal one

    def min_for(self, budget_fen: int) -> int:
        if self.large_budget_fen is not None and budget_fen >= self.large_budget_fen and self.large_min_size:
            return self.large_min_size
        return self.min_size


_TENDER = CommitteeRule(
    "评标委员会（依法必须招标的工程建设项目）",
    5,
    True,
    (2, 3),
    "招标投标法 第三十七条；评标委员会和评标方法暂行规定（12号令）第九条："
    "5人以上单数，专家不少于三分之二 [V]（X-1, X-3）",
)
_GP_TENDER = CommitteeRule(
    "评标委员会（政府采购公开/邀请招标）",
    5,
    True,
    (2, 3),
    "政府采购货物和服务招标投标管理办法（87号令）第四十七条：5人以上单数，专家不少于三分之二 [V2]（X-5）",
    large_budget_fen=10_000_000_00,
    large_min_size=7,
    large_source="87号令 第四十七条：采购预算金额在1000万元以上、技术复杂或社会影响较大的，7人以上单数 [V2]（X-5）",
)
_GP_SMALL = CommitteeRule(
    "谈判小组/询价小组/磋商小组",
    3,
    True,
    (2, 3),
    "政府采购法 第三十八、四十条；政府采购竞争性磋商采购方式管理暂行办法（财库〔2014〕214号）第十四条："
    "3人以上单数，专家不少于三分之二 [V]（X-5）",
)
_OTHER = CommitteeRule(
    "评审小组（其他交易类型）",
    5,
    True,
    (2, 3),
    "参照招标投标法 第三十七条（5人以上单数，专家不少于三分之二）；各交易类型的评审办法未另行规定时适用 [R]",
)

BY_RULE_SET: dict[str, CommitteeRule] = {
    "construction.open/2019": _TENDER,
    "construction.invited/2019": _TENDER,
    "procurement.open_tender/2017": _GP_TENDER,
    "procurement.competitive_negotiation/2014": _GP_SMALL,
    "procurement.competitive_consultation/2014": _GP_SMALL,
    "procurement.inquiry/2014": _GP_SMALL,
}
BY_TYPE: dict[str, CommitteeRule] = {"construction": _TENDER, "procurement": _GP_TENDER}


def rule_for(rule_set_key: str, transaction_type: str | None = None) -> CommitteeRule:
    """The committee rule of a rule set; other procedures fall back to their type, then to the general rule."""
    if rule_set_key in BY_RULE_SET:
        return BY_RULE_SET[rule_set_key]
    if transaction_type and transaction_type in BY_TYPE:
        return BY_TYPE[transaction_type]
    return _OTHER


def check_composition(rule: CommitteeRule, *, size: int, representatives: int, budget_fen: int) -> int:
    """Return the number of experts to draw, or raise naming the rule the composition breaks."""
    minimum = rule.min_for(budget_fen)
    source = rule.large_source if minimum != rule.min_size else rule.source
    if size < minimum:
        raise ValidationFailed(
            f"{rule.name}至少 {minimum} 人，本次仅 {size} 人（{source}）。", code="evaluation.committee_too_small"
        )
    if size > rule.max_size:
        raise ValidationFailed(
            f"评审委员会人数 {size} 超出平台上限 {rule.max_size}。", code="evaluation.committee_too_big"
        )
    if rule.odd and size % 2 == 0:
        raise ValidationFailed(
            f"{rule.name}人数须为单数，本次为 {size} 人（{rule.source}）。", code="evaluation.committee_even"
        )
    if representatives < 0:
        raise ValidationFailed("招标人代表人数不能为负数。", code="evaluation.bad_representatives")
    experts = size - representatives
    num, den = rule.expert_share
    if experts * den < size * num:
        raise ValidationFailed(
            f"专家须不少于成员总数的 {num}/{den}：{size} 人中招标人/采购人代表最多 {size - -(-size * num // den)} 人，"
            f"本次为 {representatives} 人（{rule.source}）。",
            code="evaluation.too_many_representatives",
        )
    return experts
