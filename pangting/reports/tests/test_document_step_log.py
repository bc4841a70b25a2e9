"""The bulletin / summary page shows its 办理记录 (issue 10): who issued which version, when (R-O15)."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from pangting.reports import services
from pangting.study.tests.builders import at

pytestmark = pytest.mark.django_db


def test_it_shows_the_issue_steps_of_a_document_to_whoever_may_read_it(world, client_for):
    with time_machine.travel(at(2026, 12, 1, 10, 0), tick=False):
        document = services.create_document(actor=world.supervisor, organization=world.root, kind="bulletin", year=2026)
        url = reverse("reports:document_detail", args=[document.pk])
        before = client_for(world.supervisor).get(url).content.decode()
        assert 'data-testid="step-log"' in before and "尚未办理" in before
        services.issue_document(document, actor=world.supervisor)
        for persona in ("supervisor", "viewer"):
            page = client_for(getattr(world, persona)).get(url).content.decode()
            entries = re.findall(r'data-testid="step-log-entry">(.*?)</li>', page)
            assert len(entries) == 1, persona
            assert entries[0].startswith("2026年12月1日 10:00 <strong>印发</strong>")
            assert "草稿 → 已印发" in entries[0] and world.supervisor.display_name in entries[0]
