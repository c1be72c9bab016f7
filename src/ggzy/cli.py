"""The ``ggzy`` command: serve, seed, migrate, verify the audit chain, manage users, run the chronograph."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import typer

from ggzy.kit.actor import CLI
from ggzy.kit.errors import GgzyError

app = typer.Typer(help="ggzy 公共资源交易平台命令行工具", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="数据库结构迁移", no_args_is_help=True)
audit_app = typer.Typer(help="审计链：校验、签名检查点、公开发布", no_args_is_help=True)
users_app = typer.Typer(help="账户管理", no_args_is_help=True)
centers_app = typer.Typer(help="交易中心网络", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")
app.add_typer(centers_app, name="centers")


def _platform(*, ready: bool = True):
    from ggzy.kit.settings import load_settings
    from ggzy.platform import Platform

    platform = Platform(load_settings())
    if ready:
        platform.check_ready()
        from ggzy.kit import migrate

        if not migrate.is_current(platform.db.engine):
            raise GgzyError("数据库结构未升级到最新：请先运行 ggzy db upgrade。", code="db.migrations_pending")
    return platform


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="监听地址"),
    port: int = typer.Option(8000, help="端口"),
    chronograph: bool = typer.Option(True, help="在本进程内运行时序任务"),
) -> None:
    """启动平台（网页与 API）。"""
    import uvicorn

    from ggzy.web.app import create_app

    platform = _platform()
    typer.echo(f"ggzy 已启动：http://{host}:{port}/  （API 文档 /docs；数据库 {platform.db.dialect}）")
    uvicorn.run(create_app(platform, run_chronograph=chronograph), host=host, port=port, log_level="info")


@app.command()
def demo() -> None:
    """写入示范省数据：全部交易中心、节假日历、各角色示范账户（可重复运行）。"""
    from ggzy.demo import DEMO_PASSWORD, PERSONAS, seed_demo

    platform = _platform()
    with platform.db.session(write=True) as s:
        added = seed_demo(s, actor=CLI, now=platform.clock.now())
    typer.echo(f"示范数据：新增中心 {added['centers']} 个、账户 {added['accounts']} 个。")
    typer.echo(f"示范账户（密码均为 {DEMO_PASSWORD}）：" + "、".join(p[0] for p in PERSONAS))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """把数据库结构升级到最新版本。"""
    platform = _platform(ready=False)
    platform.upgrade()
    typer.echo(f"数据库结构已是最新（{platform.db.dialect}）。")


@db_app.command("current")
def db_current() -> None:
    """显示数据库结构版本。"""
    from ggzy.kit import migrate

    platform = _platform(ready=False)
    platform.db.check_reachable()
    heads = migrate.database_heads(platform.db.engine)
    state = "最新" if heads == migrate.code_heads() else "待升级"
    db_version = ", ".join(sorted(heads)) or "（空库）"
    typer.echo(f"数据库版本：{db_version}；程序版本：{', '.join(sorted(migrate.code_heads()))}；{state}")


@audit_app.command("verify")
def audit_verify(published: Path | None = typer.Option(None, help="公开发布的检查点文件（JSON）")) -> None:
    """重新校验整条审计链；发现篡改时指出第一个出错的事件并以非零码退出。"""
    from ggzy.audit.service import verify

    platform = _platform()
    doc = None
    if published is not None:
        try:
            doc = json.loads(published.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise GgzyError(
                f"无法读取检查点文件 {published}（{exc}）。", code="audit.bad_published_checkpoint"
            ) from None
    with platform.db.session() as s:
        report = verify(s, cert=platform.key.certificate, published=doc)
    typer.echo(report.summary(), err=not report.ok)
    raise typer.Exit(0 if report.ok else 1)


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """立即为链头生成一个平台签名检查点。"""
    from ggzy.audit.service import checkpoint

    platform = _platform()
    with platform.db.session(write=True) as s:
        cp = checkpoint(s, now=platform.clock.now(), key=platform.key)
        typer.echo(f"已签名检查点：第 {cp.seq} 号事件。" if cp else "链头已有检查点，无需重复签名。")


@audit_app.command("publish")
def audit_publish(out: Path = typer.Option(..., help="输出文件")) -> None:
    """导出最新签名检查点，供在数据库之外公开保存。"""
    from ggzy.audit.service import latest_checkpoint, published_checkpoint
    from ggzy.audit.tasks import publish

    platform = _platform()
    with platform.db.session() as s:
        cp = latest_checkpoint(s)
        if cp is None:
            raise GgzyError("尚无签名检查点：请先运行 ggzy audit checkpoint。", code="audit.no_checkpoint")
        publish(out, published_checkpoint(cp, platform.key.certificate))
        typer.echo(f"已导出第 {cp.seq} 号事件的检查点到 {out}。")


@users_app.command("add")
def users_add(
    username: str,
    display_name: str = typer.Option(..., "--name", help="姓名"),
    kind: str = typer.Option("staff", help="staff / regulator / entity / expert"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    center: str | None = typer.Option(None, help="所属中心代码"),
    role: str | None = typer.Option(None, help="岗位角色，如 center_staff"),
    industry: str | None = typer.Option(None, help="监管行业（regulator）"),
    region: str | None = typer.Option(None, help="监管区域代码（regulator）"),
) -> None:
    """开设账户（并可同时授予岗位）。"""
    from ggzy.auth import service as auth

    platform = _platform()
    now = platform.clock.now()
    with platform.db.session(write=True) as s:
        account = auth.create_account(
            s,
            actor=CLI,
            now=now,
            username=username,
            display_name=display_name,
            kind=kind,
            password=password,
            home_center_code=center,
        )
        if role:
            auth.grant_role(
                s,
                actor=CLI,
                now=now,
                account=account,
                role=role,
                center_code=center,
                industry=industry,
                region_code=region,
            )
    typer.echo(f"已开设账户 {username}。")


@users_app.command("grant")
def users_grant(
    username: str,
    role: str,
    center: str | None = typer.Option(None),
    industry: str | None = typer.Option(None),
    region: str | None = typer.Option(None),
) -> None:
    """授予岗位。"""
    from ggzy.auth import service as auth

    platform = _platform()
    with platform.db.session(write=True) as s:
        auth.grant_role(
            s,
            actor=CLI,
            now=platform.clock.now(),
            account=auth.get_account(s, username),
            role=role,
            center_code=center,
            industry=industry,
            region_code=region,
        )
    typer.echo(f"已授予 {username} 岗位 {role}。")


@users_app.command("list")
def users_list() -> None:
    """列出账户及岗位。"""
    from sqlalchemy import select

    from ggzy.auth.models import Account, RoleGrant
    from ggzy.centers.models import Center

    platform = _platform()
    with platform.db.session() as s:
        codes = dict(s.execute(select(Center.id, Center.code)).all())
        grants: dict[int, list[str]] = {}
        for g in s.execute(select(RoleGrant)).scalars():
            where = codes.get(g.center_id) or (f"{g.industry}@{g.region_code}" if g.industry else "全省")
            grants.setdefault(g.account_id, []).append(f"{g.role}({where})")
        for a in s.execute(select(Account).order_by(Account.id)).scalars():
            typer.echo(
                f"{a.username:<18} {a.display_name:<12} {a.kind:<9} {a.status:<8} {' '.join(grants.get(a.id, []))}"
            )


@users_app.command("disable")
def users_disable(username: str) -> None:
    """停用账户（同时注销其所有会话与令牌）。"""
    from ggzy.auth import service as auth

    platform = _platform()
    with platform.db.session(write=True) as s:
        auth.set_status(
            s, actor=CLI, now=platform.clock.now(), account=auth.get_account(s, username), status="disabled"
        )
    typer.echo(f"已停用 {username}。")


@users_app.command("passwd")
def users_passwd(
    username: str, password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True)
) -> None:
    """重设密码。"""
    from ggzy.auth import service as auth

    platform = _platform()
    with platform.db.session(write=True) as s:
        auth.set_password(
            s, actor=CLI, now=platform.clock.now(), account=auth.get_account(s, username), password=password
        )
    typer.echo(f"已重设 {username} 的密码。")


@centers_app.command("list")
def centers_list() -> None:
    """列出全部交易中心。"""
    from ggzy.centers import service as centers

    platform = _platform()
    with platform.db.session() as s:
        rows = centers.all_centers(s)
        codes = {c.id: c.code for c in rows}
        for c in rows:
            merged = f" → {codes[c.merged_into_id]}" if c.merged_into_id else ""
            typer.echo(f"{c.code:<10} {c.region_code or '------'} {centers.LEVEL_LABELS[c.level]:<8} {c.name}{merged}")


@centers_app.command("merge")
def centers_merge(
    source: str,
    target: str,
    reason: str = typer.Option(..., help="整合依据（批准文号）"),
    at: str | None = typer.Option(None, help="生效时间（ISO 8601，带时区）；默认立即"),
) -> None:
    """计划将县级中心整合进上级中心；到生效时间由时序任务执行。"""
    from ggzy.centers import service as centers

    platform = _platform()
    now = platform.clock.now()
    try:
        when = dt.datetime.fromisoformat(at) if at else now
    except ValueError:
        raise GgzyError(f"生效时间 {at!r} 格式错误：请写成 2026-12-01T00:00:00+08:00。", code="input.invalid") from None
    if when.tzinfo is None:
        raise GgzyError("生效时间须带时区，如 2026-12-01T00:00:00+08:00。", code="input.invalid")
    with platform.db.session(write=True) as s:
        m = centers.plan_merger(
            s, actor=CLI, now=now, source_code=source, target_code=target, effective_at=when, reason=reason
        )
        typer.echo(f"已计划整合 {source} → {target}（编号 {m.id}），生效时间 {when.isoformat()}。")
    result = platform.chronograph.tick()
    if result.ran.get("centers.merger"):
        typer.echo("已到生效时间，整合已执行。")


@app.command()
def chronograph(once: bool = typer.Option(False, help="只运行一轮后退出")) -> None:
    """运行时序任务（截止时间、整合、检查点……）；与 serve 分开部署时使用。"""
    import time

    platform = _platform()
    while True:
        result = platform.chronograph.tick()
        if result.total or result.failed:
            typer.echo(f"时序任务：执行 {result.ran}，失败 {result.failed}")
        if once:
            return
        time.sleep(platform.settings.chronograph_interval)


def main() -> None:
    """Entry point: every expected failure is one line on stderr and a non-zero exit, never a traceback."""
    from sqlalchemy.exc import OperationalError

    try:
        app()
    except GgzyError as exc:
        print(f"ggzy: {exc.message} [{exc.code}]", file=sys.stderr)
        sys.exit(2)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        print(f"ggzy: 数据库操作失败（{reason}）：请检查 GGZY_DATABASE_URL 与数据库状态。 [db.error]", file=sys.stderr)
        sys.exit(2)
