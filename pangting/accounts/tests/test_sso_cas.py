"""CAS single sign-on against a real fake CAS server (issue 16 part 4).

Existing accounts only, matched by staff number; refusals on a Chinese page with an audit event;
administrators keep their local password; a replayed ticket is refused; logout ends the CAS session.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse

from pangting.accounts.models import User
from pangting.accounts.sso.providers import SESSION_METHOD

from .fake_providers import FakeCas
from .sso_helpers import browse, last_login_event, make_accounts, signed_in_user

NO_MATCH = "未找到与统一身份认证账号对应的本系统账号，请联系安全管理员"


@pytest.fixture(scope="module")
def cas_server() -> Iterator[FakeCas]:
    server = FakeCas()
    yield server
    server.stop()


@pytest.fixture
def cas(cas_server: FakeCas, settings) -> FakeCas:
    settings.CAS_SERVER_URL = f"{cas_server.url}/cas/"
    settings.PANGTING_SSO_MATCH_ATTRIBUTE = "staff_no"
    settings.PANGTING_SSO_MATCH_FIELD = "staff_no"
    cas_server.principal, cas_server.attributes, cas_server.logged_out = "chen.cas", {"staff_no": "S1001"}, False
    return cas_server


@pytest.fixture
def accounts(db):
    return make_accounts()


def test_it_signs_in_the_existing_account_with_the_matching_staff_number(cas, accounts, client) -> None:
    users_before = User.objects.count()
    page = browse(client, reverse("accounts:sso_cas_login") + "?next=/accounts/me/")
    assert page.status_code == 200
    assert signed_in_user(client) == accounts.member
    assert page.wsgi_request.path == "/accounts/me/"
    assert User.objects.count() == users_before
    event = last_login_event()
    assert event.success and event.detail == {"method": "cas"} and event.username == "chen"
    assert client.session[SESSION_METHOD] == "cas"


def test_it_refuses_an_unknown_staff_number_without_creating_anyone(cas, accounts, client) -> None:
    cas.attributes = {"staff_no": "S4040"}
    users_before = User.objects.count()
    page = browse(client, reverse("accounts:sso_cas_login"))
    assert page.status_code == 403
    assert NO_MATCH in page.content.decode()
    assert signed_in_user(client) is None
    assert User.objects.count() == users_before
    event = last_login_event()
    assert not event.success
    assert event.detail == {"method": "cas", "reason": "no_match"}
    assert event.username == "S4040"


def test_it_refuses_an_administrator_who_must_use_the_local_password(cas, accounts, client) -> None:
    cas.attributes = {"staff_no": "S9001"}
    page = browse(client, reverse("accounts:sso_cas_login"))
    assert page.status_code == 403
    assert "管理员账号不能使用统一身份认证登录" in page.content.decode()
    assert signed_in_user(client) is None
    assert last_login_event().detail["reason"] == "administrator"


def test_it_refuses_a_deactivated_account(cas, accounts, client) -> None:
    User.objects.filter(pk=accounts.member.pk).update(is_active=False)
    page = browse(client, reverse("accounts:sso_cas_login"))
    assert page.status_code == 403
    assert signed_in_user(client) is None
    assert last_login_event().detail["reason"] == "inactive"


def test_it_refuses_a_replayed_ticket(cas, accounts, client) -> None:
    browse(client, reverse("accounts:sso_cas_login"))
    assert signed_in_user(client) == accounts.member
    validated = [r for r in cas.requests if r.path.endswith("serviceValidate")][-1]
    ticket = validated.query["ticket"]

    stranger = type(client)()
    page = stranger.get(reverse("accounts:sso_cas_login") + f"?ticket={ticket}")
    assert page.status_code == 403
    assert signed_in_user(stranger) is None
    assert last_login_event().detail == {"method": "cas", "reason": "invalid"}


def test_it_refuses_a_forged_ticket(cas, accounts, client) -> None:
    page = client.get(reverse("accounts:sso_cas_login") + "?ticket=ST-forged")
    assert page.status_code == 403
    assert "统一身份认证未通过" in page.content.decode()
    assert signed_in_user(client) is None


def test_it_matches_the_cas_principal_when_so_configured(cas, accounts, client, settings) -> None:
    settings.PANGTING_SSO_MATCH_ATTRIBUTE = "cas:user"
    settings.PANGTING_SSO_MATCH_FIELD = "username"
    cas.principal, cas.attributes = "chen", {}
    browse(client, reverse("accounts:sso_cas_login"))
    assert signed_in_user(client) == accounts.member


def test_logout_also_ends_the_cas_session(cas, accounts, client) -> None:
    browse(client, reverse("accounts:sso_cas_login"))
    answer = client.post(reverse("accounts:logout"))
    assert answer.status_code == 302
    assert answer["Location"].startswith(f"{cas.url}/cas/logout?service=")
    assert signed_in_user(client) is None
    browse(client, answer["Location"])
    assert cas.logged_out


def test_the_login_page_shows_a_button_only_while_cas_is_configured(cas, client, settings, db) -> None:
    assert "统一身份认证（CAS）" in client.get(reverse("accounts:login")).content.decode()
    settings.CAS_SERVER_URL = ""
    assert "统一身份认证（CAS）" not in client.get(reverse("accounts:login")).content.decode()
    assert client.get(reverse("accounts:sso_cas_login")).status_code == 404


def test_password_login_is_unchanged_and_audited_as_password(accounts, client) -> None:
    from pangting.tests.builders import PASSWORD

    answer = client.post(reverse("accounts:login"), {"username": "secadmin_sso", "password": PASSWORD})
    assert answer.status_code == 302
    assert signed_in_user(client) == accounts.admin
    assert last_login_event().detail == {"method": "password"}


def test_a_refused_sign_on_counts_toward_the_lockout_of_its_address(cas, accounts, client) -> None:
    from axes.models import AccessAttempt

    cas.attributes = {"staff_no": "S4040"}
    browse(client, reverse("accounts:sso_cas_login"))
    assert AccessAttempt.objects.filter(ip_address="127.0.0.1").get().failures_since_start == 1


def test_an_account_with_a_second_factor_is_still_asked_for_its_code(cas, accounts, client) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=accounts.member, name="TOTP", confirmed=True)
    page = browse(client, reverse("accounts:sso_cas_login") + "?next=/accounts/me/")
    assert signed_in_user(client) == accounts.member
    assert page.wsgi_request.path == reverse("accounts:otp_verify")


def test_the_cas_servers_single_logout_ends_the_session(cas, accounts, client) -> None:
    browse(client, reverse("accounts:sso_cas_login"))
    ticket = [r for r in cas.requests if r.path.endswith("serviceValidate")][-1].query["ticket"]
    logout_request = (
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-1" Version="2.0" '
        'IssueInstant="2026-03-02T09:00:00Z">'
        f"<saml:NameID>@NOT_USED@</saml:NameID><samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>"
    )
    answer = type(client)().post(reverse("accounts:sso_cas_login"), {"logoutRequest": logout_request})
    assert answer.status_code == 302
    assert signed_in_user(client) is None


def test_the_content_security_policy_lets_the_logout_form_go_on_to_the_providers() -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pangting.test_settings",
        "PANGTING_CAS_SERVER_URL": "https://cas.example.edu.cn/cas/",
        "PANGTING_OIDC_END_SESSION_ENDPOINT": "https://idp.example.edu.cn/realms/x/logout",
    }
    code = "from django.conf import settings; print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[\"'self'\", 'https://cas.example.edu.cn', 'https://idp.example.edu.cn']"


def test_a_match_field_the_accounts_do_not_have_stops_the_system_check(settings) -> None:
    from pangting.accounts.sso.checks import check_match_fields

    assert check_match_fields(None) == []
    settings.PANGTING_WECOM_MATCH_FIELD = "wechat_id"
    [error] = check_match_fields(None)
    assert error.id == "pangting.ESSO1" and "PANGTING_WECOM_MATCH_FIELD" in error.msg


def test_an_initial_password_must_still_be_replaced_after_a_cas_sign_in(cas, accounts, client) -> None:
    User.objects.filter(pk=accounts.member.pk).update(must_change_password=True)
    page = browse(client, reverse("accounts:sso_cas_login") + "?next=/accounts/me/")
    assert signed_in_user(client) == accounts.member
    assert page.wsgi_request.path == reverse("accounts:password_change")
