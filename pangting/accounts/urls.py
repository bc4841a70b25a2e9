from django.urls import path

from . import views
from .sso import urls as sso_urls

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("me/", views.profile, name="profile"),
    path("otp/enrol/", views.otp_enrol, name="otp_enrol"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
    path("otp/remove/", views.otp_remove, name="otp_remove"),
    path("me/tokens/", views.tokens, name="tokens"),
    path("me/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/active/", views.user_toggle_active, name="user_toggle_active"),
    path("users/<int:pk>/otp-reset/", views.user_otp_reset, name="user_otp_reset"),
    path("roles/<int:pk>/revoke/", views.role_revoke, name="role_revoke"),
    path("lockouts/", views.lockouts, name="lockouts"),
    path("lockouts/unlock/", views.lockout_clear, name="lockout_clear"),
    path("audit/", views.audit_log, name="audit_log"),
    path("users/<int:pk>/password/", views.user_password_reset, name="user_password_reset"),
    path("grants/", views.pending_grants, name="pending_grants"),
    path("grants/<int:pk>/decide/", views.grant_decide, name="grant_decide"),
    *sso_urls.urlpatterns,
]
