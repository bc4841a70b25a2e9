"""Joint supervision (R-O21): the level's partner departments co-sign the notice letter."""

from __future__ import annotations

import io

import docx
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pangting.observation import documents, services
from pangting.observation.models import Cosignature, TeamMember
from pangting.tests.levels import Levels

from .scenes import planned, travel

pytestmark = pytest.mark.django_db


@pytest.fixture
def levels(world) -> Levels:
    return Levels(world)


def _masthead_and_body(data: bytes) -> tuple[str, str]:
    document = docx.Document(io.BytesIO(data))
    header = "\n".join(p.text for p in document.sections[0].first_page_header.paragraphs)
    return header, "\n".join(p.text for p in document.paragraphs)


def test_a_partner_of_the_level_co_signs_and_the_letter_names_both_issuers(levels):
    w, L = levels.w, levels
    with travel("2026-09-25"):
        visit = planned(w)
        services.cosign_letter(visit, actor=L.org_department)
        visit = services.issue_letter(visit, actor=w.supervisor)
    signature = Cosignature.objects.get(visit=visit)
    assert (signature.partner, signature.signed_by) == (Cosignature.Partner.ORG_DEPARTMENT, L.org_department)
    assert services.letter_issuers(visit) == ["中共示范大学委员会宣传部", "中共示范大学委员会组织部"]
    header, body = _masthead_and_body(documents.notice_letter(visit))
    # GB/T 9704 联合行文: both issuers in the masthead and in the signature, the host first.
    assert header.splitlines() == ["中共示范大学委员会宣传部", "中共示范大学委员会组织部"]
    assert "中共示范大学委员会宣传部\n中共示范大学委员会组织部\n2026年9月25日" in body


def test_a_letter_without_partners_keeps_the_single_issuer(world):
    with travel("2026-09-25"):
        visit = services.issue_letter(planned(world), actor=world.supervisor)
    header, _body = _masthead_and_body(documents.notice_letter(visit))
    assert header.splitlines() == ["中共示范大学委员会宣传部"]


def test_only_a_partner_of_the_visits_own_level_co_signs_and_only_before_the_letter_is_issued(levels):
    w, L = levels.w, levels
    with travel("2026-09-25"):
        visit = planned(w)
        assert services.can_cosign(L.org_department, visit)
        for outsider in (L.organs_committee, w.supervisor, w.secretary_a):  # another level; not partners
            assert not services.can_cosign(outsider, visit)
            with pytest.raises(ValidationError):
                services.cosign_letter(visit, actor=outsider)
        services.cosign_letter(visit, actor=L.org_department)
        assert not services.can_cosign(L.org_department, visit)
        with pytest.raises(ValidationError):
            services.cosign_letter(visit, actor=L.org_department)  # once per department

        college_visit = services.create_visit(
            actor=L.college_supervisor, unit=L.department, year=2026, semester=2,
            team=[(L.college_leader, TeamMember.Role.LEADER)],
        )  # fmt: skip
        assert not services.can_cosign(L.org_department, college_visit)
        services.cosign_letter(college_visit, actor=L.organs_committee)
        issued = services.issue_letter(college_visit, actor=L.college_supervisor)
        assert services.letter_issuers(issued) == ["中共示范大学丙学院委员会宣传部", "丙学院党委机关工作委员会"]
        with pytest.raises(ValidationError):
            services.cosign_letter(issued, actor=L.organs_committee)


def test_the_partner_co_signs_from_the_visit_page(levels, client_for):
    w, L = levels.w, levels
    with travel("2026-09-25"):
        visit = planned(w)
        partner = client_for(L.org_department)
        page = partner.get(reverse("observation:visit_detail", args=[visit.pk])).content.decode()
        assert 'data-testid="cosign-letter"' in page
        response = partner.post(reverse("observation:visit_action", args=[visit.pk, "cosign"]))
        assert response.status_code == 302
        page = client_for(w.supervisor).get(reverse("observation:visit_detail", args=[visit.pk])).content.decode()
    assert 'data-testid="cosignatures"' in page and "中共示范大学委员会组织部" in page
    assert 'data-testid="cosign-letter"' not in page  # the supervisor does not co-sign his own letter
