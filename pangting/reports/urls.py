"""The reports app's URLs, one module per part so each part stays small."""

from django.urls import include, path

app_name = "reports"
urlpatterns = [
    path("", include("pangting.reports.urls_dashboards")),
    path("bulletins/", include("pangting.reports.urls_documents")),
    path("ledgers/", include("pangting.reports.urls_ledgers")),
]
