"""WeCom (企业微信) web sign-in; 政务微信 is the same protocol at its own addresses.

Flow (WeCom "网页授权登录"): authorize URL → code → `gettoken` (corp id + app secret) →
`auth/getuserinfo` (token + code) gives the member's `userid`; when the account is matched by
another member field (e.g. mobile), `user/get` reads it. Every URL is a setting.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings

from .oauth import ExchangeError


def _get(url: str, params: dict[str, str]) -> dict[str, Any]:
    response = requests.get(url, params=params, timeout=settings.PANGTING_SSO_TIMEOUT_SECONDS)
    response.raise_for_status()
    answer = response.json()
    if not isinstance(answer, dict) or answer.get("errcode", 0) != 0:
        raise ExchangeError(str(answer.get("errmsg", "")) if isinstance(answer, dict) else "not an object")
    return answer


class WecomClient:
    name = "wecom"

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        params = {
            "appid": settings.PANGTING_WECOM_CORP_ID,
            "agentid": settings.PANGTING_WECOM_AGENT_ID,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
            "login_type": "CorpApp",  # the QR-code login page (wwlogin/sso/login) wants it; others ignore it
        }
        return f"{settings.PANGTING_WECOM_AUTHORIZE_URL}?{urlencode(params)}#wechat_redirect"

    def access_token(self) -> str:
        answer = _get(
            settings.PANGTING_WECOM_TOKEN_URL,
            {"corpid": settings.PANGTING_WECOM_CORP_ID, "corpsecret": settings.PANGTING_WECOM_SECRET},
        )
        token = answer.get("access_token")
        if not token:
            raise ExchangeError("no access_token")
        return str(token)

    def identity(self, code: str) -> dict[str, Any]:
        token = self.access_token()
        info = _get(settings.PANGTING_WECOM_USERINFO_URL, {"access_token": token, "code": code})
        userid = info.get("userid") or info.get("UserId")  # the older getuserinfo answers "UserId"
        if not userid:
            raise ExchangeError("not a member of the corporation")  # an outside WeChat user has only an openid
        identity: dict[str, Any] = {**info, "userid": userid}
        if self.match_attribute() not in identity:
            identity.update(_get(settings.PANGTING_WECOM_USER_URL, {"access_token": token, "userid": str(userid)}))
        return identity

    def match_attribute(self) -> str:
        return str(settings.PANGTING_WECOM_MATCH_ATTRIBUTE)

    def match_field(self) -> str:
        return str(settings.PANGTING_WECOM_MATCH_FIELD)
