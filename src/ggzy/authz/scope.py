"""Checked scopes: the only way to obtain a ``CenterScope`` is ``require``, which checks a permission.

Scoped repositories take a ``CenterScope`` and filter by its center ids; they cannot be called with
a bare center id. There is no special case: a platform administrator's province-wide grant yields a
scope listing every center, by the same rule as anybody else's grant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ggzy.authz.roles import role, split_permission
from ggzy.kit.errors import Forbidden

_MINT = object()


@dataclass(frozen=True)
class CenterNode:
    id: int
    code: str
    parent_id: int | None
    region_code: str | None


@dataclass(frozen=True)
class Grant:
    role: str
    center_id: int | None = None
    industry: str | None = None
    region_code: str | None = None


@dataclass(frozen=True)
class Principal:
    account_id: int | None
    name: str
    grants: tuple[Grant, ...] = ()
    entity_id: int | None = None

    @property
    def anonymous(self) -> bool:
        return self.account_id is None


PUBLIC = Principal(account_id=None, name="公众")


@dataclass(frozen=True)
class CenterScope:
    """A permission checked for a set of centers. Construct only through ``require``."""

    permission: str
    center_ids: frozenset[int]
    industries: frozenset[str] | None = None
    _mint: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._mint is not _MINT:
            raise TypeError("CenterScope is made only by ggzy.authz.scope.require")

    def covers(self, center_id: int) -> bool:
        return center_id in self.center_ids


def _region_prefix(code: str) -> str:
    """520000 → '52', 520100 → '5201', 520123 → '520123' (GB/T 2260 levels)."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def _descendants(root: int, nodes: Iterable[CenterNode]) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n.id)
    out, todo = {root}, [root]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def _grant_centers(grant: Grant, nodes: list[CenterNode]) -> set[int]:
    scope = role(grant.role).scope
    if scope == "province":
        return {n.id for n in nodes}
    if scope == "center" and grant.center_id is not None:
        return _descendants(grant.center_id, nodes)
    if scope == "supervision" and grant.region_code:
        prefix = _region_prefix(grant.region_code)
        return {n.id for n in nodes if n.region_code and n.region_code.startswith(prefix)}
    return set()


def require(
    principal: Principal, permission: str, nodes: list[CenterNode], center_id: int | None = None
) -> CenterScope:
    """Return the scope in which ``principal`` holds ``permission`` (covering ``center_id`` if given)."""
    split_permission(permission)
    centers: set[int] = set()
    industries: set[str] | None = set()
    for grant in principal.grants:
        if permission not in role(grant.role).permissions:
            continue
        centers |= _grant_centers(grant, nodes)
        if role(grant.role).scope == "supervision":
            if industries is not None and grant.industry:
                industries.add(grant.industry)
        else:
            industries = None
    if not centers or (center_id is not None and center_id not in centers):
        who = "未登录用户" if principal.anonymous else principal.name
        raise Forbidden(
            f"{who} 没有此操作的权限（{permission}）。如需办理，请联系所属交易中心。", detail={"permission": permission}
        )
    return CenterScope(
        permission=permission,
        center_ids=frozenset(centers),
        industries=None if industries is None else frozenset(industries),
        _mint=_MINT,
    )


def has(principal: Principal, permission: str, nodes: list[CenterNode], center_id: int | None = None) -> bool:
    try:
        require(principal, permission, nodes, center_id)
    except Forbidden:
        return False
    return True


def acting_entity(principal: Principal, permission: str) -> int:
    """The market entity on whose behalf ``principal`` holds an entity-scope ``permission``."""
    split_permission(permission)
    held = any(permission in role(g.role).permissions and role(g.role).scope == "entity" for g in principal.grants)
    if not held or principal.entity_id is None:
        who = "未登录用户" if principal.anonymous else principal.name
        raise Forbidden(
            f"{who} 不能以市场主体身份办理此事项（{permission}）：请使用已关联主体的账户登录。",
            detail={"permission": permission},
        )
    return principal.entity_id
