"""The REST API: token login, lockout, token expiry, scoping, writes with history, bad input, schema.

Scoping per endpoint and persona is also walked exhaustively by the permission matrix; the
tests here tell the same story as a client would live it, one request at a time.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings

from pangting.accounts.models import ApiToken
from pangting.core import clock
from pangting.core.models import AuditEvent
from pangting.orgs.models import Organization, Person
from pangting.tests.builders import PASSWORD
from pangting.tests.conftest import ScopedWorld, make_client

TOKEN_URL = "/api/v1/auth/token"
ORGS = "/api/v1/organizations/"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def w(scoped_world: ScopedWorld) -> ScopedWorld:
    return scoped_world


def token_for(username: str, password: str = PASSWORD) -> Any:
    return make_client().post(TOKEN_URL, {"username": username, "password": password}, content_type="application/json")


def bearer(raw: str) -> Any:
    return make_client(headers={"authorization": f"Bearer {raw}"})


def api(w: ScopedWorld, persona: str) -> Any:
    return w.client(persona, api=True)


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def has_chinese(body: Any) -> bool:
    return bool(CHINESE.search(str(body)))


# --- signing in -------------------------------------------------------------------------


def test_it_issues_a_token_for_the_right_password_and_accepts_it_as_bearer(w):
    response = token_for("secretary_a")
    assert response.status_code == 200
    body = response.json()
    assert body["expires_in_days"] == settings.PANGTING_API_TOKEN_DAYS
    me = bearer(body["token"]).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["username"] == "secretary_a"
    assert AuditEvent.objects.filter(username="secretary_a", action="api.token_issued").exists()


def test_it_refuses_a_bad_password_with_a_chinese_message(w):
    response = token_for("secretary_a", "wrong-password")
    assert response.status_code == 400
    assert has_chinese(response.json()["detail"])


def test_it_refuses_a_token_request_without_fields_in_chinese(w):
    response = make_client().post(TOKEN_URL, {}, content_type="application/json")
    assert response.status_code == 400
    assert has_chinese(response.json())


def test_it_locks_the_account_after_five_failures_even_for_the_right_password(w):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert token_for("secretary_a", "wrong-password").status_code == 400
    fifth = token_for("secretary_a", "wrong-password")
    assert fifth.status_code == 429
    assert "锁定" in fifth.json()["detail"]
    response = token_for("secretary_a")
    assert response.status_code == 429
    assert "锁定" in response.json()["detail"]
    assert "token" not in response.json()
    assert AuditEvent.objects.filter(username="secretary_a", action="auth.login", success=False).count() >= 6
    # Other accounts are not affected: lockout is per (account, address) (pangting/accounts/lockout.py).
    assert token_for("secretary_b").status_code == 200


def test_it_answers_401_to_an_expired_token(w):
    token, raw = ApiToken.issue(w.secretary_a)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=clock.now() - dt.timedelta(seconds=1))
    response = bearer(raw).get("/api/v1/organizations/")
    assert response.status_code == 401
    assert has_chinese(response.json()["detail"])


def test_it_answers_401_to_a_revoked_token(w):
    token, raw = ApiToken.issue(w.secretary_a)
    assert bearer(raw).get("/api/v1/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=clock.now())
    assert bearer(raw).get("/api/v1/me").status_code == 401


def test_it_answers_401_to_a_made_up_or_malformed_token(w):
    assert bearer("not-a-real-token").get("/api/v1/me").status_code == 401
    assert make_client(headers={"authorization": "Bearer a b"}).get("/api/v1/me").status_code == 401
    assert make_client().get("/api/v1/me").status_code == 401


def test_it_stops_a_deactivated_users_token(w):
    from pangting.accounts import services

    _token, raw = ApiToken.issue(w.secretary_a)
    services.set_active(w.secretary_a, False, actor=w.secadmin)
    assert bearer(raw).get("/api/v1/me").status_code == 401


# --- scoping ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "inside", "outside"),
    [
        ("organizations", "unit_a", "unit_b"),
        ("people", "member_person", "member_b_person"),
        ("study-groups", "group_a", "group_b"),
        ("leader-links", "leader_link_a", "leader_link_b"),
        ("liaisons", "liaison_a", "liaison_b"),
    ],
)
def test_a_secretary_cannot_list_or_fetch_another_units_records(w, endpoint, inside, outside):
    client = api(w, "secretary_a")
    mine, theirs = getattr(w, inside).pk, getattr(w, outside).pk
    listed = ids(client.get(f"/api/v1/{endpoint}/"))
    assert mine in listed
    assert theirs not in listed
    assert client.get(f"/api/v1/{endpoint}/{mine}/").status_code == 200
    hidden = client.get(f"/api/v1/{endpoint}/{theirs}/")
    missing = client.get(f"/api/v1/{endpoint}/987654/")
    # Forbidden and missing are indistinguishable.
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_a_secretary_lists_no_one_from_unit_b(w):
    people = make_client(headers={"authorization": f"Bearer {w.tokens['secretary_a']}"}).get("/api/v1/people/")
    listed = Person.objects.filter(pk__in=ids(people))
    assert listed.exists()
    assert not listed.exclude(organization__path__startswith=w.unit_a.path).exists()


def test_filters_cannot_widen_the_scope(w):
    client = api(w, "secretary_a")
    assert ids(client.get(f"/api/v1/people/?organization={w.unit_b.pk}")) == set()
    assert ids(client.get(f"/api/v1/organizations/?parent={w.root.pk}")) == {w.unit_a.pk}
    assert ids(client.get("/api/v1/people/?q=赵")) == set()


# --- writes -----------------------------------------------------------------------------


def new_branch(parent: Organization, code: str = "API-NEW") -> dict[str, Any]:
    return {"name": "新建党支部", "code": code, "kind": "branch", "parent": parent.pk}


def test_a_secretary_cannot_write_to_unit_b(w):
    client = api(w, "secretary_a")
    # An organization outside the caller's reach answers like a missing one (issue 14 item 2).
    created = client.post("/api/v1/organizations/", new_branch(w.unit_b), content_type="application/json")
    assert created.status_code == 400
    assert created.json() == {"parent": [f"无效的编号“{w.unit_b.pk}”，对象不存在。"]}
    patch = client.patch(f"/api/v1/organizations/{w.unit_b.pk}/", {"name": "改"}, content_type="application/json")
    assert patch.status_code == 404
    person = {"name": "新人", "organization": w.unit_b.pk}
    created = client.post("/api/v1/people/", person, content_type="application/json")
    assert created.status_code == 400
    assert created.json() == {"organization": [f"无效的编号“{w.unit_b.pk}”，对象不存在。"]}
    patch = client.patch(f"/api/v1/people/{w.member_b_person.pk}/", {"post": "改"}, content_type="application/json")
    assert patch.status_code == 404
    assert not Organization.objects.filter(code="API-NEW").exists()
    assert Organization.objects.get(pk=w.unit_b.pk).name == "乙学院党委"


def test_a_secretary_cannot_change_their_own_unit_either(w):
    # Study secretaries keep the study records; the directory belongs to the supervisor.
    client = api(w, "secretary_a")
    patch = client.patch(f"/api/v1/organizations/{w.unit_a.pk}/", {"name": "改"}, content_type="application/json")
    assert patch.status_code == 404


def test_the_supervisor_creates_an_organization_with_history_and_actor(w):
    response = api(w, "supervisor").post(
        "/api/v1/organizations/", new_branch(w.unit_b), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    created = Organization.objects.get(pk=response.json()["id"])
    assert created.parent == w.unit_b
    assert created.path.startswith(w.unit_b.path)
    assert created.history.filter(history_user=w.supervisor).exists()


def test_the_supervisor_updates_an_organization_with_history_and_actor(w):
    client = api(w, "supervisor")
    response = client.patch(
        f"/api/v1/organizations/{w.unit_b.pk}/", {"short_name": "乙院"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["short_name"] == "乙院"
    latest = Organization.objects.get(pk=w.unit_b.pk).history.latest()
    assert latest.short_name == "乙院"
    assert latest.history_user == w.supervisor


def test_the_supervisor_moves_an_organization_and_its_subtree(w):
    client = api(w, "supervisor")
    response = client.patch(
        f"/api/v1/organizations/{w.branch_a.pk}/", {"parent": w.unit_b.pk}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    moved = Organization.objects.get(pk=w.branch_a.pk)
    assert moved.parent_id == w.unit_b.pk
    assert moved.path.startswith(w.unit_b.path)
    assert moved.depth == w.unit_b.depth + 1


def test_the_supervisor_creates_and_updates_a_person_with_history_and_actor(w):
    client = api(w, "supervisor")
    body = {"name": "吴新人", "organization": w.unit_b.pk, "post": "组织员", "phone_input": "138 0000 0099"}
    response = client.post("/api/v1/people/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    created = Person.objects.get(pk=response.json()["id"])
    assert created.phone == "13800000099"
    assert response.json()["phone"] != created.phone  # the API shows the masked number only
    assert created.history.get().history_user == w.supervisor

    response = client.patch(f"/api/v1/people/{created.pk}/", {"post": "副书记"}, content_type="application/json")
    assert response.status_code == 200
    assert created.history.latest().post == "副书记"
    assert created.history.latest().history_user == w.supervisor


# --- bad input: 400 with a Chinese message, never 500 -----------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/people/", lambda w: {"name": "错号", "organization": w.unit_a.pk, "phone_input": "12345"}),
        ("post", "/api/v1/people/", lambda w: {"name": "", "organization": w.unit_a.pk}),
        ("post", "/api/v1/people/", lambda w: {"name": "x" * 51, "organization": w.unit_a.pk}),
        ("post", "/api/v1/people/", lambda w: {"name": "无组织"}),
        ("post", "/api/v1/people/", lambda w: {"name": "坏邮箱", "organization": w.unit_a.pk, "email": "not-an-email"}),
        ("post", "/api/v1/people/", lambda w: {"name": "坏组织", "organization": "abc"}),
        ("post", "/api/v1/people/", lambda w: {"name": "大数", "organization": 10**30}),
        ("post", ORGS, lambda w: {"name": "无上级", "code": "NOPARENT", "kind": "branch"}),
        ("post", ORGS, lambda w: {"name": "空上级", "code": "NULLP", "kind": "branch", "parent": None}),
        ("post", ORGS, lambda w: {"name": "坏类型", "code": "BADK", "kind": "x", "parent": w.unit_a.pk}),
        ("post", ORGS, lambda w: {"name": "重码", "code": "UA", "kind": "branch", "parent": w.unit_a.pk}),
        ("post", ORGS, lambda w: {"name": "x" * 101, "code": "LONG", "kind": "branch", "parent": w.root.pk}),
        ("patch", "/api/v1/organizations/{unit_a}/", lambda w: {"parent": w.branch_a.pk}),  # a cycle
        ("patch", "/api/v1/organizations/{unit_a}/", lambda w: {"parent": w.unit_a.pk}),  # its own parent
        ("patch", "/api/v1/organizations/{unit_a}/", lambda w: {"parent": None}),
        ("patch", "/api/v1/people/{member_person}/", lambda w: {"phone_input": "电话"}),
        ("post", "/api/v1/people/", lambda w: {"name": "张秘书", "organization": w.unit_a.pk}),
    ],
    ids=[
        "invalid-phone", "empty-name", "long-name", "missing-organization", "bad-email", "organization-not-an-id",
        "organization-huge-id", "missing-parent", "null-parent", "bad-kind", "duplicate-code", "long-org-name",
        "cycle-via-parent", "own-parent", "null-parent-on-patch", "chinese-phone", "duplicate-person",
    ],
)  # fmt: skip
def test_bad_input_gets_a_400_with_a_chinese_message(w, method, path, body):
    before = (Organization.objects.count(), Person.objects.count())
    path = path.format(unit_a=w.unit_a.pk, member_person=w.member_person.pk)
    response = getattr(api(w, "supervisor"), method)(path, body(w), content_type="application/json")
    assert response.status_code == 400, response.content
    assert has_chinese(response.json()), response.json()
    assert (Organization.objects.count(), Person.objects.count()) == before


def test_a_cycle_leaves_the_tree_untouched(w):
    paths = dict(Organization.objects.values_list("pk", "path"))
    api(w, "supervisor").patch(
        f"/api/v1/organizations/{w.root.pk}/", {"parent": w.branch_a.pk}, content_type="application/json"
    )
    assert dict(Organization.objects.values_list("pk", "path")) == paths


def test_malformed_json_and_odd_ids_never_give_a_500(w):
    client = api(w, "supervisor")
    assert client.post("/api/v1/people/", "{not json", content_type="application/json").status_code == 400
    for path in ("/api/v1/people/abc/", "/api/v1/people/99999999999999999999999/", "/api/v1/people/-1/"):
        assert client.get(path).status_code == 404
    for query in ("page=abc", "page=0", "page="):
        assert client.get(f"/api/v1/people/?{query}").status_code == 404, query
    # A filter that is not an id is refused, not dropped (an unfiltered list would pass for a filtered one).
    for query in ("organization=²", "organization=99999999999999999999999", "organization=", "organization=-1"):
        refused = client.get(f"/api/v1/people/?{query}")
        assert refused.status_code == 400 and "有效的编号" in str(refused.json()["organization"]), query
    refused = client.get("/api/v1/people/?q=%00")  # PostgreSQL cannot compare text with NUL
    assert refused.status_code == 400 and "无效字符" in refused.json()["detail"]
    assert client.get("/api/v1/organizations/?parent=²").status_code == 400


def test_the_deadline_endpoint_refuses_nonsense_in_chinese(w):
    client = api(w, "secretary_a")
    response = client.get("/api/v1/calendar/deadline?start=2026-13-01&amount=-1&unit=weeks")
    assert response.status_code == 400
    assert has_chinese(response.json())
    ok = client.get("/api/v1/calendar/deadline?start=2026-03-02&amount=10&unit=calendar")
    assert ok.status_code == 200
    assert ok.json()["due"] == "2026-03-12"


# --- the schema -------------------------------------------------------------------------


def test_the_schema_is_a_valid_openapi_document(w):
    import jsonschema
    from schemathesis.specs.openapi.definitions import OPENAPI_30  # the official 3.0 meta-schema

    response = api(w, "secretary_a").get("/api/v1/schema?format=json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    jsonschema.Draft4Validator(OPENAPI_30).validate(document)
    paths = document["paths"]
    for expected in ("/api/v1/auth/token", "/api/v1/organizations/", "/api/v1/people/{id}/", "/api/v1/liaisons/"):
        assert expected in paths
    schemes = document["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values()), schemes


def test_a_form_body_documents_and_reads_an_empty_nullable_field_as_null(w):
    """Found by the fuzzer: a form has no null, so DRF reads `completed_on=` as null; the schema says so."""
    client = api(w, "secretary_a")
    document = client.get("/api/v1/schema?format=json").json()
    body = document["paths"]["/api/v1/self-study-plans/"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"]["$ref"].endswith("/SelfStudyPlanRequest")
    form_ref = body["application/x-www-form-urlencoded"]["schema"]["$ref"]
    assert form_ref.endswith("/SelfStudyPlanRequestForm")
    completed_on = document["components"]["schemas"]["SelfStudyPlanRequestForm"]["properties"]["completed_on"]
    assert completed_on["anyOf"][0]["format"] == "date"
    assert (completed_on["anyOf"][1]["type"], completed_on["anyOf"][1]["maxLength"]) == ("string", 0)
    form = urlencode({"year": 2026, "goals": "通读原著", "completed_on": ""})
    created = client.post("/api/v1/self-study-plans/", form, content_type="application/x-www-form-urlencoded")
    assert created.status_code == 201, created.content
    assert created.json()["completed_on"] is None


ODD_QUERY = "year=0&organization=%C2%B2&unit=99999999999999999999999&parent=%C2%B2&semester=99999&q=%00"


def test_no_list_endpoint_crashes_on_odd_query_parameters(w):
    """Found by the fuzzer: "²" passes isdigit() but not int(); year 0 breaks __year; huge ids overflow SQLite."""
    from django.urls import get_resolver

    client = api(w, "supervisor")
    names = sorted(n for n in get_resolver().reverse_dict if isinstance(n, str) and n.endswith("-list"))
    assert "person-list" in names
    for name in names:
        from django.urls import reverse

        response = client.get(f"{reverse(name)}?{ODD_QUERY}")
        assert response.status_code < 500, name
