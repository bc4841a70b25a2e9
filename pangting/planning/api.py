"""Planning API (read-only): random draws, plan-generation runs and unavailability, scoped by the policy.

All three belong to the supervising organization, and only who manages observation there
(observation.manage) reaches them, exactly as on the pages; a record outside that reach
answers 404 like a missing one, and lists are empty for everyone else.

A draw is given as the published record the draw page shows and `tools/verify_draw.py`
reads (R-O2, 双随机一公开): candidates and exclusions, candidate hash, seed commitment,
public value source and value, count, picks and result digest — and the seed only once it
has been revealed at the draw, never before.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from pangting.accounts import policy
from pangting.core.api_fields import DisplayField
from pangting.core.api_inputs import query_year
from pangting.core.api_views import ScopedReadOnlyViewSet, ScopedViewSetMixin

from . import services
from .models import Draw, PlanRun, Unavailability

A = policy.Action
MANAGE = A.OBSERVATION_MANAGE


def _by_year(qs: QuerySet[Any], params: Any) -> QuerySet[Any]:
    if (year := query_year(params, "year")) is not None:
        qs = qs.filter(year=year)
    return qs


# --- serializers -------------------------------------------------------------------------


class CandidateSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class ExclusionSerializer(CandidateSerializer):
    reason = serializers.CharField(allow_blank=True)


class PickSerializer(CandidateSerializer):
    n = serializers.IntegerField(help_text="抽取顺序，从1开始")


class DrawRecordSerializer(serializers.Serializer):
    """The published record in the verifier's shape; `seed_hex` is null until the draw."""

    algorithm = serializers.CharField()
    draw_id = serializers.CharField()
    purpose = serializers.CharField()
    created_at = serializers.CharField()
    candidates = CandidateSerializer(many=True)
    exclusions = ExclusionSerializer(many=True)
    candidate_hash = serializers.CharField()
    seed_commitment = serializers.CharField()
    public_value_source = serializers.CharField()
    public_value = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()
    seed_hex = serializers.CharField(allow_null=True)
    picks = serializers.ListField(child=serializers.CharField())
    result_digest = serializers.CharField(allow_null=True)


class DrawSerializer(serializers.ModelSerializer):
    supervisor_org_name = serializers.CharField(source="supervisor_org.name", read_only=True)
    # Plain text in the schema: several models have a `status` choice set, and one enum name each would collide.
    status = serializers.CharField(read_only=True, help_text="committed（已公布承诺，待抽取）/ drawn（已抽取）")
    status_display = DisplayField("status")
    record = serializers.SerializerMethodField()
    picks = serializers.SerializerMethodField()

    class Meta:
        model = Draw
        fields = [
            "id", "draw_id", "supervisor_org", "supervisor_org_name", "purpose", "year", "status", "status_display",
            "count", "redraw_of", "redraw_reason", "drawn_at", "picks", "record",
        ]  # fmt: skip

    @extend_schema_field(DrawRecordSerializer)
    def get_record(self, obj: Draw) -> dict[str, Any]:
        return obj.to_record().to_dict()

    @extend_schema_field(PickSerializer(many=True))
    def get_picks(self, obj: Draw) -> list[dict[str, Any]]:
        return [{"n": row["n"], "id": str(row["id"]), "name": row["name"]} for row in obj.pick_rows()]


class DrawVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = serializers.IntegerField(source="unit_id")
    unit_name = serializers.CharField(source="unit.name")
    semester = serializers.IntegerField()
    state = serializers.CharField()


