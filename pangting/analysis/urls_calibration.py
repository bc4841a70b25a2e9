from django.urls import path

from . import views_calibration

app_name = "analysis"
urlpatterns = [
    path("calibration/", views_calibration.calibration_page, name="calibration"),
]
