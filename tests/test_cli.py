"""The ggzy command as an operator uses it: one-line errors, exit codes, the audit check end to end."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from support import run_cli as run


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    env = {"GGZY_DATA_DIR": str(d)}
    assert run(["db", "upgrade"], env).returncode == 0
    assert run(["demo"], env).returncode == 0
    assert run(["audit", "checkpoint"], env).returncode == 0
    return d


def _copy(demo_dir: Path, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "keys").mkdir()
    for f in (demo_dir / "keys").iterdir():
        (tmp_path / "keys" / f.name).write_bytes(f.read_bytes())
    src = sqlite3.connect(demo_dir / "ggzy.db")
    dst = sqlite3.connect(tmp_path / "ggzy.db")
    src.backup(dst)
    src.close()
    dst.close()
    return {"GGZY_DATA_DIR": str(tmp_path)}


def _sql(env: dict[str, str], statement: str) -> None:
    con = sqlite3.connect(Path(env["GGZY_DATA_DIR"]) / "ggzy.db")
    con.executescript(statement)
    con.commit()
    con.close()


def test_the_demo_database_verifies(demo_dir):
    r = run(["audit", "verify"], {"GGZY_DATA_DIR": str(demo_dir)})
    assert r.returncode == 0 and "审计链完整" in r.stdout


@pytest.mark.parametrize(
    "statement,first_bad",
    [
        ("UPDATE audit_events SET payload = '{}' WHERE seq = 7", "第 7 号"),
        ("DELETE FROM audit_events WHERE seq = 9", "第 9 号"),
        (
            "UPDATE audit_events SET seq = -3 WHERE seq = 3; UPDATE audit_events SET seq = 3 WHERE seq = 4;"
            "UPDATE audit_events SET seq = 4 WHERE seq = -3",
            "第 3 号",
        ),
    ],
)
def test_verify_fails_naming_the_event_after_an_edit_delete_or_reorder(demo_dir, tmp_path, statement, first_bad):
    env = _copy(demo_dir, tmp_path)
    _sql(env, statement)
    r = run(["audit", "verify"], env)
    assert r.returncode == 1 and first_bad in r.stderr and "Traceback" not in r.stderr


def test_a_published_checkpoint_catches_a_cut_tail(demo_dir, tmp_path):
    env = _copy(demo_dir, tmp_path)
    published = tmp_path / "cp.json"
    assert run(["audit", "publish", "--out", str(published)], env).returncode == 0
    _sql(env, "DELETE FROM audit_checkpoints")
    _sql(env, "DELETE FROM audit_events WHERE seq > 40")
    _sql(env, "UPDATE audit_head SET seq = 40, hash = (SELECT hash FROM audit_events WHERE seq = 40)")
    assert run(["audit", "verify"], env).returncode == 0
    r = run(["audit", "verify", "--published", str(published)], env)
    assert r.returncode == 1 and "截断" in r.stderr


def test_a_malformed_setting_is_one_line_naming_the_variable(tmp_path):
    r = run(["audit", "verify"], {"GGZY_DATA_DIR": str(tmp_path), "GGZY_AUDIT_HASH": "md5"})
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "GGZY_AUDIT_HASH" in r.stderr


def test_an_unreachable_database_is_one_line_saying_what_to_check(tmp_path):
    r = run(
        ["db", "upgrade"], {"GGZY_DATA_DIR": str(tmp_path), "GGZY_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    )
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "GGZY_DATABASE_URL" in r.stderr


def test_a_database_from_a_newer_ggzy_is_refused(demo_dir, tmp_path):
    env = _copy(demo_dir, tmp_path)
    _sql(
        env,
        "UPDATE alembic_version SET version_num = '9999_from_the_future'"
        " WHERE version_num = (SELECT max(version_num) FROM alembic_version)",
    )
    r = run(["audit", "verify"], env)
    assert r.returncode == 2 and "比本程序新" in r.stderr and r.stderr.count("\n") == 1


def test_serving_an_unmigrated_database_says_to_upgrade(tmp_path):
    r = run(["serve", "--port", "1"], {"GGZY_DATA_DIR": str(tmp_path)})
    assert r.returncode == 2 and "ggzy db upgrade" in r.stderr


def test_users_can_be_added_and_listed(demo_dir, tmp_path):
    env = _copy(demo_dir, tmp_path)
    r = run(
        [
            "users",
            "add",
            "qz.staff",
            "--name",
            "清镇工作人员",
            "--center",
            "GY-QZ",
            "--role",
            "center_staff",
            "--password",
            "Strong-pass-2026",
        ],
        env,
    )
    assert r.returncode == 0, r.stderr
    assert "center_staff(GY-QZ)" in run(["users", "list"], env).stdout
    dup = run(["users", "add", "qz.staff", "--name", "x", "--password", "Strong-pass-2026"], env)
    assert dup.returncode == 2 and "已被使用" in dup.stderr


def test_a_county_center_is_consolidated_from_the_command_line(demo_dir, tmp_path):
    env = _copy(demo_dir, tmp_path)
    r = run(["centers", "merge", "GY-XW", "GY", "--reason", "示例批复〔2026〕1号"], env)
    assert r.returncode == 0 and "整合已执行" in r.stdout
    assert "GY-XW" in run(["centers", "list"], env).stdout and "→ GY" in run(["centers", "list"], env).stdout
    assert run(["audit", "verify"], env).returncode == 0
