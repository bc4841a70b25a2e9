"""Rectification that cannot escape (R-O10) and units' own problem lists (R-O25).

Dates follow `scenes`: the feedback is issued on 2026-10-12, so a feedback item is due 20
working days later, on 2026-11-09.
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from pangting.accounts import policy
from pangting.compliance.tests.builders import findings
from pangting.observation import rectification, reminders, services
from pangting.observation.models import Rectification, State
from pangting.observation.tests.scenes import travel, walk

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


PROBLEM_LIST_API = "/api/v1/observation/rectifications/problem-list/"


def _open(world, day: str = "2026-10-20", **fields) -> Rectification:
    with travel(day):
        return services.open_problem_item(world.unit_a, actor=world.secretary_a, problem="学习台账不完整", **fields)


def test_it_gives_every_feedback_item_a_deadline_with_its_basis(world):
    """R-O10: 20 working days after the feedback was issued, not left to the unit."""
    visit = walk(world, State.FEEDBACK_ISSUED)
    item = Rectification.objects.get(visit=visit)
    assert (item.unit, item.source, item.deadline) == (world.unit_a, "feedback", dt.date(2026, 11, 9))
    assert item.deadline_basis["amount"] == 20 and "20个工作日" in item.deadline_basis["text"]


def test_it_keeps_the_deadline_when_the_unit_saves_the_measure_without_one(world):
    visit = walk(world, State.RECTIFYING)
    item = Rectification.objects.get(visit=visit)
    with travel("2026-10-20"):
        services.plan_rectification(item, actor=world.secretary_a, measure="建立清单", owner=None, deadline=None)
    assert Rectification.objects.get(pk=item.pk).deadline == dt.date(2026, 11, 9)


def test_it_lets_only_the_supervisor_push_a_deadline_past_the_longest_term(world):
    """R-O10: the unit may set its own date up to `max_working_days` (60) after the problem."""
    visit = walk(world, State.RECTIFYING)
    item = Rectification.objects.get(visit=visit)
    far = dt.date(2027, 3, 1)
    with travel("2026-10-20"), pytest.raises(ValidationError, match="宣传部"):
        services.plan_rectification(item, actor=world.secretary_a, measure="建立清单", owner=None, deadline=far)
    with travel("2026-10-20"):
        services.plan_rectification(item, actor=world.supervisor, measure="建立清单", owner=None, deadline=far)
    assert Rectification.objects.get(pk=item.pk).deadline == far


def test_it_lets_a_unit_open_a_problem_list_item_without_a_visit(world):
    """R-O25: scoped by its unit, with the problem-list deadline (30 working days)."""
    item = _open(world)
    assert (item.visit, item.unit, item.source) == (None, world.unit_a, "problem_list")
    assert item.deadline == dt.date(2026, 12, 1) and item.deadline_basis["amount"] == 30
    assert list(policy.scope(Rectification.objects.all(), world.secretary_a)) == [item]
    assert list(policy.scope(Rectification.objects.all(), world.secretary_b)) == []
    assert list(policy.scope(Rectification.objects.all(), world.supervisor)) == [item]


def test_it_refuses_a_problem_list_item_from_another_unit_or_without_a_problem(world):
    with pytest.raises(PermissionDenied):
        services.open_problem_item(world.unit_a, actor=world.secretary_b, problem="别的单位的问题")
    with pytest.raises(ValidationError, match="请填写问题"):
        services.open_problem_item(world.unit_a, actor=world.secretary_a, problem="  ")


def test_it_follows_a_problem_list_item_to_verification(world):
    item = _open(world, measure="补齐台账")
    with travel("2026-10-22"):
        services.report_rectification(item, actor=world.secretary_a, report="已补齐。")
    with travel("2026-10-23"):
        services.verify_rectification(Rectification.objects.get(pk=item.pk), actor=world.supervisor, accept=True)
    assert Rectification.objects.get(pk=item.pk).status == "accepted"
    assert findings("R-O10", today=dt.date(2027, 1, 20), year=2026) == []


def test_it_finds_an_overdue_problem_list_item(world):
    """R-O10 for R-O25 items: amber while escalating, red after `red_after_days` working days."""
    item = _open(world)  # due 2026-12-01
    assert findings("R-O10", today=dt.date(2026, 12, 1), year=2026) == []
    [finding] = findings("R-O10", today=dt.date(2026, 12, 2), year=2026)
    assert (finding.key, finding.period, finding.severity) == (f"rectification:{item.pk}", "2026-H2", "amber")
    [finding] = findings("R-O10", today=dt.date(2026, 12, 23), year=2026)
    assert finding.severity == "red"


@pytest.mark.parametrize(
    ("days", "level"),
    [
        (0, ""),
        (1, "unit"),
        (5, "unit"),
        (6, "leader"),
        (10, "leader"),
        (11, "supervisor"),
        (15, "supervisor"),
        (16, "red"),
    ],
)
def test_it_escalates_by_working_days_overdue(days, level):
    params = {"escalate_leader_days": 5, "escalate_supervisor_days": 10, "red_after_days": 15}
    assert rectification.level_for(days, params) == level


def test_it_reminds_the_linked_leader_then_the_supervisor_and_never_stops(emails):
    """R-O10: unit → linked leader → supervisor, weekly, even months later."""
    item = _open(emails)  # due 2026-12-01

    def reminded(day: dt.date) -> list[str]:
        [found] = [r for r in reminders.due_reminders(day) if r.key.startswith(f"rectification:{item.pk}:")]
        return found.emails

    assert reminded(dt.date(2026, 12, 2)) == ["secretary_a@example.edu.cn"]
    assert "leader@example.edu.cn" in reminded(dt.date(2026, 12, 9))  # 6 working days overdue
    later = reminded(dt.date(2026, 12, 16))  # 11 working days overdue
    assert "leader@example.edu.cn" in later and "supervisor@example.edu.cn" in later
    assert reminded(dt.date(2027, 3, 3))  # 13 weeks on: still reminded


@pytest.fixture
def emails(world):
    for name in ("supervisor", "secretary_a", "leader"):
        user = getattr(world, name)
        user.email = f"{name}@example.edu.cn"
        user.save(update_fields=["email"])
    return world


def test_it_lets_everyone_who_sees_the_item_download_its_evidence(world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = _open(world)
    upload = SimpleUploadedFile("整改台账.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    evidence = services.add_evidence(item, upload, actor=world.secretary_a)
    url = reverse("observation:evidence_download", args=[evidence.pk])
    for persona in ("secretary_a", "supervisor"):
        response = client_for(getattr(world, persona)).get(url)
        assert response.status_code == 200, persona
        assert b"".join(response.streaming_content) == b"%PDF-1.4 evidence"
        assert "attachment" in response["Content-Disposition"]
    assert client_for(world.secretary_b).get(url).status_code == 404
    page = client_for(world.supervisor).get(reverse("observation:rectification_detail", args=[item.pk]))
    assert url in page.content.decode()


def test_it_opens_a_problem_list_item_from_the_page_and_the_api(world, client_for):
    with travel("2026-10-20"):
        page = client_for(world.secretary_a).post(
            reverse("observation:problem_item_create"), {"unit": world.unit_a.pk, "problem": "学习记录不规范"}
        )
        assert page.status_code == 302
        response = api(world.secretary_a).post(
            PROBLEM_LIST_API,
            {"unit": world.unit_a.pk, "problem": "考勤不全"},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert response.json()["source"] == "problem_list" and response.json()["deadline"] == "2026-12-01"
        refused = api(world.secretary_b).post(
            PROBLEM_LIST_API,
            {"unit": world.unit_a.pk, "problem": "越权"},
            format="json",
        )
        assert refused.status_code == 404
    assert Rectification.objects.filter(source="problem_list", unit=world.unit_a).count() == 2
    assert client_for(world.secretary_b).get(reverse("observation:problem_item_create")).status_code == 200


def test_the_data_migration_gives_old_items_a_deadline(world):
    visit = walk(world, State.RECTIFYING)
    Rectification.objects.filter(visit=visit).update(deadline=None, deadline_basis={})
    migration = importlib.import_module("pangting.observation.migrations.0006_rectification_unit_and_deadline")
    migration.unit_and_deadline(django_apps, None)
    item = Rectification.objects.get(visit=visit)
    assert item.deadline == dt.date(2026, 11, 9) and "补定期限" in item.deadline_basis["text"]


def test_the_bulletin_names_an_item_overdue_past_the_last_escalation_step(world):
    """R-O10: red → a line in the next bulletin; before that, only the counts."""
    from pangting.reports.documents import draft_sections
    from pangting.reports.figures import compute_figures
    from pangting.reports.models import DocumentKind

    _open(world)  # due 2026-12-01
    amber = compute_figures(world.root, 2026, today=dt.date(2026, 12, 9))
    assert amber["rectification_escalated"] == []
    assert "予以通报" not in draft_sections(DocumentKind.BULLETIN, amber)["problems"]
    red = compute_figures(world.root, 2026, today=dt.date(2026, 12, 23))
    assert [(line["unit"], line["overdue_days"]) for line in red["rectification_escalated"]] == [
        (world.unit_a.name, 16)
    ]
    assert "学习台账不完整" in draft_sections(DocumentKind.BULLETIN, red)["problems"]
