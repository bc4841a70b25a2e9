"""Analysis API (read-only): the R-S8 judgement of one session's agenda, with its explanation.

`GET /api/v1/analysis/sessions/<pk>/substitution/` answers for a session the user may view
(the study session's own scope, through the policy); any other answers 404 like a missing one.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from pangting.accounts import policy
from pangting.core.views import parse_id
from pangting.observation.models import Visit
from pangting.study.models import StudySession

from . import calibration, services


class ItemJudgementSerializer(serializers.Serializer):
    text = serializers.CharField()
    is_title = serializers.BooleanField()
    declared_kind = serializers.CharField(allow_blank=True)
    label = serializers.CharField(allow_null=True)
    label_display = serializers.CharField()
    is_study = serializers.BooleanField()
    terms = serializers.ListField(child=serializers.CharField())
    scores = serializers.DictField(child=serializers.FloatField())
    explanation = serializers.CharField()


class SubstitutionSerializer(serializers.Serializer):
    """R-S8 over one session: flagged or not, the study share, each item with the words that decided."""

    session = serializers.IntegerField()
    flagged = serializers.BooleanField()
    empty_agenda = serializers.BooleanField()
    verdict = serializers.CharField()
    study_share = serializers.FloatField(allow_null=True)
    min_share = serializers.FloatField()
    study_items = serializers.IntegerField(help_text="议程中判为理论学习的条数")
    study_judged = serializers.IntegerField(help_text="判为理论学习的条数（含标题）")
    judged = serializers.IntegerField(help_text="参与研判的条数（议程与标题）")
    items = ItemJudgementSerializer(many=True)


class SubstitutionViewSet(viewsets.ViewSet):
    """议程内容研判（R-S8）: read-only, one session at a time."""

    @extend_schema(
        summary="议程内容研判（R-S8：是否以工作会议代替学习）",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="学习会 ID")],
        responses=SubstitutionSerializer,
    )
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        session_id = parse_id(str(pk))  # "abc", "²" or a number past any key: 404, never a driver error
        if session_id is None:
            raise NotFound
        session = policy.get_for_user(
            StudySession.objects.prefetch_related("agenda_items"), request.user, session_id, policy.Action.STUDY_VIEW
        )
        data = services.as_data(session, services.judge(session))
        return Response(SubstitutionSerializer(data).data)


class CalibrationViewSet(viewsets.ViewSet):
    """评分校准（R-O18）: teams' severity, visits' calibrated scores, observers' agreement, for a year."""

    @extend_schema(
        summary="旁听小组评分校准（R-O18）",
        parameters=[OpenApiParameter("year", int, OpenApiParameter.QUERY, description="年度，默认今年")],
        responses=OpenApiTypes.OBJECT,
    )
    def list(self, request: Request) -> Response:
        policy.require(request.user, policy.Action.OBSERVATION_MANAGE)
        year = calibration.year_of(str(request.query_params.get("year", "")))
        visits = policy.scope(Visit.objects.all(), request.user, policy.Action.OBSERVATION_VIEW)
        return Response(calibration.as_data(calibration.year_report(visits, year)))
