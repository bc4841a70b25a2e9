"""Compliance API (read-only): findings, check runs and the rule catalogue, scoped by the policy.

* Findings: whoever holds compliance.view reads the findings of the units in their reach
  (the same scope as the findings page); a finding outside it answers 404 like a missing one.
  Each finding carries its evidence records, with the API address of each one that has an API.
* Runs: a run is the checks' own bookkeeping (what ran, when, how many findings changed);
  like the rule parameters it belongs to who configures compliance (compliance.configure).
  A run of one unit is visible where that unit is reached; a run over every unit only to
  whoever reaches every top organization, since its counts cover them all.
* Rules: every rule ID of the one parameter registry with its parameters, default and value
  in force (`pangting.core.parameters`), for who configures compliance; others get an empty
  list and 404 on a rule, as on the rule-parameters page.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from pangting.accounts import policy
from pangting.core import parameters
from pangting.core.api_fields import DisplayField
from pangting.core.api_inputs import query_id, query_year
from pangting.core.api_views import ScopedReadOnlyViewSet
from pangting.core.paging import KnownCount
from pangting.orgs.models import Organization

from .listing import OPEN, RESOLVED, FindingFilter
from .messages import evidence_label
from .models import ComplianceRun, Finding, FindingCount
from .registry import ordered_rules

A = policy.Action

# Evidence model label → the router basename of its API detail route (records without an API get no link).
EVIDENCE_ROUTES = {
    "orgs.organization": "organization",
    "study.studysession": "studysession",
    "study.studyplan": "studyplan",
    "study.selfstudyplan": "selfstudyplan",
    "study.selfstudyrecord": "selfstudyrecord",
    "study.reflection": "reflection",
    "study.secretarytraining": "secretarytraining",
    "observation.visit": "observation-visit",
    "observation.observationrecord": "observation-record",
    "observation.feedback": "observation-feedback",
    "observation.rectification": "observation-rectification",
    "observation.crossobservation": "observation-cross",
}


def evidence_url(model: str, pk: Any) -> str | None:
    """The API address of an evidence record, or None when that kind of record has no API route."""
    basename = EVIDENCE_ROUTES.get(model)
    if basename is None:
        return None
    try:
        return reverse(f"{basename}-detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return None


# --- serializers -------------------------------------------------------------------------


class EvidenceSerializer(serializers.Serializer):
    """A record behind a finding: model label, primary key, short label and its API address."""

    model = serializers.CharField()
    pk = serializers.IntegerField()
    label = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_null=True)


class FindingSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    rule_title = serializers.SerializerMethodField()
    severity_display = DisplayField("severity")
    status = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()
    # The reader's language (`compliance.messages`); the stored Chinese text for rows made before msgids.
    message = serializers.CharField(source="display_message", read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id", "rule_id", "rule_title", "unit", "unit_name", "year", "period", "key", "severity",
            "severity_display", "message", "status", "measured", "evidence", "first_seen", "last_seen", "resolved_at",
        ]  # fmt: skip

    def get_rule_title(self, obj: Finding) -> str:
        return self.context.get("rule_titles", {}).get(obj.rule_id, "")

    def get_status(self, obj: Finding) -> str:
        """open / resolved: a finding is never deleted, it is resolved when a run no longer finds it."""
        return "open" if obj.resolved_at is None else "resolved"

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, obj: Finding) -> list[dict[str, Any]]:
        return [
            {
                "model": str(item.get("model", "")),
                "pk": item.get("pk"),
                "label": evidence_label(item),
                "url": evidence_url(str(item.get("model", "")), item.get("pk")),
            }
            for item in obj.evidence or []
        ]


class ComplianceRunSerializer(serializers.ModelSerializer):
    unit_name = serializers.SerializerMethodField()
    trigger_display = DisplayField("trigger")
    finished = serializers.SerializerMethodField()

    class Meta:
        model = ComplianceRun
        fields = [
            "id", "year", "unit", "unit_name", "rules", "trigger", "trigger_display", "started_at", "finished_at",
            "finished", "counts",
        ]  # fmt: skip

    def get_unit_name(self, obj: ComplianceRun) -> str:
        return obj.unit.name if obj.unit_id else ""

    def get_finished(self, obj: ComplianceRun) -> bool:
        return obj.finished_at is not None


class ParameterSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField()
    unit = serializers.CharField(allow_blank=True)
    default = serializers.JSONField()
    value = serializers.JSONField()
    changed = serializers.BooleanField()


class RuleSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    checked = serializers.BooleanField(help_text="该规则是否有数据检查")
    parameters = ParameterSerializer(many=True)


def rule_catalogue() -> list[dict[str, Any]]:
    """Every rule ID of the registries, in domain.md's order, with its parameters and the values in force."""
    titles = {r.id: r.title for r in ordered_rules()}  # importing the checks registers their parameters
    stored = parameters.all_values()
    declared = dict(parameters.declared())
    return [
        {
            "id": rule_id,
            "title": titles.get(rule_id) or parameters.TITLES.get(rule_id, ""),
            "checked": rule_id in titles,
            "parameters": [
                {
                    "name": p.name,
                    "label": str(p.label),
                    "kind": p.kind,
                    "unit": p.unit,
                    "default": p.default,
                    "value": stored[rule_id][p.name],
                    "changed": stored[rule_id][p.name] != p.default,
                }
                for p in declared.get(rule_id, [])
            ],
        }
        for rule_id in sorted(set(titles) | set(declared), key=parameters.rule_sort_key)
    ]


