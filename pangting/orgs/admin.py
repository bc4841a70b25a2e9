from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

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
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "code", "parent", "deleted_at"]
    search_fields = ["name", "code"]
    list_filter = ["kind"]
    readonly_fields = ["path", "depth"]


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "organization", "post", "masked_phone"]
    search_fields = ["name", "staff_no"]
    exclude = ["phone"]


for model in (StudyGroup, StudyGroupMember, LeaderLink, LiaisonAssignment, ConflictOfInterest):
    admin.site.register(model, SimpleHistoryAdmin)
