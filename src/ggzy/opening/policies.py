"""Opening rules that the rule sets may set and otherwise take these defaults, each with its source.

RuleSet attributes read when present (``getattr``): ``opening_roll_call_minutes``,
``opening_decryption_minutes``, ``opening_objection_minutes``, ``opening_remedy``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

ROLL_CALL_MINUTES = 15
DECRYPTION_MINUTES = 30
OBJECTION_MINUTES = 5
DECRYPTION_SOURCE = (
    "《电子招标投标办法》第三十条：投标人按招标文件规定的方式在线解密；招标文件未规定解密时限的，按平台默认 30 分钟"
)
REMEDY_SOURCE = (
    "《电子招标投标办法》第三十一条：招标文件可以规定解密失败的补救方案（本平台：开标密钥保管人 k-of-n 补救解密）"
)


@dataclass(frozen=True)
class OpeningRules:
    roll_call: dt.timedelta
    decryption: dt.timedelta
    decryption_source: str
    objections: dt.timedelta
    remedy: str  # "custodians" or "none"
    min_bidders: int
    min_bidders_source: str


def opening_rules(rules: Any) -> OpeningRules:
    """The opening's durations and remedy from a rule set, with the platform defaults where it says nothing."""
    minutes = getattr(rules, "opening_decryption_minutes", None)
    return OpeningRules(
        roll_call=dt.timedelta(minutes=getattr(rules, "opening_roll_call_minutes", None) or ROLL_CALL_MINUTES),
        decryption=dt.timedelta(minutes=minutes or DECRYPTION_MINUTES),
        decryption_source=getattr(rules, "opening_decryption_source", None) or DECRYPTION_SOURCE,
        objections=dt.timedelta(minutes=getattr(rules, "opening_objection_minutes", None) or OBJECTION_MINUTES),
        remedy=getattr(rules, "opening_remedy", None) or "custodians",
        min_bidders=rules.min_bidders,
        min_bidders_source=rules.min_bidders_source or "招标投标法实施条例 第四十四条（投标人少于3个的，不得开标）",
    )
