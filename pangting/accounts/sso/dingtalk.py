"""DingTalk (钉钉) web sign-in through its OAuth 2 API; 浙政钉 and private deployments set their own URLs.

Flow: authorize URL (`login.dingtalk.com/oauth2/auth`) → code → POST `v1.0/oauth2/userAccessToken`
(client id + secret + code) → GET `v1.0/contact/users/me` with the user token, which gives
`unionId`, `openId`, `mobile`, `email`, `nick`. The matched member field is a setting (mobile by default).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings

from .oauth import ExchangeError


class DingtalkClient:
    name = "dingtalk"

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        params = {
            "client_id": settings.PANGTING_DINGTALK_CLIENT_ID,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": settings.PANGTING_DINGTALK_SCOPE,
            "state": state,
            "prompt": "consent",
        }
        if settings.PANGTING_DINGTALK_CORP_ID:
            params["org_type"] = "management"
            params["corpId"] = settings.PANGTING_DINGTALK_CORP_ID
        return f"{settings.PANGTING_DINGTALK_AUTHORIZE_URL}?{urlencode(params)}"

    def identity(self, code: str) -> dict[str, Any]:
        timeout = settings.PANGTING_SSO_TIMEOUT_SECONDS
        response = requests.post(
            settings.PANGTING_DINGTALK_TOKEN_URL,
            json={
                "clientId": settings.PANGTING_DINGTALK_CLIENT_ID,
                "clientSecret": settings.PANGTING_DINGTALK_CLIENT_SECRET,
                "code": code,
                "grantType": "authorization_code",
            },
            timeout=timeout,
        )
        if 400 <= response.status_code < 500:  # an unknown, used or expired code
            raise ExchangeError(response.text[:200])
        response.raise_for_status()
        token = response.json().get("accessToken")
        if not token:
            raise ExchangeError("no accessToken")
        me = requests.get(
            settings.PANGTING_DINGTALK_USERINFO_URL, headers={"x-acs-dingtalk-access-token": token}, timeout=timeout
        )
        if 400 <= me.status_code < 500:
            raise ExchangeError(me.text[:200])
        me.raise_for_status()
        answer = me.json()
        if not isinstance(answer, dict):
            raise ExchangeError("not an object")
        return answer

    def match_attribute(self) -> str:
        return str(settings.PANGTING_DINGTALK_MATCH_ATTRIBUTE)

    def match_field(self) -> str:
        return str(settings.PANGTING_DINGTALK_MATCH_FIELD)
