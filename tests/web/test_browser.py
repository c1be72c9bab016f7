"""A newcomer's first clicks, in Debian's Chromium driven by Playwright (fixtures in tests/conftest.py)."""

from __future__ import annotations

import pytest

from ggzy.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_a_newcomer_finds_the_network_logs_in_and_out(server, browser, tmp_path):
    page = browser.new_page()
    page.goto(server + "/")
    assert "贵州省公共资源交易平台" in page.title()
    with page.expect_navigation():
        page.click("text=交易中心")
    with page.expect_navigation():
        page.click("text=清镇市公共资源交易中心")
    assert "520181" in page.content()
    with page.expect_navigation():
        page.click("text=登录")
    page.fill("input[name=username]", "gy.staff")
    page.fill("input[name=password]", "not-the-password")
    with page.expect_navigation():
        page.click("button[type=submit] >> nth=-1")
    assert "用户名或密码错误" in page.content()
    page.fill("input[name=username]", "gy.staff")
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation(url=server + "/"):
        page.locator("form[action='/login'] button[type=submit]").click()
    assert "贵阳中心工作人员" in page.content()
    page.screenshot(path=str(tmp_path / "home-signed-in.png"), full_page=True)
    with page.expect_navigation(url=server + "/"):
        page.click("text=退出登录")
    assert "贵阳中心工作人员" not in page.content()


def test_the_audit_page_offers_the_signed_checkpoint(server, browser):
    page = browser.new_page()
    page.goto(server + "/audit")
    assert "审计链" in page.content() and "链上事件总数" in page.content()
