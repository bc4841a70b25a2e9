from django.urls import path

from . import transfer_views, views

app_name = "orgs"
urlpatterns = [
    path("", views.organization_list, name="organization_list"),
    path("new/", views.organization_form, name="organization_create"),
    path("search/", views.organization_search, name="organization_search"),
    path("people/search/", views.person_search, name="person_search"),
    path("<int:pk>/", views.organization_detail, name="organization_detail"),
    path("<int:pk>/edit/", views.organization_form, name="organization_edit"),
    path("<int:pk>/delete/", views.organization_delete, name="organization_delete"),
    path("<int:pk>/members/", views.member_add, name="member_add"),
    path("<int:pk>/conflicts/", views.conflict_add, name="conflict_add"),
    path("members/<int:pk>/end/", views.member_end, name="member_end"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_form, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_form, name="person_edit"),
    path("people/<int:pk>/phone/", views.person_phone, name="person_phone"),
    path("links/", views.link_list, name="link_list"),
    path("links/new/", views.link_create, name="link_create"),
    path("links/<str:kind>/<int:pk>/end/", views.link_end, name="link_end"),
    path("import/", transfer_views.directory_import, name="import"),
    path("import/template.xlsx", transfer_views.import_template, name="import_template"),
    path("export.xlsx", transfer_views.directory_export, name="export"),
]
