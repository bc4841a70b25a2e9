"""Single sign-on addresses, included by `pangting.accounts.urls` (namespace "accounts")."""

from django.urls import path

from . import views

urlpatterns = [
    path("sso/cas/login/", views.CasLoginView.as_view(), name="sso_cas_login"),
    path("sso/oidc/login/", views.OidcLoginView.as_view(), name="sso_oidc_login"),
    path("sso/oidc/callback/", views.OidcCallbackView.as_view(), name="sso_oidc_callback"),
    path("sso/wecom/login/", views.oauth_login, {"provider": "wecom"}, name="sso_wecom_login"),
    path("sso/wecom/callback/", views.oauth_callback, {"provider": "wecom"}, name="sso_wecom_callback"),
    path("sso/dingtalk/login/", views.oauth_login, {"provider": "dingtalk"}, name="sso_dingtalk_login"),
    path("sso/dingtalk/callback/", views.oauth_callback, {"provider": "dingtalk"}, name="sso_dingtalk_callback"),
]
