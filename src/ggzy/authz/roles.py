"""Roles and the permissions they carry. Permissions are named ``scope:resource:action``.

Scopes: ``province`` (province-wide registries and administration), ``center`` (one center and the
centers below it), ``supervision`` (regulators, read-only by industry × region, E-2/E-3: supervision
is not run by the trading operator), ``entity`` (a market entity's own affairs), ``expert``.
"""

from __future__ import annotations

from dataclasses import dataclass

# Industries a regulator can supervise (行政监督部门), see DESIGN.md §1.
INDUSTRIES = {
    "housing": "住房和城乡建设",
    "transport": "交通运输",
    "water": "水利",
    "finance": "财政",
    "natural_resources": "自然资源",
    "sasac": "国有资产监督管理",
    "health": "卫生健康",
    "ndrc": "发展改革",
}


@dataclass(frozen=True)
class Role:
    name: str
    label: str
    scope: str  # "province", "center", "supervision", "entity", "expert"
    permissions: frozenset[str]


def _role(name: str, label: str, scope: str, *perms: str) -> Role:
    return Role(name, label, scope, frozenset(perms))


ROLES: dict[str, Role] = {
    r.name: r
    for r in (
        _role(
            "platform_admin",
            "平台管理员",
            "province",
            "province:center:manage",
            "province:calendar:manage",
            "province:account:manage",
            "province:trust:manage",
            "province:cafee:manage",
            "province:audit:read",
            "province:entity:manage",
            "center:venue:manage",
            "center:calendar:manage",
            "center:account:manage",
            "center:center:read",
            "center:entity:read",
            "center:credit:manage",
            "province:deposit:manage",
            "center:expert:manage",
        ),
        _role(
            "center_admin",
            "交易中心管理员",
            "center",
            "center:venue:manage",
            "center:calendar:manage",
            "center:account:manage",
            "center:center:read",
            "center:audit:read",
            "center:project:review",
            "center:entity:read",
            "center:credit:manage",
            "center:deposit:reconcile",
            "center:expert:manage",
            "center:expert:draw",
            "center:opening:witness",
            "center:archive:export",
        ),
        _role(
            "center_staff",
            "交易中心工作人员",
            "center",
            "center:center:read",
            "center:project:review",
            "center:opening:witness",
            "center:audit:read",
            "center:entity:read",
            "center:credit:manage",
            "center:deposit:reconcile",
            "center:expert:manage",
            "center:expert:draw",
            "center:archive:export",
        ),
        _role(
            "regulator",
            "行政监督人员",
            "supervision",
            "supervision:project:read",
            "supervision:audit:read",
            "supervision:center:read",
            "supervision:entity:read",
            "supervision:draw:read",
            "supervision:opening:read",
            "supervision:archive:read",
        ),
        _role(
            "tenderee",
            "招标人/采购人",
            "entity",
            "entity:project:manage",
            "entity:profile:manage",
            "entity:cafee:record",
        ),
        _role(
            "agency", "招标代理机构", "entity", "entity:project:manage", "entity:profile:manage", "entity:cafee:record"
        ),
        _role("bidder", "投标人/供应商", "entity", "entity:bid:submit", "entity:profile:manage", "entity:cafee:record"),
        _role("expert", "评标专家", "expert", "expert:evaluation:score", "expert:profile:manage"),
    )
}


def role(name: str) -> Role:
    try:
        return ROLES[name]
    except KeyError:
        raise KeyError(f"unknown role {name!r}; known: {', '.join(sorted(ROLES))}") from None


def split_permission(permission: str) -> tuple[str, str, str]:
    parts = permission.split(":")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"permission {permission!r} must be scope:resource:action")
    return parts[0], parts[1], parts[2]
