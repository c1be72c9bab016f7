"""A construction tender through the pages, in Debian's Chromium: the tenderee registers and submits, the
center publishes, a bidder from another center downloads and asks; the tenderee never sees who."""

from __future__ import annotations

import httpx
import pytest

from ggzy.demo import DEMO_PASSWORD
from ggzy.deposits.bank_simulator import SimulatedBank

pytestmark = pytest.mark.browser


def _login(page, server: str, username: str) -> None:
    page.goto(server + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("form[action='/login'] button[type=submit]").click()


def _logout(page) -> None:
    with page.expect_navigation():
        page.click("text=退出登录")


def _messages(page) -> str:
    return " ".join(page.locator(".message").all_inner_texts())


def test_a_construction_tender_from_registration_to_a_bidders_question(server, browser, tmp_path):
    page = browser.new_page()
    _login(page, server, "tenderee.gy")
    page.click("text=项目工作台")
    page.fill("#name", "页面测试道路工程")
    page.select_option("#center", "GY")
    page.fill("#estimate", "10000000")
    with page.expect_navigation():
        page.click("button:has-text('登记')")
    assert "/workspace/P520100" in page.url
    code = page.url.split("/workspace/")[1].split("?")[0]
    page.set_input_files(
        "#file", files=[{"name": "招标文件.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 tender" * 64}]
    )
    with page.expect_navigation():
        page.click("button:has-text('上传')")
    assert "已上传" in _messages(page)
    page.fill("#body", "一、招标条件……")
    page.fill("#bd", "2026-11-20T09:30")  # less than 20 days: refused with the rule
    with page.expect_navigation():
        page.click("button:has-text('提交交易中心审核')")
    assert "T-4" in _messages(page)
    page.fill("#body", "一、招标条件……")
    page.fill("#bd", "2026-11-27T09:30")
    page.fill("#dep", "200000")
    page.check("input[value=cash]")
    with page.expect_navigation():
        page.click("button:has-text('提交交易中心审核')")
    assert "已提交" in _messages(page)
    _logout(page)

    _login(page, server, "gy.staff")
    assert "贵阳中心工作人员" in page.content(), page.content()[-3000:]
    page.click("text=公告审核")
    with page.expect_navigation():
        page.locator("article", has_text=code).locator("button:has-text('审核通过并发布')").click()
    assert "已发布" in _messages(page)
    _logout(page)

    _login(page, server, "bidder.zy")
    page.goto(server + "/announcements?transaction_type=construction&center=GY")
    page.click("text=页面测试道路工程招标公告")
    with page.expect_download() as download:
        page.click("text=招标文件.pdf")
    assert download.value.suggested_filename == "招标文件.pdf"
    page.fill("textarea[name=text]", "工期能否调整？")
    with page.expect_navigation():
        page.click("button:has-text('提交问题')")
    assert "问题已提交" in _messages(page)
    # The deposit: instructions on the bidder's page, paid through the simulated bank's signed notification.
    with page.expect_navigation():
        page.click("text=保证金缴纳方式与状态")
    account = page.locator("dt:has-text('账号') + dd").inner_text().strip()
    bank = SimulatedBank(server.data_dir / "demo-bank", now=server.clock.now())
    body, headers = bank.notification(
        account_number=account,
        amount_fen=20_000_000,
        payer_name="遵义汇川示范路桥工程有限公司",
        payer_account="6222000011112222333",
        now=server.clock.now(),
    )
    paid = httpx.post(f"{server}/api/v1/bank/notifications", content=body, headers=headers)
    assert paid.status_code == 201 and paid.json()["status"] == "received", paid.text
    page.reload()
    assert "已到账" in page.content()
    _logout(page)

    _login(page, server, "tenderee.gy")
    page.goto(server + f"/workspace/{code}")
    html = page.content()
    assert "工期能否调整" in html and "遵义汇川示范路桥工程有限公司" not in html and "遵义投标人" not in html
    # No route or page of the tenderee shows the deposit either.
    for path in (f"/tender-projects/{code}", "/workspace", "/api/v1/projects/mine", "/api/v1/me/notifications"):
        page.goto(server + path)
        assert "遵义汇川" not in page.content() and account not in page.content()
    page.screenshot(path=str(tmp_path / "workspace.png"), full_page=True)
