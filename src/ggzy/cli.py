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
bank_app = typer.Typer(
    help="示范银行（模拟）：向平台发送签名的保证金到账通知；取回转账指令（退还、劳务费）并回复结算结果",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")
app.add_typer(centers_app, name="centers")
app.add_typer(bank_app, name="bank")
trust_app = typer.Typer(help="全省 CA 信任列表（一证通）", no_args_is_help=True)
pki_app = typer.Typer(help="证书与签名校验", no_args_is_help=True)
app.add_typer(trust_app, name="trust")
app.add_typer(pki_app, name="pki")
archive_app = typer.Typer(help="项目电子档案：导出签名档案包、离线核验", no_args_is_help=True)
app.add_typer(archive_app, name="archive")
calendar_app = typer.Typer(help="全国工作日历：补录国务院公布的次年节假日安排", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")


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
    from ggzy.demo import seed_demo_certificates

    certs_dir = platform.settings.data_dir / "demo-certs"
    with platform.db.session(write=True) as s:
        got = seed_demo_certificates(s, actor=CLI, now=platform.clock.now(), directory=certs_dir)
    typer.echo(f"一证通示范证书：新增 CA {got['cas']} 个、绑定 {got['bindings']} 张；私钥与证书在 {certs_dir}/")
    typer.echo(f"  bidder.gy.key.pem + bidder.gy.cert.pem（RSA），bidder.zy.*（ECDSA）；.p12 口令 {DEMO_PASSWORD}")
    from ggzy.demo import seed_demo_business

    with platform.db.session(write=True) as s:
        biz = seed_demo_business(
            s, actor=CLI, now=platform.clock.now(), key=platform.key, data_dir=platform.settings.data_dir
        )
    typer.echo(f"示范业务：新增项目 {biz['projects']} 个（每种交易类型覆盖投标前各阶段），模拟银行 {biz['banks']} 家。")
    if biz["skipped"]:
        typer.echo(
            f"  {biz['skipped']} 个项目的期限跨入尚未录入节假日安排的年份，未创建："
            "国务院办公厅公布该年安排后，由平台管理员用 ggzy calendar import 文件 补录，再运行 ggzy demo。"
        )
    typer.echo("  模拟银行付款：ggzy bank pay <虚拟子账号> <金额元> --payer <付款单位>")


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
    with platform.db.snapshot_session() as s:
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


@bank_app.command("pay")
def bank_pay(
    account: str = typer.Argument(..., help="虚拟子账号（投标人在保证金页面看到的账号）"),
    amount: str = typer.Argument(..., help="金额（元）"),
    payer: str = typer.Option(..., help="付款单位名称"),
    payer_account: str = typer.Option("6222000000000000000", help="付款账号（基本户）"),
    server: str = typer.Option("http://127.0.0.1:8000", help="平台地址"),
) -> None:
    """以示范银行身份发送一笔签名的到账通知到平台的真实接口。"""
    import httpx

    from ggzy.deposits.bank_simulator import SimulatedBank
    from ggzy.kit.money import yuan_to_fen

    platform = _platform(ready=False)
    now = platform.clock.now()
    bank = SimulatedBank(platform.settings.data_dir / "demo-bank", now=now)
    body, headers = bank.notification(
        account_number=account, amount_fen=yuan_to_fen(amount), payer_name=payer, payer_account=payer_account, now=now
    )
    try:
        r = httpx.post(f"{server.rstrip('/')}/api/v1/bank/notifications", content=body, headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        raise GgzyError(f"无法连接平台 {server}（{exc}）：请先运行 ggzy serve。", code="bank.unreachable") from None
    typer.echo(f"平台答复 HTTP {r.status_code}：{r.text}")
    raise typer.Exit(0 if r.status_code in (200, 201) else 1)


@bank_app.command("settle")
def bank_settle(
    fail: list[str] = typer.Option(
        [], "--fail", help="让该笔指令支付失败：指令编号:原因（可重复），如 deposit-refund:12:账户已销户"
    ),
    server: str = typer.Option("http://127.0.0.1:8000", help="平台地址"),
    platform_cert: Path | None = typer.Option(
        None, help="核验指令文件所用的平台证书（PEM）；默认为数据目录下 keys/platform-cert.pem"
    ),
) -> None:
    """以示范银行身份取回本行的转账指令（保证金退还、专家劳务费），核验平台签名后逐笔回复结算结果。"""
    import httpx

    from ggzy.deposits.bank_simulator import SETTLE_PATH, SimulatedBank
    from ggzy.deposits.policies import FETCH_PATH
    from ggzy.kit.signing import CERT_FILE

    platform = _platform(ready=False)
    bank = SimulatedBank(platform.settings.data_dir / "demo-bank", now=platform.clock.now())
    cert_path = platform_cert or platform.settings.key_dir / CERT_FILE
    if not cert_path.is_file():
        raise GgzyError(f"找不到平台证书 {cert_path}：请用 --platform-cert 指定。", code="bank.no_platform_cert")
    base = server.rstrip("/")
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            r = http.get(FETCH_PATH, headers=bank.fetch_headers(platform.clock.now()))
            if r.status_code != 200:
                typer.echo(f"取回转账指令失败：HTTP {r.status_code}：{r.text}")
                raise typer.Exit(1)
            orders = bank.read_orders(
                r.content, r.headers.get("x-signature", ""), cert_path.read_bytes(), platform.clock.now()
            )
            failures = _failures(fail, [o["key"] for o in orders])
            typer.echo(f"取回 {len(orders)} 笔转账指令（平台签名核验通过）。")
            ok = True
            for o in orders:
                body, headers = bank.settlement(
                    key=o["key"], amount_fen=o["total_fen"], now=platform.clock.now(), failure=failures.get(o["key"])
                )
                answer = http.post(SETTLE_PATH, content=body, headers=headers)
                ok = ok and answer.status_code in (200, 201)
                typer.echo(
                    f"  {o['key']}（{o['total_fen']} 分 → {o['payee_name']}）：HTTP {answer.status_code} {answer.text}"
                )
    except httpx.HTTPError as exc:
        raise GgzyError(f"无法连接平台 {server}（{exc}）：请先运行 ggzy serve。", code="bank.unreachable") from None
    raise typer.Exit(0 if ok else 1)


def _failures(items: list[str], keys: list[str]) -> dict[str, str]:
    """``--fail KEY:原因`` against the fetched keys (a key may itself contain a colon, e.g. deposit-refund:12)."""
    out = {}
    for item in items:
        key = next((k for k in keys if item.startswith(k + ":") and item[len(k) + 1 :].strip()), None)
        if key is None:
            raise GgzyError(
                f"--fail {item!r}：须写成 指令编号:原因，且指令编号须在本次取回的指令中（{'、'.join(keys) or '无'}）。",
                code="bank.bad_fail",
            )
        out[key] = item[len(key) + 1 :].strip()
    return out


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


@trust_app.command("add")
def trust_add(
    certificate: Path = typer.Argument(..., help="CA 证书文件（PEM 或 DER）"),
    name: str = typer.Option(..., "--name", help="名称，如 “贵州 CA 根证书”"),
    provider: str = typer.Option("", "--provider", help="CA 机构名称"),
    crl: Path | None = typer.Option(None, "--crl", help="CRL 文件"),
    crl_url: str | None = typer.Option(None, "--crl-url", help="CRL 下载地址（由平台按下次更新时间自动更新）"),
) -> None:
    """把 CA 根证书或签发证书加入全省信任列表。"""
    from ggzy.pki import service as pki

    platform = _platform()
    with platform.db.session(write=True) as s:
        row = pki.add_ca(
            s,
            actor=CLI,
            now=platform.clock.now(),
            certificate=_read(certificate, "CA 证书"),
            name=name,
            provider=provider,
            crl=_read(crl, "CRL") if crl else None,
            crl_url=crl_url,
        )
        typer.echo(f"已加入信任列表：{row.name}（{row.subject}，{row.algorithm}，指纹 {row.fingerprint}）")


@trust_app.command("list")
def trust_list(all_: bool = typer.Option(False, "--all", help="同时列出已移出的 CA")) -> None:
    """列出信任列表。"""
    from ggzy.kit.clock import to_shanghai
    from ggzy.pki import service as pki

    platform = _platform()
    with platform.db.session() as s:
        for c in pki.list_cas(s, include_removed=all_):
            nxt = f"CRL 下次更新 {to_shanghai(c.crl_next_update):%Y-%m-%d %H:%M}" if c.crl_next_update else "无 CRL"
            state = "" if c.status == "active" else f" [已移出 {to_shanghai(c.removed_at):%Y-%m-%d} {c.removed_by}]"
            typer.echo(f"{c.fingerprint[:16]}  {c.name:<20} {c.kind:<8} {c.algorithm:<11} {nxt}  {c.subject}{state}")


@trust_app.command("remove")
def trust_remove(ref: str = typer.Argument(..., help="名称或指纹（至少 8 位）")) -> None:
    """把 CA 移出信任列表（记录保留）。"""
    from ggzy.pki import service as pki

    platform = _platform()
    with platform.db.session(write=True) as s:
        row = pki.remove_ca(s, actor=CLI, now=platform.clock.now(), ref=ref)
        typer.echo(f"已移出信任列表：{row.name}（{row.fingerprint}）")


@trust_app.command("refresh")
def trust_refresh(
    ref: str | None = typer.Argument(None, help="只更新这个 CA（名称或指纹）"),
    crl: Path | None = typer.Option(None, "--crl", help="用这个 CRL 文件更新（须同时给出 CA）"),
) -> None:
    """立即更新 CRL：从下载地址获取，或用给出的文件。"""
    from ggzy.pki import service as pki

    if crl is not None and ref is None:
        raise GgzyError("用文件更新 CRL 时须指明 CA（名称或指纹）。", code="input.invalid")
    platform = _platform()
    failed = 0
    with platform.db.session(write=True) as s:
        cas = [pki.find_ca(s, ref)] if ref else [c for c in pki.list_cas(s) if c.crl_source == "url"]
        for ca in cas:
            try:
                with s.begin_nested():
                    data = _read(crl, "CRL") if crl else None
                    changed = pki.refresh_crl(s, actor=CLI, now=platform.clock.now(), ca=ca, data=data)
                typer.echo(f"{ca.name}：{'已更新' if changed else '无变化'}")
            except GgzyError as exc:
                failed += 1
                typer.echo(f"{ca.name}：更新失败：{exc.message} [{exc.code}]", err=True)
    raise typer.Exit(1 if failed else 0)


@pki_app.command("verify")
def pki_verify(
    file: Path = typer.Argument(..., help="证书、分离式 CMS 签名或签章 PDF"),
    content: Path | None = typer.Option(None, "--content", help="CMS 签名所签的原文"),
    at: str | None = typer.Option(None, "--at", help="按此时间判断（ISO 8601，带时区）；默认现在"),
) -> None:
    """按全省信任列表检查证书、CMS 签名或签章 PDF（有效退出码 0，无效 1，输入有误 2）。"""
    from ggzy.pki import service as pki
    from ggzy.pki.certs import load_certificates

    platform = _platform()
    when = _when(at) if at else platform.clock.now()
    data = _read(file, "文件", limit=None if file.suffix.lower() == ".pdf" else 1 << 20)
    with platform.db.session() as s:
        trust = pki.current_trust_list(s)
    if data[:5] == b"%PDF-":
        from ggzy.pki.seals import verify_pdf

        result = verify_pdf(data, trust=trust, now=when)
        for sig in result.signatures:
            typer.echo(f"签章 {sig.field_name}：{sig.message} [{sig.code}] {sig.signer or ''}")
        _verdict_line(result.valid, result.message, result.code)
    if content is not None or pki.looks_like_cms(data):
        if content is None:
            raise GgzyError("这是 CMS 签名：请用 --content 给出所签的原文。", code="input.invalid")
        from ggzy.pki.cms import verify_detached

        result = verify_detached(data, _read(content, "原文", limit=None), trust=trust, now=when)
        for signer in result.signers:
            who = signer.certificate.subject_text if signer.certificate else "（未知签名者）"
            cert_verdict = signer.certificate_verdict  # a Verdict is falsy when invalid: compare with None
            reason = pki.explain(cert_verdict) if cert_verdict is not None else signer.message
            typer.echo(f"签名者 {who}：{reason} [{signer.code}]")
        _verdict_line(result.valid, result.message, result.code)
    certs = load_certificates(data)
    verdict = trust.validate(certs[0], now=when, intermediates=certs[1:])
    typer.echo(f"证书 {certs[0].subject_text}（SHA-256 {certs[0].fingerprint}）")
    _verdict_line(verdict.valid, pki.explain(verdict), verdict.code)


def _verdict_line(valid: bool, message: str, code: str) -> None:
    typer.echo(f"{'有效' if valid else '无效'}：{message} [{code}]", err=not valid)
    raise typer.Exit(0 if valid else 1)


def _when(at: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(at)
    except ValueError:
        raise GgzyError(f"时间 {at!r} 格式错误：请写成 2026-06-01T12:00:00+08:00。", code="input.invalid") from None
    if when.tzinfo is None:
        raise GgzyError("时间须带时区，如 2026-06-01T12:00:00+08:00。", code="input.invalid")
    return when


def _read(path: Path, what: str, limit: int | None = 1 << 20) -> bytes:
    try:
        size = path.stat().st_size
        if limit is not None and size > limit:
            raise GgzyError(f"{what} {path} 过大（{size} 字节，上限 {limit} 字节）。", code="pki.too_large")
        return path.read_bytes()
    except OSError as exc:
        raise GgzyError(f"无法读取{what} {path}（{exc.strerror}）。", code="input.unreadable") from None


@users_app.command("bind-cert")
def users_bind_cert(username: str, certificate: Path = typer.Argument(..., help="用户证书（PEM 或 DER）")) -> None:
    """平台管理员为账户绑定证书（证书须由信任列表中的 CA 签发且当前有效）。"""
    from ggzy.auth import service as auth
    from ggzy.pki import service as pki
    from ggzy.pki.certs import load_certificate

    platform = _platform()
    with platform.db.session(write=True) as s:
        cert = load_certificate(_read(certificate, "证书"))
        binding = pki.bind_certificate(
            s,
            actor=CLI,
            now=platform.clock.now(),
            account=auth.get_account(s, username),
            certificate=cert,
            trust=pki.current_trust_list(s),
        )
        typer.echo(f"已为 {username} 绑定证书 {binding.subject}（指纹 {binding.fingerprint}）")


@app.command("verify-draw")
def verify_draw(
    section: str | None = typer.Argument(None, help="标段编号"),
    all_: bool = typer.Option(False, "--all", help="校验全部抽取记录"),
) -> None:
    """从公开的种子与存储的专家库快照重放专家抽取，核对委员会；公开前仅校验种子承诺。"""
    from ggzy.evaluation.verify import verify_section

    if (section is None) == (not all_):
        raise GgzyError("请给出一个标段编号，或使用 --all（二者择一）。", code="evaluation.verify_args")
    platform = _platform()
    with platform.db.snapshot_session() as s:
        checks = verify_section(s, None if all_ else section)
    if not checks:
        raise GgzyError(f"没有找到{'任何' if all_ else f'标段 {section} 的'}专家抽取记录。", code="evaluation.no_draws")
    for c in checks:
        typer.echo(c.line(), err=not c.ok)
    raise typer.Exit(0 if all(c.ok for c in checks) else 1)


@app.command("verify-opening")
def verify_opening(
    section: str | None = typer.Argument(None, help="标段编号"),
    all_: bool = typer.Option(False, "--all", help="校验全部已开标的标段"),
) -> None:
    """核验开标：回执签名、存储密文摘要、信封接收者、份额承诺、明文摘要（按 opening/verify.py 所列）。"""
    from ggzy.kit.blobs import BlobStore
    from ggzy.opening import repository as opening_repo
    from ggzy.opening.verify import verify_section as verify_opening_section

    if (section is None) == (not all_):
        raise GgzyError("请给出一个标段编号，或使用 --all（二者择一）。", code="opening.verify_args")
    platform = _platform()
    blobs, ok = BlobStore(platform.settings.blob_dir), True
    with platform.db.snapshot_session() as s:
        codes = opening_repo.all_opened_sections(s) if all_ else [section]
        for code in codes:
            report = verify_opening_section(s, code, blobs=blobs, key=platform.key, now=platform.clock.now())
            ok = ok and report.ok
            verdict = "通过" if report.ok else "不通过"
            typer.echo(f"{code}：{verdict}（{report.checked} 项检查）", err=not report.ok)
            for problem in report.problems:
                typer.echo(f"  - {problem}", err=True)
    raise typer.Exit(0 if ok else 1)


@archive_app.command("export")
def archive_export(
    section: str = typer.Argument(..., help="标段（包）编号"),
    out: Path = typer.Option(..., "--out", help="输出的 zip 文件"),
) -> None:
    """导出标段的完整电子档案（清单由平台签名，可离线核验）。"""
    from ggzy.award import archive
    from ggzy.kit.blobs import BlobStore

    platform = _platform()
    with platform.db.session() as s:
        data = archive.export(
            s,
            section_code=section,
            key=platform.key,
            now=platform.clock.now(),
            blobs=BlobStore(platform.settings.blob_dir),
        )
    out.write_bytes(data)
    typer.echo(f"已导出 {out}（{len(data)} 字节）")


@archive_app.command("verify")
def archive_verify(
    file: Path = typer.Argument(..., help="档案 zip 文件"),
    cert: Path | None = typer.Option(None, "--cert", help="平台签名证书（PEM）；省略则用档案内所附证书"),
) -> None:
    """离线核验档案：清单签名与每个文件的 SHA-256。通过退出码 0，否则 1。"""
    from cryptography import x509

    from ggzy.award import archive
    from ggzy.kit.clock import Clock

    trusted = x509.load_pem_x509_certificate(_read(cert, "证书")) if cert else None
    report = archive.verify(_read(file, "档案", limit=None), cert=trusted, now=Clock().now())
    for problem in report.problems:
        typer.echo(f"不符：{problem}", err=True)
    if report.ok:
        typer.echo(f"档案完好：{report.checked} 个文件与签名清单一致；签名者 {report.signer}")
        if cert is None:
            typer.echo("注意：使用的是档案内所附平台证书，请与平台公布的证书指纹核对，或以 --cert 指定。")
    raise typer.Exit(0 if report.ok else 1)


@calendar_app.command("import")
def calendar_import(
    file: Path = typer.Argument(..., help="ggzy.calendar/1 格式的 JSON 文件，恰含一年（格式同 holidays_cn.json）"),
) -> None:
    """补录一年的国务院节假日安排（记入审计链；无需发布新版本）。"""
    from ggzy.centers import national

    try:
        document = json.loads(_read(file, "节假日安排文件"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GgzyError(f"节假日安排文件 {file} 不是有效的 UTF-8 JSON（{exc}）。", code="input.invalid") from None
    platform = _platform()
    with platform.db.session(write=True) as s:
        row = national.import_year(s, actor=CLI, now=platform.clock.now(), document=document)
        year = next(c for c in national.covered_years(s) if c.year == row.year)
    typer.echo(f"已补录 {year.year} 年：{year.source}")
    typer.echo(f"  放假日 {year.holidays} 条，调休上班日 {year.workdays} 条；SHA-256 {year.sha256}")


@calendar_app.command("list")
def calendar_list() -> None:
    """列出工作日历已录入的年份及其依据。"""
    from ggzy.centers import national

    platform = _platform()
    with platform.db.session() as s:
        for c in national.covered_years(s):
            origin = "补录" if c.origin == "imported" else "随版本"
            typer.echo(f"{c.year}  {origin}  放假 {c.holidays:>2} 条  调休上班 {c.workdays:>2} 条  {c.source}")


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
