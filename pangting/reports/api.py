"""Reports API: bulletins and annual summaries (R-O15) and the figures of a period, scoped by the policy.

Reads: documents with their versions, number, status, `version`, the steps the caller may
take now and the step log; the figures `figures.compute_figures` counts for a supervising
organization and a year (or semester). One write: the `issue` step, which calls
`services.issue_document` (the workflow step, numbering without gaps on the first issue);
the body may carry the `version` the caller saw, and a stale one is refused
("此记录已被他人修改"). Documents outside the caller's reports.view reach, and the step for
a caller without reports.manage, answer 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from pangting.accounts import policy
from pangting.core.api_fields import DisplayField
from pangting.core.api_inputs import query_choice, query_year
from pangting.core.api_views import ScopedReadOnlyViewSet, as_drf_error
from pangting.core.transitions import available_step_names, log_of
from pangting.core.views import MAX_ID
from pangting.observation.api import StepLogSerializer, StepRequest  # one shape for every step log and step body
from pangting.orgs.models import Organization

from . import services
from .figures import compute_figures
from .models import DocumentKind, ReportDocument, ReportVersion

A = policy.Action


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except ValidationError as error:
        raise as_drf_error(error) from error


# --- serializers -------------------------------------------------------------------------


class ReportVersionSerializer(serializers.ModelSerializer):
    """One version of the text: the figures it was computed from and the sections (R-O15)."""

    is_issued = serializers.BooleanField(read_only=True)

    class Meta:
        model = ReportVersion
        fields = [
            "number", "figures", "figures_computed_at", "sections", "author", "updated_at", "issued_at", "issued_by",
            "is_issued",
        ]  # fmt: skip


class ReportDocumentSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    kind_display = DisplayField("kind")
    status_display = DisplayField("status")
    period_label = serializers.CharField(read_only=True)
    latest_version = serializers.SerializerMethodField()
    available_steps = serializers.SerializerMethodField()

    class Meta:
        model = ReportDocument
        fields = [
            "id", "organization", "organization_name", "kind", "kind_display", "year", "semester", "period_label",
            "title", "status", "status_display", "number", "issued_at", "latest_version", "version",
            "available_steps",
        ]  # fmt: skip

    def get_latest_version(self, obj: ReportDocument) -> int | None:
        numbers = [v.number for v in obj.versions.all()]
        return max(numbers) if numbers else None

    def get_available_steps(self, obj: ReportDocument) -> list[str]:
        """The steps the caller may take now: the same list that drives the page's buttons."""
        request = self.context.get("request")
        return available_step_names(obj, request.user) if request else []


class ReportDocumentDetailSerializer(ReportDocumentSerializer):
    versions = serializers.SerializerMethodField()
    transitions = serializers.SerializerMethodField()

    class Meta(ReportDocumentSerializer.Meta):
        fields = [*ReportDocumentSerializer.Meta.fields, "versions", "transitions"]

    @extend_schema_field(ReportVersionSerializer(many=True))
    def get_versions(self, obj: ReportDocument) -> list[dict[str, Any]]:
        return ReportVersionSerializer(sorted(obj.versions.all(), key=lambda v: v.number), many=True).data

    @extend_schema_field(StepLogSerializer(many=True))
    def get_transitions(self, obj: ReportDocument) -> list[dict[str, Any]]:
        return StepLogSerializer(log_of(obj), many=True).data


class FiguresQuery(serializers.Serializer):
    organization = serializers.IntegerField(min_value=1, max_value=MAX_ID)  # any key, as the schema says
    year = serializers.IntegerField(min_value=services.MIN_YEAR, max_value=services.MAX_YEAR)
    semester = serializers.ChoiceField(choices=[1, 2], required=False, allow_null=True, default=None)


# --- viewsets ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="通报与年度总结列表",
        parameters=[
            OpenApiParameter("year", int, description="年度"),
            OpenApiParameter("kind", str, enum=DocumentKind.values, description="bulletin 通报 / summary 年度总结"),
        ],
    ),
    retrieve=extend_schema(summary="通报或年度总结详情（各版本、发文字号、状态、可办理的步骤、办理记录）"),
)
class ReportDocumentViewSet(ScopedReadOnlyViewSet):
    """通报与年度总结 (R-O15): read by reports.view, issued by reports.manage through the workflow step."""

    queryset = ReportDocument.objects.select_related("organization").prefetch_related("versions")
    serializer_class = ReportDocumentSerializer
    view_action = A.REPORTS_VIEW

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "list":
            return ReportDocumentSerializer
        return ReportDocumentDetailSerializer

    def get_queryset(self) -> QuerySet[ReportDocument]:
        qs = super().get_queryset()
        params = self.request.query_params
        if (year := query_year(params, "year")) is not None:
            qs = qs.filter(year=year)
        if (kind := query_choice(params, "kind", list(DocumentKind.values))) is not None:
            qs = qs.filter(kind=kind)
        return qs.order_by("-year", "kind", "-created_at", "-pk")

    @extend_schema(
        summary="印发（首次印发时编号不断号，R-O15）", request=StepRequest, responses=ReportDocumentDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: Any = None) -> Response:
        document = self.get_object()
        serializer = StepRequest(data=request.data)
        serializer.is_valid(raise_exception=True)
        # run_step answers 404 to a caller who may not take the step (R-O15: reports.manage).
        seen = serializer.validated_data["version"]
        _call(services.issue_document, document, actor=request.user, expected_version=seen)
        fresh = self.get_queryset().get(pk=document.pk)
        return Response(ReportDocumentDetailSerializer(fresh, context=self.get_serializer_context()).data)


class FiguresViewSet(viewsets.ViewSet):
    """The figures of a bulletin or summary, computed now (R-O15, R-O16, R-O18, R-S12).

    For a supervising organization the caller reaches with reports.view; anything else is 404.
    """

    @extend_schema(
        summary="某年度（或学期）的统计数据（按当前记录计算）",
        parameters=[
            OpenApiParameter("organization", int, required=True, description="督导组织"),
            OpenApiParameter(
                "year",
                {"type": "integer", "minimum": services.MIN_YEAR, "maximum": services.MAX_YEAR},
                required=True,
                description="年度",
            ),
            OpenApiParameter("semester", int, enum=[1, 2], description="学期：1 春季，2 秋季；不填为全年"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def list(self, request: Request) -> Response:
        query = FiguresQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        organization = Organization.objects.filter(pk=data["organization"]).first()
        if organization is None or not policy.can(request.user, A.REPORTS_VIEW, organization):
            raise NotFound(_("未找到。"))
        semester = int(data["semester"]) if data["semester"] else None
        return Response(compute_figures(organization, data["year"], semester))