class DrawDetailSerializer(DrawSerializer):
    """The detail adds what the draw page shows around the record: re-draws and the visits made from it."""

    superseded_by = serializers.SerializerMethodField()
    redraws = serializers.SerializerMethodField()
    visits = serializers.SerializerMethodField()

    class Meta(DrawSerializer.Meta):
        fields = [*DrawSerializer.Meta.fields, "superseded_by", "redraws", "visits"]

    def get_superseded_by(self, obj: Draw) -> int | None:
        newer = services.superseded_by(obj)
        return newer.pk if newer else None

    def get_redraws(self, obj: Draw) -> list[int]:
        return [draw.pk for draw in obj.redraws.all()]

    @extend_schema_field(DrawVisitSerializer(many=True))
    def get_visits(self, obj: Draw) -> list[dict[str, Any]]:
        if not obj.is_drawn:
            return []
        return DrawVisitSerializer(services.live_visits(obj).select_related("unit"), many=True).data


class PlanRunSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="queued / running / done / failed")
    status_display = DisplayField("status")
    finished = serializers.BooleanField(source="is_finished", read_only=True)
    has_plan = serializers.BooleanField(read_only=True)
    # In the reader's language (`PlanRun.display_notes`); stored in Chinese.
    notes = serializers.ListField(source="display_notes", child=serializers.CharField(), read_only=True)

    class Meta:
        model = PlanRun
        fields = [
            "id", "supervisor_org", "year", "status", "status_display", "progress", "finished", "has_plan",
            "parameters", "result", "notes", "explanation", "started_at", "finished_at", "approved_at",
        ]  # fmt: skip


class PlanRunDetailSerializer(PlanRunSerializer):
    class Meta(PlanRunSerializer.Meta):
        fields = [*PlanRunSerializer.Meta.fields, "draft"]


class UnavailabilitySerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    months_label = serializers.CharField(read_only=True)

    class Meta:
        model = Unavailability
        fields = [
            "id", "supervisor_org", "person", "person_name", "year", "first_month", "last_month", "months_label",
            "reason",
        ]  # fmt: skip


# --- viewsets ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="随机抽取列表", parameters=[OpenApiParameter("year", int, description="年度")]),
    retrieve=extend_schema(
        summary="随机抽取详情（公布记录：候选名单、承诺、公开随机值、抽取后公开的种子、结果、摘要）"
    ),
)
class DrawViewSet(ScopedReadOnlyViewSet):
    """随机抽取 (R-O2): the published record of each draw, read-only (draws are made on the pages)."""

    queryset = Draw.objects.select_related("supervisor_org")
    serializer_class = DrawSerializer
    view_action = MANAGE

    def get_queryset(self) -> QuerySet[Draw]:
        return _by_year(super().get_queryset(), self.request.query_params)

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return DrawDetailSerializer if self.action == "retrieve" else DrawSerializer


@extend_schema_view(
    list=extend_schema(
        summary="计划生成列表（状态与进度）", parameters=[OpenApiParameter("year", int, description="年度")]
    ),
    retrieve=extend_schema(summary="计划生成详情（状态、进度、求解结果、计划草案）"),
)
class PlanRunViewSet(ScopedReadOnlyViewSet):
    """计划生成 (R-O1): runs of the plan generator with their status and progress, read-only."""

    queryset = PlanRun.objects.all()
    serializer_class = PlanRunSerializer
    view_action = MANAGE

    def get_queryset(self) -> QuerySet[PlanRun]:
        qs = super().get_queryset()
        if self.action == "list":
            qs = qs.defer("draft")  # the draft can be large; the detail carries it
        return _by_year(qs, self.request.query_params)

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return PlanRunDetailSerializer if self.action == "retrieve" else PlanRunSerializer


@extend_schema_view(
    list=extend_schema(summary="不可安排时间列表", parameters=[OpenApiParameter("year", int, description="年度")]),
)
class UnavailabilityViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """不可安排时间: the months leaders and liaisons cannot take part in a visit (R-O1, R-O3)."""

    queryset = Unavailability.objects.select_related("person")
    serializer_class = UnavailabilitySerializer
    view_action = MANAGE

    def get_queryset(self) -> QuerySet[Unavailability]:
        return _by_year(super().get_queryset(), self.request.query_params)
