"""Issue 2, done-when: `make run` on a fresh database serves the login page and the demo accounts log in.

Run by `scripts/demo-check.sh` (part of `make test`) against the server `make run` started,
in Debian's chromium; skipped when no such server is given. Screenshots of each home page
go to test-artifacts/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

BASE_URL = os.environ.get("PANGTING_DEMO_URL", "")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEMO_PASSWORD = "pangting-demo-2026"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.demo,
    pytest.mark.skipif(not BASE_URL, reason="needs the server started by `make run` (scripts/demo-check.sh)"),
]

# Account → something its home page or navigation must show.
ACCOUNTS = {
    "xuanchuan": "巡听旁听",
    "dangwei": "学习会",
    "lingdao": "巡听旁听",
    "lianluo": "巡听旁听",
    "mishu": "学习会",
    "chengyuan": "我的学习",
    "admin": "工作日日历",
    "anquan": "账号与角色",
    "shenji": "审计日志",
    # The city level above the university (R-O23) and a school it supervises.
    "shijiaogong": "各级督导对比",
    "shilingdao": "巡听旁听",
    "xiaomishu": "学习会",
    "yixiaomishu": "学习会",
}


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_it_logs_every_demo_account_in(browser, username):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{BASE_URL}/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{BASE_URL}/")
    assert "我的待办" in page.inner_text("main")
    assert ACCOUNTS[username] in page.text_content("nav.main")  # inside a menu group, maybe closed
    page.screenshot(path=str(ARTIFACTS / f"demo-home-{username}.png"), full_page=True)
    context.close()
