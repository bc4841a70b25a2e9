"""Study API: everything the pages do, scoped by the policy; writes through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from pangting.accounts import policy
from pangting.core import deliveries as core_deliveries
from pangting.core.api_fields import DisplayField
from pangting.core.api_inputs import query_id, query_year
from pangting.core.api_views import ScopedViewSetMixin, as_drf_error
from pangting.core.models import Delivery, Receipt
from pangting.core.scoped_fields import INCORRECT_TYPE, ScopedRelatedField
from pangting.core.transitions import available_step_names
from pangting.core.views import parse_id
from pangting.orgs.models import Organization, Person

from . import rules, services
from .models import (
    AgendaItem,
    Attendance,
    MeetingFrequencyRule,
    PlanTheme,
    Reflection,
    Reschedule,
    SecretaryTraining,
    SelfStudyPlan,
    SelfStudyRecord,
    Speech,
    StudyPlan,
    StudySession,
)
from .services import deliveries as study_deliveries

A = policy.Action


def _steps(serializer: serializers.Serializer, obj: Any) -> list[str]:
    """The steps the caller may take on `obj` now: the same list that drives the page buttons."""
    request = serializer.context.get("request")
    return available_step_names(obj, request.user) if request else []


def _seen_version(request: Request) -> int | None:
    """The `version` the caller saw (optional in the body): a stale call changes nothing."""
    raw = str(request.data.get("version", ""))
    return int(raw) if raw.isdigit() else None


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except ValidationError as error:
        raise as_drf_error(error) from error


class AgendaItemSerializer(serializers.ModelSerializer):
    kind_display = DisplayField("kind")

    class Meta:
        model = AgendaItem
        fields = ["id", "order", "kind", "kind_display", "title", "presenter", "source", "source_date"]
        read_only_fields = ["id", "order"]


class SpeechSerializer(serializers.ModelSerializer):
    has_written_material = serializers.BooleanField(read_only=True)
    person = ScopedRelatedField(A.STUDY_CHANGE, queryset=Person.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Speech
        fields = ["id", "order", "person", "speaker_name", "post", "outline", "written_text", "has_written_material"]
        read_only_fields = ["order"]
        extra_kwargs = {"id": {"read_only": False, "required": False}, "speaker_name": {"required": False}}


class RescheduleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reschedule
        fields = ["id", "from_starts_at", "from_ends_at", "to_starts_at", "to_ends_at", "reason", "created_at"]


class AttendanceSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    status_display = DisplayField("status")

    class Meta:
        model = Attendance
        fields = [
            "id", "person", "person_name", "post", "status", "status_display", "method", "checked_in_at",
            "leave_reason", "makeup_done_on", "makeup_note",
        ]  # fmt: skip


class FactsSerializer(serializers.Serializer):
    """`services.SessionFacts`; the rate as an exact fraction string and as a percentage text."""

    participation_rate = serializers.SerializerMethodField()
    participation_text = serializers.SerializerMethodField()
    meets_participation = serializers.BooleanField(allow_null=True)
    expected_count = serializers.IntegerField()
    present_count = serializers.IntegerField()
    leave_count = serializers.IntegerField()
    absent_count = serializers.IntegerField()
    has_first_agenda_item = serializers.BooleanField()
    is_thematic = serializers.BooleanField()
    written_speech_count = serializers.IntegerField()
    speech_count = serializers.IntegerField()
    led_by_secretary = serializers.BooleanField()
    arrangement_submitted_late = serializers.BooleanField()
    report_submitted_late = serializers.BooleanField()
    reschedule_count = serializers.IntegerField()
    makeup_pending_count = serializers.IntegerField()
    problems = serializers.ListField(child=serializers.CharField())

    def get_participation_rate(self, facts: services.SessionFacts) -> str | None:
        rate = facts.participation_rate
        return None if rate is None else f"{rate.numerator}/{rate.denominator}"

    def get_participation_text(self, facts: services.SessionFacts) -> str:
        return rules.format_rate(facts.participation_rate)


class AttendanceRequest(serializers.Serializer):
    """POST body of a session's attendance: the person (within the caller's study.change reach) and status."""

    person = ScopedRelatedField(A.STUDY_CHANGE, queryset=Person.objects.all())
    status = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    leave_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class ReceiptSerializer(serializers.ModelSerializer):
    """One addressee's copy: who, when signed, the last day to sign and whether it has passed
    unsigned (`core.deliveries.receipt_overdue`, the definition the pages, to-dos and checks read)."""

    addressee_name = serializers.CharField(read_only=True)
    sign_by = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Receipt
        fields = ["id", "addressee_label", "addressee_name", "signed_at", "sign_by", "overdue"]

    def _terms(self) -> study_deliveries.ReceiptTerms:
        """Read once per response: a list shares the calendar and the rules' periods."""
        terms = self.context.get(RECEIPT_TERMS)
        if terms is None:
            terms = self.context[RECEIPT_TERMS] = study_deliveries.ReceiptTerms()
        return terms

    def get_sign_by(self, obj: Receipt) -> dt.date | None:
        """The last day to sign: the rule's `receipt_days` working days after the send day; null
        while the working-day calendar does not know that year."""
        return self._terms().sign_by(obj)

    def get_overdue(self, obj: Receipt) -> bool:
        """Still unsigned after its last day to sign."""
        return self._terms().overdue_since(obj) is not None


