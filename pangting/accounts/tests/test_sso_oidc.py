"""OpenID Connect single sign-on against a real fake provider signing RS256 ID tokens (issue 16 part 4).

The provider publishes its key at its JWKS URL; wrong signature, wrong audience, wrong nonce and
a replayed callback are refused; unknown staff numbers and administrators too; nobody is created.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse

from pangting.accounts.models import User
from pangting.accounts.sso.providers import SESSION_METHOD

from .fake_providers import FakeOidc
from .sso_helpers import browse, last_login_event, make_accounts, signed_in_user

NO_MATCH = "未找到与统一身份认证账号对应的本系统账号，请联系安全管理员"


@pytest.fixture(scope="module")
def oidc_server() -> Iterator[FakeOidc]:
    server = FakeOidc()
    yield server
    server.stop()


@pytest.fixture
def oidc(oidc_server: FakeOidc, settings) -> FakeOidc:
    base = oidc_server.url
    settings.PANGTING_OIDC_ISSUER = base
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{base}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{base}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{base}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{base}/jwks"
    settings.PANGTING_OIDC_END_SESSION_ENDPOINT = f"{base}/logout"
    settings.OIDC_RP_CLIENT_ID = FakeOidc.CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = FakeOidc.CLIENT_SECRET
    settings.PANGTING_SSO_MATCH_ATTRIBUTE = "staff_no"
    settings.PANGTING_SSO_MATCH_FIELD = "staff_no"
    oidc_server.claims = {"sub": "u-1", "staff_no": "S1001"}
    oidc_server.userinfo_extra = {}
    oidc_server.sabotage = ""
    oidc_server.issuer = base
    return oidc_server


@pytest.fixture
def accounts(db):
    return make_accounts()


def login(client, next_url: str = ""):
    return browse(client, reverse("accounts:sso_oidc_login") + (f"?next={next_url}" if next_url else ""))


def test_it_signs_in_the_existing_account_whose_staff_number_the_id_token_carries(oidc, accounts, client) -> None:
    users_before = User.objects.count()
    page = login(client, "/accounts/me/")
    assert page.status_code == 200
    assert page.wsgi_request.path == "/accounts/me/"
    assert signed_in_user(client) == accounts.member
    assert User.objects.count() == users_before
    assert last_login_event().detail == {"method": "oidc"}
    assert client.session[SESSION_METHOD] == "oidc"
    authorize = next(r for r in oidc.requests if r.path == "/authorize")
    assert authorize.query["code_challenge_method"] == "S256" and authorize.query["nonce"]


def test_it_reads_the_staff_number_from_userinfo_when_the_id_token_lacks_it(oidc, accounts, client) -> None:
    oidc.claims = {"sub": "u-1"}
    oidc.userinfo_extra = {"staff_no": "S1001"}
    login(client)
    assert signed_in_user(client) == accounts.member


def test_it_refuses_an_unknown_staff_number_without_creating_anyone(oidc, accounts, client) -> None:
    oidc.claims = {"sub": "u-2", "staff_no": "S4040"}
    users_before = User.objects.count()
    page = login(client)
    assert page.status_code == 403
    assert NO_MATCH in page.content.decode()
    assert signed_in_user(client) is None
    assert User.objects.count() == users_before
    event = last_login_event()
    assert not event.success and event.detail == {"method": "oidc", "reason": "no_match"}


def test_it_refuses_an_administrator(oidc, accounts, client) -> None:
    oidc.claims = {"sub": "u-9", "staff_no": "S9001"}
    page = login(client)
    assert page.status_code == 403
    assert signed_in_user(client) is None
    assert last_login_event().detail["reason"] == "administrator"


@pytest.mark.parametrize("sabotage", ["signature", "audience", "nonce"])
def test_it_refuses_an_id_token_that_does_not_verify(oidc, accounts, client, sabotage: str) -> None:
    oidc.sabotage = sabotage
    page = login(client)
    assert page.status_code == 403
    assert "统一身份认证未通过" in page.content.decode()
    assert signed_in_user(client) is None
    assert last_login_event().detail == {"method": "oidc", "reason": "invalid"}


def test_it_refuses_an_id_token_from_another_issuer(oidc, accounts, client) -> None:
    oidc.issuer = "https://elsewhere.example"
    page = login(client)
    assert page.status_code == 403
    assert signed_in_user(client) is None


def test_it_refuses_a_replayed_code_even_with_a_state_of_its_own(oidc, accounts, client) -> None:
    login(client)
    assert signed_in_user(client) == accounts.member
    used_code = next(r for r in reversed(oidc.requests) if r.path == "/token").form()["code"]
    stranger = type(client)()
    to_provider = stranger.get(reverse("accounts:sso_oidc_login"))["Location"]
    own_state = dict(part.split("=", 1) for part in to_provider.split("?", 1)[1].split("&"))["state"]
    page = stranger.get(reverse("accounts:sso_oidc_callback") + f"?code={used_code}&state={own_state}")
    assert page.status_code == 403
    assert signed_in_user(stranger) is None
    assert last_login_event().detail == {"method": "oidc", "reason": "invalid"}


def test_a_callback_with_a_state_this_session_never_issued_is_refused(oidc, accounts, client) -> None:
    client.get(reverse("accounts:sso_oidc_login"))  # this session now holds a state of its own
    page = client.get(reverse("accounts:sso_oidc_callback") + "?code=x&state=forged")
    assert page.status_code == 403
    assert "登录请求已失效" in page.content.decode()


def test_logout_ends_the_provider_session_with_the_id_token_hint(oidc, accounts, client) -> None:
    login(client)
    id_token = client.session["oidc_id_token"]
    answer = client.post(reverse("accounts:logout"))
    assert answer["Location"].startswith(f"{oidc.url}/logout?")
    assert f"id_token_hint={id_token}" in answer["Location"]
    assert signed_in_user(client) is None


def test_switching_the_provider_off_does_not_break_the_sessions_it_signed_in(oidc, accounts, client, settings) -> None:
    login(client)
    settings.OIDC_RP_CLIENT_ID = ""
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert client.post(reverse("accounts:logout"))["Location"] == reverse("accounts:login")
