"""``ggzy-client``: log in with a CA certificate, show who you are, sign and verify files."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ggzy.client.api import ClientError, GgzyClient, verify_file
from ggzy.kit.clock import Clock
from ggzy.kit.errors import GgzyError

app = typer.Typer(
    help="ggzy 投标人客户端：证书登录、签名、验签（代替 CA 证书中间件）", no_args_is_help=True, add_completion=False
)
_state: dict[str, object] = {}

KEY = typer.Option(..., "--key", help="私钥（PEM / PKCS#8）或 PKCS#12 文件")
CERT = typer.Option(None, "--cert", help="证书（PEM/DER，可含中间 CA）；PKCS#12 时可省略")
PASSWORD = typer.Option(None, "--password", envvar="GGZY_KEY_PASSWORD", help="私钥或 PKCS#12 口令（也可用环境变量）")


@app.callback()
def options(
    server: str = typer.Option("http://127.0.0.1:8000", "--server", envvar="GGZY_SERVER", help="平台地址"),
    token_file: Path | None = typer.Option(None, "--token-file", envvar="GGZY_TOKEN_FILE", help="保存/读取令牌的文件"),
    token: str | None = typer.Option(None, "--token", envvar="GGZY_TOKEN", help="API 令牌"),
) -> None:
    _state.update(server=server, token_file=token_file, token=token)


def _client() -> GgzyClient:
    return GgzyClient(str(_state["server"]), token=_state.get("token"), token_file=_state.get("token_file"))


@app.command()
def login(key: Path = KEY, cert: Path | None = CERT, password: str | None = PASSWORD) -> None:
    """对平台挑战值签名，换取 API 令牌（指定 --token-file 时保存到该文件，否则打印出来）。"""
    with _client() as client:
        client.load_identity(key, cert, password)
        token = client.login()
        who = client.whoami()
    typer.echo(
        f"登录成功：{who['display_name']}（{who['username']}），令牌有效期至 {client.token_expires_at.isoformat()}"
    )
    if client.token_file is None:
        typer.echo(token)


@app.command()
def whoami() -> None:
    """显示当前令牌对应的账户。"""
    with _client() as client:
        who = client.whoami()
    roles = "、".join(g["role_label"] for g in who["grants"]) or who["kind"]
    typer.echo(f"{who['display_name']}（{who['username']}）{roles}  所属中心 {who['home_center'] or '—'}")


@app.command()
def bind(key: Path = KEY, cert: Path | None = CERT, password: str | None = PASSWORD) -> None:
    """把这张证书绑定到当前登录的账户（须先用令牌登录，例如账号密码换取的令牌）。"""
    with _client() as client:
        client.load_identity(key, cert, password)
        b = client.bind_certificate()
    typer.echo(f"已绑定：{b['subject']}（指纹 {b['fingerprint']}）")


@app.command()
def sign(
    file: Path,
    out: Path = typer.Option(..., "--out", help="输出的 CMS 分离签名（DER）"),
    key: Path = KEY,
    cert: Path | None = CERT,
    password: str | None = PASSWORD,
) -> None:
    """对文件做 CMS 分离签名（RSA/ECDSA 用 SHA-256，SM2 用 SM3），可用 openssl cms -verify 检查。"""
    with _client() as client:
        client.load_identity(key, cert, password)
        out.write_bytes(client.sign_file(file))
    typer.echo(f"已签名：{out}")


@app.command()
def verify(
    file: Path,
    sig: Path = typer.Option(..., "--sig", help="CMS 分离签名"),
    ca: list[Path] = typer.Option([], "--ca", help="信任的 CA 证书（可多次给出）"),
    crl: list[Path] = typer.Option([], "--crl", help="CRL（可多次给出）；给出时检查吊销"),
) -> None:
    """离线校验签名：内容是否被篡改，以及签名证书是否由给出的 CA 签发（退出码 0 有效，1 无效）。"""
    result = verify_file(
        file.read_bytes(),
        sig.read_bytes(),
        cas=[p.read_bytes() for p in ca],
        crls=[p.read_bytes() for p in crl],
        now=Clock().now(),  # the bidder's own machine: its clock is the one it has
    )
    for signer in result.signers:
        who = signer.certificate.subject_text if signer.certificate else "（未知签名者）"
        typer.echo(f"签名者 {who}：{signer.message} [{signer.code}]")
    if not ca and result.code == "unknown_ca":
        typer.echo("内容完整、签名值正确；未给出 --ca，未校验证书来源。")
        raise typer.Exit(0)
    typer.echo(f"{'有效' if result.valid else '无效'}：{result.message} [{result.code}]", err=not result.valid)
    raise typer.Exit(0 if result.valid else 1)


bid_app = typer.Typer(help="加密投标：制作数字信封、递交（可续传）、撤回", no_args_is_help=True)
app.add_typer(bid_app, name="bid")
SECTION = typer.Option(..., "--section", help="标段编号")


@bid_app.command("build")
def bid_build(
    section: str = SECTION,
    form: Path = typer.Option(..., "--form", help="投标函结构化数据 bid.json（报价 price_fen、工期 duration_days 等）"),
    files: list[Path] = typer.Option([], "--files", help="投标文件（可多次给出）"),
    out: Path = typer.Option(..., "--out", help="输出的加密信封（CMS，DER），如 bid.p7m"),
    algorithm: str | None = typer.Option(
        None,
        "--algorithm",
        help="内容加密算法：aes-256-gcm、sm4-gcm 等；缺省时按开标密钥选择（SM2 开标密钥用 SM4-GCM，否则 AES-256-GCM）",
    ),
    key: Path = KEY,
    cert: Path | None = CERT,
    password: str | None = PASSWORD,
) -> None:
    """签名投标包（bid.json + 文件 + CMS 签名），加密给本人证书和本标段开标密钥证书。"""
    import json

    with _client() as client:
        client.load_identity(key, cert, password)
        made = client.build_bid(section, json.loads(form.read_text(encoding="utf-8")), files, out, algorithm=algorithm)
    typer.echo(
        f"已生成加密投标文件：{made['envelope']}（{made['algorithm']}，{made['size']} 字节，SHA-256 {made['sha256']}）"
    )


@bid_app.command("submit")
def bid_submit(
    section: str = SECTION,
    envelope: Path = typer.Option(..., "--envelope", help="加密信封文件（ggzy-client 或 openssl cms -encrypt 生成）"),
    key: Path = KEY,
    cert: Path | None = CERT,
    password: str | None = PASSWORD,
) -> None:
    """分片上传（中断后重新运行即从头声明新上传；同一上传可续传）并完成递交，打印并核验平台回执。"""
    import json

    with _client() as client:
        client.load_identity(key, cert, password)
        bid = client.submit_bid(section, envelope)
        receipt = bid["receipts"][-1]
        verdict = client.verify_receipt(receipt)
    typer.echo(json.dumps(receipt["receipt"], ensure_ascii=False, indent=2))
    typer.echo(f"回执 {receipt['number']}：平台签名{'有效' if verdict.valid else '无效：' + verdict.message}")
    raise typer.Exit(0 if verdict.valid else 1)


@bid_app.command("withdraw")
def bid_withdraw(
    section: str = SECTION, number: str = typer.Option(..., "--bid", help="投标编号（回执上的 bid）")
) -> None:
    """截止前撤回投标文件（保留记录，出具撤回回执）。"""
    with _client() as client:
        receipt = client.withdraw_bid(section, number)
        verdict = client.verify_receipt(receipt)
    typer.echo(f"已撤回 {number}，回执 {receipt['number']}（平台签名{'有效' if verdict.valid else '无效'}）")


opening_app = typer.Typer(help="网上开标：签到、在线解密、保管人补救", no_args_is_help=True)
app.add_typer(opening_app, name="opening")


@opening_app.command("sign-in")
def opening_sign_in(section: str = SECTION) -> None:
    """开标签到。"""
    with _client() as client:
        client.opening_sign_in(section)
    typer.echo(f"已在标段 {section} 的开标大厅签到。")


@opening_app.command("decrypt")
def opening_decrypt(
    section: str = SECTION,
    bid: str = typer.Option(..., "--bid", help="投标编号（回执上的 bid）"),
    envelope: Path = typer.Option(..., "--envelope", help="本单位递交的加密信封文件"),
    key: Path = KEY,
    cert: Path | None = CERT,
    password: str | None = PASSWORD,
) -> None:
    """在线解密：用本单位私钥解出内容密钥并签名提交，由平台解密并与回执核对。"""
    with _client() as client:
        client.load_identity(key, cert, password)
        result = client.opening_hand_over_key(section, bid, envelope)
    typer.echo(
        f"投标 {result['bid']}：{result['status']}"
        + (f"（{result['failure_reason']}）" if result.get("failure_reason") else "")
    )


@opening_app.command("share")
def opening_share(
    section: str = SECTION, key: Path = KEY, cert: Path | None = CERT, password: str | None = PASSWORD
) -> None:
    """保管人补救解密：下载本人的加密份额，用本人私钥解开并签名提交。"""
    with _client() as client:
        client.load_identity(key, cert, password)
        result = client.opening_hand_over_share(section)
    typer.echo(f"份额 {result['index']} 已被接受。")


@opening_app.command("record")
def opening_record(
    section: str = SECTION,
    out: Path | None = typer.Option(None, "--out", help="把开标记录原文（JSON）保存到此文件，便于自行签名"),
) -> None:
    """查看开标记录：核对平台签名后列出各投标人的解密结果和报价。"""
    import json

    with _client() as client:
        raw = client.opening_record(section)
    if out is not None:
        out.write_bytes(raw)
    typer.echo(_record_summary(json.loads(raw)))


@opening_app.command("confirm")
def opening_confirm(
    section: str = SECTION,
    key: Path | None = typer.Option(None, "--key", help="私钥（PEM / PKCS#8）或 PKCS#12 文件（签字确认时必需）"),
    cert: Path | None = CERT,
    password: str | None = PASSWORD,
    decline: str | None = typer.Option(None, "--decline", help="拒绝签字并说明理由（不需要私钥）"),
) -> None:
    """对开标记录电子签名确认（E-13），或以 --decline 拒绝签字并说明理由。"""
    with _client() as client:
        if decline is None:
            if key is None:
                raise typer.BadParameter("签字确认需要 --key（拒绝签字请用 --decline）。")
            client.load_identity(key, cert, password)
        result = client.opening_answer_record(section, declined=decline)
    if result["answer"] == "signed":
        typer.echo(f"已对标段 {section} 的开标记录电子签名确认（记录 SHA-256 {result['record_sha256']}）。")
    else:
        typer.echo(f"已记录：贵单位拒绝在标段 {section} 的开标记录上签字，理由随开标过程记录公布。")


def _record_summary(record: dict) -> str:
    content = record.get("BID_OPENING_CONTENT", {})
    t = str(record.get("BID_OPENING_TIME", ""))  # yyyyMMddHHmmss, Asia/Shanghai (data set 506)
    when = f"{t[:4]}-{t[4:6]}-{t[6:8]} {t[8:10]}:{t[10:12]}:{t[12:14]}" if len(t) == 14 else t
    lines = [f"{record.get('NOTICE_NAME', '')}  开标时间 {when}（北京时间）"]
    for b in content.get("bids", []):
        price = f"{b['price_fen'] // 100:,}.{b['price_fen'] % 100:02d} 元" if b.get("price_fen") is not None else "—"
        lines.append(f"  {b['bid']}  {b['bidder']}  {price}  {b['result']}")
    for o in content.get("objections", []):
        lines.append(f"  异议（{o['bidder']}）：{o['text']} —— {o.get('answer') or '待答复'}")
    return "\n".join(lines)


def main() -> None:
    """Entry point: failures are one line on stderr (exit 1 for a refusal by the server, 2 for bad input)."""
    try:
        app()
    except ClientError as exc:
        print(f"ggzy-client: {exc.message} [{exc.code}]", file=sys.stderr)
        sys.exit(1)
    except GgzyError as exc:
        print(f"ggzy-client: {exc.message} [{exc.code}]", file=sys.stderr)
        sys.exit(2)
    except OSError as exc:
        print(f"ggzy-client: {exc.strerror or exc}: {getattr(exc, 'filename', '')} [client.io]", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
