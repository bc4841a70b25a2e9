"""Related ids are scoped like lists (issue 14 item 2): an out-of-scope id answers like a missing one.

The finding: a unit secretary posting another unit's person as a trainee got that person's name
back in the 400, and naming another unit's person as a session's host or leader was accepted and
echoed the name and post. Here every write operation of the API, as drf-spectacular documents it,
is walked for every related field of its request body; each field gets, for several personas,
every record outside the persona's reach and one id that does not exist. The two answers must be
identical apart from the id, carry no name or post of anything outside, and write nothing.
The browsable API's forms, which list a relation's choices, must not list outside records either.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from rest_framework import serializers

from pangting.accounts import policy
from pangting.core import widgets
from pangting.core.scoped_fields import ScopedRelatedField
from pangting.orgs.models import Organization, OrganizationKind, Person
from pangting.tests.builders import make_group, make_org, make_person, make_user
from pangting.tests.conftest import ScopedWorld

A = policy.Action
MISSING = 987654321
PERSONAS = ["secretary_a", "unit_supervisor", "viewer", "liaison", "member"]
# Writes every API request makes whatever it carries: the token's last use (issue 14 item 6), the audit trail.
BOOKKEEPING = ("accounts_apitoken", "core_auditevent", "core_auditchainhead", "django_session", "axes_")
WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


# --- the write operations and their related fields ---------------------------------------------


def related_fields(serializer: serializers.BaseSerializer, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, field) of every writable relation in a request body, nested bodies included."""
    for name, child in serializer.fields.items():
        if child.read_only:
            continue
        if isinstance(child, serializers.ListSerializer):
            yield from related_fields(child.child, f"{prefix}{name}[].")
        elif isinstance(child, serializers.Serializer):
            yield from related_fields(child, f"{prefix}{name}.")
        elif isinstance(child, serializers.RelatedField | serializers.ManyRelatedField):
            yield prefix + name, child


def write_operations() -> list[tuple[str, str, str, Any]]:
    """(path, method, field path, field) for every related field of every documented write operation."""
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    found = []
    for path, _regex, method, view in generator._get_paths_and_endpoints():
        if method not in ("POST", "PUT", "PATCH"):
            continue
        view.request = spectacular_settings.GET_MOCK_REQUEST(method, path, view, None)
        body = view.schema.get_request_serializer()
        if isinstance(body, type):
            body = body()
        if not isinstance(body, serializers.BaseSerializer):
            continue
        for field_path, relation in related_fields(body):
            found.append((path, method, field_path, relation))
    return found


OPERATIONS = write_operations()


def _model(relation: Any) -> Any:
    return (relation.child_relation if isinstance(relation, serializers.ManyRelatedField) else relation).queryset.model


# --- what each operation needs: a record to write to, a body, the action that writes ------------


