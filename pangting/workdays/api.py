"""Deadline computation over the API: the same refusal for unknown years as on the page."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pangting.core.i18n import render_message
from pangting.lib.workdays import DayUnit

from . import services
from .models import CalendarYear


class DeadlineQuery(serializers.Serializer):
    start = serializers.DateField()
    amount = serializers.IntegerField(min_value=0, max_value=366)
    unit = serializers.ChoiceField(choices=[u.value for u in DayUnit])

    def validate_start(self, value):  # type: ignore[no-untyped-def]
        if not 1900 < value.year < 2200:
            raise serializers.ValidationError(_("起算日期超出可计算范围。"))
        return value


class DeadlineView(APIView):
    @extend_schema(
        summary="计算期限（工作日或自然日）",
        parameters=[
            OpenApiParameter(
                "start", OpenApiTypes.DATE, required=True, description="起算日期 YYYY-MM-DD（当日不计，1901—2199年）"
            ),
            OpenApiParameter("amount", {"type": "integer", "minimum": 0, "maximum": 366}, required=True),
            OpenApiParameter("unit", str, required=True, enum=[u.value for u in DayUnit]),
        ],
        responses={
            200: inline_serializer(
                "Deadline",
                {"due": serializers.DateField(), "basis": serializers.DictField(), "text": serializers.CharField()},
            ),
            400: inline_serializer("DeadlineRefused", {"detail": serializers.CharField()}),
        },
    )
    def get(self, request: Request) -> Response:
        query = DeadlineQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = services.try_compute_deadline(**query.validated_data)
        if isinstance(result, services.UnknownCalendarYear):
            return Response(
                {"detail": render_message(result.message), "unknown_year": result.year},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"due": result.due, "basis": result.as_basis(), "text": result.describe()})


class CalendarYearsView(APIView):
    @extend_schema(
        summary="已录入的日历年度",
        responses=inline_serializer(
            "CalendarYears",
            {"years": serializers.ListField(child=serializers.DictField())},
        ),
    )
    def get(self, request: Request) -> Response:
        years = CalendarYear.objects.values("year", "source", "revision", "notice")
        return Response({"years": list(years)})
