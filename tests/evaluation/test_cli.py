"""``ggzy verify-draw`` as a regulator runs it: exit 0 on a reproduced committee, 1 after tampering."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from ggzy.kit.actor import SYSTEM
from ggzy.kit.clock import FrozenClock
from ggzy.kit.settings import load_settings
from ggzy.platform import Platform
from support import entity_of, staff_scope
from support import run_cli as run

from .conftest import make_expert, make_section, order

NOW = dt.datetime(2026, 11, 2, 1, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory) -> tuple[dict[str, str], str]:
    d = tmp_path_factory.mktemp("verify")
    env = {"GGZY_DATA_DIR": str(d)}
    assert run(["db", "upgrade"], env).returncode == 0
    assert run(["demo"], env).returncode == 0
    from ggzy.evaluation import service

    platform = Platform(load_settings({"GGZY_DATA_DIR": str(d)}), clock=FrozenClock(NOW))
    with platform.db.session(write=True) as s:
        tender = make_section(s, NOW)
        for i in range(12):
            make_expert(s, NOW, center="GY" if i % 2 else "ZY", specialties=("A010", "A080"))
        scope = staff_scope(s, "gy.staff", "center:expert:draw")
        draw = service.start_draw(s, actor=SYSTEM, now=NOW, scope=scope, order=order(tender), account_id=None)
        service.run(s, actor=SYSTEM, now=NOW, scope=scope, draw=draw)
        code = tender.section.code
    platform.db.dispose()
    return env, code


def _reveal(env, code: str):
    from ggzy.evaluation import repository, service
    from ggzy.projects.service import terminate_section

    platform = Platform(load_settings(env), clock=FrozenClock(NOW))
    with platform.db.session(write=True) as s:
        # No award for this section: staff reveal its draw once it is terminated (法 第三十七条).
        tenderee = entity_of(s, "tenderee.gy").id
        terminate_section(s, actor=SYSTEM, now=NOW, entity_id=tenderee, section_code=code, reason="终止招标")
        for d in repository.draws_of(s, service.section_context(s, code)[0].id):
            if d.status == "drawn":
                service.reveal(s, actor=SYSTEM, now=NOW, scope=staff_scope(s, "gy.staff", "center:expert:draw"), draw=d)
    platform.db.dispose()


def test_verify_draw_checks_the_commitment_then_replays_and_catches_tampering(drawn):
    env, code = drawn
    r = run(["verify-draw", code], env)
    assert r.returncode == 0 and "仅校验承诺" in r.stdout, r.stderr
    _reveal(env, code)
    r = run(["verify-draw", "--all"], env)
    assert r.returncode == 0 and "重放" in r.stdout, r.stdout + r.stderr
    con = sqlite3.connect(Path(env["GGZY_DATA_DIR"]) / "ggzy.db")
    con.execute("UPDATE draw_members SET counter = counter + 1 WHERE seq = 0")
    con.commit()
    con.close()
    r = run(["verify-draw", code], env)
    assert r.returncode == 1 and "不一致" in r.stderr


def test_verify_draw_without_arguments_is_one_line(drawn):
    env, _ = drawn
    r = run(["verify-draw"], env)
    assert r.returncode == 2 and "--all" in r.stderr and "Traceback" not in r.stderr
