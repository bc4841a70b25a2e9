from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from pangting.core.admin import ReadOnlyAdmin

from .models import RoleAssignment, User


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "person", "is_active", "last_login"]
    fieldsets = (*BaseUserAdmin.fieldsets, ("Pangting", {"fields": ["person", "password_changed_at"]}))


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Roles are granted and ended only through the account pages and `accounts.services` (audited)."""

    list_display = ["user", "role", "organization", "valid_from", "valid_until"]
    list_filter = ["role"]


# The TOTP keys are secrets of their users: not shown on the admin site. The security
# administrator resets a lost device on the account page instead.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