# --- viewsets ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="检查发现列表",
        parameters=[
            OpenApiParameter("year", int, description="年度"),
            OpenApiParameter("unit", int, description="单位（含下级）"),
            OpenApiParameter("rule", str, description="规则编号，如 R-S3"),
            OpenApiParameter("severity", str, description="red / amber"),
            OpenApiParameter("status", str, description="open（默认全部）/ resolved"),
        ],
    ),
    retrieve=extend_schema(summary="检查发现详情（含依据记录）"),
)
class FindingViewSet(ScopedReadOnlyViewSet):
    """检查发现: a unit's shortfall against one rule, with the records behind it."""

    queryset = Finding.objects.select_related("unit")
    serializer_class = FindingSerializer
    view_action = A.COMPLIANCE_VIEW

    @cached_property
    def wanted(self) -> FindingFilter:
        """The list's filter, from the query: year, unit (its subtree), rule, severity, status
        (read once per request: the rows and their number use it)."""
        params = self.request.query_params
        unit, nothing = None, False
        if params.get("unit") is not None:
            unit_id = query_id(params, "unit")
            unit = Organization.objects.filter(pk=unit_id).only("path").first() if unit_id is not None else None
            nothing = unit is None
        status = params.get("status")
        return FindingFilter(
            year=query_year(params, "year"),
            unit=unit,
            rule_id=params.get("rule") or "",
            severity=params.get("severity") or "",
            status=status if status in (OPEN, RESOLVED) else "",
            nothing=nothing,
        )

    def get_queryset(self) -> QuerySet[Finding]:
        return self.wanted.findings(super().get_queryset())

    def paginate_queryset(self, queryset: QuerySet[Finding]) -> Any:
        # The number of findings from their stored counts, not a COUNT over a province's (issue 15).
        total = self.wanted.count(FindingCount.objects.for_user(self.request.user, self.view_action))
        return super().paginate_queryset(KnownCount(queryset, total))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "rule_titles": {r.id: r.title for r in ordered_rules()}}


def runs_for(user: Any, qs: QuerySet[ComplianceRun] | None = None) -> QuerySet[ComplianceRun]:
    """The runs `user` reaches (compliance.configure): one unit's where the unit is reached, all units' at the top."""
    qs = ComplianceRun.objects.all() if qs is None else qs
    granted = policy.reach(user, A.COMPLIANCE_CONFIGURE)
    if granted.is_empty:
        return qs.none()
    condition = Q(unit__isnull=False) & granted.q("unit")
    tops = Organization.objects.filter(parent__isnull=True).only("pk", "path")
    if all(granted.contains(top) for top in tops):
        condition |= Q(unit__isnull=True)
    return qs.filter(condition)


@extend_schema_view(
    list=extend_schema(
        summary="检查批次列表",
        parameters=[
            OpenApiParameter("year", int, description="年度"),
            OpenApiParameter("unit", int, description="单位（只含该单位的批次）"),
        ],
    ),
    retrieve=extend_schema(summary="检查批次详情（新增、仍存在、已消除的问题数）"),
)
class ComplianceRunViewSet(viewsets.ReadOnlyModelViewSet):
    """检查批次: one execution of the checks, read-only (runs start from the commands and pages)."""

    queryset = ComplianceRun.objects.select_related("unit")
    serializer_class = ComplianceRunSerializer

    def get_queryset(self) -> QuerySet[ComplianceRun]:
        qs = runs_for(self.request.user, super().get_queryset())
        params = self.request.query_params
        if (year := query_year(params, "year")) is not None:
            qs = qs.filter(year=year)
        if params.get("unit") is not None:
            unit_id = query_id(params, "unit")
            qs = qs.filter(unit_id=unit_id) if unit_id is not None else qs.none()
        return qs


class RuleViewSet(viewsets.ViewSet):
    """检查规则与参数: the rule catalogue, for who configures compliance (404 and an empty list otherwise)."""

    lookup_value_regex = r"R-[A-Z]+[0-9]+"
    serializer_class = RuleSerializer

    def _rules(self, request: Request) -> list[dict[str, Any]]:
        if not policy.can(request.user, A.COMPLIANCE_CONFIGURE):
            return []
        return rule_catalogue()

    @extend_schema(summary="检查规则与参数（默认值与当前值）", responses=RuleSerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(RuleSerializer(self._rules(request), many=True).data)

    @extend_schema(summary="一条规则及其参数", responses=RuleSerializer)
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        found = next((r for r in self._rules(request) if r["id"] == pk), None)
        if found is None:
            raise NotFound
        return Response(RuleSerializer(found).data)
