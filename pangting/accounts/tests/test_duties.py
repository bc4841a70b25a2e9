"""Three duties, enforced (issue 14 item 1; 等保 level 3 三员分立).

The matrix: for each administrator duty, what it can and cannot do — grant roles, grant itself
one, read sessions, visits, people and full phone numbers, read the audit log, be the second
person for a grant. Then the HIGH finding replayed over HTTP, and the account the security
administrator creates for himself: its grants stay pending, it must change its password first,
and it reads nothing until a supervisor confirms.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from pangting.accounts import policy, services
from pangting.accounts.models import GrantStatus, Role, RoleAssignment, User
from pangting.core.models import AuditEvent
from pangting.core.system import system_actor

A = policy.Action
DUTIES = ("sysadmin", "secadmin", "auditor")
NEW_PASSWORD = "Fresh-pass-2026!"

# What each duty may do; everything else it must be refused (404 on pages, as if missing).
EXPECTED = {
    "sysadmin": {
        "grant": False,
        "sessions": False,
        "visits": False,
        "people": True,  # keeps the organization tree and people (base data)
        "phones": False,
        "audit": False,
        "confirm_duties": True,
        "confirm_business": False,
    },
    "secadmin": {
        "grant": True,
        "sessions": False,
        "visits": False,
        "people": False,
        "phones": False,
        "audit": False,
        "confirm_duties": False,
        "confirm_business": False,
    },
    "auditor": {
        "grant": False,
        "sessions": False,
        "visits": False,
        "people": False,
        "phones": False,
        "audit": True,
        "confirm_duties": True,
        "confirm_business": False,
    },
}


@pytest.fixture
def records(world):
    """A study session and an observation visit of unit A, made by the system."""
    from pangting.observation import services as observation_services
    from pangting.study.tests.builders import at, make_session

    session = make_session(world.unit_a, starts_at=at(2026, 6, 5))
    visit = observation_services.create_visit(actor=system_actor(), unit=world.unit_a, year=2026, semester=2)
    return SimpleNamespace(session=session, visit=visit)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def grant_via_page(client: Client, account: User, role: str, organization) -> object:
    """The account page's role form: the path of the HIGH finding."""
    return client.post(
        reverse("accounts:user_detail", kwargs={"pk": account.pk}), {"role": role, "organization": organization.pk}
    )


def reads(client: Client, world, records) -> dict[str, bool]:
    """What the client can open: 200 is a read, 404 is a refusal (forbidden looks missing)."""

    def opens(response) -> bool:
        assert response.status_code in (200, 404), response.status_code
        return response.status_code == 200

    return {
        "sessions": opens(client.get(reverse("study:session_detail", kwargs={"pk": records.session.pk}))),
        "visits": opens(client.get(reverse("observation:visit_detail", kwargs={"pk": records.visit.pk}))),
        "people": opens(client.get(reverse("orgs:person_detail", kwargs={"pk": world.member_person.pk}))),
        "phones": opens(client.post(reverse("orgs:person_phone", kwargs={"pk": world.member_person.pk}))),
        "audit": opens(client.get(reverse("accounts:audit_log"))),
    }


# --- the matrix ------------------------------------------------------------------------------


@pytest.mark.parametrize("duty", DUTIES)
def test_each_duty_reads_only_what_it_needs(world, records, duty):
    """Issue 14 item 1: no duty reads sessions, visits or full phone numbers; the security
    administrator reads no people either; only the audit administrator reads the audit log."""
    expected = {key: EXPECTED[duty][key] for key in ("sessions", "visits", "people", "phones", "audit")}
    assert reads(signed_in(getattr(world, duty)), world, records) == expected


@pytest.mark.parametrize("duty", DUTIES)
def test_each_duty_reads_no_business_record_through_the_api(world, records, duty):
    client = signed_in(getattr(world, duty))
    assert client.get("/api/v1/study-sessions/").json()["results"] == []
    assert client.get("/api/v1/observation/visits/").json()["results"] == []
    people = client.get("/api/v1/people/").json()["results"]
    assert bool(people) is EXPECTED[duty]["people"]


