"""Procedure rule sets: one per transaction type × method, versioned, chosen when a project is published.

Every legal number lives here with its source (cn-standards §8; tags as there: [V] verified against the
legal text, [V2] a quoting source, [R] recalled, to be confirmed before citing in a legal notice). Code
elsewhere asks a rule set; it never branches on the transaction type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ggzy.centers.calendar import PeriodRule
from ggzy.kit.errors import NotFound


class TransactionType(StrEnum):
    CONSTRUCTION = "construction"  # 工程建设招投标
    PROCUREMENT = "procurement"  # 政府采购
    LAND = "land"  # 国有建设用地使用权出让
    MINING = "mining"  # 矿业权出让
    STATE_PROPERTY = "state_property"  # 国有产权交易
    DRUG = "drug"  # 药品集中采购
    CONCESSION = "concession"  # 特许经营权

    @property
    def label(self) -> str:
        return TYPE_LABELS[self]


TYPE_LABELS = {
    TransactionType.CONSTRUCTION: "工程建设",
    TransactionType.PROCUREMENT: "政府采购",
    TransactionType.LAND: "土地使用权",
    TransactionType.MINING: "矿业权",
    TransactionType.STATE_PROPERTY: "国有产权",
    TransactionType.DRUG: "药品集中采购",
    TransactionType.CONCESSION: "特许经营权",
}


class DepositForm(StrEnum):
    CASH = "cash"  # 现金（转账至虚拟子账户）
    BANK_GUARANTEE = "bank_guarantee"  # 银行保函
    INSURANCE_GUARANTEE = "insurance_guarantee"  # 保证保险（电子保函）


@dataclass(frozen=True)
class Limit:
    """A legal time limit: what it measures, how long, and where it comes from."""

    rule_id: str
    period: PeriodRule
    source: str
    tag: str = "V"


@dataclass(frozen=True)
class DepositRule:
    """The deposit cap as a share of the estimate/budget, the forms allowed and the refund limits."""

    cap_numerator: int | None
    cap_denominator: int
    base: str  # "estimate" (估算价) / "budget" (预算) / "set_by_grantor"
    forms: frozenset[DepositForm]
    rule_id: str
    source: str
    refund_losers: Limit | None = None
    refund_winner: Limit | None = None


@dataclass(frozen=True)
class RuleSet:
    key: str
    transaction_type: TransactionType
    method: str
    method_label: str
    version: str
    min_bid_period: Limit | None = None  # from documents issued to the bid/response deadline
    document_availability: Limit | None = None  # how long documents stay obtainable
    announcement_period: Limit | None = None  # from announcement to the start (land, property …)
    clarification_notice: Limit | None = None  # a clarification must come this long before the deadline, else extend
    min_bidders: int = 3
    min_bidders_source: str = ""
    deposit: DepositRule | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return f"{self.transaction_type.label}·{self.method_label}"


def _d(n: int, rule_id: str, source: str, tag: str = "V") -> Limit:
    return Limit(rule_id, PeriodRule.days(n, rule_id=rule_id, source=source), source, tag)


def _wd(n: int, rule_id: str, source: str, tag: str = "V") -> Limit:
    return Limit(rule_id, PeriodRule.working_days(n, rule_id=rule_id, source=source), source, tag)


_ALL_FORMS = frozenset(DepositForm)
_NON_CASH = frozenset({DepositForm.BANK_GUARANTEE, DepositForm.INSURANCE_GUARANTEE})

_CONSTRUCTION_DEPOSIT = DepositRule(
    2,
    100,
    "estimate",
    _ALL_FORMS,
    "T-8",
    "招标投标法实施条例 第二十六条（不得超过招标项目估算价的2%）",
    refund_losers=_d(5, "T-19", "招标投标法实施条例 第五十七条（书面合同签订后5日内退还）"),
    refund_winner=_d(5, "T-19", "招标投标法实施条例 第五十七条（书面合同签订后5日内退还）"),
)
_GP_DEPOSIT = DepositRule(
    2,
    100,
    "budget",
    _NON_CASH,
    "G-6",
    "政府采购法实施条例 第三十三条（不得超过采购项目预算金额的2%，以非现金形式提交）",
    refund_losers=_wd(5, "G-6", "政府采购法实施条例 第三十三条（中标通知书发出后5个工作日内退还未中标人）"),
    refund_winner=_wd(5, "G-6", "政府采购法实施条例 第三十三条（合同签订后5个工作日内退还中标人）"),
)
_LAND_DEPOSIT = DepositRule(
    None,
    100,
    "set_by_grantor",
    _ALL_FORMS,
    "L-1",
    "招标拍卖挂牌出让国有建设用地使用权规定（39号令）：保证金由出让人在公告中确定",
    refund_losers=_wd(5, "L-1", "39号令：未竞得人的保证金在活动结束后5个工作日内退还，不计利息", "R"),
)

_CONSTRUCTION_COMMON = dict(
    min_bid_period=_d(20, "T-4", "招标投标法 第二十四条（自招标文件开始发出之日起至投标截止之日止，最短不得少于20日）"),
    document_availability=_d(5, "T-2", "招标投标法实施条例 第十六条（招标文件发售期不得少于5日）"),
    clarification_notice=_d(
        15, "T-5", "招标投标法实施条例 第二十一条（澄清或修改应在投标截止时间至少15日前通知，不足15日的应顺延）"
    ),
    min_bidders=3,
    min_bidders_source="招标投标法实施条例 第四十四条（投标人少于3个的，不得开标）",
    deposit=_CONSTRUCTION_DEPOSIT,
)
_GP_OPEN = dict(
    min_bid_period=_d(20, "G-1", "政府采购法 第三十五条（自招标文件开始发出之日起至投标截止之日止，不得少于20日）"),
    document_availability=_wd(5, "G-2", "政府采购法实施条例 第三十一条（招标文件提供期限不得少于5个工作日）"),
    announcement_period=_wd(
        5, "G-3", "政府采购货物和服务招标投标管理办法（87号令）第十六条（公告期限为5个工作日）", "V2"
    ),
    clarification_notice=_d(
        15, "G-5", "政府采购法实施条例 第三十一条（澄清或修改应在投标截止时间至少15日前通知，不足15日的应顺延）"
    ),
    min_bidders=3,
    min_bidders_source="政府采购法 第三十六条（实质响应的供应商不足三家的，应予废标）",
    deposit=_GP_DEPOSIT,
)

RULE_SETS: dict[str, RuleSet] = {
    r.key: r
    for r in (
        RuleSet(
            "construction.open/2019", TransactionType.CONSTRUCTION, "open", "公开招标", "2019", **_CONSTRUCTION_COMMON
        ),
        RuleSet(
            "construction.invited/2019",
            TransactionType.CONSTRUCTION,
            "invited",
            "邀请招标",
            "2019",
            **_CONSTRUCTION_COMMON,
        ),
        RuleSet(
            "procurement.open_tender/2017", TransactionType.PROCUREMENT, "open_tender", "公开招标", "2017", **_GP_OPEN
        ),
        RuleSet(
            "procurement.competitive_negotiation/2014",
            TransactionType.PROCUREMENT,
            "competitive_negotiation",
            "竞争性谈判",
            "2014",
            min_bid_period=_wd(
                3,
                "G-N1",
                "政府采购非招标采购方式管理办法（74号令）第六条（自谈判文件发出之日起不得少于3个工作日）",
                "R",
            ),
            clarification_notice=_wd(
                3, "G-N2", "74号令 第十条（澄清或修改应在提交首次响应文件截止之日3个工作日前通知）", "R"
            ),
            min_bidders=3,
            min_bidders_source="74号令 第二十七条（符合条件的供应商不少于3家）",
            deposit=_GP_DEPOSIT,
        ),
        RuleSet(
            "procurement.competitive_consultation/2014",
            TransactionType.PROCUREMENT,
            "competitive_consultation",
            "竞争性磋商",
            "2014",
            min_bid_period=_d(
                10, "G-C1", "政府采购竞争性磋商采购方式管理暂行办法（财库〔2014〕214号）第十条（不得少于10日）", "R"
            ),
            document_availability=_wd(5, "G-C2", "财库〔2014〕214号 第十条（磋商文件发售期不得少于5个工作日）", "R"),
            clarification_notice=_d(
                5, "G-C3", "财库〔2014〕214号 第十条（澄清或修改应在提交首次响应文件截止时间至少5日前通知）", "R"
            ),
            min_bidders=3,
            min_bidders_source="财库〔2014〕214号 第十二条",
            deposit=_GP_DEPOSIT,
        ),
        RuleSet(
            "procurement.inquiry/2014",
            TransactionType.PROCUREMENT,
            "inquiry",
            "询价",
            "2014",
            min_bid_period=_wd(3, "G-I1", "74号令 第六条（自询价通知书发出之日起不得少于3个工作日）", "R"),
            clarification_notice=_wd(
                3, "G-I2", "74号令 第十条（澄清或修改应在提交响应文件截止之日3个工作日前通知）", "R"
            ),
            min_bidders=3,
            min_bidders_source="74号令 第四十五条",
            deposit=_GP_DEPOSIT,
        ),
        RuleSet(
            "procurement.single_source/2015",
            TransactionType.PROCUREMENT,
            "single_source",
            "单一来源",
            "2015",
            announcement_period=_wd(5, "G-7", "政府采购法实施条例 第三十八条（公示期不得少于5个工作日）"),
            min_bidders=1,
            min_bidders_source="政府采购法 第三十一条（只能从唯一供应商处采购）",
            deposit=None,
        ),
        *(
            RuleSet(
                f"land.{m}/2007",
                TransactionType.LAND,
                m,
                label,
                "2007",
                announcement_period=_d(
                    20,
                    "L-1",
                    "招标拍卖挂牌出让国有建设用地使用权规定（39号令）第十条（公告应于开始日前至少20日发布）",
                    "V2",
                ),
                min_bidders=n,
                min_bidders_source=src,
                deposit=_LAND_DEPOSIT,
                notes=notes,
            )
            for m, label, n, src, notes in (
                ("tender", "招标", 3, "39号令：投标人不足3人的，出让人应依法重新招标", ()),
                ("auction", "拍卖", 3, "39号令 第十四条：竞买人不足3人的，终止拍卖（[R] 待核对原文）", ()),
                (
                    "listing",
                    "挂牌",
                    1,
                    "39号令 第二十条：挂牌期满只有一个竞买人且报价不低于底价的，挂牌成交",
                    ("挂牌期限不得少于10日（39号令 第十九条，[R]）",),
                ),
            )
        ),
        *(
            RuleSet(
                f"mining.{m}/2017",
                TransactionType.MINING,
                m,
                label,
                "2017",
                announcement_period=_wd(
                    20, "L-3", "矿业权出让交易规则（2017）：出让公告期不少于20个工作日（四川实施细则 [V2]）", "V2"
                ),
                min_bidders=n,
                min_bidders_source=src,
                deposit=_LAND_DEPOSIT,
            )
            for m, label, n, src in (
                ("tender", "招标", 3, "矿业权出让交易规则：投标人少于3个的，重新招标 [R]"),
                ("auction", "拍卖", 3, "矿业权出让交易规则：拍卖竞买人不少于3人 [V2]"),
                ("listing", "挂牌", 1, "矿业权出让交易规则：挂牌期满仅一个竞买人且报价不低于底价的成交 [R]"),
            )
        ),
        RuleSet(
            "state_property.listing/2016",
            TransactionType.STATE_PROPERTY,
            "listing",
            "挂牌（竞价）",
            "2016",
            announcement_period=_wd(
                20, "L-4", "企业国有资产交易监督管理办法（32号令）第十三条（信息披露不少于20个工作日）", "V2"
            ),
            min_bidders=1,
            min_bidders_source="32号令：征集到一个受让方的，可协议转让；两个以上的，竞价",
            deposit=_LAND_DEPOSIT,
        ),
        RuleSet(
            "drug.centralized/2021",
            TransactionType.DRUG,
            "centralized",
            "集中带量采购",
            "2021",
            min_bidders=1,
            min_bidders_source="按省级药品集中采购文件规定（本规则集未收录法定期限，发布前须按采购文件核对）",
            notes=("药品集中采购的时限与保证金由采购文件规定，本规则集不施加法定下限。",),
        ),
        RuleSet(
            "concession.open/2024",
            TransactionType.CONCESSION,
            "open",
            "公开竞争选择",
            "2024",
            min_bid_period=_d(
                20, "T-4", "基础设施和公用事业特许经营管理办法：依法须招标的，适用招标投标法第二十四条", "R"
            ),
            clarification_notice=_d(15, "T-5", "招标投标法实施条例 第二十一条", "R"),
            min_bidders=3,
            min_bidders_source="招标投标法实施条例 第四十四条",
            deposit=_CONSTRUCTION_DEPOSIT,
        ),
    )
}


def rule_set(key: str) -> RuleSet:
    try:
        return RULE_SETS[key]
    except KeyError:
        raise NotFound(
            f"规则集 {key} 不存在：可选 {', '.join(sorted(RULE_SETS))}。", code="projects.unknown_rule_set"
        ) from None


def rule_sets_for(transaction_type: TransactionType) -> list[RuleSet]:
    return [r for r in RULE_SETS.values() if r.transaction_type is transaction_type]
