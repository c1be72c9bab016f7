"""Award rules with their sources, and the pure checks on an evaluation result (no session, no clock).

Legal numbers (cn-standards §8; tags as there):

- T-15 [V] 招标投标法实施条例 第五十三条: report signed by every member of the committee; at most 3 ranked candidates.
- T-16 [V] 条例 第五十四条: candidates publicized within 3 days of receiving the report, for at least 3 days;
  objections during the publicity; reply within 3 days of receipt; the process is suspended until the reply.
- T-17 [V] 条例 第五十五条: state-owned-funded controlling projects award to the first candidate (later ones only
  if the first gives up, cannot perform, fails to furnish performance security or is found to have broken the law).
- T-18 [V] 招标投标法 第四十六条: contract within 30 days of the award notice.
- G-8/G-9/G-10/G-13 government procurement: the purchaser determines the winner in the report's order; result
  announced within 2 working days, for 1 working day [V2]; contract within 30 days; 质疑 answered within 7 working days.
Periods are counted by 民法典 第二百零一条至第二百零三条 with the center's working calendar (centers.calendar).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ggzy.authz.scope import Principal, acting_entity
from ggzy.centers.calendar import PeriodRule
from ggzy.evaluation.scoring import MAX_CANDIDATES, MAX_CANDIDATES_SOURCE
from ggzy.kit.errors import Forbidden, NotFound, ValidationFailed


@dataclass(frozen=True)
class AwardRules:
    key: str
    publicity_within: PeriodRule  # from receiving the report to publishing the candidates
    publicity_min: PeriodRule  # the shortest publicity period
    objection_reply: PeriodRule  # the tenderee answers an objection within
    contract_within: PeriodRule  # from the award notice to the contract
    in_order: bool  # the winner must be the first candidate still standing (T-17 / G-8)
    publicity_label: str


CONSTRUCTION = AwardRules(
    key="construction",
    publicity_within=PeriodRule.days(
        3, rule_id="T-16", source="招标投标法实施条例 第五十四条（自收到评标报告之日起3日内公示）"
    ),
    publicity_min=PeriodRule.days(3, rule_id="T-16", source="招标投标法实施条例 第五十四条（公示期不得少于3日）"),
    objection_reply=PeriodRule.days(
        3, rule_id="T-16", source="招标投标法实施条例 第五十四条（自收到异议之日起3日内答复）"
    ),
    contract_within=PeriodRule.days(
        30, rule_id="T-18", source="招标投标法 第四十六条（自中标通知书发出之日起30日内订立合同）"
    ),
    in_order=False,
    publicity_label="中标候选人公示",
)
PROCUREMENT = AwardRules(
    key="procurement",
    publicity_within=PeriodRule.working_days(
        2, rule_id="G-9", source="政府采购法实施条例 第四十三条（中标、成交供应商确定之日起2个工作日内公告）"
    ),
    publicity_min=PeriodRule.working_days(1, rule_id="G-9", source="87号令：中标（成交）结果公告期限为1个工作日 [V2]"),
    objection_reply=PeriodRule.working_days(
        7, rule_id="G-13", source="政府采购法 第五十三条（收到书面质疑后7个工作日内作出答复）"
    ),
    contract_within=PeriodRule.days(
        30, rule_id="G-10", source="政府采购法 第四十六条（中标通知书发出之日起30日内签订合同）"
    ),
    in_order=True,
    publicity_label="中标（成交）结果公示",
)
RULES_BY_TYPE = {"construction": CONSTRUCTION, "concession": CONSTRUCTION, "procurement": PROCUREMENT}

IN_ORDER_SOURCE = (
    "招标投标法实施条例 第五十五条（国有资金占控股或者主导地位的依法必须进行招标的项目，"
    "应当确定排名第一的中标候选人为中标人）"
)
FALLBACK_REASONS = {
    "gave_up": "放弃中标",
    "cannot_perform": "因不可抗力不能履行合同",
    "no_security": "未按招标文件要求提交履约保证金",
    "violation": "被查实存在影响中标结果的违法行为",
}
SIGNERS_SOURCE = "招标投标法实施条例 第五十三条（评标报告应当由评标委员会全体成员签字）"


def rules_for(transaction_type: str) -> AwardRules:
    try:
        return RULES_BY_TYPE[transaction_type]
    except KeyError:
        raise NotFound(
            f"{transaction_type} 类交易不经中标候选人公示定标（出让、拍卖等见竞价模块）。", code="award.no_rules"
        ) from None


@dataclass(frozen=True)
class Candidate:
    """A ranked candidate as the committee recommends it (data set 510)."""

    rank: int
    entity_id: int
    price_fen: int
    score: Decimal | None = None
    evaluated_fen: int | None = None
    quality: str = ""
    duration_days: int | None = None
    project_manager: str = ""


def check_report(*, signers: Sequence[int], required: int) -> None:
    """Refuse a report signed by fewer experts than the committee has (T-15)."""
    if required < 1:
        raise ValidationFailed("评标委员会人数须为正数。", code="award.bad_committee")
    got = len(set(signers))
    if got < required:
        raise ValidationFailed(
            f"评标报告签字人数不足：评标委员会 {required} 人，仅 {got} 人签字。{SIGNERS_SOURCE}；"
            "有不同意见的成员应书面说明理由并在报告中注明。",
            code="award.report_unsigned",
            detail={"required": required, "signed": got},
        )


def check_candidates(candidates: Sequence[Candidate], bidder_ids: Sequence[int]) -> None:
    """1 to 3 candidates, ranked 1…n, distinct, each a bidder of the section, with a positive price (T-15)."""
    if not candidates:
        raise ValidationFailed("评标报告须推荐至少1名中标候选人。", code="award.no_candidates")
    if len(candidates) > MAX_CANDIDATES:
        raise ValidationFailed(
            f"推荐了 {len(candidates)} 名中标候选人：{MAX_CANDIDATES_SOURCE}。", code="award.too_many_candidates"
        )
    ranks = sorted(c.rank for c in candidates)
    if ranks != list(range(1, len(candidates) + 1)):
        raise ValidationFailed(f"中标候选人排序须为 1 至 {len(candidates)}，实际为 {ranks}。", code="award.bad_ranks")
    ids = [c.entity_id for c in candidates]
    if len(set(ids)) != len(ids):
        raise ValidationFailed("同一投标人被推荐了两次。", code="award.duplicate_candidate")
    outsiders = sorted(set(ids) - set(bidder_ids))
    if outsiders:
        raise ValidationFailed(f"中标候选人 {outsiders} 不是本标段的投标人。", code="award.not_a_bidder")
    if any(c.price_fen <= 0 for c in candidates):
        raise ValidationFailed("中标候选人的投标价格须为正数（分）。", code="award.bad_price")


def check_winner(
    candidates: Sequence[Candidate], winner: int, *, in_order: bool, passed_over: dict[int, str]
) -> Candidate:
    """The chosen winner is a candidate; where the order binds (T-17, G-8) every better-ranked one was passed over
    for a reason the law accepts."""
    by_entity = {c.entity_id: c for c in candidates}
    chosen = by_entity.get(winner)
    if chosen is None:
        raise ValidationFailed(
            "中标人须从评标委员会推荐的中标候选人中确定（招标投标法 第四十条）。", code="award.not_candidate"
        )
    if not in_order:
        return chosen
    for c in sorted(candidates, key=lambda c: c.rank):
        if c.rank >= chosen.rank:
            break
        reason = passed_over.get(c.entity_id)
        if reason not in FALLBACK_REASONS:
            raise ValidationFailed(
                f"应当确定排名第一的中标候选人为中标人（{IN_ORDER_SOURCE}）；排名第 {c.rank} 的候选人只有在"
                f"{'、'.join(FALLBACK_REASONS.values())}时方可依次顺延。",
                code="award.out_of_order",
                detail={"passed_over_rank": c.rank, "allowed_reasons": list(FALLBACK_REASONS)},
            )
    return chosen


def entity_holding(principal: Principal, permission: str) -> int | None:
    """The market entity ``principal`` acts for with an entity-scope ``permission``, or None."""
    try:
        return acting_entity(principal, permission)
    except Forbidden:
        return None
