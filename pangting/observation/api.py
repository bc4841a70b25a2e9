"""Observation API: everything the pages show, scoped by the policy; steps through the services.

Reads: visits (team, deadlines with their basis, state, the steps the caller may take now,
the history of transitions), records, feedback, rectifications, cross-observations,
practices, invitations. Writes: one POST action per named workflow step (there is no raw
state setter), each calling exactly one service; the body may carry the `version` the caller
saw, and a stale one is refused ("此记录已被他人修改"). A business refusal is a 400 with the
service's Chinese message; a record the caller may not act on is 404, before anything about
its state is revealed.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from pangting.accounts import policy
from pangting.core import deliveries as core_deliveries
from pangting.core.api_fields import DisplayField
from pangting.core.api_inputs import query_id, query_year
from pangting.core.api_views import ScopedReadOnlyViewSet, as_drf_error
from pangting.core.models import TransitionLog
from pangting.core.scoped_fields import ScopedRelatedField
from pangting.core.transitions import available_step_names, log_of, preload_logs
from pangting.orgs.models import Organization
from pangting.study.api import DeliverySerializer
from pangting.study.models import StudySession

from . import rectification, services
from .models import (
    CrossObservation,
    Evidence,
    Feedback,
    InvitationRequest,
    ObservationRecord,
    Practice,
    Rectification,
    Replication,
    TeamMember,
    Visit,
    VisitTransition,
)

A = policy.Action
VIEW = A.OBSERVATION_VIEW


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except ValidationError as error:
        raise as_drf_error(error) from error


def _require(user: Any, action_name: A, org: Any) -> None:
    if not policy.can(user, action_name, org):
        raise NotFound(_("未找到。"))


# --- serializers -------------------------------------------------------------------------


class ObservationDeadlineSerializer(serializers.Serializer):
    """A due date with what it was computed from (start, amount, unit, calendar revisions, text)."""

    due = serializers.DateField(allow_null=True)
    basis = serializers.DictField(allow_empty=True)
    text = serializers.CharField(allow_blank=True)


def _steps(serializer: serializers.Serializer, obj: Any) -> list[str]:
    """The steps the caller may take on `obj` now: the same list that drives the page buttons."""
    request = serializer.context.get("request")
    return available_step_names(obj, request.user) if request else []


def _deadline(due: Any, basis: dict[str, Any] | None) -> dict[str, Any]:
    basis = basis or {}
    return {"due": due, "basis": basis, "text": basis.get("text", "")}


class TeamMemberSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    post = serializers.CharField(source="person.post", read_only=True)
    role_display = DisplayField("role")

    class Meta:
        model = TeamMember
        fields = ["id", "person", "person_name", "post", "role", "role_display", "attended"]
        read_only_fields = ["attended"]  # R-O5: set by the step that marks the visit observed


class TransitionSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = VisitTransition
        fields = ["from_state", "to_state", "step", "actor", "actor_name", "at", "reason"]

    def get_actor_name(self, obj: VisitTransition) -> str:
        return obj.actor.display_name if obj.actor_id else ""


class StepLogSerializer(serializers.ModelSerializer):
    """A step of a rectification item, cross-observation or invitation: the same shape as a visit's transition."""

    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = TransitionLog
        fields = ["from_state", "to_state", "step", "actor", "actor_name", "at", "reason"]

    def get_actor_name(self, obj: TransitionLog) -> str:
        return obj.actor.display_name if obj.actor_id else ""


def _log(obj: Any) -> list[dict[str, Any]]:
    return StepLogSerializer(log_of(obj), many=True).data


class VisitSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    mode_display = DisplayField("mode")
    state_display = DisplayField("state")
    team = serializers.SerializerMethodField()
    reply = serializers.SerializerMethodField()
    record = serializers.SerializerMethodField()
    feedback = serializers.SerializerMethodField()
    reply_late = serializers.BooleanField(read_only=True)
    reply_delivery = serializers.SerializerMethodField()
    available_steps = serializers.SerializerMethodField()
    transitions = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = [
            "id", "plan", "supervisor_org", "unit", "unit_name", "mode", "mode_display", "year", "semester",
            "target_month", "state", "state_display", "focus", "session", "letter_number", "letter_issued_at",
            "letter_delivered_on", "reply_received_on", "reply_notes", "reply_late", "reply", "record", "feedback",
            "reply_delivery", "deadline_warning", "draw_ref", "team", "version", "available_steps", "transitions",
        ]  # fmt: skip

    @extend_schema_field(TeamMemberSerializer(many=True))
    def get_team(self, obj: Visit) -> list[dict[str, Any]]:
        return TeamMemberSerializer(obj.team(), many=True).data

    @extend_schema_field(ObservationDeadlineSerializer)
    def get_reply(self, obj: Visit) -> dict[str, Any]:
        return _deadline(obj.reply_due, obj.reply_due_basis)

    @extend_schema_field(DeliverySerializer(allow_null=True))
    def get_reply_delivery(self, obj: Visit) -> dict[str, Any] | None:
        delivery = services.reply_delivery(obj)
        return DeliverySerializer(delivery, context=self.context).data if delivery else None

    @extend_schema_field(ObservationDeadlineSerializer)
    def get_record(self, obj: Visit) -> dict[str, Any]:
        return _deadline(obj.record_due, obj.record_due_basis)

    @extend_schema_field(ObservationDeadlineSerializer)
    def get_feedback(self, obj: Visit) -> dict[str, Any]:
        return _deadline(obj.feedback_due, obj.feedback_due_basis)

    def get_available_steps(self, obj: Visit) -> list[str]:
        return _steps(self, obj)

    @extend_schema_field(TransitionSerializer(many=True))
    def get_transitions(self, obj: Visit) -> list[dict[str, Any]]:
        return TransitionSerializer(obj.transitions.all(), many=True).data


class RecordSerializer(serializers.ModelSerializer):
    filed_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = ObservationRecord
        fields = [
            "id", "visit", "rubric", "facts", "organization_findings", "content_findings", "method_findings",
            "effect_findings", "problems", "suggestions", "scores", "composite_score", "filed_by", "filed_at",
            "filed_late", "signed_off_by", "signed_off_at",
        ]  # fmt: skip


class FeedbackSerializer(serializers.ModelSerializer):
    issued_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = Feedback
        fields = [
            "id", "visit", "checklist", "summary", "suggestions", "number", "issued_at", "issued_by", "issued_late",
            "acknowledged_at", "acknowledged_by",
        ]  # fmt: skip


class EvidenceSerializer(serializers.ModelSerializer):
    """A file proving a rectification, with its download address (scoped like the item)."""

    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "original_name", "size", "created_at", "download_url"]

    def get_download_url(self, obj: Evidence) -> str:
        return reverse("observation:evidence_download", args=[obj.pk])


class RectificationSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    status_display = DisplayField("status")
    escalation = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()
    owner_name = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(read_only=True)
    available_steps = serializers.SerializerMethodField()
    transitions = serializers.SerializerMethodField()

    class Meta:
        model = Rectification
        fields = [
            "id", "visit", "unit", "source", "checklist_point", "problem", "measure", "owner", "owner_name",
            "deadline", "deadline_basis", "overdue", "escalation", "evidence", "status", "status_display",
            "unit_report", "reported_at", "verified_by", "verified_at", "verification_note",
            "version", "available_steps", "transitions",
        ]  # fmt: skip

    def get_available_steps(self, obj: Rectification) -> list[str]:
        return _steps(self, obj)

    @extend_schema_field(StepLogSerializer(many=True))
    def get_transitions(self, obj: Rectification) -> list[dict[str, Any]]:
        return _log(obj)

    def get_owner_name(self, obj: Rectification) -> str:
        return obj.owner.name if obj.owner_id else ""

    def get_escalation(self, obj: Rectification) -> dict[str, Any]:
        """R-O10: how far an overdue item has escalated (level "" when not overdue)."""
        level = rectification.escalation(obj)
        return {"level": level.level, "overdue_working_days": level.overdue_days}

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, obj: Rectification) -> list[dict[str, Any]]:
        alive = [e for e in obj.evidence.all() if e.deleted_at is None]
        return list(EvidenceSerializer(alive, many=True).data)


