"""Analysis pages: near-duplicate pairs (list, side by side, confirm/dismiss) and theme hints."""

from django.urls import path

from . import views

app_name = "analysis"

urlpatterns = [
    path("pairs/", views.pair_list, name="pair_list"),
    path("pairs/<int:pk>/", views.pair_detail, name="pair_detail"),
    path("pairs/<int:pk>/<str:step>/", views.pair_step, name="pair_step"),
    path("theme-hints/", views.theme_hints, name="theme_hints"),
]