@pytest.mark.parametrize("duty", DUTIES)
def test_only_the_security_administrator_grants_roles(world, duty):
    """Issue 14 item 1: the system administrator cannot grant roles at all, the auditor neither."""
    actor = getattr(world, duty)
    response = grant_via_page(signed_in(actor), world.outsider, Role.MEMBER, world.unit_a)
    granted = RoleAssignment.objects.filter(user=world.outsider)
    if EXPECTED[duty]["grant"]:
        assert response.status_code == 302
        assert granted.get().status == GrantStatus.PENDING
    else:
        assert response.status_code == 404
        assert not granted.exists()
        with pytest.raises(ValidationError, match="只有安全管理员"):
            services.assign_role(world.outsider, Role.MEMBER, world.unit_a, actor=actor)
        assert not granted.exists()


@pytest.mark.parametrize("duty", DUTIES)
@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDIT_ADMIN, Role.MEMBER])
def test_no_duty_grants_itself_a_role(world, duty, role):
    user = getattr(world, duty)
    before = set(RoleAssignment.objects.values_list("pk", flat=True))
    with pytest.raises(ValidationError):
        services.assign_role(user, role, world.root, actor=user)
    assert set(RoleAssignment.objects.values_list("pk", flat=True)) == before


@pytest.mark.parametrize("duty", DUTIES)
def test_each_duty_confirms_only_what_its_duty_allows(world, duty):
    """Two-person rule: duties are confirmed by the system or audit administrator, business
    roles by a supervisor of that scope; the security administrator confirms nothing."""
    business = services.assign_role(world.outsider, Role.MEMBER, world.unit_a, actor=world.secadmin)
    other = services.create_user("other", actor=system_actor(), password="x", validate_password=False)
    duty_grant = services.assign_role(other, Role.AUDIT_ADMIN, world.root, actor=world.secadmin)
    user = getattr(world, duty)
    assert policy.may_confirm(user, duty_grant) is EXPECTED[duty]["confirm_duties"]
    assert policy.may_confirm(user, business) is EXPECTED[duty]["confirm_business"]
    listed = set(policy.confirmable(user))
    assert (duty_grant in listed) is EXPECTED[duty]["confirm_duties"]
    assert (business in listed) is EXPECTED[duty]["confirm_business"]


# --- the HIGH finding over HTTP ----------------------------------------------------------------


def test_the_security_administrator_cannot_make_himself_supervisor_over_http(world, records):
    """Issue 14, High: as the security administrator, POST /accounts/users/<own id>/ with
    role=supervisor&organization=<root> used to succeed and open every session, visit and phone."""
    client = signed_in(world.secadmin)
    response = client.post(
        f"/accounts/users/{world.secadmin.pk}/", {"role": "supervisor", "organization": world.root.pk}
    )
    assert response.status_code == 200  # the form again, with the refusal
    assert "不能给自己授予角色" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=world.secadmin, role=Role.SUPERVISOR).exists()
    world.secadmin._pangting_policy = None
    assert reads(client, world, records) == {
        "sessions": False,
        "visits": False,
        "people": False,
        "phones": False,
        "audit": False,
    }
    refused = AuditEvent.objects.get(action="accounts.assign_role", success=False)
    assert refused.actor == world.secadmin and refused.target == "secadmin"


def test_nobody_gives_the_security_administrator_a_business_or_audit_role(world):
    """Not even the system: the security administrator never holds another role (issue 14 item 1)."""
    for role in (Role.SUPERVISOR, Role.MEMBER, Role.AUDIT_ADMIN):
        with pytest.raises(ValidationError):
            services.assign_role(world.secadmin, role, world.root, actor=system_actor())
    with pytest.raises(ValidationError, match="安全管理员不能同时担任业务角色"):
        services.assign_role(world.secretary_a, Role.SECURITY_ADMIN, world.root, actor=system_actor())


def test_a_pending_grant_counts_for_the_separation(world):
    services.assign_role(world.outsider, Role.SUPERVISOR, world.root, actor=world.secadmin)
    with pytest.raises(ValidationError):
        services.assign_role(world.outsider, Role.SECURITY_ADMIN, world.root, actor=system_actor())


# --- the account the security administrator creates for himself --------------------------------


