"""Analysis pages: near-duplicate pairs (list, side by side, confirm/dismiss), theme hints, score calibration."""

from django.urls import path

from . import views, views_calibration

app_name = "analysis"

urlpatterns = [
    path("pairs/", views.pair_list, name="pair_list"),
    path("pairs/<int:pk>/", views.pair_detail, name="pair_detail"),
    path("pairs/<int:pk>/<str:step>/", views.pair_step, name="pair_step"),
    path("theme-hints/", views.theme_hints, name="theme_hints"),
    path("calibration/", views_calibration.calibration_page, name="calibration"),  # R-O18
]
