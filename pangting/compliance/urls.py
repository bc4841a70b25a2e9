from django.urls import path

from . import views

app_name = "compliance"
urlpatterns = [
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/parameter/", views.rule_parameter, name="rule_parameter"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/run/", views.run_all, name="run_all"),
]
