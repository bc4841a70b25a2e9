from django.urls import path

from . import views, views_runs, views_unavailability

app_name = "planning"
urlpatterns = [
    # Random draws (R-O2, 双随机一公开)
    path("draws/", views.draw_list, name="draw_list"),
    path("draws/new/", views.draw_create, name="draw_create"),
    path("draws/<int:pk>/", views.draw_detail, name="draw_detail"),
    path("draws/<int:pk>/draw/", views.draw_perform, name="draw_perform"),
    path("draws/<int:pk>/verify/", views.draw_verify, name="draw_verify"),
    path("draws/<int:pk>/record.json", views.draw_record, name="draw_record"),
    path("draws/<int:pk>/visits/", views.draw_visits, name="draw_visits"),
    # Plan generation (R-O1)
    path("runs/", views_runs.run_list, name="run_list"),
    path("runs/new/", views_runs.run_create, name="run_create"),
    path("runs/<int:pk>/", views_runs.run_detail, name="run_detail"),
    path("runs/<int:pk>/progress/", views_runs.run_progress, name="run_progress"),
    path("runs/<int:pk>/approve/", views_runs.run_approve, name="run_approve"),
    path("runs/<int:pk>/adjust/", views_runs.run_adjust, name="run_adjust"),
    path("runs/<int:pk>/resolve/", views_runs.run_resolve, name="run_resolve"),
    # Months a leader or liaison cannot visit (a hard constraint of the plan)
    path("unavailability/", views_unavailability.unavailability_list, name="unavailability_list"),
    path("unavailability/new/", views_unavailability.unavailability_create, name="unavailability_create"),
    path("unavailability/<int:pk>/delete/", views_unavailability.unavailability_delete, name="unavailability_delete"),
]
