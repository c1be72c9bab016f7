"""Rendering pages: the shared template environment and the values every layout needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from ggzy.kit.clock import to_shanghai
from ggzy.kit.money import format_yuan

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters["yuan"] = format_yuan
TEMPLATES.env.filters["shanghai"] = lambda d: to_shanghai(d).strftime("%Y-%m-%d %H:%M") if d else ""

NAV = [
    ("/", "首页"),
    ("/announcements", "交易信息"),
    ("/awards", "中标公示"),
    ("/centers", "交易中心"),
    ("/entities", "市场主体"),
    ("/ca", "CA证书服务"),
    ("/audit", "审计链"),
    ("/docs", "API 文档"),
]


def page(request: Request, template: str, viewer: Any, status_code: int = 200, **context: Any):
    platform = request.app.state.platform
    now = platform.clock.now()
    base = {
        "platform_name": platform.settings.platform_name,
        "user": viewer if viewer is not None and viewer.account is not None else None,
        "csrf_token": getattr(viewer, "csrf_token", "") or request.cookies.get("ggzy_csrf", ""),
        "current_path": request.url.path,
        "now_shanghai": to_shanghai(now).strftime("%Y-%m-%d %H:%M") + " 北京时间",
        "nav_items": NAV + _personal_nav(viewer),
        "messages": context.pop("messages", []),
    }
    return TEMPLATES.TemplateResponse(request, template, {**base, **context}, status_code=status_code)


# Work pages a signed-in person reaches from the navigation, by the permissions their roles carry.
PERSONAL = [("entity:project:manage", "/workspace", "项目工作台"), ("center:project:review", "/review", "公告审核")]
PERSONAL.append(("expert:profile:manage", "/expert/profile", "我的专家档案"))
PERSONAL.append(("center:expert:draw", "/evaluation/monitor", "评标监控"))


def _personal_nav(viewer: Any) -> list[tuple[str, str]]:
    principal = getattr(viewer, "principal", None)
    if principal is None or getattr(viewer, "account", None) is None:
        return []
    from ggzy.authz.roles import ROLES

    held = {p for g in principal.grants for p in ROLES[g.role].permissions}
    return [(path, label) for perm, path, label in PERSONAL if perm in held]
