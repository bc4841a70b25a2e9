"""Chinese first, English on request: the language cookie, not the browser, picks the language.

The msgids are Chinese; pangting/locale/en holds the English catalog. The .mo file is
git-ignored and built by `make messages` (part of `make install`), so the session fixture
below compiles it when it is missing or older than the .po: the tests then pass on a
fresh clone too.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation

EN_PO = Path(settings.BASE_DIR) / "pangting" / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="session")
def english_catalog() -> Path:
    """The compiled English catalog next to its .po, compiled here if it is missing or stale."""
    mo = EN_PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < EN_PO.stat().st_mtime:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with EN_PO.open("rb") as po_file:
            catalog = read_po(po_file, locale="en")
        # Write then rename, so a parallel test process never reads half a file.
        fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=".tmp-", suffix=".mo")
        with os.fdopen(fd, "wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=True)  # as `make messages` does
        os.chmod(tmp, 0o644)
        os.replace(tmp, mo)
        # Forget catalogs loaded before the .mo existed (what Django does when LOCALE_PATHS changes).
        from django.utils.translation import trans_real

        trans_real._translations = {}
        trans_real._default = None
    return mo


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_login_page_is_chinese_even_when_the_browser_asks_for_english(db, english_catalog):
    response = Client(headers={"accept-language": "en-US,en;q=0.9"}).get(reverse("accounts:login"))

    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    page = response.content.decode()
    assert '<button type="submit">登录</button>' in page
    assert "Log in" not in page


def test_login_page_is_english_with_the_language_cookie(db, english_catalog):
    response = english(Client()).get(reverse("accounts:login"))

    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    page = response.content.decode()
    assert '<button type="submit">Log in</button>' in page
    assert "Theory Study Center Group Study and Observation Management System" in page
    assert "登录" not in page


def test_home_page_is_english_for_a_signed_in_user_with_the_cookie(world, client_for, english_catalog):
    client = client_for(world.supervisor)

    chinese = client.get(reverse("home")).content.decode()
    assert "我的待办" in chinese

    page = english(client).get(reverse("home")).content.decode()
    assert "My tasks" in page
    assert "Hello, supervisor" in page
    assert "我的待办" not in page


def test_dates_use_the_chinese_format_in_chinese(world, client_for, english_catalog):
    # The leader has been linked to unit A since 2020-01-01 (conftest.World).
    url = reverse("orgs:person_detail", args=[world.leader_person.pk])
    client = client_for(world.supervisor)

    assert "2020年1月1日" in client.get(url).content.decode()
    english_page = english(client).get(url).content.decode()
    assert "1 Jan 2020" in english_page  # issue 16: a readable English date (core.dates)
    assert "2020年1月1日" not in english_page

    day = dt.date(2026, 11, 23)
    with translation.override("zh-hans"):
        assert formats.date_format(day, "DATE_FORMAT") == "2026年11月23日"
    with translation.override("en"):
        assert formats.date_format(day, "DATE_FORMAT") == "Nov. 23, 2026"


def test_it_shows_the_compliance_rule_list_in_english_to_the_supervisor(world, client_for, english_catalog):
    client = english(client_for(world.supervisor))

    response = client.get(reverse("compliance:rule_list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Rules and parameters" in page
    assert "检查规则与参数" not in page


def test_it_shows_the_ledger_page_in_english(world, client_for, english_catalog):
    client = english(client_for(world.supervisor))

    response = client.get(reverse("reports:ledgers"), {"year": 2026})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Export conditions" in page
    # Ledger titles and notes are kept Chinese in the code (they name the Excel sheets) and translated on the page.
    assert "Annual study plans ledger" in page
    assert "Filtered by session date." in page
    assert "年度学习计划台账" not in page
    assert ">Month 3</option>" in page


def test_it_flashes_a_service_validation_message_in_english(world, client_for, english_catalog):
    client = english(client_for(world.supervisor))
    url = reverse("compliance:rule_parameter")

    refused = client.post(url, {"rule": "R-S7", "name": "summary_days", "value": "soon"}, follow=True)

    page = refused.content.decode()
    assert "is not valid: must be a whole number of days, 0 or more." in page
    assert "无效" not in page

    saved = client.post(url, {"rule": "R-S7", "name": "summary_days", "value": "10"}, follow=True)

    assert "Parameters of R-S7 saved; they take effect at the next check." in saved.content.decode()


def test_it_flashes_a_chinese_message_without_the_cookie(world, client_for, english_catalog):
    client = client_for(world.supervisor)

    response = client.post(
        reverse("compliance:rule_parameter"), {"rule": "R-S7", "name": "summary_days", "value": "10"}, follow=True
    )

    assert "已保存R-S7的参数，下次检查时生效。" in response.content.decode()
