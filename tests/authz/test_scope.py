"""Permissions and checked scopes, without a database."""

from __future__ import annotations

import pytest

from ggzy.authz.roles import ROLES, split_permission
from ggzy.authz.scope import PUBLIC, CenterNode, CenterScope, Grant, Principal, has, require
from ggzy.kit.errors import Forbidden

# province 1 → city 2 (贵阳 520100) → county 3 (清镇 520181); city 4 (遵义 520300)
NODES = [
    CenterNode(1, "GZ", None, "520000"),
    CenterNode(2, "GY", 1, "520100"),
    CenterNode(3, "GY-QZ", 2, "520181"),
    CenterNode(4, "ZY", 1, "520300"),
]


def who(*grants: Grant) -> Principal:
    return Principal(account_id=1, name="某人", grants=grants)


def test_every_permission_is_scope_resource_action():
    for role in ROLES.values():
        for p in role.permissions:
            scope, _, _ = split_permission(p)
            assert scope in ("province", "center", "supervision", "entity", "expert")


def test_regulators_can_only_read():
    # E-2/E-3: supervision observes the trading side, it never operates it.
    assert all(p.endswith(":read") for p in ROLES["regulator"].permissions)


def test_center_staff_scope_covers_its_center_and_the_centers_below_it():
    scope = require(who(Grant("center_staff", center_id=2)), "center:center:read", NODES)
    assert scope.center_ids == {2, 3}


def test_center_staff_is_refused_at_another_center():
    with pytest.raises(Forbidden):
        require(who(Grant("center_staff", center_id=2)), "center:center:read", NODES, center_id=4)


def test_a_regulator_scope_follows_the_region_code():
    scope = require(who(Grant("regulator", industry="housing", region_code="520100")), "supervision:audit:read", NODES)
    assert scope.center_ids == {2, 3} and scope.industries == {"housing"}


def test_a_provincial_regulator_sees_every_center():
    scope = require(who(Grant("regulator", industry="finance", region_code="520000")), "supervision:audit:read", NODES)
    assert scope.center_ids == {1, 2, 3, 4}


def test_a_regulator_cannot_manage_venues():
    assert not has(who(Grant("regulator", industry="housing", region_code="520000")), "center:venue:manage", NODES)


def test_the_public_has_no_scope():
    with pytest.raises(Forbidden) as err:
        require(PUBLIC, "center:center:read", NODES)
    assert "未登录" in err.value.message


def test_the_platform_admin_gets_every_center_by_the_same_rule():
    scope = require(who(Grant("platform_admin")), "center:venue:manage", NODES)
    assert scope.center_ids == {1, 2, 3, 4}


def test_a_bidder_has_no_center_scope():
    assert not has(who(Grant("bidder")), "center:center:read", NODES)


def test_a_scope_cannot_be_made_by_hand():
    with pytest.raises(TypeError):
        CenterScope(permission="center:venue:manage", center_ids=frozenset({1}))


def test_a_malformed_permission_is_a_programming_error():
    with pytest.raises(ValueError):
        require(who(Grant("platform_admin")), "venue-manage", NODES)
