"""Which single sign-on providers this deployment has configured, for the login page and the views."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as noop

CAS, OIDC, WECOM, DINGTALK = "cas", "oidc", "wecom", "dingtalk"
# The session key naming how the session was signed in by single sign-on (for its logout).
SESSION_METHOD = "_pangting_sso_method"


# The default button labels (settings.py), listed so that the catalogs carry them; a label a
# deployment sets itself is shown as set.
DEFAULT_LABELS = (noop("统一身份认证（CAS）"), noop("统一身份认证（OIDC）"), noop("企业微信"), noop("钉钉"))


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    start_url_name: str


def _configured(name: str) -> bool:
    if name == CAS:
        return bool(settings.CAS_SERVER_URL)
    if name == OIDC:
        return bool(
            settings.OIDC_RP_CLIENT_ID and settings.OIDC_OP_AUTHORIZATION_ENDPOINT and settings.OIDC_OP_TOKEN_ENDPOINT
        )
    if name == WECOM:
        return bool(settings.PANGTING_WECOM_CORP_ID and settings.PANGTING_WECOM_SECRET)
    if name == DINGTALK:
        return bool(settings.PANGTING_DINGTALK_CLIENT_ID and settings.PANGTING_DINGTALK_CLIENT_SECRET)
    return False


def is_enabled(name: str) -> bool:
    return _configured(name)


def require_enabled(name: str) -> None:
    """A provider that is not configured has no pages: 404, as for any unknown address."""
    if not _configured(name):
        raise Http404


def enabled() -> list[Provider]:
    """The login page's buttons, in a fixed order."""
    every = [
        Provider(CAS, gettext(settings.PANGTING_CAS_LABEL), "accounts:sso_cas_login"),
        Provider(OIDC, gettext(settings.PANGTING_OIDC_LABEL), "accounts:sso_oidc_login"),
        Provider(WECOM, gettext(settings.PANGTING_WECOM_LABEL), "accounts:sso_wecom_login"),
        Provider(DINGTALK, gettext(settings.PANGTING_DINGTALK_LABEL), "accounts:sso_dingtalk_login"),
    ]
    return [provider for provider in every if _configured(provider.name)]
