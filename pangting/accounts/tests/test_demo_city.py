"""The demo's second supervising level (R-O23, issue 12 item 1): the city above the university.

The demo directory is built as `seed_demo` builds it (`DemoBuilder`, without the later apps'
stories): 市委教育工委 supervises the center groups of the university's party committee and of
two schools, reads the university's supervision read-only, and cannot act on it; the
university keeps supervising its own 18 units and does not see the schools.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.http import Http404
from django.urls import reverse

from pangting.accounts import policy
from pangting.accounts.management.commands.seed_demo import UNITS, DemoBuilder
from pangting.observation import services
from pangting.observation.models import Visit
from pangting.orgs import units
from pangting.orgs.models import Organization, StudyGroup

from ...observation.tests.scenes import travel

pytestmark = pytest.mark.django_db
A = policy.Action


@pytest.fixture(scope="module")
def shared_demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The demo directory, built once for the module (it takes seconds) and rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        with travel("2026-09-20"):
            built = DemoBuilder().build()
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def demo(shared_demo: dict[str, Any], db: Any) -> dict[str, Any]:
    """The shared demo inside this test's own savepoint."""
    for user in shared_demo["users"].values():
        user._pangting_policy = None  # forget reach cached by an earlier test
    return shared_demo


def _codes(qs: Any) -> set[str]:
    return {org.code for org in qs}


def test_the_city_supervises_the_center_groups_of_the_university_and_two_schools(demo):
    city, university = demo["city"], Organization.objects.get(pk=demo["root"].pk)
    assert city.parent_id is None and city.doc_abbr == "东教工宣函"
    # Moved under the city through the directory service, the university still supervises itself.
    assert university.parent_id == city.pk and university.has_supervisor
    assert _codes(units.units_supervised_by(city)) == {"DHZD", "DHYX", "DHWX"}
    assert _codes(units.units_supervised_by(university)) == {code for code, *_rest in UNITS}
    assert list(units.subordinate_supervisors(city)) == [university]
    assert units.supervisor_org_for(university) == city
    assert units.supervisor_org_for(Organization.objects.get(code="JDXY")) == university
    assert StudyGroup.objects.filter(organization=university).exists()  # 校党委理论学习中心组


def test_the_city_supervisor_sees_the_center_groups_it_supervises_and_the_university_below(demo):
    city_supervisor = demo["users"]["shijiaogong"]
    groups = {g.organization.code for g in StudyGroup.objects.for_user(city_supervisor).select_related("organization")}
    assert {"DHZD", "DHYX", "DHWX", "JDXY"} <= groups
    # It manages visits to the three center groups, not to the university's own units.
    managed = _codes(Organization.objects.for_user(city_supervisor, A.OBSERVATION_MANAGE))
    assert {"DHZD", "DHYX", "DHWX"} <= managed and "JDXY" not in managed
    assert list(policy.seats(city_supervisor, A.OBSERVATION_MANAGE)) == [demo["city"]]
    assert _codes(policy.seats(city_supervisor, A.OBSERVATION_VIEW)) == {"DHJGW", "DHZD"}


def test_the_city_reads_the_universitys_visits_but_cannot_act_on_them(demo):
    university_supervisor, city_supervisor = demo["users"]["xuanchuan"], demo["users"]["shijiaogong"]
    college = Organization.objects.get(code="JDXY")
    with travel("2026-09-21"):
        visit = services.create_visit(actor=university_supervisor, unit=college, year=2026, semester=2)
        assert policy.get_for_user(Visit, city_supervisor, visit.pk) == visit  # read-only, R-O23
        assert not Visit.objects.for_user(city_supervisor, A.OBSERVATION_MANAGE).filter(pk=visit.pk).exists()
        with pytest.raises(Http404):
            services.issue_letter(visit, actor=city_supervisor)
        visit = services.issue_letter(Visit.objects.get(pk=visit.pk), actor=university_supervisor)
    assert visit.letter_number == "东职大宣函〔2026〕1号"  # the university's own series


def test_the_university_supervisor_does_not_see_the_city_or_its_schools(demo):
    university_supervisor = demo["users"]["xuanchuan"]
    for action in (A.STUDY_VIEW, A.OBSERVATION_VIEW, A.DIRECTORY_VIEW):
        reached = _codes(Organization.objects.for_user(university_supervisor, action))
        assert "JDXY" in reached
        assert not reached & {"DHJGW", "DHYX", "DHWX"}
    groups = {
        g.organization.code for g in StudyGroup.objects.for_user(university_supervisor).select_related("organization")
    }
    assert not groups & {"DHYX", "DHWX"}
    # Its own center group is the city's to observe: the university cannot plan a visit to it.
    assert not policy.can(university_supervisor, A.OBSERVATION_MANAGE, demo["root"])


def test_the_schools_secretaries_see_only_their_own_school(demo):
    secretary = demo["users"]["yixiaomishu"]
    reached = _codes(Organization.objects.for_user(secretary, A.STUDY_VIEW))
    assert reached == {"DHYX"}


def test_the_city_compares_itself_with_the_university_on_the_levels_dashboard(demo, client):
    client.force_login(demo["users"]["shijiaogong"])
    with travel("2026-09-22"):
        page = client.get(reverse("reports:levels"), {"year": "2026"}).content.decode()
    assert page.count('data-testid="level-row"') == 2
    assert 'data-org="DHJGW"' in page and 'data-org="DHZD"' in page
    assert "只读" in page  # the university's row, for the city
