"""The expert specialty code table (评标专家专业分类), as data.

Source: modelled on 《评标专家专业分类标准（试行）》(发改法规〔2010〕1538号), which splits specialties into
工程 (A), 货物 (B) and 服务 (C) with hierarchical codes; the national data spec field MAJOR_CODE
(data sets 212/213, len ≤ 7/11) carries them. [R] The codes below are a representative subset of that
structure (first and second level, three-digit suffix) chosen for the demo province; a deployment loads the
full table published by the provincial expert library before its first draw. Land and mining codes
(D) follow the same shape for the natural-resources transactions the national table leaves to provinces.
"""

from __future__ import annotations

from dataclasses import dataclass

from ggzy.kit.errors import ValidationFailed

SOURCE = "《评标专家专业分类标准（试行）》（发改法规〔2010〕1538号）结构；省级专家库专业目录 [R]"


@dataclass(frozen=True)
class Specialty:
    code: str
    name: str
    field: str  # construction / goods / services / land / mining


_TABLE = [
    ("A010", "房屋建筑工程", "construction"),
    ("A011", "建筑结构", "construction"),
    ("A012", "建筑装饰装修", "construction"),
    ("A013", "建筑给排水与暖通", "construction"),
    ("A014", "建筑电气与智能化", "construction"),
    ("A020", "市政公用工程", "construction"),
    ("A021", "城市道路与桥梁", "construction"),
    ("A022", "园林绿化", "construction"),
    ("A030", "公路工程", "construction"),
    ("A031", "公路桥梁隧道", "construction"),
    ("A040", "水利水电工程", "construction"),
    ("A050", "铁路与轨道交通", "construction"),
    ("A060", "电力工程", "construction"),
    ("A070", "通信工程", "construction"),
    ("A080", "工程造价", "construction"),
    ("A090", "工程监理", "construction"),
    ("A100", "勘察设计", "construction"),
    ("B010", "通用设备", "goods"),
    ("B020", "医疗设备", "goods"),
    ("B030", "信息技术设备", "goods"),
    ("B040", "办公家具与用品", "goods"),
    ("B050", "车辆", "goods"),
    ("B060", "药品与医用耗材", "goods"),
    ("C010", "信息技术服务", "services"),
    ("C020", "物业管理服务", "services"),
    ("C030", "咨询与评估服务", "services"),
    ("C040", "财务审计", "services"),
    ("C050", "法律服务", "services"),
    ("C060", "工程咨询", "services"),
    ("D010", "土地估价", "land"),
    ("D020", "国土空间规划", "land"),
    ("D030", "矿产地质勘查", "mining"),
    ("D040", "矿业权评估", "mining"),
    ("D050", "采矿工程", "mining"),
    ("E010", "企业国有资产评估", "services"),
]

SPECIALTIES: dict[str, Specialty] = {code: Specialty(code, name, field) for code, name, field in _TABLE}


def specialty(code: str) -> Specialty:
    try:
        return SPECIALTIES[code]
    except KeyError:
        raise ValidationFailed(
            f"专业代码 {code} 不在专家专业分类目录中：请从目录中选择（如 A010 房屋建筑工程）。",
            code="evaluation.unknown_specialty",
        ) from None