def login(client: Client, username: str, password: str) -> object:
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_an_account_the_security_administrator_creates_for_himself_reads_nothing_until_confirmed(world, records):
    """Issue 14 item 1: he chooses the password and grants supervisor and the audit duty; the
    grants stay pending, the account must change its password first, and reads nothing until
    a supervisor (business) or the other administrators (duty) confirm."""
    admin = signed_in(world.secadmin)
    response = admin.post(reverse("accounts:user_create"), {"username": "shadow", "password": "Chosen-by-him-2026"})
    assert response.status_code == 302
    shadow = User.objects.get(username="shadow")
    assert shadow.must_change_password
    assert grant_via_page(admin, shadow, Role.SUPERVISOR, world.root).status_code == 302
    helper = services.create_user("shadow2", actor=world.secadmin, password="Chosen-by-him-2026")
    assert grant_via_page(admin, helper, Role.AUDIT_ADMIN, world.root).status_code == 302
    assert set(RoleAssignment.objects.filter(user__in=[shadow, helper]).values_list("status", flat=True)) == {
        GrantStatus.PENDING
    }

    # He signs in as the new account: every page sends it to the password change first…
    client = Client()
    assert login(client, "shadow", "Chosen-by-him-2026").status_code == 302
    assert client.get(reverse("study:session_list")).url == reverse("accounts:password_change")
    # …and the API refuses a token with a Chinese 403.
    token = client.post("/api/v1/auth/token", {"username": "shadow", "password": "Chosen-by-him-2026"})
    assert token.status_code == 403
    assert "修改密码" in token.json()["detail"]

    # After the change: still nothing, the grant is pending.
    changed = client.post(
        reverse("accounts:password_change"),
        {"old_password": "Chosen-by-him-2026", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    shadow.refresh_from_db()
    assert not shadow.must_change_password
    assert reads(client, world, records) == {
        "sessions": False,
        "visits": False,
        "people": False,
        "phones": False,
        "audit": False,
    }
    helper_client = signed_in(helper)
    helper.must_change_password = False
    helper.save(update_fields=["must_change_password"])
    assert helper_client.get(reverse("accounts:audit_log")).status_code == 404

    # The supervisor sees the grant among her to-dos and confirms it; only then it reaches.
    supervisor = signed_in(world.supervisor)
    assert "1项角色授权待您确认" in supervisor.get(reverse("home")).content.decode()
    grant = RoleAssignment.objects.get(user=shadow)
    decided = supervisor.post(reverse("accounts:grant_decide", kwargs={"pk": grant.pk}), {"decision": "confirm"})
    assert decided.status_code == 302
    assert reads(client, world, records)["sessions"] is True
    # The duty waits for the system or audit administrator, never for the security administrator.
    duty = RoleAssignment.objects.get(user=helper)
    assert (
        admin.post(reverse("accounts:grant_decide", kwargs={"pk": duty.pk}), {"decision": "confirm"}).status_code == 404
    )
    signed_in(world.sysadmin).post(reverse("accounts:grant_decide", kwargs={"pk": duty.pk}), {"decision": "confirm"})
    assert helper_client.get(reverse("accounts:audit_log")).status_code == 200

    logged = AuditEvent.objects.filter(target__in=["shadow", "shadow2"]).values_list("action", "username")
    assert ("accounts.assign_role", "secadmin") in logged
    assert ("accounts.confirm_role", "supervisor") in logged
    assert ("accounts.confirm_role", "sysadmin") in logged


# --- the two-person rule --------------------------------------------------------------------------


def test_a_pending_grant_gives_no_reach_and_a_refused_one_never_does(world):
    grant = services.assign_role(world.outsider, Role.STUDY_SECRETARY, world.unit_a, actor=world.secadmin)
    assert not policy.can(world.outsider, A.STUDY_VIEW, world.unit_a)
    services.refuse_role(grant, actor=world.supervisor, note="非本单位人员")
    world.outsider._pangting_policy = None
    assert not policy.can(world.outsider, A.STUDY_VIEW, world.unit_a)
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REFUSED and grant.decided_by == world.supervisor
    with pytest.raises(ValidationError, match="已处理"):
        services.confirm_role(grant, actor=world.supervisor)
    assert AuditEvent.objects.filter(action="accounts.refuse_role", target="outsider").exists()
    # Refused, the same role can be granted again (and waits again).
    again = services.assign_role(world.outsider, Role.STUDY_SECRETARY, world.unit_a, actor=world.secadmin)
    assert again.status == GrantStatus.PENDING


def test_only_a_supervisor_whose_subtree_holds_the_organization_confirms(world):
    from pangting.tests.builders import make_user

    supervisor_b = make_user("supervisor_b", (Role.SUPERVISOR, world.unit_b))
    grant = services.assign_role(world.outsider, Role.MEMBER, world.unit_a, actor=world.secadmin)
    assert not policy.may_confirm(supervisor_b, grant)
    assert (
        signed_in(supervisor_b)
        .post(reverse("accounts:grant_decide", kwargs={"pk": grant.pk}), {"decision": "confirm"})
        .status_code
        == 404
    )
    with pytest.raises(ValidationError):
        services.confirm_role(grant, actor=supervisor_b)
    assert policy.may_confirm(world.supervisor, grant)


def test_neither_the_granter_nor_the_grantee_confirms(world):
    grant = services.assign_role(world.supervisor, Role.MEMBER, world.unit_a, actor=world.secadmin)
    with pytest.raises(ValidationError):
        services.confirm_role(grant, actor=world.supervisor)  # the grantee
    with pytest.raises(ValidationError):
        services.confirm_role(grant, actor=world.secadmin)  # the granter
    assert RoleAssignment.objects.get(pk=grant.pk).status == GrantStatus.PENDING


def test_the_user_page_shows_a_pending_grant_and_it_can_be_withdrawn(world):
    grant = services.assign_role(world.outsider, Role.MEMBER, world.unit_a, actor=world.secadmin)
    admin = signed_in(world.secadmin)
    html = admin.get(reverse("accounts:user_detail", kwargs={"pk": world.outsider.pk})).content.decode()
    assert "待确认" in html
    assert admin.post(reverse("accounts:role_revoke", kwargs={"pk": grant.pk})).status_code == 302
    assert not RoleAssignment.objects.pending().filter(pk=grant.pk).exists()
    assert not policy.confirmable(world.supervisor).filter(pk=grant.pk).exists()


def test_the_systems_grants_and_existing_rows_are_in_force(world):
    """Builders, the demo and commands grant as the system: confirmed at once."""
    assert set(RoleAssignment.objects.values_list("status", flat=True)) == {GrantStatus.CONFIRMED}


# --- the first supervisor of a fresh install -------------------------------------------------------


def test_the_first_supervisor_is_confirmed_on_the_server_and_logged(world):
    services.revoke_role(RoleAssignment.objects.get(user=world.supervisor), actor=world.secadmin)
    newcomer = services.create_user("xuanchuan", actor=world.secadmin, password="Chosen-by-him-2026")
    grant = services.assign_role(newcomer, Role.SUPERVISOR, world.root, actor=world.secadmin)

    call_command("confirm_supervisor", "xuanchuan", "--organization", "ROOT")

    grant.refresh_from_db()
    assert grant.status == GrantStatus.CONFIRMED
    assert AuditEvent.objects.get(action="accounts.confirm_supervisor").target == "xuanchuan"
    # From now on a supervisor exists: the next one is confirmed by her, not by the command.
    later = services.create_user("lilun", actor=world.secadmin, password="Chosen-by-him-2026")
    services.assign_role(later, Role.SUPERVISOR, world.root, actor=world.secadmin)
    with pytest.raises(CommandError, match="xuanchuan"):
        call_command("confirm_supervisor", "lilun", "--organization", str(world.root.pk))


def test_the_command_refuses_without_a_pending_grant(world):
    with pytest.raises(CommandError, match="没有待确认"):
        call_command("confirm_supervisor", "outsider", "--organization", "ROOT")
    with pytest.raises(CommandError, match="没有代码或编号"):
        call_command("confirm_supervisor", "outsider", "--organization", "NOPE")


# --- the Django admin is no way around ------------------------------------------------------------


def test_the_django_admin_changes_no_account_role_password_or_group(world):
    """Even a superuser cannot make anyone staff, superuser, or set a password there."""
    root = User.objects.create_superuser("root-admin", password="not-used-Pw-123")
    client = signed_in(root)
    target = world.secadmin
    change = reverse("admin:accounts_user_change", args=[target.pk])
    assert client.get(change).status_code == 200  # shown read-only
    response = client.post(change, {"username": "secadmin", "is_superuser": "on", "is_staff": "on"})
    assert response.status_code == 403
    target.refresh_from_db()
    assert not target.is_superuser and not target.is_staff
    password = reverse("admin:auth_user_password_change", args=[target.pk])  # Django names it so for any user model
    assert client.post(password, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 403
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    assert client.get(reverse("admin:auth_group_add")).status_code == 403
    assert client.get(reverse("admin:accounts_roleassignment_add")).status_code == 403
