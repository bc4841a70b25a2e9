"""Joint bulletins (R-O21): the level's partner departments co-sign a bulletin before it is
issued, and the issued bulletin names every issuer in its GB/T 9704 masthead and signature."""

from __future__ import annotations

import io

import docx
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from pangting.reports import documents, services
from pangting.reports.models import DocumentCosignature
from pangting.tests.levels import Levels

pytestmark = pytest.mark.django_db

DAY = "2026-12-10 10:00 +0800"
ROOT_ISSUERS = ["中共示范大学委员会宣传部", "中共示范大学委员会组织部"]


@pytest.fixture
def levels(world) -> Levels:
    return Levels(world)


def _bulletin(w):
    return services.create_document(actor=w.supervisor, organization=w.root, kind="bulletin", year=2026)


def _masthead_and_body(data: bytes) -> tuple[list[str], str]:
    """A document's masthead (its first paragraph, one issuer per line) and its whole text."""
    document = docx.Document(io.BytesIO(data))
    return document.paragraphs[0].text.splitlines(), "\n".join(p.text for p in document.paragraphs)


def test_a_partner_co_signs_the_bulletin_and_the_issued_file_names_both_issuers(levels):
    """R-O21: 联合行文 — the propaganda department first, the partner after it."""
    w, L = levels.w, levels
    with time_machine.travel(DAY, tick=False):
        bulletin = _bulletin(w)
        assert services.can_cosign_document(L.org_department, bulletin)
        [signature] = services.cosign_document(bulletin, actor=L.org_department)
        version = services.issue_document(bulletin, actor=w.supervisor)
    assert (signature.partner, signature.signed_by, signature.issuer_name) == (
        "org_department",
        L.org_department,
        "中共示范大学委员会组织部",
    )
    assert documents.document_issuers(bulletin) == ROOT_ISSUERS
    header, body = _masthead_and_body(documents.render_version(bulletin, version))
    assert header == ROOT_ISSUERS
    assert "中共示范大学委员会宣传部\n中共示范大学委员会组织部\n2026年12月10日" in body
    assert signature.history.count() == 1  # kept with its history like every record


def test_a_bulletin_without_partners_keeps_the_single_issuer(world):
    with time_machine.travel(DAY, tick=False):
        bulletin = _bulletin(world)
        version = services.issue_document(bulletin, actor=world.supervisor)
    header, _body = _masthead_and_body(documents.render_version(bulletin, version))
    assert header == ROOT_ISSUERS[:1]


def test_only_a_partner_of_the_bulletins_own_level_co_signs_once_and_only_before_it_is_issued(levels):
    w, L = levels.w, levels
    with time_machine.travel(DAY, tick=False):
        bulletin = _bulletin(w)
        for outsider in (w.supervisor, w.viewer):  # they see the bulletin but are no partners
            assert not services.can_cosign_document(outsider, bulletin)
            with pytest.raises(ValidationError, match="只有本级联合督导部门"):
                services.cosign_document(bulletin, actor=outsider)
        for stranger in (L.organs_committee, w.secretary_a):  # a lower level's partner; a unit
            assert not services.can_cosign_document(stranger, bulletin)
            with pytest.raises(Http404):  # he cannot see the bulletin at all: it looks missing
                services.cosign_document(bulletin, actor=stranger)
        services.cosign_document(bulletin, actor=L.org_department)
        assert not services.can_cosign_document(L.org_department, bulletin)
        with pytest.raises(ValidationError, match="您所在部门已会签此通报"):
            services.cosign_document(bulletin, actor=L.org_department)
        services.issue_document(bulletin, actor=w.supervisor)
        with pytest.raises(ValidationError, match="通报已印发，不能再会签"):
            services.cosign_document(bulletin, actor=L.org_department)
        summary = services.create_document(actor=w.supervisor, organization=w.root, kind="summary", year=2026)
        assert not services.can_cosign_document(L.org_department, summary)
        with pytest.raises(ValidationError, match="只有通报可以联合印发"):
            services.cosign_document(summary, actor=L.org_department)
    assert DocumentCosignature.objects.count() == 1


def test_the_partner_co_signs_from_the_bulletin_page(levels, client_for):
    w, L = levels.w, levels
    with time_machine.travel(DAY, tick=False):
        bulletin = _bulletin(w)
        client = client_for(L.org_department)
        url = reverse("reports:document_detail", args=[bulletin.pk])
        assert 'data-testid="cosign-document"' in client.get(url).content.decode()
        response = client.post(reverse("reports:document_cosign", args=[bulletin.pk]), follow=True)
        page = response.content.decode()
        assert "已会签" in page and 'data-testid="document-issuers"' in page and "中共示范大学委员会组织部" in page
        assert 'data-testid="cosign-document"' not in page
        supervisor_page = client_for(w.supervisor).get(url).content.decode()
        assert 'data-testid="cosign-document"' not in supervisor_page
        refused = client_for(w.supervisor).post(reverse("reports:document_cosign", args=[bulletin.pk]), follow=True)
        assert "只有本级联合督导部门" in refused.content.decode()
