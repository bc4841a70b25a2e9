"""Analysis API: the R-S8 judgement of one session's agenda, and the near-duplicate text pairs.

`GET /api/v1/analysis/substitution/<pk>/` answers for a session the user may view
(the study session's own scope, through the policy); any other answers 404 like a missing one.

`/api/v1/analysis/text-pairs/` lists the pairs whose two texts the user supervises; a pair's
detail has both texts and the shared passages; `confirm/` and `dismiss/` (with a reason) are the
steps of the pair's workflow (permission first: anyone else gets 404).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.api_fields import DisplayField
from pangting.core.api_inputs import query_year
from pangting.core.api_views import as_drf_error
from pangting.core.views import parse_id
from pangting.observation.models import Visit
from pangting.study.models import StudySession

from . import calibration, duplicates, services, sources, themes
from .models import TextDocument, TextPair


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


class ThemeHintSerializer(serializers.Serializer):
    speech = serializers.IntegerField(source="speech.pk")
    speaker = serializers.CharField(source="speech.speaker_name")
    session = serializers.IntegerField(source="session.pk")
    session_title = serializers.CharField(source="session.title")
    organization = serializers.IntegerField(source="session.organization_id")
    organization_name = serializers.CharField(source="session.organization.display_name")
    session_score = serializers.FloatField()
    plan_score = serializers.FloatField(allow_null=True)
    score = serializers.FloatField()
    words = serializers.ListField(child=serializers.CharField())


class ThemeHintViewSet(viewsets.ViewSet):
    """发言主题偏离提示（R-S6）: the speeches least similar to their themes; hints, never findings."""

    @extend_schema(
        summary="发言主题偏离提示（R-S6，仅供参考，不作为检查发现）",
        parameters=[OpenApiParameter("year", int, OpenApiParameter.QUERY, description="年度，默认今年")],
        responses=ThemeHintSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        policy.require(request.user, policy.Action.STUDY_SUPERVISE)
        year = query_year(request.query_params) or clock.today().year
        return Response(ThemeHintSerializer(themes.theme_hints(request.user, year), many=True).data)


class CalibrationViewSet(viewsets.ViewSet):
    """评分校准（R-O18）: teams' severity, visits' calibrated scores, observers' agreement, for a year."""

    @extend_schema(
        summary="旁听小组评分校准（R-O18）",
        parameters=[OpenApiParameter("year", int, OpenApiParameter.QUERY, description="年度，默认今年")],
        responses=OpenApiTypes.OBJECT,
    )
    def list(self, request: Request) -> Response:
        policy.require(request.user, policy.Action.OBSERVATION_MANAGE)
        # An API client is refused a year that is no year (400, as the schema's bounds say); absent means this year.
        year = query_year(request.query_params) or clock.today().year
        visits = policy.scope(Visit.objects.all(), request.user, policy.Action.OBSERVATION_VIEW)
        return Response(calibration.as_data(calibration.year_report(visits, year)))


# --- near-duplicate text pairs (issue 13 item 1) ----------------------------------------------------


class TextDocumentSerializer(serializers.ModelSerializer):
    """One side of a pair: which record, whose unit, who submitted it when."""

    kind_display = serializers.SerializerMethodField()
    organization_name = serializers.CharField(source="organization.display_name", read_only=True)
    submitted_by = serializers.SerializerMethodField()

    class Meta:
        model = TextDocument
        fields = [
            "kind", "kind_display", "object_id", "organization", "organization_name", "title", "author",
            "submitted_by", "submitted_at", "length", "has_text", "note",
        ]  # fmt: skip

    def get_kind_display(self, doc: TextDocument) -> str:
        return sources.label_of(doc.kind)

    def get_submitted_by(self, doc: TextDocument) -> str | None:
        user = doc.submitted_by
        return (user.get_full_name() or user.username) if user is not None else None


class TextPairSerializer(serializers.ModelSerializer):
    first = TextDocumentSerializer(read_only=True)
    second = TextDocumentSerializer(read_only=True)
    state_display = DisplayField("state")
    level = serializers.SerializerMethodField()

    class Meta:
        model = TextPair
        fields = ["id", "first", "second", "score", "shared", "red", "level", "state", "state_display", "version"]

    def get_level(self, pair: TextPair) -> str:
        return "red" if pair.red else "flagged"


class PassageSerializer(serializers.Serializer):
    text = serializers.CharField()
    shared = serializers.BooleanField()


class TextPairDetailSerializer(TextPairSerializer):
    """A pair with both texts cut into pieces, the shared passages marked (`shared: true`)."""

    first_text = serializers.SerializerMethodField()
    second_text = serializers.SerializerMethodField()
    available_steps = serializers.SerializerMethodField()

    class Meta(TextPairSerializer.Meta):
        fields = [*TextPairSerializer.Meta.fields, "first_text", "second_text", "available_steps"]

    def _sides(self, pair: TextPair) -> Any:
        cache = self.context.setdefault("sides", {})
        if pair.pk not in cache:
            cache[pair.pk] = duplicates.sides(pair)
        return cache[pair.pk]

    @extend_schema_field(PassageSerializer(many=True))
    def get_first_text(self, pair: TextPair) -> list[dict[str, Any]]:
        return [{"text": text, "shared": shared} for text, shared in self._sides(pair)[0].pieces]

    @extend_schema_field(PassageSerializer(many=True))
    def get_second_text(self, pair: TextPair) -> list[dict[str, Any]]:
        return [{"text": text, "shared": shared} for text, shared in self._sides(pair)[1].pieces]

    def get_available_steps(self, pair: TextPair) -> list[str]:
        from pangting.core.transitions import available_step_names

        return available_step_names(pair, self.context["request"].user)


class PairStepRequest(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class TextPairViewSet(viewsets.ReadOnlyModelViewSet):
    """雷同文本: pairs whose two texts the caller supervises (study.supervise over both units)."""

    serializer_class = TextPairSerializer

    def get_queryset(self) -> Any:
        qs = duplicates.pairs_for_user(self.request.user)
        state = self.request.query_params.get("state")
        if state in TextPair.State.values:
            qs = qs.filter(state=state)
        return qs

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return TextPairSerializer if self.action == "list" else TextPairDetailSerializer

    def get_object(self) -> TextPair:
        pair_id = parse_id(str(self.kwargs.get("pk")))
        if pair_id is None:
            raise NotFound
        return duplicates.get_pair_for_user(self.request.user, pair_id)

    def _step(self, request: Request, step: str) -> Response:
        pair = self.get_object()
        body = PairStepRequest(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            duplicates.decide_pair(
                pair, step, actor=request.user,
                expected_version=body.validated_data["version"], reason=body.validated_data["reason"],
            )  # fmt: skip
        except ValidationError as error:
            raise as_drf_error(error) from error
        fresh = duplicates.pairs_for_user(request.user).get(pk=pair.pk)
        return Response(TextPairDetailSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(summary="认定雷同", request=PairStepRequest, responses=TextPairDetailSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: Any = None) -> Response:
        return self._step(request, "confirm")

    @extend_schema(
        summary="排除（需填写理由；排除后不再提示）", request=PairStepRequest, responses=TextPairDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: Any = None) -> Response:
        return self._step(request, "dismiss")
