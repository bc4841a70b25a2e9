"""Existing grants stay in force across the two-person rule's migration (issue 14 item 1)."""

from __future__ import annotations

import datetime as dt

import pytest

from pangting.tests.migrating import migrate_to, migrate_to_latest

BEFORE = [("accounts", "0002_initial")]
AFTER = [("accounts", "0003_separation_of_duties_and_password_history")]


@pytest.mark.django_db(transaction=True)
def test_existing_grants_migrate_as_confirmed_and_new_ones_default_to_pending():
    old = migrate_to(BEFORE)
    try:
        org = old.get_model("orgs", "Organization").objects.create(
            name="中共示范大学委员会", code="ROOT", kind="party_committee"
        )
        user = old.get_model("accounts", "User").objects.create(username="xuanchuan")
        old.get_model("accounts", "RoleAssignment").objects.create(
            user=user, role="supervisor", organization=org, valid_from=dt.date(2020, 1, 1)
        )

        new = migrate_to(AFTER)
        grants = new.get_model("accounts", "RoleAssignment")
        assert list(grants.objects.values_list("status", flat=True)) == ["confirmed"]
        assert grants._meta.get_field("status").default == "pending"
        assert new.get_model("accounts", "User").objects.get(username="xuanchuan").must_change_password is False
    finally:
        migrate_to_latest()
