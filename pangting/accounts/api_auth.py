"""`Authorization: Bearer <token>` for the API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from pangting.core import clock
from pangting.core.nowait import try_write

from .models import ApiToken


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _sep, raw = header.partition(" ")
        if keyword != self.keyword:
            return None
        raw = raw.strip()
        if not raw or " " in raw:
            raise exceptions.AuthenticationFailed(_("令牌格式不正确。"))
        token = ApiToken.find(raw)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("令牌无效或已过期，请重新登录获取。"))
        now = clock.now()
        if token.touch_due(now):
            # Reads do not write (issue item 6): at most once per interval, and never waited for.
            try_write(lambda: ApiToken.objects.filter(pk=token.pk).update(last_used_at=now))
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword
