"""REST API v1: one router; every viewset scoped by the policy module."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from pangting.accounts.api import MeView, TokenDetailView, TokenListView, TokenView
from pangting.accounts.api_permissions import PasswordIsCurrent
from pangting.analysis import api as analysis_api
from pangting.assessment import api as assessment_api
from pangting.compliance import api as compliance_api
from pangting.observation import api as observation_api
from pangting.orgs import api as orgs_api
from pangting.planning import api as planning_api
from pangting.reports import api as reports_api
from pangting.study import api as study_api
from pangting.workdays.api import CalendarYearsView, DeadlineView

router = DefaultRouter(trailing_slash=True)
router.register("organizations", orgs_api.OrganizationViewSet, basename="organization")
router.register("people", orgs_api.PersonViewSet, basename="person")
router.register("study-groups", orgs_api.StudyGroupViewSet, basename="studygroup")
router.register("leader-links", orgs_api.LeaderLinkViewSet, basename="leaderlink")
router.register("liaisons", orgs_api.LiaisonViewSet, basename="liaison")
router.register("study-sessions", study_api.StudySessionViewSet, basename="studysession")
router.register("study-plans", study_api.StudyPlanViewSet, basename="studyplan")
router.register("self-study-plans", study_api.SelfStudyPlanViewSet, basename="selfstudyplan")
router.register("self-study-records", study_api.SelfStudyRecordViewSet, basename="selfstudyrecord")
router.register("reflections", study_api.ReflectionViewSet, basename="reflection")
router.register("secretary-trainings", study_api.SecretaryTrainingViewSet, basename="secretarytraining")
router.register("meeting-frequency-rules", study_api.FrequencyRuleViewSet, basename="meetingfrequencyrule")
router.register("study-receipts", study_api.StudyReceiptViewSet, basename="studyreceipt")
router.register("observation/visits", observation_api.VisitViewSet, basename="observation-visit")
router.register("observation/records", observation_api.RecordViewSet, basename="observation-record")
router.register("observation/feedback", observation_api.FeedbackViewSet, basename="observation-feedback")
router.register(
    "observation/rectifications", observation_api.RectificationViewSet, basename="observation-rectification"
)
router.register("observation/cross", observation_api.CrossObservationViewSet, basename="observation-cross")
router.register("observation/practices", observation_api.PracticeViewSet, basename="observation-practice")
router.register("observation/invitations", observation_api.InvitationViewSet, basename="observation-invitation")
# Compliance and planning (read-only).
router.register("compliance/findings", compliance_api.FindingViewSet, basename="compliance-finding")
router.register("compliance/runs", compliance_api.ComplianceRunViewSet, basename="compliance-run")
router.register("compliance/rules", compliance_api.RuleViewSet, basename="compliance-rule")
router.register("planning/draws", planning_api.DrawViewSet, basename="planning-draw")
router.register("planning/runs", planning_api.PlanRunViewSet, basename="planning-run")
router.register("planning/unavailability", planning_api.UnavailabilityViewSet, basename="planning-unavailability")
# Reports (bulletins, annual summaries, figures) and assessment (schemes, 述学): read-only but the issue step.
router.register("reports/documents", reports_api.ReportDocumentViewSet, basename="reports-document")
router.register("reports/figures", reports_api.FiguresViewSet, basename="reports-figures")
router.register("assessment/schemes", assessment_api.AssessmentSchemeViewSet, basename="assessment-scheme")
router.register("assessment/study-reports", assessment_api.StudyReportViewSet, basename="assessment-studyreport")
# Analysis (read-only): the R-S8 judgement of a session's agenda from its text.
router.register("analysis/substitution", analysis_api.SubstitutionViewSet, basename="analysis-substitution")
router.register("analysis/calibration", analysis_api.CalibrationViewSet, basename="analysis-calibration")
router.register("analysis/text-pairs", analysis_api.TextPairViewSet, basename="analysis-textpair")
router.register("analysis/theme-hints", analysis_api.ThemeHintViewSet, basename="analysis-themehint")

urlpatterns = [
    path("auth/token", TokenView.as_view(), name="api-token"),
    path("auth/tokens", TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<str:prefix>", TokenDetailView.as_view(), name="api-token-revoke"),
    path("me", MeView.as_view(), name="api-me"),
    path("calendar/deadline", DeadlineView.as_view(), name="api-deadline"),
    path("calendar/years", CalendarYearsView.as_view(), name="api-calendar-years"),
    # Signed-in users only, like the rest of the API (drf-spectacular serves them to anyone by default).
    path(
        "schema", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated, PasswordIsCurrent]), name="api-schema"
    ),
    path(
        "docs",
        SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[IsAuthenticated, PasswordIsCurrent]),
        name="api-docs",
    ),
    path("", include(router.urls)),
]
