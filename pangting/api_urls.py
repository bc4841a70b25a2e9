"""REST API v1: one router; every viewset scoped by the policy module."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from pangting.accounts.api import MeView, TokenView
from pangting.orgs import api as orgs_api

router = DefaultRouter(trailing_slash=True)
router.register("organizations", orgs_api.OrganizationViewSet, basename="organization")
router.register("people", orgs_api.PersonViewSet, basename="person")
router.register("study-groups", orgs_api.StudyGroupViewSet, basename="studygroup")
router.register("leader-links", orgs_api.LeaderLinkViewSet, basename="leaderlink")
router.register("liaisons", orgs_api.LiaisonViewSet, basename="liaison")

urlpatterns = [
    path("auth/token", TokenView.as_view(), name="api-token"),
    path("me", MeView.as_view(), name="api-me"),
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
