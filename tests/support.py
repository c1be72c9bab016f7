"""Helpers shared by the domain test folders: a published section of the GY center, the demo personas' logins
over the API, their certificate files, new entities, the ``ggzy`` command and a real server.

``tests/`` is on ``sys.path`` (pytest inserts the folder of the root conftest), so this is ``import support``.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection
from pathlib import Path

from ggzy.auth import service as auth
from ggzy.auth.service import get_account, principal_of
from ggzy.authz.scope import require
from ggzy.centers.service import nodes
from ggzy.demo import DEMO_PASSWORD, seed_demo_certificates
from ggzy.kit.actor import SYSTEM, Actor
from ggzy.kit.clock import SHANGHAI
from ggzy.projects import service as projects
from ggzy.projects.models import Section
from ggzy.projects.rulesets import DepositForm
from ggzy.registry.models import Entity

# The schedule of every section published here: documents for a week, bids due three weeks after (Mondays).
DOCS_FROM = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
DOCS_UNTIL = dt.datetime(2026, 11, 9, 17, 0, tzinfo=SHANGHAI)
DEADLINE = dt.datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI)
ESTIMATE = 50_000_000_00  # 5,000 万元

GGZY = [sys.executable, "-c", "from ggzy.cli import main; main()"]


# --- demo entities and staff -------------------------------------------------------------------------------


def entity_of(session, username: str) -> Entity:
    e = session.get(Entity, get_account(session, username).entity_id)
    assert e is not None
    return e


def new_entity(
    session,
    now: dt.datetime,
    name: str,
    center_id: int,
    *,
    roles: str = ",bidder,",
    region_code: str = "520100",
    legal_represent: str = "李四",
) -> Entity:
    """A legal person registered at ``center_id``, flushed so that it has an id."""
    e = Entity(
        kind="legal_person",
        name=name,
        legal_represent=legal_represent,
        region_code=region_code,
        roles=roles,
        center_id=center_id,
        registered_at=now,
        updated_at=now,
    )
    session.add(e)
    session.flush()
    return e


def entity_account(
    session,
    now: dt.datetime,
    entity: Entity,
    username: str,
    *,
    role: str = "bidder",
    display_name: str | None = None,
    password: str | None = DEMO_PASSWORD,
    home_center_code: str | None = "GY",
):
    """An account acting for ``entity`` with one role (bidder, agency …)."""
    account = auth.create_account(
        session,
        actor=SYSTEM,
        now=now,
        username=username,
        display_name=display_name or entity.name + "经办",
        kind="entity",
        password=password,
        home_center_code=home_center_code,
    )
    account.entity_id = entity.id
    auth.grant_role(session, actor=SYSTEM, now=now, account=account, role=role)
    return account


def staff_scope(session, username: str, permission: str):
    return require(principal_of(session, get_account(session, username)), permission, nodes(session))


# --- a published section -----------------------------------------------------------------------------------


def publish_section(
    session,
    clock,
    platform,
    *,
    name: str,
    rule_set_key: str = "construction.open/2019",
    kind: str = "construction",
    deposit_fen: int = 0,
    forms: Collection[DepositForm | str] = (),
    ceiling_fen: int | None = None,
) -> Section:
    """A project of tenderee.gy at the GY center with one section (一标段), announced and published by gy.staff
    with the schedule above, and committed. The tender project is ``name + "施工"``."""
    tenderee = entity_of(session, "tenderee.gy")
    actor = Actor(get_account(session, "tenderee.gy").id, "贵阳招标人经办", "tenderee", None, "10.0.0.1")
    now = clock.now()
    own = {"actor": actor, "now": now, "entity_id": tenderee.id}
    p = projects.create_project(
        session,
        actor=actor,
        now=now,
        acting_entity_id=tenderee.id,
        center_code="GY",
        name=name,
        transaction_type=kind,
    )
    tp = projects.add_tender_project(
        session, **own, project_code=p.code, name=name + "施工", rule_set_key=rule_set_key, estimate_fen=ESTIMATE
    )
    s = projects.add_section(session, **own, tender_project_code=tp.code, name="一标段", estimate_fen=ESTIMATE)
    terms = [projects.SectionTerms(s.code, DOCS_FROM, DOCS_UNTIL, DEADLINE, deposit_fen, frozenset(forms), ceiling_fen)]
    a = projects.draft_announcement(
        session, **own, tender_project_code=tp.code, title=name + "招标公告", body="正文", terms=terms
    )
    projects.submit_announcement(session, **own, tender_project_code=tp.code, version=a.version)
    projects.publish_announcement(
        session,
        actor=actor,
        now=now,
        scope=staff_scope(session, "gy.staff", "center:project:review"),
        key=platform.key,
        tender_project_code=tp.code,
        version=a.version,
        publish_key=f"pub-{s.code}",
    )
    session.commit()
    return s


# --- logins and certificates -------------------------------------------------------------------------------


def token(client, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """The headers of a fresh API token of ``username``."""
    r = client.post("/api/v1/auth/tokens", json={"username": username, "password": password})
    assert r.status_code == 201, r.text
    return {"authorization": f"Bearer {r.json()['token']}"}


def logins(client, *, cached: bool) -> Callable[[str | None], dict[str, str]]:
    """``get(username)``: that persona's headers, or none for ``None`` (the public). ``cached`` logs each persona
    in once; without it every call takes a fresh token (for tests that move the clock past a token's life)."""
    cache: dict[str, dict[str, str]] = {}

    def get(username: str | None) -> dict[str, str]:
        if username is None:
            return {}
        if not cached:
            return token(client, username)
        if username not in cache:
            cache[username] = token(client, username)
        return cache[username]

    return get


def demo_certificates(session, clock, tmp_path: Path) -> Path:
    """The demo CAs on the trust list and the demo bidders' certificates bound, committed; key files in
    ``tmp_path / "certs"``."""
    directory = tmp_path / "certs"
    seed_demo_certificates(session, actor=SYSTEM, now=clock.now(), directory=directory)
    session.commit()
    return directory


def key_and_cert(certs: Path, username: str) -> tuple[Path, Path]:
    return certs / f"{username}.key.pem", certs / f"{username}.cert.pem"


# --- the command and a real server -------------------------------------------------------------------------


def run_cli(args, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``ggzy *args`` in a child process that sees only the ``GGZY_*`` settings in ``env``."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")}
    full.update(env)
    return subprocess.run(GGZY + [str(a) for a in args], capture_output=True, text=True, env=full, timeout=120)


def serve(app, *, polls: int = 1200):
    """``app`` on a free local port in a daemon thread: its base URL, the uvicorn server and the thread. Waits
    up to ``polls`` × 50 ms for it to start (a loaded CI machine can take seconds), and says so if it did not."""
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(polls):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started, f"the test server on port {port} did not start within {polls * 0.05:.0f} s"
    return f"http://127.0.0.1:{port}", srv, thread
