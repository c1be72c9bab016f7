"""Read API over the chain: events for supervisors (opaque cursor paging, no ``seq``), the public checkpoint."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy.orm import Session

from ggzy.audit import service as audit
from ggzy.authz.scope import has
from ggzy.centers import service as centers
from ggzy.kit.errors import NotFound
from ggzy.web.context import Viewer, db_session, platform_of, scope_for, signed_in

router = APIRouter(prefix="/api/v1/audit", tags=["审计链"])


@router.get("/events", summary="审计事件（按链序，游标分页；监管人员按行业区域、中心人员按本中心）")
def events(
    cursor: str | None = None,
    limit: int = Query(100, ge=1, le=500),
    tag_prefix: str | None = None,
    session: Session = Depends(db_session, scope="function"),
    v: Viewer = Depends(signed_in),
):
    nodes = centers.nodes(session)
    if has(v.principal, "province:audit:read", nodes):
        center_ids = None
    elif has(v.principal, "supervision:audit:read", nodes):
        center_ids = set(scope_for(session, v, "supervision:audit:read").center_ids)
    else:
        center_ids = set(scope_for(session, v, "center:audit:read").center_ids)
    page = audit.list_events(session, cursor=cursor, limit=limit, tag_prefix=tag_prefix, center_ids=center_ids)
    return {"items": [audit.served_event(e) for e in page.items], "next_cursor": page.next_cursor}


@router.get("/checkpoint", summary="最新的平台签名检查点（公开，可离线校验）")
def checkpoint(request: Request, session: Session = Depends(db_session, scope="function")):
    cp = audit.latest_checkpoint(session)
    if cp is None:
        raise NotFound("尚无签名检查点。", code="audit.no_checkpoint")
    return audit.published_checkpoint(cp, platform_of(request).key.certificate)


@router.get("/platform-certificate", response_class=PlainTextResponse, summary="平台签名证书（PEM）")
def platform_certificate(request: Request):
    return platform_of(request).key.cert_pem()
