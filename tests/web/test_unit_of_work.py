"""A request's transaction is committed before its response is sent: a client told "201" can rely on the write,
and its next request sees it. FastAPI runs a ``yield`` dependency's exit code after sending the response unless
the dependency is declared with ``scope="function"`` — so every route must declare ``db_session`` that way."""

from __future__ import annotations

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ggzy.demo import DEMO_PASSWORD
from ggzy.web.app import create_app
from ggzy.web.context import db_session


def _units(dependant) -> list:
    """Every ``db_session`` dependency in a route's dependency tree."""
    out = []
    for dep in dependant.dependencies:
        if dep.call is db_session:
            out.append(dep)
        out += _units(dep)
    return out


def _api_routes(routes):
    for r in routes:
        if isinstance(r, APIRoute):
            yield r
        inner = getattr(r, "original_router", None)  # FastAPI >= 0.13x keeps included routers as a branch
        if inner is not None:
            yield from _api_routes(inner.routes)


def test_every_route_commits_before_it_responds(platform):
    app = create_app(platform, run_chronograph=False)
    routes = list(_api_routes(app.routes))
    assert sum(1 for r in routes if _units(r.dependant)) > 50
    late = [f"{sorted(r.methods)} {r.path}" for r in routes if any(d.scope != "function" for d in _units(r.dependant))]
    assert late == [], f'declare Depends(db_session, scope="function") on: {late}'


def test_the_commit_happens_before_the_response_starts(platform, monkeypatch):
    order: list[str] = []
    commit = Session.commit

    def recording_commit(self):
        commit(self)
        order.append("commit")

    monkeypatch.setattr(Session, "commit", recording_commit)
    inner = create_app(platform, run_chronograph=False)

    async def app(scope, receive, send):
        async def watched(message):
            if message["type"] == "http.response.start":
                order.append("response")
            await send(message)

        await inner(scope, receive, watched)

    with TestClient(app) as client:
        order.clear()
        r = client.post("/api/v1/auth/tokens", json={"username": "bidder.gy", "password": DEMO_PASSWORD})
    assert r.status_code == 201, r.text
    assert "commit" in order and order.index("response") > max(i for i, x in enumerate(order) if x == "commit"), order
