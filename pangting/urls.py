from django.contrib import admin
from django.urls import include, path

from pangting import views
from pangting.core import views_jobs

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Long work started from any page (pangting/core/jobs.py): its page, progress and file.
    path("jobs/<uuid:pk>/", views_jobs.job_detail, name="job_detail"),
    path("jobs/<uuid:pk>/progress", views_jobs.job_progress, name="job_progress"),
    path("jobs/<uuid:pk>/download", views_jobs.job_download, name="job_download"),
    path("accounts/", include("pangting.accounts.urls")),
    path("orgs/", include("pangting.orgs.urls")),
    path("calendar/", include("pangting.workdays.urls")),
    path("study/", include("pangting.study.urls")),
    path("observation/", include("pangting.observation.urls")),
    path("planning/", include("pangting.planning.urls")),
    path("compliance/", include("pangting.compliance.urls")),
    path("reports/", include("pangting.reports.urls")),
    path("analysis/", include("pangting.analysis.urls")),
    path("assessment/", include("pangting.assessment.urls")),
    path("help/", include("pangting.help.urls")),
    path("api/v1/", include("pangting.api_urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon, name="favicon"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.web_manifest, name="web_manifest"),
]

handler400 = "pangting.core.views.bad_request"
handler403 = "pangting.core.views.permission_denied"
handler404 = "pangting.core.views.page_not_found"
handler500 = "pangting.core.views.server_error"
