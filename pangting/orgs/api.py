"""Directory API: read for everyone in scope, writes for those who may change the directory."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from pangting.accounts import policy
from pangting.core.api_fields import DisplayField
from pangting.core.api_inputs import query_id
from pangting.core.api_views import ScopedReadOnlyViewSet, ScopedViewSetMixin, as_drf_error
from pangting.core.scoped_fields import ScopedRelatedField
from pangting.lib.phone import is_valid_phone, normalize_phone

from . import services
from .models import LeaderLink, LiaisonAssignment, Organization, Person, StudyGroup, StudyGroupMember

A = policy.Action


class OrganizationSerializer(serializers.ModelSerializer):
    kind_display = DisplayField("kind")
    parent = ScopedRelatedField(A.DIRECTORY_CHANGE, queryset=Organization.objects.all(), allow_null=False)

    class Meta:
        model = Organization
        fields = ["id", "name", "short_name", "code", "kind", "kind_display", "parent", "depth", "has_party_groups"]
        read_only_fields = ["depth"]

    def get_fields(self) -> dict[str, Any]:
        """The root answers `parent: null`, so the schema says nullable; a write must still name one."""
        fields = super().get_fields()
        fields["parent"].allow_null = True
        return fields

    def validate_parent(self, value: Organization | None) -> Organization:
        if value is None:
            raise serializers.ValidationError(_("请选择上级组织。"))
        return value


class PersonSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField(help_text="脱敏后的电话号码")
    phone_input = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=30)
    organization = ScopedRelatedField(A.DIRECTORY_CHANGE, queryset=Organization.objects.all())

    class Meta:
        model = Person
        fields = ["id", "name", "staff_no", "organization", "post", "phone", "phone_input", "email", "is_school_leader"]

    def get_phone(self, person: Person) -> str:
        return person.masked_phone

    def validate_phone_input(self, value: str) -> str:
        value = normalize_phone(value)
        if value and not is_valid_phone(value):
            raise serializers.ValidationError(_("“{value}”不是有效的电话号码。").format(value=value))
        return value


class StudyGroupMemberSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    role_display = DisplayField("role")

    class Meta:
        model = StudyGroupMember
        fields = ["id", "person", "person_name", "role", "role_display", "post", "joined_on", "left_on"]


class StudyGroupSerializer(serializers.ModelSerializer):
    # The current members, prefetched by the view set (`present_members`): one nested serializer
    # for the whole page rather than one built per group.
    members = StudyGroupMemberSerializer(source="present_members", many=True, read_only=True)

    class Meta:
        model = StudyGroup
        fields = ["id", "organization", "name", "members"]


class LeaderLinkSerializer(serializers.ModelSerializer):
    leader_name = serializers.CharField(source="leader.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = LeaderLink
        fields = ["id", "leader", "leader_name", "unit", "unit_name", "valid_from", "valid_until"]


class LiaisonSerializer(serializers.ModelSerializer):
    liaison_name = serializers.CharField(source="liaison.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = LiaisonAssignment
        fields = ["id", "liaison", "liaison_name", "unit", "unit_name", "valid_from", "valid_until"]


@extend_schema_view(
    list=extend_schema(
        summary="党组织列表", parameters=[OpenApiParameter("parent", int, description="只列出该组织的直接下级")]
    )
)
class OrganizationViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """党组织: the tree, scoped to what the caller reaches."""

    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    view_action = A.DIRECTORY_VIEW
    change_action = A.DIRECTORY_CHANGE
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        if (parent := query_id(self.request.query_params, "parent")) is not None:
            qs = qs.filter(parent_id=parent)
        return qs

    def perform_create(self, serializer: OrganizationSerializer) -> None:
        parent = serializer.validated_data["parent"]
        self.require_change(parent)
        data = {k: v for k, v in serializer.validated_data.items() if k != "parent"}
        try:
            serializer.instance = services.create_organization(actor=self.request.user, parent=parent, **data)
        except ValidationError as error:
            raise as_drf_error(error) from error

    def perform_update(self, serializer: OrganizationSerializer) -> None:
        data = dict(serializer.validated_data)
        if "parent" in data:
            self.require_change(data["parent"])
        try:
            services.update_organization(serializer.instance, actor=self.request.user, **data)
        except ValidationError as error:
            raise as_drf_error(error) from error


@extend_schema_view(
    list=extend_schema(
        summary="人员列表",
        parameters=[
            OpenApiParameter("organization", int, description="所在组织"),
            OpenApiParameter("q", str, description="姓名或职务包含"),
        ],
    )
)
class PersonViewSet(
    ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """人员: phones are always masked here; the full number is a logged action in the web UI."""

    queryset = Person.objects.select_related("organization")
    serializer_class = PersonSerializer
    view_action = A.DIRECTORY_VIEW
    change_action = A.DIRECTORY_CHANGE
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        org = query_id(self.request.query_params, "organization")
        query = self.request.query_params.get("q", "").strip()
        if org is not None:
            qs = qs.filter(organization_id=org)
        if query:
            qs = qs.filter(name__contains=query) | qs.filter(post__contains=query)
        return qs

    def _save(self, serializer: PersonSerializer, person: Person) -> None:
        data = dict(serializer.validated_data)
        if "phone_input" in data:
            data["phone"] = data.pop("phone_input")
        for name, value in data.items():
            setattr(person, name, value)
        self.require_change(person.organization)
        try:
            serializer.instance = services.save_person(person, actor=self.request.user)
        except ValidationError as error:
            raise as_drf_error(error) from error

    def perform_create(self, serializer: PersonSerializer) -> None:
        self._save(serializer, Person())

    def perform_update(self, serializer: PersonSerializer) -> None:
        self._save(serializer, serializer.instance)


class StudyGroupViewSet(ScopedReadOnlyViewSet):
    """理论学习中心组 with its current members."""

    queryset = StudyGroup.objects.select_related("organization").prefetch_related(
        Prefetch(
            "memberships",
            queryset=StudyGroupMember.objects.filter(left_on__isnull=True, deleted_at__isnull=True).select_related(
                "person"
            ),
            to_attr="present_members",
        )
    )
    serializer_class = StudyGroupSerializer
    view_action = A.DIRECTORY_VIEW


class LeaderLinkViewSet(ScopedReadOnlyViewSet):
    """校领导联系二级学院安排, with history (valid_from / valid_until)."""

    queryset = LeaderLink.objects.select_related("leader", "unit")
    serializer_class = LeaderLinkSerializer
    view_action = A.DIRECTORY_VIEW


class LiaisonViewSet(ScopedReadOnlyViewSet):
    """联络员 per unit, with history."""

    queryset = LiaisonAssignment.objects.select_related("liaison", "unit")
    serializer_class = LiaisonSerializer
    view_action = A.DIRECTORY_VIEW