class CrossObservationSerializer(serializers.ModelSerializer):
    report = serializers.CharField(read_only=True)
    report_deadline = serializers.SerializerMethodField()
    reported_late = serializers.BooleanField(read_only=True)
    available_steps = serializers.SerializerMethodField()
    transitions = serializers.SerializerMethodField()

    class Meta:
        model = CrossObservation
        fields = [
            "id", "year", "semester", "host", "visitor", "visitor_person", "session", "status", "report",
            "report_due", "report_deadline", "reported_at", "reported_late", "cancel_reason", "version",
            "available_steps", "transitions",
        ]  # fmt: skip

    def get_available_steps(self, obj: CrossObservation) -> list[str]:
        return _steps(self, obj)

    @extend_schema_field(StepLogSerializer(many=True))
    def get_transitions(self, obj: CrossObservation) -> list[dict[str, Any]]:
        return _log(obj)

    @extend_schema_field(ObservationDeadlineSerializer)
    def get_report_deadline(self, obj: CrossObservation) -> dict[str, Any]:
        return _deadline(obj.report_due, obj.report_due_basis)


class ReplicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Replication
        fields = ["id", "unit", "on", "notes"]


class PracticeSerializer(serializers.ModelSerializer):
    replications = serializers.SerializerMethodField()

    class Meta:
        model = Practice
        fields = ["id", "unit", "visit", "title", "description", "status", "promoted_at", "created_at", "replications"]

    @extend_schema_field(ReplicationSerializer(many=True))
    def get_replications(self, obj: Practice) -> list[dict[str, Any]]:
        alive = [replication for replication in obj.replications.all() if replication.deleted_at is None]
        return list(ReplicationSerializer(alive, many=True).data)


class InvitationSerializer(serializers.ModelSerializer):
    available_steps = serializers.SerializerMethodField()
    transitions = serializers.SerializerMethodField()

    class Meta:
        model = InvitationRequest
        fields = [
            "id", "unit", "session", "message", "status", "requested_by", "decided_by", "decided_at",
            "decision_reason", "visit", "created_at", "version", "available_steps", "transitions",
        ]  # fmt: skip

    def get_available_steps(self, obj: InvitationRequest) -> list[str]:
        return _steps(self, obj)

    @extend_schema_field(StepLogSerializer(many=True))
    def get_transitions(self, obj: InvitationRequest) -> list[dict[str, Any]]:
        return _log(obj)


# --- request bodies of the actions ---------------------------------------------------------


class StepRequest(serializers.Serializer):
    """The body of a step: the version of the record the caller saw (optional, recommended)."""

    version = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)


class ReasonStepRequest(StepRequest):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class DeliveryRequest(StepRequest):
    delivered_on = serializers.DateField()


class ObservedRequest(StepRequest):
    """R-O5: the team places (ids from the visit's team) that were present; omitted: the whole team."""

    attendees = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, allow_null=True, default=None, max_length=50
    )


class ReplyRequest(StepRequest):
    """R-O4: the reply is sent now; its send time decides whether it is on time."""

    session = ScopedRelatedField(A.OBSERVATION_DELIVER, queryset=StudySession.objects.all())
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class RecordRequest(serializers.Serializer):
    organization_findings = serializers.CharField(required=False, allow_blank=True)
    content_findings = serializers.CharField(required=False, allow_blank=True)
    method_findings = serializers.CharField(required=False, allow_blank=True)
    effect_findings = serializers.CharField(required=False, allow_blank=True)
    problems = serializers.CharField(required=False, allow_blank=True)
    suggestions = serializers.CharField(required=False, allow_blank=True)
    scores = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict)
    submit = serializers.BooleanField(required=False, default=False)


class ReportRequest(StepRequest):
    report = serializers.CharField(allow_blank=True)


class ProblemItemRequest(serializers.Serializer):
    """R-O25: a problem on a unit's own problem list; the deadline defaults to the configured working days."""

    unit = serializers.IntegerField()
    problem = serializers.CharField(max_length=2000)
    measure = serializers.CharField(required=False, allow_blank=True, default="")
    deadline = serializers.DateField(required=False, allow_null=True, default=None)


class VerifyRequest(StepRequest):
    accept = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- viewsets ------------------------------------------------------------------------------


class PageLogsMixin:
    """A list reads the step logs of its whole page in one query (issue 15: no query per row)."""

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)  # type: ignore[misc]
        preload_logs(page or [])
        return page