RECEIPT_TERMS = "receipt_terms"  # the serializer context's key of a response's `ReceiptTerms`


class DeliverySerializer(serializers.ModelSerializer):
    """One sent document (R-S10, and the reply to a notice letter, R-O4): sender, send time, due date,
    timeliness from the send time, receipts."""

    receipts = ReceiptSerializer(many=True, read_only=True)
    timeliness = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = ["id", "kind", "rule", "title", "sender_label", "sent_at", "due", "timeliness", "receipts"]

    def get_timeliness(self, obj: Delivery) -> str | None:
        return study_deliveries.timeliness_of(obj)


WRITABLE = [
    "organization", "kind", "title", "content", "plan_theme", "starts_at", "ends_at", "place", "host", "host_post",
    "led_by", "participants_note", "contact_name", "contact_phone", "lecturer_name", "lecturer_post",
    "lecturer_person", "summary",
]  # fmt: skip


# --- 书记审定 (R-S15): the approval steps of a plan or a session plan --------------------------

APPROVAL_FIELDS = [
    "approval_state", "approval_kind", "approved_at", "approval_note", "paper_approved_on", "approval_legacy",
]  # fmt: skip


class ApproveRequest(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)
    version = serializers.IntegerField(required=False, min_value=0)


class PaperApprovalRequest(serializers.Serializer):
    paper_approved_on = serializers.DateField(required=False, allow_null=True)
    approval_scan = serializers.FileField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)
    version = serializers.IntegerField(required=False, min_value=0)


class VoidApprovalRequest(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)
    version = serializers.IntegerField(required=False, min_value=0)


class ApprovalActionsMixin:
    """The R-S15 steps on a plan or session viewset. The record is reached by viewing (the group
    leader changes nothing else in the unit); who may take each step is the workflow's to say,
    so a caller who may not answers 404 as the pages do."""

    def _approvable(self, request: Request, pk: Any) -> Any:
        return policy.get_for_user(self.queryset, request.user, pk, A.STUDY_VIEW)  # type: ignore[attr-defined]

    @staticmethod
    def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    @extend_schema(summary="中心组组长（书记）审定（R-S15）", request=ApproveRequest)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        record = self._approvable(request, pk)
        data = self._valid(ApproveRequest, request)
        _call(
            services.approve,
            record,
            actor=request.user,
            note=data.get("note", ""),
            expected_version=data.get("version"),
        )
        return self.respond_fresh(record)  # type: ignore[attr-defined]

    @extend_schema(summary="学习秘书登记纸质审定：审定日期和扫描件（R-S15）", request=PaperApprovalRequest)
    @action(detail=True, methods=["post"], url_path="record-paper-approval")
    def record_paper_approval(self, request: Request, pk: Any = None) -> Response:
        record = self._approvable(request, pk)
        data = self._valid(PaperApprovalRequest, request)
        _call(
            services.record_paper_approval,
            record,
            actor=request.user,
            approved_on=data.get("paper_approved_on"),
            scan=data.get("approval_scan"),
            note=data.get("note", ""),
            expected_version=data.get("version"),
        )
        return self.respond_fresh(record)  # type: ignore[attr-defined]

    @extend_schema(summary="撤销书记审定（R-S15）", request=VoidApprovalRequest)
    @action(detail=True, methods=["post"], url_path="void-approval")
    def void_approval(self, request: Request, pk: Any = None) -> Response:
        record = self._approvable(request, pk)
        data = self._valid(VoidApprovalRequest, request)
        _call(
            services.void_approval,
            record,
            actor=request.user,
            reason=data.get("reason", ""),
            expected_version=data.get("version"),
        )
        return self.respond_fresh(record)  # type: ignore[attr-defined]


