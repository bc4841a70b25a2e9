"""The pages of the content rules: the lecturer's vetting from outside the unit (R-S9), the 第一议题's
source (R-S4), and the plan's topic tags, required topics and upper-level themes (R-S5, R-S16, R-S17)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from pangting.core.system import system_actor
from pangting.study import services
from pangting.study.models import StudySession
from pangting.study.tests.builders import at, make_session

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def invited(world):
    return make_session(world.unit_a, starts_at=at(2026, 11, 25), lecturer_name="外请专家", lecturer_post="省委党校")


def test_the_supervisor_vets_the_lecturer_on_the_session_page(world, client_for, invited):
    """R-S9: the supervisor, outside the unit, sees the vetting form and records who, when and the note."""
    client = client_for(world.supervisor)
    page = client.get(reverse("study:session_detail", args=[invited.pk])).content.decode()
    assert reverse("study:session_vet", args=[invited.pk]) in page
    response = client.post(reverse("study:session_vet", args=[invited.pk]), {"approved": "1", "note": "提纲已审"})
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.lecturer_vetting == StudySession.Vetting.APPROVED and invited.vetted_by == world.supervisor
    page = client.get(reverse("study:session_detail", args=[invited.pk])).content.decode()
    assert 'data-testid="vetted-by"' in page


def test_the_units_own_secretary_can_no_longer_vet_his_lecturer(world, client_for, invited):
    """R-S9: no form for him, and a forged post is refused with a message, nothing saved."""
    client = client_for(world.secretary_a)
    page = client.get(reverse("study:session_detail", args=[invited.pk])).content.decode()
    assert reverse("study:session_vet", args=[invited.pk]) not in page
    response = client.post(
        reverse("study:session_vet", args=[invited.pk]), {"approved": "1", "note": "自审"}, follow=True
    )
    assert "本单位不能自行审核" in response.content.decode()
    invited.refresh_from_db()
    assert invited.lecturer_vetting == StudySession.Vetting.PENDING


def test_the_session_page_shows_what_the_first_item_studies(world, client_for):
    """R-S4: the 第一议题's source and date on the session page, and fields for them in the form."""
    session = make_session(world.unit_a, starts_at=at(2026, 11, 25))
    client = client_for(world.secretary_a)
    page = client.get(reverse("study:session_detail", args=[session.pk])).content.decode()
    assert "中央政治局集体学习时的重要讲话" in page and 'data-testid="agenda-source"' in page
    form = client.get(reverse("study:session_edit", args=[session.pk])).content.decode()
    assert 'name="agenda-0-source"' in form and 'name="agenda-0-source_date"' in form


def test_the_plan_page_shows_topics_missing_topics_and_the_upper_levels_themes(world, client_for):
    """R-S5/R-S16/R-S17: tags per theme, required topics not covered, upper themes followed."""
    upper = services.create_plan(
        world.root, actor=system_actor(), year=2026,
        themes=[{"period": 1, "theme": "上级专题一"}, {"period": 2, "theme": "上级专题二"}],
    )  # fmt: skip
    first = upper.themes.get(period=1)
    plan = services.create_plan(
        world.unit_a, actor=system_actor(), year=2026,
        themes=[{"period": 1, "theme": "本单位专题", "topics": ["意识形态"], "upper_theme": first.pk}],
    )  # fmt: skip
    client = client_for(world.secretary_a)
    page = client.get(reverse("study:plan_detail", args=[plan.pk])).content.decode()
    assert 'data-testid="missing-topics"' in page and "安全生产" in page and "党内法规" in page
    assert 'data-testid="upper-adherence"' in page and "上级专题二" in page
    form = client.get(reverse("study:plan_edit", args=[plan.pk])).content.decode()
    assert "上级专题一" in form and 'value="意识形态"' in form  # offered when the unit plans
    listed = client_for(world.supervisor).get(reverse("study:plan_list") + "?year=2026").content.decode()
    assert 'data-testid="upper-adherence">1/2<' in listed  # per unit, on the plan list
    # The root has no level above it.
    assert services.adherence_by_plan([plan, upper]) == {plan.pk: (1, 2, ("上级专题二",))}
