"""Accounts in the Django admin: shown, never changed (issue 14 item 1).

Accounts, passwords, staff and superuser flags, permissions and role grants change only through
the account pages and `accounts.services`, which enforce the three duties and the two-person
rule and audit every step; an editable user admin would let a staff user make himself
superuser or set anyone's password.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from pangting.core.admin import ReadOnlyAdmin

from .models import RoleAssignment, User


@admin.register(User)
class UserAdmin(ReadOnlyAdmin, BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "person", "is_active", "last_login"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Pangting", {"fields": ["person", "password_changed_at", "must_change_password"]}),
    )


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Roles are granted and ended only through the account pages and `accounts.services` (audited)."""

    list_display = ["user", "role", "organization", "status", "valid_from", "valid_until"]
    list_filter = ["role", "status"]


# Groups carry admin-site permissions: read-only too, so no staff user widens his own.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin, BaseGroupAdmin):
    pass


# The TOTP keys are secrets of their users: not shown on the admin site. The security
# administrator resets a lost device on the account page instead.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