class StudySessionSerializer(serializers.ModelSerializer):
    organization = ScopedRelatedField(A.STUDY_CHANGE, queryset=Organization.objects.all())
    host = ScopedRelatedField(A.STUDY_CHANGE, queryset=Person.objects.all(), allow_null=True, required=False)
    led_by = ScopedRelatedField(A.STUDY_CHANGE, queryset=Person.objects.all(), allow_null=True, required=False)
    lecturer_person = ScopedRelatedField(A.STUDY_CHANGE, queryset=Person.objects.all(), allow_null=True, required=False)
    plan_theme = ScopedRelatedField(A.STUDY_CHANGE, queryset=PlanTheme.objects.all(), allow_null=True, required=False)
    kind_display = DisplayField("kind")
    status_display = DisplayField("status")
    agenda_items = AgendaItemSerializer(many=True, required=False)
    speeches = SpeechSerializer(many=True, required=False)
    reschedules = RescheduleSerializer(many=True, read_only=True)
    available_steps = serializers.SerializerMethodField()

    class Meta:
        model = StudySession
        fields = [
            "id", *WRITABLE, "kind_display", "status", "status_display", "sequence", "group", "lecturer_vetting",
            "vetting_note", "arrangement_due", "arrangement_submitted_at", "report_due", "report_submitted_at",
            "attendance_closed_at", "cancel_reason", "agenda_items", "speeches", "reschedules", "version",
            "available_steps", *APPROVAL_FIELDS,
        ]  # fmt: skip
        read_only_fields = [
            "version", "status", "sequence", "group", "lecturer_vetting", "vetting_note", "arrangement_due",
            "arrangement_submitted_at", "report_due", "report_submitted_at", "attendance_closed_at", "cancel_reason",
            *APPROVAL_FIELDS,
        ]  # fmt: skip

    def get_available_steps(self, obj: StudySession) -> list[str]:
        return _steps(self, obj)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        starts, ends = attrs.get("starts_at"), attrs.get("ends_at")
        if starts and ends and ends <= starts:
            raise serializers.ValidationError({"ends_at": _("结束时间不能早于或等于开始时间。")})
        return attrs


