from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from pangting.core.admin import ReadOnlyAdmin

from .models import (
    ConflictOfInterest,
    LeaderLink,
    LiaisonAssignment,
    Organization,
    Person,
    StudyGroup,
    StudyGroupMember,
)


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """The tree changes only through the organization pages and `orgs.services` (moves recompute paths)."""

    list_display = ["name", "kind", "code", "parent", "deleted_at"]
    search_fields = ["name", "code"]
    list_filter = ["kind"]
    readonly_fields = ["path", "depth"]


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "organization", "post", "masked_phone"]
    search_fields = ["name", "staff_no"]
    exclude = ["phone"]


@admin.register(LeaderLink)
class LeaderLinkAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Leader–unit links change only through `orgs.services` (R-O3 team proposals read them)."""

    list_display = ["leader", "unit", "valid_from", "valid_until"]


@admin.register(LiaisonAssignment)
class LiaisonAssignmentAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Liaisons change only through `orgs.services` (R-O3)."""

    list_display = ["liaison", "unit", "valid_from", "valid_until"]


for model in (StudyGroup, StudyGroupMember, ConflictOfInterest):
    admin.site.register(model, SimpleHistoryAdmin)
