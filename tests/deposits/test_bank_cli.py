"""``ggzy bank settle`` as the demo bank runs it against a live platform over HTTP: it fetches the refund orders,
checks the platform's signature on them with the certificate it holds, and settles each one (or fails the one
named with --fail); a second run finds nothing left; a document it cannot verify is refused, nothing paid."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ggzy.demo import seed_demo
from ggzy.deposits import service as deposits
from ggzy.deposits.bank_simulator import DEMO_BANK_CODE, DEMO_BANK_PREFIX, SimulatedBank
from ggzy.deposits.models import Refund, TransferInstruction
from ggzy.kit.actor import SYSTEM, Actor
from ggzy.kit.clock import FrozenClock
from ggzy.kit.settings import load_settings
from ggzy.kit.signing import load_or_create_platform_key
from ggzy.platform import Platform
from ggzy.projects import service as projects
from ggzy.projects.rulesets import DepositForm
from ggzy.web.app import create_app
from support import entity_of, publish_section, run_cli, serve

from .conftest import DEPOSIT

START = dt.datetime(2026, 11, 2, 1, 30, tzinfo=dt.UTC)


def _refunds_instructed(platform: Platform, clock: FrozenClock, data) -> list[str]:
    """The demo bank registered; two bidders paid it; the section terminated; both refunds in the outbox."""
    bank = SimulatedBank(data / "demo-bank", now=clock.now())
    with platform.db.session(write=True) as s:
        seed_demo(s, actor=SYSTEM, now=clock.now())
        deposits.register_bank(
            s,
            actor=SYSTEM,
            now=clock.now(),
            code=DEMO_BANK_CODE,
            name="示范银行（模拟）",
            account_prefix=DEMO_BANK_PREFIX,
            cert_pem=bank.cert_pem,
        )
        section = publish_section(
            s, clock, platform, name="银行结算示例工程", deposit_fen=DEPOSIT, forms={DepositForm.CASH}
        )
        _, tp = deposits.repository.section_by_code(s, section.code)
        for i, who in enumerate(("bidder.gy", "bidder.zy")):
            entity = entity_of(s, who)
            sub = deposits.open_sub_account(
                s, actor=SYSTEM, now=clock.now(), entity_id=entity.id, section=section, tp=tp
            )
            body, headers = bank.notification(
                account_number=sub.number,
                amount_fen=DEPOSIT,
                payer_name=entity.name,
                payer_account=f"5200{i:016d}",
                now=clock.now(),
            )
            deposits.receive_notification(
                s, now=clock.now(), bank_code=DEMO_BANK_CODE, signature=headers["X-Bank-Signature"], body=body, ip=None
            )
        projects.terminate_section(
            s,
            actor=Actor(None, "招标人", "tenderee"),
            now=clock.now(),
            entity_id=entity_of(s, "tenderee.gy").id,
            section_code=section.code,
            reason="项目取消",
        )
    platform.chronograph.tick()
    with platform.db.session() as s:
        return [f"deposit-refund:{r.id}" for r in s.execute(select(Refund).order_by(Refund.id)).scalars()]


@pytest.fixture
def live(tmp_path):
    data = tmp_path / "data"
    env = {"GGZY_DATA_DIR": str(data)}
    clock = FrozenClock(START)
    platform = Platform(load_settings(env), clock=clock)
    platform.upgrade()
    keys = _refunds_instructed(platform, clock, data)
    url, srv, thread = serve(create_app(platform, run_chronograph=False))
    # The command signs with the wall clock: the platform's clock must agree within the ±5 minutes allowed.
    clock.set(dt.datetime.now(dt.UTC))
    yield platform, env, url, keys
    srv.should_exit = True
    thread.join(timeout=10)
    platform.db.dispose()


def test_bank_settle_fetches_verifies_and_settles_each_order_over_http(live, tmp_path):
    platform, env, url, (paid, failed) = live
    r = run_cli(["bank", "settle", "--server", url, "--fail", f"{failed}:收款账户已销户"], env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "取回 2 笔转账指令（平台签名核验通过）" in r.stdout and paid in r.stdout and failed in r.stdout
    with platform.db.session() as s:
        orders = {o.key: o for o in s.execute(select(TransferInstruction)).scalars()}
        assert orders[paid].status == "settled" and orders[paid].bank_reference.startswith(DEMO_BANK_CODE)
        assert orders[failed].status == "failed" and orders[failed].failure == "收款账户已销户"
        assert {r.status for r in s.execute(select(Refund)).scalars()} == {"settled", "failed"}
    again = run_cli(["bank", "settle", "--server", url], env)
    assert again.returncode == 0 and "取回 0 笔" in again.stdout, again.stdout + again.stderr
    # A certificate other than the platform's: the document is not trusted and nothing is sent.
    load_or_create_platform_key(tmp_path / "other-keys", now=START, name="冒充的平台")
    forged = run_cli(
        ["bank", "settle", "--server", url, "--platform-cert", tmp_path / "other-keys" / "platform-cert.pem"], env
    )
    assert forged.returncode != 0 and "平台签名无效" in forged.stderr, forged.stdout + forged.stderr
    bad = run_cli(["bank", "settle", "--server", url, "--fail", "nosuch:原因"], env)
    assert bad.returncode != 0 and "bank.bad_fail" in bad.stderr
