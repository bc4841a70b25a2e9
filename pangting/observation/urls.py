from django.urls import path

from . import (
    views,
    views_cross,
    views_grouping,
    views_invitations,
    views_offline,
    views_plans,
    views_practices,
    views_rectification,
)

app_name = "observation"
urlpatterns = [
    path("", views.visit_list, name="visit_list"),
    path("new/", views.visit_create, name="visit_create"),
    path("<int:pk>/", views.visit_detail, name="visit_detail"),
    path("<int:pk>/do/<slug:action>/", views.visit_action, name="visit_action"),
    path("<int:pk>/record/", views.record_edit, name="record_edit"),
    path("<int:pk>/record/sign-off/", views.record_signoff, name="record_signoff"),
    path("<int:pk>/record/sync/", views_offline.record_sync, name="record_sync"),
    path("<int:pk>/feedback/", views.feedback_edit, name="feedback_edit"),
    path("<int:pk>/feedback/acknowledge/", views.feedback_acknowledge, name="feedback_acknowledge"),
    path("<int:pk>/documents/<slug:kind>.docx", views.document, name="document"),
    path("receipts/<int:pk>/sign/", views.reply_receipt_sign, name="reply_receipt_sign"),
    # Rectification and problem lists (R-O10, R-O25)
    path("rectifications/", views_rectification.rectification_list, name="rectification_list"),
    path("rectifications/new/", views_rectification.problem_item_create, name="problem_item_create"),
    path("rectifications/<int:pk>/", views_rectification.rectification_detail, name="rectification_detail"),
    path("evidence/<int:pk>/", views_rectification.evidence_download, name="evidence_download"),
    # Invited visits (R-O2)
    path("invitations/", views_invitations.invitation_list, name="invitation_list"),
    path("invitations/new/", views_invitations.invitation_create, name="invitation_create"),
    path("invitations/<int:pk>/", views_invitations.invitation_decide, name="invitation_decide"),
    # Cross-observation (R-O13)
    path("cross/", views_cross.cross_list, name="cross_list"),
    path("cross/new/", views_cross.cross_create, name="cross_create"),
    path("cross/<int:pk>/", views_cross.cross_detail, name="cross_detail"),
    # Typical practices (R-O16)
    path("practices/", views_practices.practice_list, name="practice_list"),
    path("practices/new/", views_practices.practice_create, name="practice_create"),
    path("practices/<int:pk>/", views_practices.practice_detail, name="practice_detail"),
    # The year's plan, coverage (R-O1, R-O11) and the year work file (R-O15)
    path("plan/", views_plans.plan_detail, name="plan_detail"),
    path("plan/new/", views_plans.plan_create, name="plan_create"),
    path("plan/<int:pk>/approve/", views_plans.plan_approve, name="plan_approve"),
    path("plan/<int:pk>/committee/", views_plans.plan_committee, name="plan_committee"),
    path("plan/<int:pk>/committee-document/", views_plans.plan_document, name="plan_document"),
    path("year-file.zip", views_plans.year_file, name="year_file"),
    path("year-file-job", views_plans.year_file_job, name="year_file_job"),
    # The standing grouping table (R-O24)
    path("grouping/", views_grouping.grouping_list, name="grouping_list"),
    path("grouping/new/", views_grouping.grouping_edit, name="grouping_create"),
    path("grouping/<int:pk>/", views_grouping.grouping_edit, name="grouping_edit"),
    path("grouping/<int:pk>/delete/", views_grouping.grouping_delete, name="grouping_delete"),
    path("grouping.xlsx", views_grouping.grouping_export, name="grouping_export"),
]