class StudySessionDetailSerializer(StudySessionSerializer):
    """One session, with its R-S10 deliveries and the sends the caller may take (not in lists: a query each)."""

    delivery_steps = serializers.SerializerMethodField()
    deliveries = serializers.SerializerMethodField()

    class Meta(StudySessionSerializer.Meta):
        fields = [*StudySessionSerializer.Meta.fields, "delivery_steps", "deliveries"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_delivery_steps(self, obj: StudySession) -> list[str]:
        """The R-S10 sends the caller may take now: send_arrangement, forward_arrangement, send_report."""
        request = self.context.get("request")
        return study_deliveries.next_steps(obj, request.user) if request else []

    @extend_schema_field(DeliverySerializer(many=True))
    def get_deliveries(self, obj: StudySession) -> list[dict[str, Any]]:
        """Who sent the session's documents when, late or on time, and who signed when (R-S10)."""
        return DeliverySerializer(core_deliveries.for_record(obj), many=True, context=self.context).data


SEND_ACTIONS = frozenset({"send_arrangement", "forward_arrangement", "send_report"})

SESSION_QS = StudySession.objects.select_related("organization").prefetch_related(
    "agenda_items", "speeches", "reschedules"
)


@extend_schema_view(
    list=extend_schema(
        summary="学习会列表",
        parameters=[
            OpenApiParameter("organization", int, description="该组织及其下级的学习会"),
            OpenApiParameter("kind", str, description="会议类型"),
            OpenApiParameter("status", str, description="planned / held / cancelled"),
            OpenApiParameter("year", int, description="年度"),
        ],
    )
)
class StudySessionViewSet(
    ApprovalActionsMixin,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """学习会 and 三会一课 meetings, with agenda, speakers, reschedules, attendance and facts."""

    queryset = SESSION_QS
    serializer_class = StudySessionSerializer

    def get_serializer_class(self) -> Any:
        return StudySessionSerializer if self.action == "list" else StudySessionDetailSerializer

    view_action = A.STUDY_VIEW
    change_action = A.STUDY_CHANGE
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        if self.action == "checkin":
            return policy.scope(SESSION_QS, self.request.user, A.STUDY_PARTICIPATE)
        if self.action in SEND_ACTIONS:
            # The liaison sends without study.change; the service checks who may take each send (R-S10).
            return policy.scope(SESSION_QS, self.request.user, A.STUDY_VIEW)
        qs = super().get_queryset()
        params = self.request.query_params
        org = query_id(params, "organization")
        if org is not None:
            target = Organization.objects.filter(pk=org).first()
            qs = qs.filter(organization__path__startswith=target.path) if target else qs.none()
        for name in ("kind", "status"):
            if params.get(name):
                qs = qs.filter(**{name: params[name]})
        if (year := query_year(params, "year")) is not None:
            qs = qs.filter(starts_at__year=year)
        return qs.order_by("-starts_at", "-pk")  # index session_start; ties in a fixed order across pages

    def _lists(self, data: dict[str, Any]) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if "agenda_items" in data:
            extra["agenda"] = [dict(item) for item in data.pop("agenda_items")]
        if "speeches" in data:
            extra["speakers"] = [dict(item) for item in data.pop("speeches")]
        return extra

    def perform_create(self, serializer: StudySessionSerializer) -> None:
        data = dict(serializer.validated_data)
        self.require_change(data["organization"])
        extra = self._lists(data)
        serializer.instance = _call(
            services.create_session,
            actor=self.request.user,
            organization=data.pop("organization"),
            kind=data.pop("kind", "center_group"),
            starts_at=data.pop("starts_at"),
            ends_at=data.pop("ends_at"),
            **extra,
            **data,
        )

    def perform_update(self, serializer: StudySessionSerializer) -> None:
        data = dict(serializer.validated_data)
        session = serializer.instance
        for name in ("organization", "kind"):
            if name in data and data.pop(name) != getattr(session, name):
                raise as_drf_error(ValidationError({name: _("学习会的组织和类型创建后不能修改。")}))
        extra = self._lists(data)
        _call(services.update_session, session, actor=self.request.user, **extra, **data)

    @extend_schema(summary="会议事实（参学率、第一议题、以会代学等）", responses=FactsSerializer)
    @action(detail=True, methods=["get"])
    def facts(self, request: Request, pk: Any = None) -> Response:
        session = self.get_object()
        return Response(FactsSerializer(services.session_facts(session)).data)

    @extend_schema(summary="改期（须填写原因，R-S11）", request=None)
    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, pk: Any = None) -> Response:
        session = self.get_object()
        field = serializers.DateTimeField()
        try:
            starts = field.to_internal_value(request.data.get("starts_at"))
            ends = field.to_internal_value(request.data.get("ends_at"))
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"starts_at": _("请填写有效的新开始和结束时间。")}) from error
        _call(
            services.reschedule_session,
            session,
            actor=request.user,
            starts_at=starts,
            ends_at=ends,
            reason=str(request.data.get("reason", "")),
        )
        return self.respond_fresh(session)

    @extend_schema(summary="取消学习会 {reason, version}", request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        session = self.get_object()
        _call(
            services.cancel_session,
            session,
            actor=request.user,
            reason=str(request.data.get("reason", "")),
            expected_version=_seen_version(request),
        )
        return self.respond_fresh(session)

    @extend_schema(summary="记录外请授课人审核（R-S9）", request=None)
    @action(detail=True, methods=["post"])
    def vet(self, request: Request, pk: Any = None) -> Response:
        # R-S9: approved from outside the unit (`services.may_vet`), so reached by viewing, not changing.
        session = policy.get_for_user(SESSION_QS, request.user, pk, A.STUDY_VIEW)
        approved = str(request.data.get("approved", "")).lower() in ("1", "true", "yes")
        _call(
            services.vet_lecturer,
            session,
            actor=request.user,
            approved=approved,
            note=str(request.data.get("note", "")),
        )
        return self.respond_fresh(session)

    @extend_schema(summary="学习秘书将学习安排报送表报送联络员（R-S10）", request=None)
    @action(detail=True, methods=["post"], url_path="send-arrangement")
    def send_arrangement(self, request: Request, pk: Any = None) -> Response:
        session = self.get_object()
        _call(services.send_arrangement, session, actor=request.user)
        return self.respond_fresh(session)

    @extend_schema(summary="联络员签收并转报联系校领导（R-S10）", request=None)
    @action(detail=True, methods=["post"], url_path="forward-arrangement")
    def forward_arrangement(self, request: Request, pk: Any = None) -> Response:
        session = self.get_object()
        _call(services.forward_arrangement, session, actor=request.user)
        return self.respond_fresh(session)

    @extend_schema(summary="会后将安排表副本及会后材料报送宣传部（R-S10）", request=None)
    @action(detail=True, methods=["post"], url_path="send-report")
    def send_report(self, request: Request, pk: Any = None) -> Response:
        session = self.get_object()
        _call(services.send_report, session, actor=request.user)
        return self.respond_fresh(session)

    @extend_schema(summary="结束签到并确认考勤（R-S3）", request=None)
    @action(detail=True, methods=["post"], url_path="close-attendance")
    def close_attendance(self, request: Request, pk: Any = None) -> Response:
        session = self.get_object()
        _call(services.close_attendance, session, actor=request.user, expected_version=_seen_version(request))
        return self.respond_fresh(session)

    @extend_schema(
        summary="出勤：GET 列表；POST 登记 {person, status, leave_reason}（R-S3）",
        request=AttendanceRequest,
        responses=AttendanceSerializer(many=True),
    )
    @action(detail=True, methods=["get", "post"])
    def attendance(self, request: Request, pk: Any = None) -> Response:
        session = self.get_object()
        if request.method == "POST":
            body = AttendanceRequest(data=request.data, context=self.get_serializer_context())
            body.is_valid(raise_exception=True)
            _call(services.record_attendance, session, actor=request.user, **body.validated_data)
        rows = session.attendances.select_related("person").order_by("person__name")
        return Response(AttendanceSerializer(rows, many=True).data)

    @extend_schema(summary="本人扫码签到 {token}", request=None, responses=AttendanceSerializer)
    @action(detail=True, methods=["post"])
    def checkin(self, request: Request, pk: Any = None) -> Response:
        session = self.get_object()
        row = _call(services.check_in, session, str(request.data.get("token", "")), user=request.user)
        return Response(AttendanceSerializer(row).data)


@extend_schema_field({"type": "integer", "nullable": True})
class UpperThemeField(serializers.Field):
    """R-S17: the id of the upper level's theme a theme follows, checked only by the service.

    Not a related field: the one judge is `services.plans` (one of the upper plan's themes of
    the year), so an id that does not exist and one the caller may not see are refused alike,
    with the same message, and the body's validation never looks the id up.
    """

    default_error_messages = {"incorrect_type": INCORRECT_TYPE}

    def to_internal_value(self, data: Any) -> int:
        number = None if isinstance(data, bool) else parse_id(str(data))
        if number is None:
            self.fail("incorrect_type", data_type=type(data).__name__)
        return number

    def to_representation(self, value: Any) -> int:
        return int(value.pk)


class PlanThemeSerializer(serializers.ModelSerializer):
    upper_theme = UpperThemeField(required=False, allow_null=True)

    class Meta:
        model = PlanTheme
        fields = ["id", "period_kind", "period", "theme", "materials", "topics", "upper_theme"]
        read_only_fields = ["id"]


class StudyPlanSerializer(serializers.ModelSerializer):
    organization = ScopedRelatedField(A.STUDY_CHANGE, queryset=Organization.objects.all())
    themes = PlanThemeSerializer(many=True, required=False)
    is_late = serializers.BooleanField(read_only=True)
    status_display = DisplayField("status")
    available_steps = serializers.SerializerMethodField()

    class Meta:
        model = StudyPlan
        fields = [
            "id", "organization", "year", "kind", "title", "note", "status", "status_display", "due_on", "is_late",
            "submitted_at", "acknowledged_at", "return_reason", "themes", "version", "available_steps",
            *APPROVAL_FIELDS,
        ]  # fmt: skip
        read_only_fields = [
            "version", "status", "due_on", "submitted_at", "acknowledged_at", "return_reason", *APPROVAL_FIELDS,
        ]  # fmt: skip
        extra_kwargs = {"title": {"required": False}}

    def get_available_steps(self, obj: StudyPlan) -> list[str]:
        return _steps(self, obj)


@extend_schema_view(list=extend_schema(summary="年度学习计划", parameters=[OpenApiParameter("year", int)]))
class StudyPlanViewSet(
    ApprovalActionsMixin,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """年度学习计划 (R-S1) and branch 三会一课 plans (R-B5); submit, acknowledge, return."""

    queryset = StudyPlan.objects.select_related("organization").prefetch_related("themes")
    serializer_class = StudyPlanSerializer
    view_action = A.STUDY_VIEW
    change_action = A.STUDY_CHANGE
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        if self.action in ("acknowledge", "return_plan"):
            return policy.scope(self.queryset, self.request.user, A.STUDY_SUPERVISE)
        qs = super().get_queryset()
        year = query_year(self.request.query_params, "year")
        return qs.filter(year=year) if year is not None else qs

    def perform_create(self, serializer: StudyPlanSerializer) -> None:
        data = dict(serializer.validated_data)
        org = data.pop("organization")
        self.require_change(org)
        themes = [dict(t) for t in data.pop("themes", [])]
        serializer.instance = _call(services.create_plan, org, actor=self.request.user, themes=themes, **data)

    def perform_update(self, serializer: StudyPlanSerializer) -> None:
        data = dict(serializer.validated_data)
        plan = serializer.instance
        themes = [dict(t) for t in data["themes"]] if "themes" in data else None
        _call(
            services.update_plan,
            plan,
            actor=self.request.user,
            title=data.get("title", plan.title),
            note=data.get("note", plan.note),
            themes=themes,
        )

    def _transition(self, to: str) -> Response:
        plan = self.get_object()
        plan = _call(
            services.transition_plan,
            plan,
            to,
            actor=self.request.user,
            reason=str(self.request.data.get("reason", "")),
            expected_version=_seen_version(self.request),
        )
        return Response(StudyPlanSerializer(plan, context=self.get_serializer_context()).data)

    @extend_schema(summary="报送宣传部", request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        return self._transition(StudyPlan.Status.SUBMITTED)

    @extend_schema(summary="宣传部确认", request=None)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: Any = None) -> Response:
        return self._transition(StudyPlan.Status.ACKNOWLEDGED)

    @extend_schema(summary="宣传部退回 {reason}", request=None)
    @action(detail=True, methods=["post"], url_path="return")
    def return_plan(self, request: Request, pk: Any = None) -> Response:
        return self._transition(StudyPlan.Status.RETURNED)


class OwnRecordsMixin:
    """Self-study records: a member sees and writes their own; managers and supervisors read all in scope."""

    request: Request

    def get_queryset(self) -> Any:
        user = self.request.user
        qs = policy.scope(self.queryset, user, A.STUDY_VIEW)  # type: ignore[attr-defined]
        visible = Q(pk__in=[])
        for wide in (A.STUDY_CHANGE, A.STUDY_SUPERVISE, A.REPORTS_VIEW):
            reach = policy.reach(user, wide)
            if not reach.is_empty:
                visible |= reach.q("organization")
        if getattr(user, "person_id", None):
            visible |= Q(person_id=user.person_id)
        return qs.filter(visible)

    def own_person(self) -> Person:
        person = getattr(self.request.user, "person", None)
        if person is None or not policy.can(self.request.user, A.STUDY_PARTICIPATE, person.organization):
            raise NotFound(_("未找到。"))
        return person


def attended(sessions: Any, user: Any) -> Any:
    """The sessions the user's own person is on the attendance list of, as the personal pages offer (R-S7)."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return sessions.none()
    return sessions.filter(pk__in=Attendance.objects.filter(person_id=person_id).values("session_id"))


class SelfStudyPlanSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = SelfStudyPlan
        fields = ["id", "person", "person_name", "year", "goals", "tasks", "completed_on"]
        read_only_fields = ["person"]


class SelfStudyPlanViewSet(OwnRecordsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """个人自学计划 (R-S13): POST creates or updates the caller's plan for the year."""

    queryset = SelfStudyPlan.objects.select_related("person")
    serializer_class = SelfStudyPlanSerializer

    def perform_create(self, serializer: SelfStudyPlanSerializer) -> None:
        serializer.instance = _call(
            services.save_self_study_plan, self.own_person(), actor=self.request.user, **serializer.validated_data
        )


class SelfStudyRecordSerializer(serializers.ModelSerializer):
    session = ScopedRelatedField(
        A.STUDY_PARTICIPATE, queryset=StudySession.objects.all(), narrow=attended, allow_null=True, required=False
    )

    class Meta:
        model = SelfStudyRecord
        fields = ["id", "person", "studied_on", "material", "hours", "notes", "session"]
        read_only_fields = ["person"]


class SelfStudyRecordViewSet(OwnRecordsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """个人自学记录 (R-S7)."""

    queryset = SelfStudyRecord.objects.select_related("person")
    serializer_class = SelfStudyRecordSerializer

    def perform_create(self, serializer: SelfStudyRecordSerializer) -> None:
        serializer.instance = _call(
            services.add_self_study_record, self.own_person(), actor=self.request.user, **serializer.validated_data
        )


class ReflectionSerializer(serializers.ModelSerializer):
    session = ScopedRelatedField(
        A.STUDY_PARTICIPATE, queryset=StudySession.objects.all(), narrow=attended, allow_null=True, required=False
    )

    class Meta:
        model = Reflection
        fields = ["id", "person", "kind", "title", "text", "session", "written_on"]
        read_only_fields = ["person", "written_on"]


class ReflectionViewSet(OwnRecordsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """学习体会 / 学习小结 (R-S7, R-B4)."""

    queryset = Reflection.objects.select_related("person")
    serializer_class = ReflectionSerializer

    def perform_create(self, serializer: ReflectionSerializer) -> None:
        serializer.instance = _call(
            services.add_reflection, self.own_person(), actor=self.request.user, **serializer.validated_data
        )


class SecretaryTrainingSerializer(serializers.ModelSerializer):
    organization = ScopedRelatedField(A.STUDY_CHANGE, queryset=Organization.objects.all())
    trainees = ScopedRelatedField(A.STUDY_CHANGE, queryset=Person.objects.all(), many=True, required=False)

    class Meta:
        model = SecretaryTraining
        fields = ["id", "organization", "held_on", "title", "content", "hours", "trainees"]


class SecretaryTrainingViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """支部书记培训 (R-B6)."""

    queryset = SecretaryTraining.objects.select_related("organization").prefetch_related("trainees")
    serializer_class = SecretaryTrainingSerializer
    view_action = A.STUDY_VIEW
    change_action = A.STUDY_CHANGE

    def perform_create(self, serializer: SecretaryTrainingSerializer) -> None:
        data = dict(serializer.validated_data)
        org = data.pop("organization")
        self.require_change(org)
        serializer.instance = _call(services.record_training, org, actor=self.request.user, **data)


class FrequencyRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeetingFrequencyRule
        fields = ["id", "rule_code", "session_kind", "applies_to", "period", "min_count", "requires_agenda_kind"]


class FrequencyRuleViewSet(viewsets.ReadOnlyModelViewSet):
    """会议频次规则 (R-S2, R-B1 … R-B4), deployment-wide; readable by anyone who views study records."""

    queryset = MeetingFrequencyRule.objects.filter(active=True)
    serializer_class = FrequencyRuleSerializer

    def get_queryset(self) -> Any:
        if not policy.can(self.request.user, A.STUDY_VIEW):
            return MeetingFrequencyRule.objects.none()
        return super().get_queryset()


@extend_schema_view(list=extend_schema(summary="待我签收的学习文件（R-S10）"))
class StudyReceiptViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    """The study documents the caller may sign for and has not (his to-dos), and the 签收 step."""

    serializer_class = ReceiptSerializer

    def get_queryset(self) -> Any:
        return core_deliveries.pending_receipts(self.request.user).filter(delivery__app_label="study")

    @extend_schema(summary="签收（R-S10）", request=None)
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: Any = None) -> Response:
        try:
            receipt = core_deliveries.signable(request.user, pk)
        except Http404:
            raise NotFound from None
        if receipt.delivery.app_label != "study":
            raise NotFound
        _call(services.sign_receipt, receipt, actor=request.user)
        receipt.refresh_from_db()
        return Response(ReceiptSerializer(receipt).data)
