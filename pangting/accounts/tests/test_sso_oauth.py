"""WeCom (企业微信/政务微信) and DingTalk (钉钉/浙政钉) sign-in against real fake OAuth servers (issue 16 part 4).

Every endpoint is a setting, so these tests point them at the fakes exactly as a government
edition would point them at its own addresses. The state is bound to the session (CSRF) and
works once; accounts are matched by the configured member field, never created.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.urls import reverse

from pangting.accounts.models import User
from pangting.accounts.sso.providers import SESSION_METHOD

from .fake_providers import FakeDingtalk, FakeWecom
from .sso_helpers import browse, last_login_event, make_accounts, signed_in_user

NO_MATCH = "未找到与统一身份认证账号对应的本系统账号，请联系安全管理员"


@pytest.fixture(scope="module")
def wecom_server() -> Iterator[FakeWecom]:
    server = FakeWecom()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def dingtalk_server() -> Iterator[FakeDingtalk]:
    server = FakeDingtalk()
    yield server
    server.stop()


@pytest.fixture
def wecom(wecom_server: FakeWecom, settings) -> FakeWecom:
    base = wecom_server.url
    settings.PANGTING_WECOM_CORP_ID = FakeWecom.CORP_ID
    settings.PANGTING_WECOM_AGENT_ID = "1000002"
    settings.PANGTING_WECOM_SECRET = FakeWecom.SECRET
    settings.PANGTING_WECOM_AUTHORIZE_URL = f"{base}/connect/oauth2/authorize"
    settings.PANGTING_WECOM_TOKEN_URL = f"{base}/cgi-bin/gettoken"
    settings.PANGTING_WECOM_USERINFO_URL = f"{base}/cgi-bin/auth/getuserinfo"
    settings.PANGTING_WECOM_USER_URL = f"{base}/cgi-bin/user/get"
    settings.PANGTING_WECOM_MATCH_ATTRIBUTE = "userid"
    settings.PANGTING_WECOM_MATCH_FIELD = "staff_no"
    wecom_server.userid, wecom_server.member = "S1001", {}
    return wecom_server


@pytest.fixture
def dingtalk(dingtalk_server: FakeDingtalk, settings) -> FakeDingtalk:
    base = dingtalk_server.url
    settings.PANGTING_DINGTALK_CLIENT_ID = FakeDingtalk.CLIENT_ID
    settings.PANGTING_DINGTALK_CLIENT_SECRET = FakeDingtalk.CLIENT_SECRET
    settings.PANGTING_DINGTALK_AUTHORIZE_URL = f"{base}/oauth2/auth"
    settings.PANGTING_DINGTALK_TOKEN_URL = f"{base}/v1.0/oauth2/userAccessToken"
    settings.PANGTING_DINGTALK_USERINFO_URL = f"{base}/v1.0/contact/users/me"
    settings.PANGTING_DINGTALK_MATCH_ATTRIBUTE = "mobile"
    settings.PANGTING_DINGTALK_MATCH_FIELD = "phone"
    dingtalk_server.me = {"nick": "陈成员", "unionId": "union-1", "openId": "open-1", "mobile": "13900000001"}
    return dingtalk_server


@pytest.fixture
def accounts(db):
    return make_accounts()


# -- WeCom ---------------------------------------------------------------------------------


def test_wecom_signs_in_the_member_whose_userid_is_the_staff_number(wecom, accounts, client) -> None:
    users_before = User.objects.count()
    page = browse(client, reverse("accounts:sso_wecom_login") + "?next=/accounts/me/")
    assert page.status_code == 200 and page.wsgi_request.path == "/accounts/me/"
    assert signed_in_user(client) == accounts.member
    assert User.objects.count() == users_before
    assert last_login_event().detail == {"method": "wecom"}
    assert client.session[SESSION_METHOD] == "wecom"
    authorize = next(r for r in wecom.requests if r.path == "/connect/oauth2/authorize")
    assert authorize.query["appid"] == FakeWecom.CORP_ID and authorize.query["agentid"] == "1000002"


def test_wecom_reads_the_member_record_to_match_by_mobile(wecom, accounts, client, settings) -> None:
    settings.PANGTING_WECOM_MATCH_ATTRIBUTE = "mobile"
    settings.PANGTING_WECOM_MATCH_FIELD = "phone"
    wecom.userid, wecom.member = "chenchengyuan", {"mobile": "+86 139 0000 0001"}
    browse(client, reverse("accounts:sso_wecom_login"))
    assert signed_in_user(client) == accounts.member


def test_wecom_refuses_an_unknown_member_and_masks_a_phone_in_the_audit_log(wecom, accounts, client, settings) -> None:
    settings.PANGTING_WECOM_MATCH_ATTRIBUTE = "mobile"
    settings.PANGTING_WECOM_MATCH_FIELD = "phone"
    wecom.userid, wecom.member = "stranger", {"mobile": "13712345678"}
    users_before = User.objects.count()
    page = browse(client, reverse("accounts:sso_wecom_login"))
    assert page.status_code == 403 and NO_MATCH in page.content.decode()
    assert User.objects.count() == users_before
    event = last_login_event()
    assert event.detail == {"method": "wecom", "reason": "no_match"}
    assert event.username == "137****5678"


def test_wecom_refuses_an_administrator(wecom, accounts, client) -> None:
    wecom.userid = "S9001"
    page = browse(client, reverse("accounts:sso_wecom_login"))
    assert page.status_code == 403
    assert signed_in_user(client) is None
    assert last_login_event().detail["reason"] == "administrator"


def test_wecom_refuses_a_callback_whose_state_this_session_did_not_issue(wecom, accounts, client) -> None:
    to_wecom = client.get(reverse("accounts:sso_wecom_login"))["Location"]
    back = browse_one_hop(to_wecom)  # the provider's redirect, carrying a valid code and state
    forged = back.replace("state=", "state=x")
    page = client.get(forged.split("testserver", 1)[1])
    assert page.status_code == 400
    assert "登录请求已失效" in page.content.decode()
    other_session = type(client)()
    assert other_session.get(back.split("testserver", 1)[1]).status_code == 400  # not its state
    assert signed_in_user(client) is None and signed_in_user(other_session) is None


def test_wecom_state_works_once_and_expires(wecom, accounts, client) -> None:
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        back = browse_one_hop(client.get(reverse("accounts:sso_wecom_login"))["Location"])
    with time_machine.travel(start + dt.timedelta(minutes=11), tick=False):
        assert client.get(back.split("testserver", 1)[1]).status_code == 400  # too late
    back = browse_one_hop(client.get(reverse("accounts:sso_wecom_login"))["Location"])
    assert client.get(back.split("testserver", 1)[1]).status_code == 302
    assert client.get(back.split("testserver", 1)[1]).status_code == 400  # used already, same session


def test_wecom_refuses_a_code_the_provider_does_not_know(wecom, accounts, client) -> None:
    back = browse_one_hop(client.get(reverse("accounts:sso_wecom_login"))["Location"])
    state = back.split("state=", 1)[1]
    page = client.get(reverse("accounts:sso_wecom_callback") + f"?code=forged&state={state}")
    assert page.status_code == 403
    assert last_login_event().detail == {"method": "wecom", "reason": "invalid"}


def test_wecom_unreachable_is_a_clear_refusal_not_a_500(wecom, accounts, client, settings) -> None:
    back = browse_one_hop(client.get(reverse("accounts:sso_wecom_login"))["Location"])
    settings.PANGTING_WECOM_TOKEN_URL = "http://127.0.0.1:9/cgi-bin/gettoken"  # discard port: refused
    page = client.get(back.split("testserver", 1)[1])
    assert page.status_code == 403
    assert "暂时无法访问" in page.content.decode()


# -- DingTalk ------------------------------------------------------------------------------


def test_dingtalk_signs_in_the_member_with_the_matching_mobile(dingtalk, accounts, client) -> None:
    page = browse(client, reverse("accounts:sso_dingtalk_login"))
    assert page.status_code == 200
    assert signed_in_user(client) == accounts.member
    assert last_login_event().detail == {"method": "dingtalk"}


def test_dingtalk_refuses_an_unknown_mobile_without_creating_anyone(dingtalk, accounts, client) -> None:
    dingtalk.me = {**dingtalk.me, "mobile": "13712345678"}
    users_before = User.objects.count()
    page = browse(client, reverse("accounts:sso_dingtalk_login"))
    assert page.status_code == 403 and NO_MATCH in page.content.decode()
    assert User.objects.count() == users_before


def test_dingtalk_refuses_a_replayed_code(dingtalk, accounts, client) -> None:
    browse(client, reverse("accounts:sso_dingtalk_login"))
    used = next(r for r in reversed(dingtalk.requests) if r.path.endswith("userAccessToken")).json()["code"]
    stranger = type(client)()
    back = browse_one_hop(stranger.get(reverse("accounts:sso_dingtalk_login"))["Location"])
    state = back.split("state=", 1)[1]
    page = stranger.get(reverse("accounts:sso_dingtalk_callback") + f"?authCode={used}&state={state}")
    assert page.status_code == 403
    assert signed_in_user(stranger) is None


def test_dingtalk_refuses_an_administrator(dingtalk, accounts, client) -> None:
    dingtalk.me = {**dingtalk.me, "mobile": "13900000009"}
    assert browse(client, reverse("accounts:sso_dingtalk_login")).status_code == 403
    assert last_login_event().detail["reason"] == "administrator"


def test_unconfigured_providers_have_no_pages_and_no_buttons(client, db) -> None:
    assert client.get(reverse("accounts:sso_wecom_login")).status_code == 404
    assert client.get(reverse("accounts:sso_dingtalk_callback")).status_code == 404
    page = client.get(reverse("accounts:login")).content.decode()
    assert "企业微信" not in page and "sso-providers" not in page


def test_the_login_page_offers_both_when_configured(wecom, dingtalk, client, db) -> None:
    page = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:sso_wecom_login") in page and reverse("accounts:sso_dingtalk_login") in page


def browse_one_hop(url: str) -> str:
    """Ask the fake provider once; where it sends the browser back (our callback with code and state)."""
    import requests

    return requests.get(url, allow_redirects=False, timeout=5).headers["Location"]
