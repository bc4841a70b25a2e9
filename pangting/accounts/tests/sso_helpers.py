"""What the single sign-on tests share: a few accounts, and a browser that crosses to the fake providers.

The Django test client cannot follow a redirect to another host; `browse` does: addresses of
the test server go to the Django client (keeping its session cookie), others to the fake
provider over real HTTP, until a page answers without redirecting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.test import Client

from pangting.accounts.models import Role, User
from pangting.core.models import AuditEvent
from pangting.orgs.models import Person
from pangting.tests.builders import make_org, make_person, make_user

LOCAL_HOSTS = ("", "testserver")


@dataclass
class Accounts:
    member: User
    member_person: Person
    admin: User
    unlinked: User


def make_accounts() -> Accounts:
    """A member with staff number S1001 and phone 13900000001, a security administrator (S9001)
    who also has a person record, and an account with no person."""
    org = make_org("甲学院党委", code="SSO-A")
    member_person = make_person("陈成员", org, staff_no="S1001", phone="13900000001", email="chen@example.edu.cn")
    member = make_user("chen", (Role.MEMBER, org), person=member_person)
    admin_person = make_person("安管理", org, staff_no="S9001", phone="13900000009")
    admin = make_user("secadmin_sso", (Role.SECURITY_ADMIN, org), person=admin_person)
    unlinked = make_user("nobody")
    return Accounts(member, member_person, admin, unlinked)


def browse(client: Client, url: str, *, hops: int = 10) -> Any:
    """Follow redirects across the test server and the fake provider; the last answer."""
    for _ in range(hops):
        parts = urlsplit(url)
        if parts.hostname in LOCAL_HOSTS or not parts.netloc:
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            response = client.get(local)
            if response.status_code in (301, 302, 303):
                url = response["Location"]
                continue
            return response
        remote = requests.get(url, allow_redirects=False, timeout=5)
        if remote.status_code in (301, 302, 303):
            url = remote.headers["Location"]
            continue
        return remote
    raise AssertionError(f"more than {hops} redirects, last {url}")


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.filter(pk=user_id).first() if user_id else None


def last_login_event() -> AuditEvent:
    return AuditEvent.objects.filter(action="auth.login").order_by("-pk").first()