@extend_schema_view(
    list=extend_schema(
        summary="巡听旁听列表",
        parameters=[
            OpenApiParameter("year", int, description="年度"),
            OpenApiParameter("state", str, description="状态"),
            OpenApiParameter("mode", str, description="方式：planned / random / invited"),
            OpenApiParameter("unit", int, description="被旁听单位"),
        ],
    ),
    retrieve=extend_schema(summary="巡听旁听详情（旁听组、期限及依据、状态、可办理的状态变更）"),
)
class VisitViewSet(ScopedReadOnlyViewSet):
    """巡听旁听: one supervisory visit to one unit's session (R-O1 … R-O10)."""

    # Issue 15: everything a row shows or its steps' preconditions read comes with the page, so
    # the list costs the same number of queries for 3 visits or 50 (pinned in test_api_queries).
    queryset = Visit.objects.select_related("unit", "session", "record", "feedback").prefetch_related(
        Prefetch("team_members", queryset=TeamMember.objects.select_related("person")),
        Prefetch("transitions", queryset=VisitTransition.objects.select_related("actor__person")),
        Prefetch("rectifications", queryset=Rectification.all_objects.all()),
    )
    serializer_class = VisitSerializer
    view_action = VIEW

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        services.preload_replies(list(page or []))  # R-O4 replies and receipts, one read per page
        return page

    def get_queryset(self) -> QuerySet[Visit]:
        qs = super().get_queryset()
        params = self.request.query_params
        if (year := query_year(params, "year")) is not None:
            qs = qs.filter(year=year)
        if (unit := query_id(params, "unit")) is not None:
            qs = qs.filter(unit_id=unit)
        for name in ("state", "mode"):
            if params.get(name):
                qs = qs.filter(**{name: params[name]})
        return qs

    def _step(self, request: Request, service: Any, *, body: type[serializers.Serializer] = StepRequest) -> Response:
        """Run one step service on the visit with the version the caller saw; permission first (404)."""
        visit = self.get_object()
        data = _valid(body, request.data)
        extra = {"reason": data["reason"]} if "reason" in data else {}
        _call(service, visit, actor=request.user, expected_version=data["version"], **extra)
        return self.respond_fresh(visit)

    @extend_schema(summary="印发函告（编号不断号，R-O4）", request=StepRequest, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def issue_letter(self, request: Request, pk: Any = None) -> Response:
        return self._step(request, services.issue_letter)

    @extend_schema(
        summary="登记函件送达日期（回复期限由此计算，R-O4）", request=DeliveryRequest, responses=VisitSerializer
    )
    @action(detail=True, methods=["post"])
    def delivery(self, request: Request, pk: Any = None) -> Response:
        visit = self.get_object()
        _require(request.user, A.OBSERVATION_MANAGE, visit.unit)
        data = _valid(DeliveryRequest, request.data)
        _call(
            services.record_delivery, visit, data["delivered_on"], actor=request.user, expected_version=data["version"]
        )
        return self.respond_fresh(visit)

    @extend_schema(summary="旁听组已全程参加，登记到场成员（R-O5）", request=ObservedRequest, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def mark_observed(self, request: Request, pk: Any = None) -> Response:
        visit = self.get_object()
        data = _valid(ObservedRequest, request.data)
        _call(
            services.mark_observed,
            visit,
            actor=request.user,
            attendees=data["attendees"],
            expected_version=data["version"],
        )
        return self.respond_fresh(visit)

    @extend_schema(summary="印发反馈意见（R-O9）", request=StepRequest, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def issue_feedback(self, request: Request, pk: Any = None) -> Response:
        return self._feedback_step(request, services.issue_feedback, A.OBSERVATION_MANAGE)

    @extend_schema(summary="单位签收反馈意见（R-O10）", request=StepRequest, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: Any = None) -> Response:
        return self._feedback_step(request, services.acknowledge_feedback, A.OBSERVATION_REPLY)

    def _feedback_step(self, request: Request, service: Any, needed: A) -> Response:
        visit = self.get_object()
        _require(request.user, needed, visit.unit)
        data = _valid(StepRequest, request.data)
        feedback = Feedback.objects.filter(visit=visit).first()
        if feedback is None:
            raise serializers.ValidationError({"detail": [_("请先起草反馈意见。")]})
        feedback.visit = visit
        _call(service, feedback, actor=request.user, expected_version=data["version"])
        return self.respond_fresh(visit)

    @extend_schema(summary="取消巡听旁听（须说明原因）", request=ReasonStepRequest, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        return self._step(request, services.cancel_visit, body=ReasonStepRequest)

    @extend_schema(
        summary="单位报送函告回复及学习会方案（联络员或学习秘书，R-O4）",
        request=ReplyRequest,
        responses=VisitSerializer,
    )
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: Any = None) -> Response:
        visit = self.get_object()
        _require(request.user, A.OBSERVATION_DELIVER, visit.unit)
        body = ReplyRequest(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        _call(
            services.send_reply,
            visit,
            data["session"],
            actor=request.user,
            notes=data["notes"],
            expected_version=data["version"],
        )
        return self.respond_fresh(visit)

    @extend_schema(summary="签收单位的回复及学习会方案（R-O4）", request=None, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def sign_reply(self, request: Request, pk: Any = None) -> Response:
        """The team leader or the supervising department signs for the unit's reply (one tap)."""
        visit = self.get_object()
        delivery = services.reply_delivery(visit)
        mine = [r for r in delivery.receipts.all() if core_deliveries.may_sign(request.user, r)] if delivery else []
        if not mine:
            raise NotFound(_("未找到。"))
        receipt = next((r for r in mine if r.signed_at is None), mine[0])
        _call(services.sign_reply_receipt, receipt, actor=request.user)
        return self.respond_fresh(visit)

    @extend_schema(summary="填写或提交列席旁听记录（R-O8、R-O18）", request=RecordRequest, responses=RecordSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: Any = None) -> Response:
        visit = self.get_object()
        _require(request.user, A.OBSERVATION_RECORD, visit.unit)
        data = _valid(RecordRequest, request.data)
        scores, submit = data.pop("scores"), data.pop("submit")
        record = _call(services.save_record, visit, actor=request.user, data=data, scores=scores, submit=submit)
        return Response(RecordSerializer(record).data)


class RecordViewSet(ScopedReadOnlyViewSet):
    """列席旁听记录表 (R-O8, R-O18)."""

    queryset = ObservationRecord.objects.select_related("visit").order_by("-pk")
    serializer_class = RecordSerializer
    view_action = VIEW


class FeedbackViewSet(ScopedReadOnlyViewSet):
    """反馈意见 (R-O9)."""

    queryset = Feedback.objects.select_related("visit").order_by("-pk")
    serializer_class = FeedbackSerializer
    view_action = VIEW


@extend_schema_view(
    list=extend_schema(
        summary="整改事项",
        parameters=[OpenApiParameter("status", str, description="open / reported / accepted / sent_back")],
    )
)
class RectificationViewSet(PageLogsMixin, ScopedReadOnlyViewSet):
    """整改 (R-O10): report by the unit, verification by the supervisor."""

    queryset = Rectification.objects.select_related("unit", "visit__unit", "owner").prefetch_related("evidence")
    serializer_class = RectificationSerializer
    view_action = VIEW

    @extend_schema(
        summary="列入问题清单（不经旁听，R-O25）", request=ProblemItemRequest, responses=RectificationSerializer
    )
    @action(detail=False, methods=["post"], url_path="problem-list")
    def problem_list(self, request: Request) -> Response:
        data = _valid(ProblemItemRequest, request.data)
        unit = Organization.objects.filter(pk=data["unit"]).first()
        if unit is None or not (
            policy.can(request.user, A.OBSERVATION_REPLY, unit) or policy.can(request.user, A.OBSERVATION_MANAGE, unit)
        ):
            raise NotFound(_("未找到。"))
        item = _call(
            services.open_problem_item, unit, actor=request.user, problem=data["problem"], measure=data["measure"],
            deadline=data["deadline"],
        )  # fmt: skip
        return self.respond_fresh(item)

    def get_queryset(self) -> QuerySet[Rectification]:
        qs = super().get_queryset()
        if self.request.query_params.get("status"):
            qs = qs.filter(status=self.request.query_params["status"])
        return qs

    @extend_schema(summary="单位报送整改情况", request=ReportRequest, responses=RectificationSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request: Request, pk: Any = None) -> Response:
        item = self.get_object()
        _require(request.user, A.OBSERVATION_REPLY, item.unit)
        data = _valid(ReportRequest, request.data)
        _call(
            services.report_rectification,
            item,
            actor=request.user,
            report=data["report"],
            expected_version=data["version"],
        )
        return self.respond_fresh(item)

    @extend_schema(summary="宣传部验收或退回（R-O10）", request=VerifyRequest, responses=RectificationSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: Any = None) -> Response:
        item = self.get_object()
        _require(request.user, A.OBSERVATION_MANAGE, item.unit)
        data = _valid(VerifyRequest, request.data)
        _call(
            services.verify_rectification,
            item,
            actor=request.user,
            accept=data["accept"],
            note=data["note"],
            expected_version=data["version"],
        )
        return self.respond_fresh(item)


class CrossObservationViewSet(PageLogsMixin, ScopedReadOnlyViewSet):
    """交叉旁听 (R-O13): seen by both the host and the visiting unit."""

    queryset = CrossObservation.objects.all()
    serializer_class = CrossObservationSerializer
    view_action = VIEW

    def get_queryset(self) -> QuerySet[CrossObservation]:
        granted = policy.reach(self.request.user, VIEW)
        if granted.is_empty:
            return CrossObservation.objects.none()
        qs = CrossObservation.objects.filter(Q(granted.q("host")) | Q(granted.q("visitor")))
        params = self.request.query_params
        for name in ("year", "semester"):
            if (number := query_year(params, name)) is not None:  # year or semester: small numbers
                qs = qs.filter(**{name: number})
        return qs.select_related("host", "visitor", "session").order_by("-year", "-semester", "pk")

    @extend_schema(summary="列席单位报送列席情况（R-O13）", request=ReportRequest, responses=CrossObservationSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request: Request, pk: Any = None) -> Response:
        cross = self.get_object()
        data = _valid(ReportRequest, request.data)
        _call(
            services.report_cross_observation,
            cross,
            actor=request.user,
            report=data["report"],
            expected_version=data["version"],
        )
        return self.respond_fresh(cross)

    @extend_schema(summary="邀请单位确认已列席（R-O13）", request=StepRequest, responses=CrossObservationSerializer)
    @action(detail=True, methods=["post"])
    def attend(self, request: Request, pk: Any = None) -> Response:
        cross = self.get_object()
        data = _valid(StepRequest, request.data)
        _call(services.attend_cross_observation, cross, actor=request.user, expected_version=data["version"])
        return self.respond_fresh(cross)

    @extend_schema(
        summary="取消交叉旁听（须说明原因）", request=ReasonStepRequest, responses=CrossObservationSerializer
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        cross = self.get_object()
        data = _valid(ReasonStepRequest, request.data)
        _call(
            services.cancel_cross_observation,
            cross,
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        )
        return self.respond_fresh(cross)


class PracticeViewSet(ScopedReadOnlyViewSet):
    """典型经验做法 (R-O16), as the library page shows them (own reach plus promoted ones)."""

    queryset = Practice.objects.all()
    serializer_class = PracticeSerializer
    view_action = VIEW

    def get_queryset(self) -> QuerySet[Practice]:
        from .views_practices import practices_for

        return practices_for(self.request.user).prefetch_related("replications").order_by("-created_at")


class InvitationViewSet(PageLogsMixin, ScopedReadOnlyViewSet):
    """应邀式 requests (R-O2)."""

    queryset = InvitationRequest.objects.select_related("unit")  # the steps ask the policy about the unit
    serializer_class = InvitationSerializer
    view_action = VIEW

    def _decide(self, request: Request, *, accept: bool) -> Response:
        invitation = self.get_object()
        data = _valid(ReasonStepRequest, request.data)
        _call(
            services.decide_invitation,
            invitation,
            accept=accept,
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
        )
        fresh = InvitationRequest.objects.get(pk=invitation.pk)
        return Response(InvitationSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="接受邀请（生成应邀式巡听旁听，R-O2）", request=ReasonStepRequest, responses=InvitationSerializer
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: Any = None) -> Response:
        return self._decide(request, accept=True)

    @extend_schema(summary="婉拒邀请（须说明理由）", request=ReasonStepRequest, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: Any = None) -> Response:
        return self._decide(request, accept=False)
