"""Every form of the web UI given garbage: a 200 with a Chinese message, nothing saved, never a 500.

Forms that post and redirect (members, conflicts, links) answer 302 and show their message on
the next page; they are checked the same way after following the redirect.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from pangting.accounts.models import RoleAssignment, User
from pangting.core.models import AuditEvent
from pangting.orgs.models import ConflictOfInterest, LeaderLink, Organization, Person, StudyGroupMember
from pangting.tests.conftest import ScopedWorld
from pangting.workdays.models import CalendarDay, CalendarYear

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ERROR_BLOCK = re.compile(r'<ul class="errorlist[^"]*">(.*?)</ul>|<li class="error">(.*?)</li>', re.S)


def snapshot() -> tuple[int, ...]:
    """Row counts of everything a form here could write."""
    return tuple(
        model.objects.count()
        for model in (
            Organization, Person, StudyGroupMember, LeaderLink, ConflictOfInterest, User, RoleAssignment,
            CalendarYear, CalendarDay,
        )
    )  # fmt: skip


def error_text(html: str) -> str:
    return " ".join(a or b for a, b in ERROR_BLOCK.findall(html))


LONG = "长" * 300
W = ScopedWorld

# (persona, url name, url kwargs, POST data): every one must be refused with a message.
FORM_CASES: list[tuple[str, str, str, Callable[[W], dict[str, Any]], Callable[[W], dict[str, Any]]]] = [
    ("org-empty", "supervisor", "orgs:organization_create", lambda w: {}, lambda w: {}),
    ("org-too-long", "supervisor", "orgs:organization_create", lambda w: {},
     lambda w: {"name": LONG, "code": LONG, "kind": "branch", "parent": w.unit_a.pk}),
    ("org-wrong-types", "supervisor", "orgs:organization_create", lambda w: {},
     lambda w: {"name": "新", "code": "N1", "kind": "nonsense", "parent": "abc", "sort_order": "-x"}),
    ("org-duplicate-code", "supervisor", "orgs:organization_create", lambda w: {},
     lambda w: {"name": "新", "code": "UA", "kind": "branch", "parent": w.unit_a.pk}),
    ("org-parent-out-of-reach", "sysadmin", "orgs:organization_create", lambda w: {},
     lambda w: {"name": "新", "code": "N2", "kind": "branch", "parent": 987654}),
    ("org-cycle-via-parent", "supervisor", "orgs:organization_edit", lambda w: {"pk": w.unit_a.pk},
     lambda w: {"name": "甲学院党委", "code": "UA", "kind": "party_committee", "parent": w.branch_a.pk}),
    ("org-own-parent", "supervisor", "orgs:organization_edit", lambda w: {"pk": w.unit_a.pk},
     lambda w: {"name": "甲学院党委", "code": "UA", "kind": "party_committee", "parent": w.unit_a.pk}),
    ("person-empty", "supervisor", "orgs:person_create", lambda w: {}, lambda w: {}),
    ("person-invalid-phone", "supervisor", "orgs:person_create", lambda w: {},
     lambda w: {"name": "错号", "organization": w.unit_a.pk, "phone": "12345"}),
    ("person-letters-as-phone", "supervisor", "orgs:person_create", lambda w: {},
     lambda w: {"name": "错号", "organization": w.unit_a.pk, "phone": "电话号码"}),
    ("person-duplicate", "supervisor", "orgs:person_create", lambda w: {},
     lambda w: {"name": "张秘书", "organization": w.unit_a.pk}),
    ("person-duplicate-staff-no", "supervisor", "orgs:person_create", lambda w: {},
     lambda w: {"name": "新人", "organization": w.unit_a.pk, "staff_no": w.member_person.staff_no}),
    ("person-too-long", "supervisor", "orgs:person_create", lambda w: {},
     lambda w: {"name": LONG, "organization": w.unit_a.pk, "post": LONG, "email": "x@" + "y" * 300}),
    ("person-bad-email", "supervisor", "orgs:person_create", lambda w: {},
     lambda w: {"name": "新人", "organization": w.unit_a.pk, "email": "not-an-email"}),
    ("person-edit-invalid-phone", "supervisor", "orgs:person_edit", lambda w: {"pk": w.member_person.pk},
     lambda w: {"name": "陈成员", "organization": w.unit_a.pk, "phone": "+86 1"}),
    ("year-empty", "sysadmin", "workdays:year_form", lambda w: {"year": 2031}, lambda w: {}),
    ("year-bad-lines", "sysadmin", "workdays:year_form", lambda w: {"year": 2031},
     lambda w: {"holidays": "2031-01-01 元旦\n元宵节\n2031-02-30 春节\n2031-13-01", "makeup_workdays": ""}),
    ("year-reversed-range", "sysadmin", "workdays:year_form", lambda w: {"year": 2031},
     lambda w: {"holidays": "2031-02-10~2031-02-01 春节"}),
    ("year-huge-range", "sysadmin", "workdays:year_form", lambda w: {"year": 2031},
     lambda w: {"holidays": "2031-01-01~9999-12-31 永远放假"}),
    ("year-other-year", "sysadmin", "workdays:year_form", lambda w: {"year": 2031},
     lambda w: {"holidays": "2030-01-01 元旦"}),
    ("year-makeup-on-weekday", "sysadmin", "workdays:year_form", lambda w: {"year": 2031},
     lambda w: {"holidays": "2031-01-01 元旦", "makeup_workdays": "2031-01-06 周一调休"}),  # a Monday
    ("year-makeup-is-holiday", "sysadmin", "workdays:year_form", lambda w: {"year": 2031},
     lambda w: {"holidays": "2031-01-04 元旦", "makeup_workdays": "2031-01-04 调休"}),  # a Saturday
    ("year-too-long-notice", "sysadmin", "workdays:year_form", lambda w: {"year": 2031},
     lambda w: {"holidays": "2031-01-01 元旦", "notice": LONG}),
    ("user-empty", "secadmin", "accounts:user_create", lambda w: {}, lambda w: {}),
    ("user-bad-username", "secadmin", "accounts:user_create", lambda w: {},
     lambda w: {"username": "张 三<script>", "password": "Very-long-pass-2026"}),
    ("user-weak-password", "secadmin", "accounts:user_create", lambda w: {},
     lambda w: {"username": "newbie", "password": "123"}),
    ("user-duplicate", "secadmin", "accounts:user_create", lambda w: {},
     lambda w: {"username": "member", "password": "Very-long-pass-2026"}),
    ("role-three-duties-apart", "secadmin", "accounts:user_detail", lambda w: {"pk": w.sysadmin.pk},
     lambda w: {"role": "audit_admin", "organization": w.root.pk}),
    ("role-unknown", "secadmin", "accounts:user_detail", lambda w: {"pk": w.member.pk},
     lambda w: {"role": "king", "organization": "x"}),
    ("password-wrong-old", "member", "accounts:password_change", lambda w: {},
     lambda w: {"old_password": "nope", "new_password1": "Abc-12345678", "new_password2": "Abc-12345678"}),
    ("password-mismatch", "member", "accounts:password_change", lambda w: {},
     lambda w: {"old_password": "Test-pass-2026", "new_password1": "Abc-12345678", "new_password2": "Abc-87654321"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("persona", "name", "kwargs", "data"), [c[1:] for c in FORM_CASES], ids=[c[0] for c in FORM_CASES]
)
def test_a_form_refuses_garbage_with_a_chinese_message_and_saves_nothing(scoped_world, persona, name, kwargs, data):
    w = scoped_world
    before = snapshot()
    paths = dict(Organization.objects.values_list("pk", "path"))
    response = w.client(persona).post(reverse(name, kwargs=kwargs(w)), data(w))
    assert response.status_code == 200, f"{response.status_code}: expected the form again with errors"
    errors = error_text(response.content.decode())
    assert CHINESE.search(errors), f"no Chinese error message in: {errors!r}"
    assert snapshot() == before
    assert dict(Organization.objects.values_list("pk", "path")) == paths


REDIRECT_CASES: list[tuple[str, str, Callable[[W], dict[str, Any]], Callable[[W], dict[str, Any]]]] = [
    ("member-empty", "orgs:member_add", lambda w: {"pk": w.unit_a.pk}, lambda w: {}),
    ("member-not-of-this-unit", "orgs:member_add", lambda w: {"pk": w.unit_a.pk},
     lambda w: {"person": w.member_b_person.pk, "role": "member"}),
    ("member-twice", "orgs:member_add", lambda w: {"pk": w.unit_a.pk},
     lambda w: {"person": w.member_person.pk, "role": "member"}),
    ("member-bad-date", "orgs:member_add", lambda w: {"pk": w.unit_a.pk},
     lambda w: {"person": w.liaison_person.pk, "role": "member", "joined_on": "2026-02-31"}),
    ("conflict-empty-reason", "orgs:conflict_add", lambda w: {"pk": w.unit_a.pk},
     lambda w: {"conflict-person": w.leader_person.pk, "conflict-reason": "   "}),
    ("link-empty", "orgs:link_create", lambda w: {}, lambda w: {}),
    ("link-to-root", "orgs:link_create", lambda w: {},
     lambda w: {"kind": "leader", "person": w.leader_person.pk, "unit": w.root.pk, "valid_from": "2026-01-01"}),
    ("link-twice", "orgs:link_create", lambda w: {},
     lambda w: {"kind": "leader", "person": w.leader_person.pk, "unit": w.unit_a.pk, "valid_from": "2026-01-01"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "kwargs", "data"), [c[1:] for c in REDIRECT_CASES], ids=[c[0] for c in REDIRECT_CASES]
)
def test_a_post_and_redirect_form_shows_a_chinese_error_and_saves_nothing(scoped_world, name, kwargs, data):
    w = scoped_world
    before = snapshot()
    response = w.client("supervisor").post(reverse(name, kwargs=kwargs(w)), data(w), follow=True)
    assert response.status_code == 200
    errors = error_text(response.content.decode())
    assert CHINESE.search(errors), f"no Chinese error message in: {errors!r}"
    assert snapshot() == before


@pytest.mark.parametrize(
    "query",
    ["start=abc&amount=x&unit=weeks", "start=0001-01-01&amount=7&unit=working",
     "start=2026-01-01&amount=-5&unit=working", "start=2026-01-01&amount=99999999999999999999&unit=calendar",
     "start=2199-12-31&amount=366&unit=working"],
)  # fmt: skip
def test_the_deadline_calculator_answers_nonsense_with_a_page(scoped_world, query):
    response = scoped_world.client("member").get(f"{reverse('workdays:calendar')}?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query", ["q=" + "长" * 500, "org=%C2%B2", "org=99999999999999999999999", "page=-1", "page=abc", "q=%00"]
)
def test_the_person_search_never_crashes(scoped_world, query):
    status = scoped_world.client("supervisor").get(f"{reverse('orgs:person_list')}?{query}").status_code
    # A NUL character is refused outright (PostgreSQL cannot compare it); the rest is searched.
    assert status == (400 if "%00" in query else 200)


def test_the_login_form_refuses_garbage_in_chinese(scoped_world):
    from pangting.tests.conftest import make_client

    for data in ({}, {"username": LONG, "password": LONG}, {"username": "nobody", "password": "x"}):
        response = make_client().post(reverse("accounts:login"), data)
        assert response.status_code == 200
        assert CHINESE.search(error_text(response.content.decode()))
    assert (
        not AuditEvent.objects.filter(action="auth.login", success=True)
        .exclude(username="")
        .filter(username__in=["nobody"])
        .exists()
    )


def test_a_valid_year_entry_still_works(scoped_world):
    """The refusals above are not a form that refuses everything."""
    w = scoped_world
    response = w.client("sysadmin").post(
        reverse("workdays:year_form", kwargs={"year": 2031}),
        {"holidays": "2031-01-01 元旦\n2031-01-22~2031-01-28 春节", "makeup_workdays": "2031-01-18 春节调休"},
    )
    assert response.status_code == 302
    assert CalendarDay.objects.filter(year__year=2031).count() == 9  # 1 + 7 holidays, 1 make-up day
