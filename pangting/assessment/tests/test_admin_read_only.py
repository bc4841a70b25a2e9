"""One write path (issue 10 item 8): the admin shows assessment schemes and 述学 reports but
never changes them; the formula is checked (R-O14) and reports filed and rated by the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pangting.accounts.models import User
from pangting.assessment import services
from pangting.assessment.models import AssessmentScheme, StudyReport

from .builders import make_report


@pytest.fixture
def superuser_client(client, db):
    user = User.objects.create_superuser("root-admin", password="not-used-Pw-123")
    client.force_login(user)
    return client


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _an_instance(world, model):
    if model is AssessmentScheme:
        return services.save_scheme(organization=world.root, year=2026, formula="60", actor=world.supervisor)
    return make_report(world, "A", with_file=True)


@pytest.mark.parametrize("model", [AssessmentScheme, StudyReport], ids=lambda m: m.__name__)
def test_it_lists_and_shows_but_never_adds_changes_or_deletes(world, superuser_client, model):
    obj = _an_instance(world, model)
    listed = superuser_client.get(_url(model, "changelist"))
    assert listed.status_code == 200 and _url(model, "change", obj.pk) in listed.content.decode()
    assert superuser_client.get(_url(model, "change", obj.pk)).status_code == 200  # a read-only view
    assert superuser_client.get(_url(model, "history", obj.pk)).status_code == 200
    assert superuser_client.get(_url(model, "add")).status_code == 403
    assert superuser_client.get(_url(model, "delete", obj.pk)).status_code == 403
    before = model.objects.filter(pk=obj.pk).values().get()
    response = superuser_client.post(_url(model, "change", obj.pk), {"title": "改名", "formula": "1", "year": "2030"})
    assert response.status_code == 403
    assert model.objects.filter(pk=obj.pk).values().get() == before
    assert superuser_client.get(_url(model, "changelist")).context["action_form"] is None  # no bulk action