@dataclass
class Target:
    """How to call one operation: the write action, the record in the path, a body otherwise valid."""

    action: str
    body: Callable[[Any], dict[str, Any]]
    pk: Callable[[Any], int] | None = None
    narrow: Callable[[Any, Any], Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _session_body(w: Any) -> dict[str, Any]:
    return {
        "organization": w.unit_a.pk,
        "kind": "center_group",
        "title": "学习会",
        "place": "会议室",
        "starts_at": "2026-11-25T14:30:00+08:00",
        "ends_at": "2026-11-25T16:30:00+08:00",
    }


def _attended(qs: Any, user: Any) -> Any:
    from pangting.study.api import attended

    return attended(qs, user)


TARGETS: dict[tuple[str, str], Target] = {
    ("/api/v1/organizations/", "POST"): Target(
        A.DIRECTORY_CHANGE, lambda w: {"name": "新支部", "code": "API-NEW", "kind": "branch"}
    ),
    ("/api/v1/organizations/{id}/", "PATCH"): Target(A.DIRECTORY_CHANGE, lambda w: {}, pk=lambda w: w.branch_a.pk),
    ("/api/v1/people/", "POST"): Target(A.DIRECTORY_CHANGE, lambda w: {"name": "新人"}),
    ("/api/v1/people/{id}/", "PATCH"): Target(A.DIRECTORY_CHANGE, lambda w: {}, pk=lambda w: w.member_person.pk),
    ("/api/v1/study-sessions/", "POST"): Target(A.STUDY_CHANGE, _session_body),
    ("/api/v1/study-sessions/{id}/", "PATCH"): Target(A.STUDY_CHANGE, lambda w: {}, pk=lambda w: w.session_a.pk),
    ("/api/v1/study-sessions/{id}/attendance/", "POST"): Target(
        A.STUDY_CHANGE, lambda w: {"status": "leave"}, pk=lambda w: w.session_a.pk
    ),
    ("/api/v1/study-plans/", "POST"): Target(A.STUDY_CHANGE, lambda w: {"year": 2027, "kind": "center_group"}),
    ("/api/v1/study-plans/{id}/", "PATCH"): Target(A.STUDY_CHANGE, lambda w: {}, pk=lambda w: w.plan_a.pk),
    ("/api/v1/self-study-records/", "POST"): Target(
        A.STUDY_PARTICIPATE,
        lambda w: {"studied_on": "2026-01-05", "material": "篇目", "hours": "1"},
        narrow=_attended,
    ),
    ("/api/v1/reflections/", "POST"): Target(
        A.STUDY_PARTICIPATE, lambda w: {"kind": "reflection", "title": "体会", "text": "正文"}, narrow=_attended
    ),
    ("/api/v1/secretary-trainings/", "POST"): Target(
        A.STUDY_CHANGE,
        lambda w: {"organization": w.unit_a.pk, "held_on": "2026-05-01", "title": "培训", "hours": "2"},
    ),
    ("/api/v1/observation/visits/{id}/reply/", "POST"): Target(
        A.OBSERVATION_DELIVER, lambda w: {"notes": "三楼会议室"}, pk=lambda w: w.visit_a.pk
    ),
}


def _with(body: dict[str, Any], field_path: str, value: Any, many: bool) -> dict[str, Any]:
    """`body` with `value` at `field_path` ("speeches[].person" puts one speech in a list)."""
    value = [value] if many else value
    if "[]." in field_path:
        outer, inner = field_path.split("[].", 1)
        return {**body, outer: [{"speaker_name": "某某", inner: value}]}
    return {**body, field_path: value}


# --- the world: records on both sides of the fence ---------------------------------------------


class RelatedWorld(ScopedWorld):
    """The personas' world plus, on both sides, sessions, plans, themes and a visit to point at."""

    def __init__(self) -> None:
        super().__init__()
        from pangting.accounts.models import Role
        from pangting.core.system import system_actor
        from pangting.observation import services as observation
        from pangting.orgs.services import link_leader
        from pangting.study import services as study
        from pangting.study.tests.builders import make_session

        system = system_actor()
        self.branch_b = make_org("乙学院第一党支部", self.unit_b, kind=OrganizationKind.BRANCH, code="UB1")
        self.branch_b_secretary = make_person("吴书记", self.branch_b, post="支部书记兼教工第一党支部委员")
        themes = [{"period_kind": "month", "period": 3, "theme": "乙学院三月专题"}]
        self.plan_a = study.create_plan(self.unit_a, actor=system, year=2026, title="甲学院计划")
        self.plan_b = study.create_plan(self.unit_b, actor=system, year=2026, title="乙学院计划", themes=themes)
        self.session_a = make_session(self.unit_a, title="甲学院十一月学习会")
        self.session_b = make_session(self.unit_b, title="乙学院十一月专题学习会")
        self.visit_a = observation.create_visit(actor=system, unit=self.unit_a, year=2026, semester=2)
        from pangting.observation.models import Rectification
        from pangting.observation.tests.permission_cases_parts import rectifying

        self.rectification_a = Rectification.objects.filter(visit=rectifying(self, "A")).first()
        # The directory is changed by supervisors; one over unit A alone has something outside.
        self.unit_supervisor = make_user("unit_supervisor", (Role.SUPERVISOR, self.unit_a))
        # A school leader that supervisor reaches, so a visit's leader search has one to offer (R-O3).
        self.unit_a_leader = make_person("甲院领导", self.unit_a, post="院长", is_school_leader=True)
        # A lower supervising level (R-O23) whose supervisor records its leaders' unavailability
        # (R-O1): everything outside its subtree is outside its reach.
        self.college = make_org("丁学院党委", self.root, code="UD", has_supervisor=True)
        make_group(self.college)
        self.college_unit = make_org("丁学院机关党总支", self.college, kind=OrganizationKind.GENERAL_BRANCH, code="UD1")
        make_group(self.college_unit)
        self.college_leader = make_person("冯院领导", self.college, post="副书记", is_school_leader=True)
        link_leader(self.college_leader, self.college_unit, actor=system, valid_from=dt.date(2020, 1, 1))
        self.college_supervisor = make_user("college_supervisor", (Role.SUPERVISOR, self.college))

    def personas(self) -> dict[str, object]:
        return {
            **super().personas(),
            "unit_supervisor": self.unit_supervisor,
            "college_supervisor": self.college_supervisor,
        }


@pytest.fixture(scope="module")
def related_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[RelatedWorld]:
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        world = RelatedWorld()
        world.sign_in_everyone()
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def w(related_world: RelatedWorld, db: Any) -> RelatedWorld:
    for user in related_world.personas().values():
        user._pangting_policy = None
    return related_world


# --- checking one answer -----------------------------------------------------------------------


def _words(obj: Any) -> set[str]:
    """What a record could give away: its text, name, post, title or theme."""
    words = {str(obj)}
    for name in ("name", "post", "title", "theme", "short_name"):
        value = getattr(obj, name, "")
        if isinstance(value, str):
            words.add(value)
    return {word for word in words if len(word) >= 2}


def _outside_words(user: Any) -> set[str]:
    """Names and posts of people and organizations `user` cannot see, minus any text also seen inside."""
    inside: set[str] = set()
    outside: set[str] = set()
    for model in (Person, Organization):
        seen = set(policy.scope(model.objects.all(), user, A.DIRECTORY_VIEW).values_list("pk", flat=True))
        for obj in model.objects.all():
            (inside if obj.pk in seen else outside).update(_words(obj))
    return outside - inside


def _writes(queries: CaptureQueriesContext) -> list[str]:
    tables = []
    for query in queries.captured_queries:
        match = WRITE.match(query["sql"])
        if match and not match.group(2).startswith(BOOKKEEPING):
            tables.append(match.group(2))
    return tables


def _answer(client: Any, method: str, url: str, body: dict[str, Any]) -> tuple[int, str, list[str]]:
    send = getattr(client, method.lower())
    with CaptureQueriesContext(connection) as queries:
        response = send(url, body, content_type="application/json")
    return response.status_code, response.content.decode(), _writes(queries)


@dataclass
class Tally:
    requests: int = 0
    leaks: list[str] = field(default_factory=list)


def _probe(w: RelatedWorld, persona: str, tally: Tally) -> None:
    user = w.personas()[persona]
    client = w.client(persona, api=True)
    outside_words = _outside_words(user)
    for path, method, field_path, relation in OPERATIONS:
        target = TARGETS[(path, method)]
        url = path.replace("{id}", str(target.pk(w))) if target.pk else path
        model = _model(relation)
        many = isinstance(relation, serializers.ManyRelatedField)
        reachable = policy.scope(model._default_manager.all(), user, target.action)
        if target.narrow is not None:
            reachable = target.narrow(reachable, user)
        outside = model._default_manager.exclude(pk__in=reachable.values("pk"))
        base = target.body(w)
        m_status, m_text, m_writes = _answer(client, method, url, _with(base, field_path, MISSING, many))
        tally.requests += 1
        where = f"{persona} {method} {path} {field_path}"
        if m_writes:
            tally.leaks.append(f"{where}: a missing id wrote {m_writes}")
        for obj in outside:
            status, text, writes = _answer(client, method, url, _with(base, field_path, obj.pk, many))
            tally.requests += 1
            problems = []
            if (status, text) != (m_status, m_text.replace(f"“{MISSING}”", f"“{obj.pk}”")):
                problems.append(f"{status} {text[:200]} ≠ {m_status} {m_text[:200]}")
            named = sorted(word for word in (_words(obj) | outside_words) if word in text)
            if named:
                problems.append(f"names {named}")
            if writes:
                problems.append(f"wrote {writes}")
            if problems:  # one leak per request, whatever it gave away
                tally.leaks.append(f"{where} #{obj.pk}: " + "; ".join(problems))


# --- the tests ---------------------------------------------------------------------------------


def test_every_related_field_of_every_write_operation_is_known_and_scoped() -> None:
    """A new write endpoint with a relation fails here until the walk below knows how to call it."""
    assert len(OPERATIONS) >= 20, OPERATIONS
    unknown = sorted({(path, method) for path, method, _f, _r in OPERATIONS} - set(TARGETS))
    assert not unknown, f"write operations with related fields the walk does not cover: {unknown}"
    plain = [
        f"{method} {path} {name}"
        for path, method, name, relation in OPERATIONS
        if not isinstance(getattr(relation, "child_relation", relation), ScopedRelatedField)
    ]
    assert not plain, f"related fields not scoped by the policy: {plain}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_an_out_of_scope_id_answers_exactly_like_a_missing_one(w: RelatedWorld, persona: str) -> None:
    tally = Tally()
    _probe(w, persona, tally)
    print(f"\nrelated ids as {persona}: {tally.requests} requests, {len(tally.leaks)} leaks")
    assert tally.requests > len(OPERATIONS)
    assert not tally.leaks, "\n".join(tally.leaks[:20])


def test_the_walk_reaches_the_other_units_people_as_a_secretary(w: RelatedWorld) -> None:
    """Not a walk over nothing: the secretary's out-of-scope sets hold unit B's people and sessions."""
    user = w.secretary_a
    people = Person.objects.exclude(pk__in=policy.scope(Person.objects.all(), user, A.STUDY_CHANGE).values("pk"))
    assert {w.member_b_person, w.secretary_b_person, w.branch_b_secretary, w.leader_person} <= set(people)


def test_the_finding_trainees_of_another_unit_are_not_named(w: RelatedWorld) -> None:
    from pangting.study.models import SecretaryTraining

    client = w.client("secretary_a", api=True)
    body = {"organization": w.unit_a.pk, "held_on": "2026-05-01", "title": "培训", "hours": "2"}
    outside = client.post(
        "/api/v1/secretary-trainings/", {**body, "trainees": [w.branch_b_secretary.pk]}, content_type="application/json"
    )
    missing = client.post(
        "/api/v1/secretary-trainings/", {**body, "trainees": [MISSING]}, content_type="application/json"
    )
    assert outside.status_code == missing.status_code == 400
    assert outside.json() == {"trainees": [f"无效的编号“{w.branch_b_secretary.pk}”，对象不存在。"]}
    assert missing.json() == {"trainees": [f"无效的编号“{MISSING}”，对象不存在。"]}
    assert "吴书记" not in outside.content.decode()
    assert not SecretaryTraining.objects.exists()


@pytest.mark.parametrize("name", ["host", "led_by", "lecturer_person"])
def test_the_finding_another_units_person_cannot_host_or_lead_ones_session(w: RelatedWorld, name: str) -> None:
    client = w.client("secretary_a", api=True)
    created = client.post(
        "/api/v1/study-sessions/", {**_session_body(w), name: w.member_b_person.pk}, content_type="application/json"
    )
    changed = client.patch(
        f"/api/v1/study-sessions/{w.session_a.pk}/", {name: w.member_b_person.pk}, content_type="application/json"
    )
    for response in (created, changed):
        assert response.status_code == 400
        assert response.json() == {name: [f"无效的编号“{w.member_b_person.pk}”，对象不存在。"]}
    w.session_a.refresh_from_db()
    assert getattr(w.session_a, f"{name}_id") is None
    assert not w.session_a.__class__.objects.filter(title="学习会").exists()


def test_the_finding_another_units_person_cannot_speak_at_ones_session(w: RelatedWorld) -> None:
    client = w.client("secretary_a", api=True)
    speech = {"person": w.member_b_person.pk}
    response = client.patch(
        f"/api/v1/study-sessions/{w.session_a.pk}/", {"speeches": [speech]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "周成员" not in response.content.decode() and "副院长" not in response.content.decode()
    assert response.json() == {"speeches": {"0": {"person": [f"无效的编号“{w.member_b_person.pk}”，对象不存在。"]}}}
    assert not w.session_a.speeches.exists()


def test_ones_own_people_still_host_and_train(w: RelatedWorld) -> None:
    """The scope is the write reach, not nothing: the secretary's own unit works as before."""
    client = w.client("secretary_a", api=True)
    response = client.patch(
        f"/api/v1/study-sessions/{w.session_a.pk}/", {"host": w.member_person.pk}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["host"] == w.member_person.pk
    branch_secretary = make_person("郑书记", w.branch_a, post="支部书记")
    body = {"organization": w.unit_a.pk, "held_on": "2026-05-01", "title": "培训", "hours": "2"}
    trained = client.post(
        "/api/v1/secretary-trainings/", {**body, "trainees": [branch_secretary.pk]}, content_type="application/json"
    )
    assert trained.status_code == 201, trained.content


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_browsable_api_forms_list_no_outside_record(w: RelatedWorld, persona: str) -> None:
    """The HTML forms list a relation's choices: only what the persona reaches, never other units' people."""
    user = w.personas()[persona]
    client = w.client(persona, api=True)
    outside_words = _outside_words(user)
    if persona == "secretary_a":
        assert {"周成员", "吴书记"} <= outside_words
    pages = 0
    for path, method in sorted(TARGETS):
        target = TARGETS[(path, method)]
        url = path.replace("{id}", str(target.pk(w))) if target.pk else path
        response = client.get(url, HTTP_ACCEPT="text/html")
        pages += 1
        text = response.content.decode()
        named = sorted(word for word in outside_words if word in text)
        assert not named, f"{persona} GET {url} ({response.status_code}) lists {named}"
    print(f"\nbrowsable API as {persona}: {pages} pages, 0 leaks")


# --- the web forms -----------------------------------------------------------------------------

VOLATILE = re.compile(r'(name="csrfmiddlewaretoken" value=|nonce=|csrf-token" content=)"[^"]*"')


@dataclass
class FormCase:
    """One page with a related choice field: who posts, where, an otherwise valid body, the field."""

    persona: str
    url: Callable[[Any], str]
    body: Callable[[Any], dict[str, Any]]
    fields: dict[str, type]
    shown_at: Callable[[Any], str] | None = None  # where the form is shown, when it posts elsewhere


def _formset(prefix: str, total: int = 0) -> dict[str, Any]:
    return {f"{prefix}-TOTAL_FORMS": total, f"{prefix}-INITIAL_FORMS": 0}


def _session_form(w: Any) -> dict[str, Any]:
    return {
        "organization": w.unit_a.pk, "kind": "center_group", "title": "学习会", "place": "会议室",
        "starts_at": "2026-11-25T14:30", "ends_at": "2026-11-25T16:30", **_formset("agenda"),
        **_formset("speakers", 1), "speakers-0-speaker_name": "",
    }  # fmt: skip


def _models() -> dict[str, type]:
    from pangting.study.models import PlanTheme, StudySession

    return {"org": Organization, "person": Person, "session": StudySession, "theme": PlanTheme}


M = _models()
FORM_CASES = [
    FormCase(
        "secretary_a",
        lambda w: "/study/sessions/new/",
        _session_form,
        {
            "organization": M["org"],
            "host": M["person"],
            "led_by": M["person"],
            "lecturer_person": M["person"],
            "plan_theme": M["theme"],
            "speakers-0-person": M["person"],
        },
    ),
    FormCase(
        "secretary_a",
        lambda w: f"/study/sessions/{w.session_a.pk}/edit/",
        lambda w: {**_session_form(w), "host": w.member_person.pk},
        {"host": M["person"], "led_by": M["person"], "lecturer_person": M["person"], "plan_theme": M["theme"]},
    ),
    FormCase(
        "secretary_a",
        lambda w: "/study/trainings/",
        lambda w: {"organization": w.unit_a.pk, "held_on": "2026-05-01", "title": "培训", "hours": "2"},
        {"organization": M["org"], "trainees": M["person"]},
    ),
    FormCase(
        "secretary_a",
        lambda w: "/study/plans/new/",
        lambda w: {"year": 2027, "kind": "center_group", **_formset("themes")},
        {"organization": M["org"]},
    ),
    FormCase(
        "secretary_a",
        lambda w: f"/study/sessions/{w.session_a.pk}/attendance/add/",
        lambda w: {},
        {"person": M["person"]},
        shown_at=lambda w: f"/study/sessions/{w.session_a.pk}/attendance/",
    ),
    FormCase(
        "secretary_a",
        lambda w: "/study/outcomes/",
        lambda w: {"kind": "measure", "title": "三项举措", "recorded_on": "2026-06-15"},
        {"organization": M["org"]},
    ),
    FormCase(
        "secretary_a",
        lambda w: "/study/cadres/",
        lambda w: {"person": w.member_person.pk, "branch": w.branch_a.pk, "since": "2026-01-01"},
        {"person": M["person"], "branch": M["org"]},
    ),
    FormCase(
        "secretary_a",
        lambda w: "/observation/cross/new/",
        lambda w: {"host": w.unit_a.pk, "visitor": w.unit_b.pk},
        {"host": M["org"]},  # the visitor is a sibling unit named outside the reach (R-O13): its own test
    ),
    FormCase(
        "member",
        lambda w: "/study/my/self-study/",
        lambda w: {"studied_on": "2026-01-05", "material": "篇目", "hours": "1"},
        {"session": M["session"]},
    ),
    FormCase(
        "member",
        lambda w: "/study/my/reflections/",
        lambda w: {"kind": "reflection", "title": "体会", "text": "正文"},
        {"session": M["session"]},
    ),
    FormCase(
        "secretary_a",
        lambda w: "/observation/invitations/new/",
        lambda w: {"message": "请来"},
        {"session": M["session"]},
    ),
    FormCase(
        "secretary_a",
        lambda w: f"/observation/{w.visit_a.pk}/do/reply/",
        lambda w: {"notes": "三楼会议室"},
        {"session": M["session"]},
    ),
    FormCase(
        "secretary_a",
        lambda w: f"/observation/rectifications/{w.rectification_a.pk}/",
        lambda w: {"step": "plan", "measure": "整改措施"},
        {"owner": M["person"]},
    ),
    FormCase(
        "unit_supervisor",
        lambda w: "/reports/bulletins/new/",
        lambda w: {"kind": "bulletin", "year": 2026},
        {"organization": M["org"]},
    ),
    FormCase(
        "unit_supervisor",
        lambda w: "/orgs/new/",
        lambda w: {"name": "新支部", "code": "WEB-NEW", "kind": "branch", "sort_order": 0},
        {"parent": M["org"]},
    ),
    FormCase("unit_supervisor", lambda w: "/orgs/people/new/", lambda w: {"name": "新人"}, {"organization": M["org"]}),
    FormCase(
        "unit_supervisor",
        lambda w: "/orgs/links/new/",
        lambda w: {"kind": "liaison", "valid_from": "2026-01-05", "person": w.member_person.pk, "unit": w.unit_a.pk},
        {"person": M["person"], "unit": M["org"]},
        shown_at=lambda w: "/orgs/links/",
    ),
    FormCase(
        "unit_supervisor",
        lambda w: f"/orgs/{w.unit_a.pk}/members/",
        lambda w: {"role": "member"},
        {"person": M["person"]},
        shown_at=lambda w: f"/orgs/{w.unit_a.pk}/",
    ),
    FormCase(
        "unit_supervisor",
        lambda w: f"/orgs/{w.unit_a.pk}/conflicts/",
        lambda w: {"conflict-reason": "曾任该院党委书记"},
        {"conflict-person": M["person"]},
        shown_at=lambda w: f"/orgs/{w.unit_a.pk}/",
    ),
    FormCase(
        "unit_supervisor",
        lambda w: f"/orgs/{w.branch_a.pk}/edit/",
        lambda w: {"name": "甲支部", "code": "WEB-EDIT", "kind": "branch", "sort_order": 0},
        {"parent": M["org"]},
    ),
    FormCase(
        "unit_supervisor",
        lambda w: "/observation/new/",
        lambda w: {"unit": w.branch_a.pk, "mode": "planned", "year": 2026, "semester": 2},
        {"unit": M["org"], "leader": M["person"], "liaison": M["person"]},
    ),
    FormCase(
        "unit_supervisor",
        lambda w: "/observation/grouping/new/",
        lambda w: {"supervisor_org": w.unit_a.pk, "year": 2026, "semester": "", "name": "第一小组"},
        {"leader": M["person"], "members": M["person"], "units": M["org"]},
    ),
    FormCase(
        "secretary_a",
        lambda w: "/observation/rectifications/new/",
        lambda w: {"problem": "学习成果未形成转化清单"},
        {"unit": M["org"]},
    ),
    FormCase(
        "secretary_a",
        lambda w: "/observation/practices/new/",
        lambda w: {"title": "读原著做法", "description": "先自学后研讨"},
        {"unit": M["org"]},
    ),
    FormCase(
        "unit_supervisor",
        lambda w: "/assessment/reports/new/",
        lambda w: {
            "organization": w.unit_a.pk,
            "person": w.member_person.pk,
            "year": 2026,
            "title": "述学",
            "delivered_on": "2026-01-05",
            "summary": "摘要",
        },
        {"organization": M["org"], "person": M["person"]},
    ),
    FormCase(
        "college_supervisor",
        lambda w: "/planning/unavailability/new/",
        lambda w: {"year": 2027, "first_month": 4, "last_month": 5, "reason": "赴省委党校学习"},
        {"person": M["person"]},
        shown_at=lambda w: "/planning/unavailability/",
    ),
]


def _page(client: Any, url: str, body: dict[str, Any]) -> tuple[int, str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, body, follow=True)
    chain = " ".join(f"{code}:{where}" for where, code in response.redirect_chain)
    return response.status_code, VOLATILE.sub("", chain + response.content.decode()), _writes(queries)


# The supervising organizations a level holds (a handful, R-O23) stay a <select>.
SEAT_CHOICES = {"supervisor_org"}


def test_every_related_choice_field_of_the_forms_is_walked() -> None:
    """Each form with a related choice field has a case (pages take the form's queryset from the view)."""
    from django import forms as django_forms
    from django.utils.module_loading import import_string

    walked = {name for case in FORM_CASES for name in case.fields}
    expected = {"host", "led_by", "lecturer_person", "trainees", "parent", "leader", "liaison", "session", "owner"}
    assert expected | {"branch", "organization", "person"} <= walked
    for dotted in (
        "pangting.study.forms.TrainingForm",
        "pangting.study.forms.SpeakerForm",
        "pangting.study.forms.PlanForm",
        "pangting.study.forms.OutcomeForm",
        "pangting.study.forms.AddAttendeeForm",
        "pangting.study.forms.CadreBranchForm",
        "pangting.orgs.forms.OrganizationForm",
        "pangting.orgs.forms.PersonForm",
        "pangting.orgs.forms.MemberForm",
        "pangting.orgs.forms.ConflictForm",
        "pangting.orgs.forms.LinkForm",
        "pangting.observation.forms.VisitForm",
        "pangting.observation.forms.ProblemItemForm",
        "pangting.observation.forms.RectificationPlanForm",
        "pangting.observation.views_cross.CrossForm",
        "pangting.assessment.forms.StudyReportForm",
        "pangting.observation.views_practices.PracticeForm",
        "pangting.observation.views_grouping.StandingTeamForm",
        "pangting.accounts.forms.RoleAssignForm",
        "pangting.planning.forms.UnavailabilityForm",
    ):
        form = import_string(dotted)
        related = [
            f for f in form.base_fields.values() if isinstance(f, django_forms.ModelChoiceField | widgets.SearchField)
        ]
        # A <select> lists nothing and a search accepts nothing until the view gives the scoped queryset.
        assert related and all(_accepts_nothing(f) for f in related), dotted
        # Issue 15: an organization or a person is searched, never a <select> of every one in reach.
        listed = [
            name
            for name, f in form.base_fields.items()
            if isinstance(f, django_forms.ModelChoiceField) and f.queryset is not None
            and f.queryset.model in (Organization, Person) and name not in SEAT_CHOICES
        ]  # fmt: skip
        assert not listed, f"{dotted} lists organizations or people in a <select>: {listed}"


def _accepts_nothing(field: Any) -> bool:
    if isinstance(field, widgets.SearchField) or field.queryset is None:
        return field.queryset is None
    return bool(field.queryset.query.is_empty())


def test_a_form_answers_an_out_of_scope_id_like_a_missing_one(w: RelatedWorld) -> None:
    tally = Tally()
    for case in FORM_CASES:
        user = w.personas()[case.persona]
        client = w.client(case.persona)
        outside_words = _outside_words(user)
        url = case.url(w)
        for name, model in case.fields.items():
            many = name == "trainees"
            reachable = policy.scope(model._default_manager.all(), user, None)
            outside = list(model._default_manager.exclude(pk__in=reachable.values("pk")))
            assert outside, f"{case.persona} {url} {name}: nothing outside to try"
            body = case.body(w)
            m_status, m_text, m_writes = _page(client, url, {**body, name: [MISSING] if many else MISSING})
            tally.requests += 1
            where = f"{case.persona} POST {url} {name}"
            # The page is reached and refuses the id itself (not a 404 before the form is read).
            assert m_status == 200 and "404" not in m_text[:300], f"{where}: {m_status}"
            if m_writes:
                tally.leaks.append(f"{where}: a missing id wrote {m_writes}")
            for obj in outside:
                status, text, writes = _page(client, url, {**body, name: [obj.pk] if many else obj.pk})
                tally.requests += 1
                problems = []
                if (status, text) != (m_status, m_text.replace(str(MISSING), str(obj.pk))):
                    problems.append(f"{status} differs from {m_status} for a missing id")
                # A page shows what the user reaches (a leader linked to the unit, say): only what the
                # out-of-scope id adds to the page counts.
                named = sorted(word for word in (_words(obj) | outside_words) if word in text and word not in m_text)
                if named:
                    problems.append(f"names {named}")
                if writes:
                    problems.append(f"wrote {writes}")
                if problems:
                    tally.leaks.append(f"{where} #{obj.pk}: " + "; ".join(problems))
    print(f"\nrelated ids in forms: {len(FORM_CASES)} forms, {tally.requests} requests, {len(tally.leaks)} leaks")
    assert not tally.leaks, "\n".join(tally.leaks[:20])


# --- the searched fields (issue 15): no <select> to read, so the search and the form are walked --

SEARCH_BOX = re.compile(r'<input type="search" name="(?P<name>[\w-]+)_text"[^>]*? hx-get="(?P<url>[^"]+)"')
NO_SUCH_NAME = "查无此名"


def _search_boxes(client: Any, url: str) -> dict[str, str]:
    """{field: the scoped endpoint its search box asks} of the searched fields on a form page."""
    page = client.get(url).content.decode()
    return {found["name"]: html.unescape(found["url"]) for found in SEARCH_BOX.finditer(page)}


def _offered(client: Any, endpoint: str, name: str, text: str) -> set[int]:
    """The ids the endpoint offers for `text`, typed into field `name`'s box."""
    response = client.get(f"{endpoint}&{urlencode({f'{name}_text': text})}")
    assert response.status_code == 200, endpoint
    return {(match[0] if isinstance(match, tuple) else match).pk for match in response.context["matches"]}


def _reach_of(endpoint: str, model: type, user: Any) -> set[int]:
    """The records the endpoint's scope (one action or a few) reaches for `user`; a visit's team
    also comes from the level's own seat (R-O23)."""
    reached: set[int] = set()
    for action in map(A, parse_qs(urlsplit(endpoint).query)["scope"][0].split(",")):
        reached |= set(policy.scope(model._default_manager.all(), user, action).values_list("pk", flat=True))
        if model is Person and action is A.OBSERVATION_MANAGE:
            seat_people = Person.objects.filter(organization__in=policy.seats(user, action))
            reached |= set(seat_people.values_list("pk", flat=True))
    return reached


def _searched_fields(w: RelatedWorld) -> Iterator[tuple[FormCase, str, type, str]]:
    """(case, field, model, endpoint) of every searched field of the walked forms."""
    for case in FORM_CASES:
        boxes = _search_boxes(w.client(case.persona), (case.shown_at or case.url)(w))
        for name, model in case.fields.items():
            if name in boxes:
                yield case, name, model, boxes[name]


def test_a_search_offers_only_what_its_scope_reaches(w: RelatedWorld) -> None:
    """Asked for every organization's or person's name, a searched field's endpoint offers some
    records and none outside its scope (a <select> was checked by its choices; this is its search)."""
    walked = []
    for case, name, model, endpoint in _searched_fields(w):
        user = w.personas()[case.persona]
        client = w.client(case.persona)
        reach = _reach_of(endpoint, model, user)
        everything = list(model._default_manager.all())
        where = f"{case.persona} {case.url(w)} {name}"
        assert any(obj.pk not in reach for obj in everything), f"{where}: nothing outside to try"
        offered: set[int] = set()
        for obj in everything:
            offered |= _offered(client, endpoint, name, obj.name)
        assert offered, f"{where}: the search offers nothing"
        assert offered <= reach, f"{where} offers records outside its scope: {sorted(offered - reach)}"
        walked.append(where)
    print(f"\nsearched fields: {len(walked)}")
    # The visit's unit, liaison and leader, the link's person and unit, the study plan's, outcome's,
    # attendee's and cadre's fields, a problem's owner, a cross-observation's host, a 述学 report's
    # unit and person, and more.
    assert len(walked) >= 34, walked


def test_a_form_refuses_the_typed_name_of_an_outside_record_like_an_unknown_name(w: RelatedWorld) -> None:
    """Without JavaScript the typed name is matched on the server, within the form's scope: an
    outside record's name gets the same Chinese refusal as a name nobody has, and writes nothing."""
    tally = Tally()
    for case, name, model, endpoint in _searched_fields(w):
        user = w.personas()[case.persona]
        client = w.client(case.persona)
        url = case.url(w)
        body = {key: value for key, value in case.body(w).items() if key != name}
        reach = _reach_of(endpoint, model, user)
        inside = [obj for obj in model._default_manager.all() if obj.pk in reach]
        m_status, m_text, m_writes = _page(client, url, {**body, f"{name}_text": NO_SUCH_NAME})
        tally.requests += 1
        where = f"{case.persona} POST {url} {name}_text"
        assert m_status == 200 and f"为“{NO_SUCH_NAME}”的" in m_text, f"{where}: no Chinese refusal"
        assert not m_writes, f"{where}: an unknown name wrote {m_writes}"
        for obj in model._default_manager.all():
            # An outside name that is part of an inside one (a parent's name, say) may match that one.
            if obj.pk in reach or any(obj.name in " ".join(_words(other)) for other in inside):
                continue
            status, text, writes = _page(client, url, {**body, f"{name}_text": obj.name})
            tally.requests += 1
            if (status, text) != (m_status, m_text.replace(NO_SUCH_NAME, obj.name)):
                tally.leaks.append(f"{where} {obj.name}: answered unlike an unknown name")
            if writes:
                tally.leaks.append(f"{where} {obj.name}: wrote {writes}")
    print(f"\ntyped names in forms: {tally.requests} requests, {len(tally.leaks)} leaks")
    assert tally.requests > 10
    assert not tally.leaks, "\n".join(tally.leaks[:20])
