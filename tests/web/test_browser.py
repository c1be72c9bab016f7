"""A newcomer's first clicks, in Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from ggzy.demo import DEMO_PASSWORD, seed_demo
from ggzy.kit.actor import SYSTEM
from ggzy.kit.settings import load_settings
from ggzy.platform import Platform

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI requires the browser tests: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    from ggzy.web.app import create_app

    _need_chromium()
    data = tmp_path_factory.mktemp("browser")
    platform = Platform(load_settings({"GGZY_DATA_DIR": str(data)}))
    platform.upgrade()
    with platform.db.session(write=True) as s:
        seed_demo(s, actor=SYSTEM, now=platform.clock.now())
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    srv = uvicorn.Server(
        uvicorn.Config(create_app(platform, run_chronograph=False), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    platform.db.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    _need_chromium()
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield b
        b.close()


def test_a_newcomer_finds_the_network_logs_in_and_out(server, browser, tmp_path):
    page = browser.new_page()
    page.goto(server + "/")
    assert "贵州省公共资源交易平台" in page.title()
    page.click("text=交易中心")
    page.click("text=清镇市公共资源交易中心")
    assert "520181" in page.content()
    page.click("text=登录")
    page.fill("input[name=username]", "gy.staff")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit] >> nth=-1")
    assert "用户名或密码错误" in page.content()
    page.fill("input[name=username]", "gy.staff")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(server + "/")
    assert "贵阳中心工作人员" in page.content()
    page.screenshot(path=str(tmp_path / "home-signed-in.png"), full_page=True)
    page.click("text=退出登录")
    page.wait_for_url(server + "/")
    assert "贵阳中心工作人员" not in page.content()


def test_the_audit_page_offers_the_signed_checkpoint(server, browser):
    page = browser.new_page()
    page.goto(server + "/audit")
    assert "审计链" in page.content() and "链上事件总数" in page.content()
