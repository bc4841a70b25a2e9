"""Suite-wide setup: the test environment and the Playwright launch against Debian's chromium."""

from __future__ import annotations

import contextlib
import os

# live_server + ORM in browser tests (Playwright runs an event loop in the test thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest

CHROMIUM = os.environ.get("PANGTING_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Never a downloaded browser: Debian's chromium, with its background networking off."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


MIGRATED_ROWS: list[str] = []  # the rows the migrations wrote, serialized once the database is set up


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, and a copy of the rows its migrations wrote (working-day calendar,
    default rules, parameters) taken before any test can flush them."""
    from django.db import connection

    with django_db_blocker.unblock():
        MIGRATED_ROWS.append(connection.creation.serialize_db_to_string())
    yield


@pytest.fixture(autouse=True)
def _reload_migrated_rows(request):
    """Reload the migrated rows into a browser test marked `serialized_rollback`.

    Django reloads them in the test's set-up from a copy it keeps on the connection object, but
    connections are per context and Playwright's sync API runs browser tests in one of its own,
    where that copy is missing: a browser test that followed any other transactional test (whose
    flush empties every table) found no working-day calendar, rule or parameter, and its
    deadlines read "calendar not entered". Loading twice is harmless (rows are saved by key).
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("serialized_rollback") or "browser" not in request.fixturenames:
        return
    request.getfixturevalue("_django_db_helper")
    from django.db import connection

    connection.creation.deserialize_db_from_string(MIGRATED_ROWS[0])


# ----------------------------------------------------------------------------------------
# Personas shared by every test (house style §7). A small university:
#   校党委 (root) ── 甲学院党委 (unit A) ── 甲学院第一党支部
#                └─ 乙学院党委 (unit B, sibling)
# ----------------------------------------------------------------------------------------


class World:
    """The organizations and people the personas belong to."""

    def __init__(self) -> None:
        import datetime as dt

        from pangting.accounts.models import Role
        from pangting.core.system import system_actor
        from pangting.orgs import services as org_services
        from pangting.orgs.models import OrganizationKind, StudyGroupMember
        from pangting.tests.builders import make_group, make_org, make_person, make_user

        self.root = make_org(
            "中共示范大学委员会", code="ROOT", office_name="中共示范大学委员会宣传部", doc_abbr="示大宣函"
        )
        self.unit_a = make_org("甲学院党委", self.root, code="UA")
        self.branch_a = make_org("甲学院第一党支部", self.unit_a, kind=OrganizationKind.BRANCH, code="UA1")
        self.unit_b = make_org("乙学院党委", self.root, code="UB")

        self.leader_person = make_person(
            "王校领导", self.root, post="副校长", is_school_leader=True, phone="13800000001"
        )
        self.liaison_person = make_person("李联络", self.unit_a, post="党政办主任", phone="13800000002")
        self.secretary_a_person = make_person("张秘书", self.unit_a, post="组织员", phone="13800000003")
        self.secretary_b_person = make_person("赵秘书", self.unit_b, post="组织员", phone="13800000004")
        self.member_person = make_person("陈成员", self.unit_a, post="副院长", phone="13800000005")
        self.member_b_person = make_person("周成员", self.unit_b, post="副院长", phone="13800000006")

        self.group_a = make_group(
            self.unit_a,
            (self.member_person, StudyGroupMember.Role.MEMBER),
            (self.secretary_a_person, StudyGroupMember.Role.SECRETARY),
        )
        self.group_b = make_group(self.unit_b, (self.member_b_person, StudyGroupMember.Role.MEMBER))
        since = dt.date(2020, 1, 1)
        org_services.link_leader(self.leader_person, self.unit_a, actor=system_actor(), valid_from=since)
        org_services.assign_liaison(self.liaison_person, self.unit_a, actor=system_actor(), valid_from=since)

        self.supervisor = make_user("supervisor", (Role.SUPERVISOR, self.root))
        self.leader = make_user("leader", (Role.OBSERVATION_LEADER, self.root), person=self.leader_person)
        self.liaison = make_user("liaison", (Role.LIAISON, self.unit_a), person=self.liaison_person)
        self.secretary_a = make_user("secretary_a", (Role.STUDY_SECRETARY, self.unit_a), person=self.secretary_a_person)
        self.secretary_b = make_user("secretary_b", (Role.STUDY_SECRETARY, self.unit_b), person=self.secretary_b_person)
        self.member = make_user("member", (Role.MEMBER, self.unit_a), person=self.member_person)
        self.viewer = make_user("viewer", (Role.LEADERSHIP_VIEWER, self.root))
        self.sysadmin = make_user("sysadmin", (Role.SYSTEM_ADMIN, self.root))
        self.secadmin = make_user("secadmin", (Role.SECURITY_ADMIN, self.root))
        self.auditor = make_user("auditor", (Role.AUDIT_ADMIN, self.root))
        self.outsider = make_user("outsider")

    def personas(self) -> dict[str, object]:
        names = [
            "supervisor",
            "leader",
            "liaison",
            "secretary_a",
            "secretary_b",
            "member",
            "viewer",
            "sysadmin",
            "secadmin",
            "auditor",
            "outsider",
        ]
        return {name: getattr(self, name) for name in names}


@pytest.fixture
def world(db) -> World:
    return World()


@pytest.fixture
def client_for(client):
    """`client_for(user)`: a test client logged in as `user`."""
    from django.test import Client

    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make


def pytest_report_header(config):
    """Which moved dates the demo-match test runs on, so a failure can be replayed."""
    from pangting.tests.moved_dates import describe_dates

    return describe_dates()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test the suite's timeout stopped in the middle of a PostgreSQL query leaves that query
    running on the server, holding the test's locks, and its connection open: every later test
    on the worker then waits on those locks. Cancel the query and close the connection, so the
    server ends the session and the next test starts on a new one."""
    yield
    # pytest-timeout's failure message (its PYTEST_FAILURE_MESSAGE) begins so.
    if call.excinfo is None or not str(call.excinfo.value).startswith("Timeout (>"):
        return
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        raw = connection.connection
        if connection.vendor != "postgresql" or raw is None:
            continue
        with contextlib.suppress(Exception):  # best effort: the connection is closed below in any case
            raw.cancel_safe(timeout=10)
        connection.close()
