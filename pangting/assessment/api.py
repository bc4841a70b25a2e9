"""Assessment API, read-only: the year's schemes (R-O14) and leaders' study reports (述学, R-S13).

Schemes belong to the supervising organization and are read with reports.view (the
supervisor and the leadership viewer). Study reports are read by whoever sees study of the
unit (study.view): the supervisor sees every unit's, a unit its own. Writes stay on the pages,
through the services. Records outside the caller's reach answer 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers

from pangting.accounts import policy
from pangting.core.api_fields import DisplayField
from pangting.core.api_inputs import query_id, query_year
from pangting.core.api_views import ScopedReadOnlyViewSet

from .models import AssessmentScheme, StudyReport

A = policy.Action


class AssessmentSchemeSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    status_display = DisplayField("status")

    class Meta:
        model = AssessmentScheme
        fields = [
            "id", "organization", "organization_name", "year", "formula", "description", "max_score", "status",
            "status_display", "confirmed_at", "confirmed_by", "updated_at",
        ]  # fmt: skip


class StudyReportSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    rating_display = DisplayField("rating")
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = StudyReport
        fields = [
            "id", "person", "person_name", "organization", "organization_name", "year", "title", "delivered_on",
            "summary", "original_name", "file_url", "rating", "rating_display", "rating_note", "rated_by", "rated_at",
            "updated_at",
        ]  # fmt: skip

    def get_file_url(self, obj: StudyReport) -> str:
        """The page that serves the material (checked by the policy again), or "" when none was filed."""
        return reverse("assessment:report_file", kwargs={"pk": obj.pk}) if obj.file else ""


def _by_year(qs: QuerySet[Any], params: Any) -> QuerySet[Any]:
    if (year := query_year(params, "year")) is not None:
        qs = qs.filter(year=year)
    return qs


@extend_schema_view(
    list=extend_schema(summary="考核方案列表", parameters=[OpenApiParameter("year", int, description="年度")]),
    retrieve=extend_schema(summary="考核方案详情（计算公式，R-O14）"),
)
class AssessmentSchemeViewSet(ScopedReadOnlyViewSet):
    """考核方案 (R-O14), read with reports.view."""

    queryset = AssessmentScheme.objects.select_related("organization")
    serializer_class = AssessmentSchemeSerializer
    view_action = A.REPORTS_VIEW

    def get_queryset(self) -> QuerySet[AssessmentScheme]:
        return _by_year(super().get_queryset(), self.request.query_params).order_by("-year", "organization__path")


@extend_schema_view(
    list=extend_schema(
        summary="述学报告列表",
        parameters=[
            OpenApiParameter("year", int, description="年度"),
            OpenApiParameter("organization", int, description="所在单位"),
        ],
    ),
    retrieve=extend_schema(summary="述学报告详情（评议等次）"),
)
class StudyReportViewSet(ScopedReadOnlyViewSet):
    """述学 (R-S13), read with study.view: the supervisor sees all units', a unit its own."""

    queryset = StudyReport.objects.select_related("person", "organization")
    serializer_class = StudyReportSerializer
    view_action = A.STUDY_VIEW

    def get_queryset(self) -> QuerySet[StudyReport]:
        qs = _by_year(super().get_queryset(), self.request.query_params)
        if (organization := query_id(self.request.query_params, "organization")) is not None:
            qs = qs.filter(organization_id=organization)
        return qs.order_by("-year", "organization__path", "person__name", "pk")
