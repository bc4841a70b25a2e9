"""One write path (issue 10 item 8): the admin shows the organization tree, leader–unit links,
liaisons and role assignments but never changes them; pages and services do."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from pangting.accounts.models import RoleAssignment, User
from pangting.orgs.models import LeaderLink, LiaisonAssignment, Organization

READ_ONLY = [Organization, LeaderLink, LiaisonAssignment, RoleAssignment]


@pytest.fixture
def superuser_client(client, db):
    user = User.objects.create_superuser("root-admin", password="not-used-Pw-123")
    client.force_login(user)
    return client


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _an_instance(world, model):
    return {
        Organization: world.unit_a,
        LeaderLink: LeaderLink.objects.first(),
        LiaisonAssignment: LiaisonAssignment.objects.first(),
        RoleAssignment: RoleAssignment.objects.filter(user=world.secretary_a).first(),
    }[model]


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_it_lists_and_shows_but_never_adds_changes_or_deletes(world, superuser_client, model):
    obj = _an_instance(world, model)
    assert superuser_client.get(_url(model, "changelist")).status_code == 200
    assert superuser_client.get(_url(model, "change", obj.pk)).status_code == 200  # a read-only view
    assert superuser_client.get(_url(model, "add")).status_code == 403
    assert superuser_client.get(_url(model, "delete", obj.pk)).status_code == 403
    before = model.objects.filter(pk=obj.pk).values().get()
    response = superuser_client.post(_url(model, "change", obj.pk), {"name": "改名", "valid_from": "2020-01-01"})
    assert response.status_code == 403
    assert model.objects.filter(pk=obj.pk).values().get() == before


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_it_offers_no_bulk_action(rf, db, model):
    request = rf.get("/")
    request.user = User(is_superuser=True, is_staff=True)
    assert admin.site._registry[model].get_actions(request) == {}
