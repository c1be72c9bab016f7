"""The FastAPI application: trading, public and supervision route groups over one data model."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ggzy.audit import pages as audit_pages
from ggzy.audit import routes as audit_routes
from ggzy.auth import pages as auth_pages
from ggzy.auth import routes as auth_routes
from ggzy.award import pages as award_pages
from ggzy.award import routes as award_routes
from ggzy.bidding import pages as bidding_pages
from ggzy.bidding import routes as bidding_routes
from ggzy.centers import pages as centers_pages
from ggzy.centers import routes as centers_routes
from ggzy.deposits import pages as deposits_pages
from ggzy.deposits import routes as deposits_routes
from ggzy.evaluation import pages as evaluation_pages
from ggzy.evaluation import routes as evaluation_routes
from ggzy.evaluation import session_pages as evaluation_session_pages
from ggzy.evaluation import session_routes as evaluation_session_routes
from ggzy.kit.errors import GgzyError
from ggzy.opening import pages as opening_pages
from ggzy.opening import routes as opening_routes
from ggzy.pki import fee_pages as pki_fee_pages
from ggzy.pki import fee_routes as pki_fee_routes
from ggzy.pki import pages as pki_pages
from ggzy.pki import routes as pki_routes
from ggzy.platform import Platform
from ggzy.projects import pages as projects_pages
from ggzy.projects import routes as projects_routes
from ggzy.registry import pages as registry_pages
from ggzy.registry import routes as registry_routes
from ggzy.web import home
from ggzy.web.render import page

log = logging.getLogger("ggzy.web")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _error(request: Request, status: int, code: str, message: str, detail: dict | None = None):
    if _wants_json(request):
        body = {"code": code, "message": message}
        if detail:
            body["detail"] = detail
        return JSONResponse(body, status_code=status)
    if status == 401 and request.method == "GET":
        # A page that needs a login sends the person to the login form and back again afterwards.
        return RedirectResponse(f"/login?{urlencode({'next': request.url.path})}", status_code=303)
    return page(request, "errors/error.html", None, status_code=status, status=status, code=code, message=message)


def create_app(platform: Platform, *, run_chronograph: bool | None = None) -> FastAPI:
    in_process = platform.settings.chronograph_in_process if run_chronograph is None else run_chronograph

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if in_process:
            platform.chronograph.start(platform.settings.chronograph_interval)
        yield
        if in_process:
            platform.chronograph.stop()

    app = FastAPI(
        title="ggzy 公共资源交易平台 API",
        version="0.1.0",
        lifespan=lifespan,
        description="贵州模式全省统一公共资源交易平台的开放接口。错误返回 {code, message}：code 为稳定的机器码，"
        "message 为可据以处理的中文说明。",
    )
    app.state.platform = platform
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")

    @app.exception_handler(GgzyError)
    async def ggzy_error(request: Request, exc: GgzyError):
        return _error(request, exc.status, exc.code, exc.message, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}：{e['msg']}" for e in exc.errors()]
        return _error(
            request,
            422,
            "input.invalid",
            "请求参数有误：" + "；".join(problems),
            {"errors": [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]},
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = {404: "您访问的页面或资源不存在。", 405: "不支持此请求方法。"}.get(exc.status_code, str(exc.detail))
        return _error(request, exc.status_code, f"http.{exc.status_code}", message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(request, 500, "internal", "系统内部错误，已记录。请稍后重试；如持续出现，请联系平台运维。")

    for module in (home, auth_pages, auth_routes, centers_pages, centers_routes, audit_pages, audit_routes):
        app.include_router(module.router)
    app.include_router(centers_routes.calendar_router)
    for module in (registry_pages, registry_routes):
        app.include_router(module.router)
    app.include_router(projects_routes.router)
    app.include_router(projects_pages.router)
    app.include_router(pki_routes.router)
    app.include_router(pki_pages.router)
    app.include_router(pki_fee_routes.router)
    app.include_router(pki_fee_pages.router)
    app.include_router(deposits_routes.router)
    app.include_router(deposits_pages.router)
    app.include_router(evaluation_routes.router)
    app.include_router(evaluation_pages.router)
    app.include_router(evaluation_session_routes.router)
    app.include_router(evaluation_session_pages.router)
    app.include_router(bidding_routes.router)
    app.include_router(bidding_pages.router)
    app.include_router(opening_routes.router)
    app.include_router(opening_pages.router)
    app.include_router(award_routes.router)
    app.include_router(award_pages.router)
    return app
