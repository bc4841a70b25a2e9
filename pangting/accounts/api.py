"""Token login and "who am I" for API clients."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import otp, policy, services
from .api_permissions import PasswordChangeRequired, password_change_required
from .models import TokenState

LOCKED_OUT = gettext_lazy("由于连续多次登录失败，该账号已被临时锁定。请30分钟后再试，或联系安全管理员解锁。")


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Documents `Authorization: Bearer <token>` in the schema (clients and the fuzz tests read it)."""

    target_class = "pangting.accounts.api_auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        # i18n: not interface (API schema documentation for integrators)
        return {"type": "http", "scheme": "bearer", "description": "POST /api/v1/auth/token 获取的令牌"}


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=12, required=False, allow_blank=True, help_text="已开启两步验证的账号：验证器上的6位动态验证码"
    )


class TokenView(APIView):
    """POST username + password → a bearer token. Lockout rules apply as for the web login."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        summary="获取 API 令牌",
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer(
                "TokenResponse", {"token": serializers.CharField(), "expires_in_days": serializers.IntegerField()}
            ),
            400: inline_serializer("TokenError", {"detail": serializers.CharField()}),
            403: inline_serializer("TokenPasswordChangeRequired", {"detail": serializers.CharField()}),
            429: inline_serializer("TokenLockedOut", {"detail": serializers.CharField()}),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None:
            if getattr(request._request, "axes_locked_out", False):
                # Axes would answer with its HTML lockout page; an API client gets JSON instead.
                request._request.axes_locked_out = False
                return Response({"detail": LOCKED_OUT}, status=status.HTTP_429_TOO_MANY_REQUESTS)
            return Response(
                {"detail": _("用户名或密码不正确，或账号已被临时锁定。")}, status=status.HTTP_400_BAD_REQUEST
            )
        if password_change_required(user):
            # No token for an initial or expired password (issue 14 item 3): change it on the web first.
            raise PasswordChangeRequired
        if otp.confirmed_device(user) is not None:
            code = serializer.validated_data.get("otp", "")
            if not code or services.verify_second_factor(user, code, request=request._request) is None:
                return Response({"detail": _("该账号已开启两步验证，请填写正确的动态验证码（otp）。")}, status=400)
        elif otp.requires_second_factor(user):
            return Response({"detail": _("您的角色要求两步验证，请先在网页上绑定验证器，再获取令牌。")}, status=400)
        from django.conf import settings

        raw = services.issue_token(user, request=request._request)
        return Response({"token": raw, "expires_in_days": settings.PANGTING_API_TOKEN_DAYS})


class MeView(APIView):
    @extend_schema(
        summary="当前用户",
        responses=inline_serializer(
            "Me",
            {
                "username": serializers.CharField(),
                "name": serializers.CharField(),
                "roles": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        return Response(
            {
                "username": request.user.get_username(),
                "name": request.user.display_name,
                "roles": [
                    {"role": a.role, "organization": a.organization_id} for a in policy.assignments(request.user)
                ],
            }
        )


class ApiTokenSerializer(serializers.Serializer):
    prefix = serializers.CharField(help_text="令牌前8位，用于识别和撤销")
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True, help_text="最近使用时间（至多每5分钟记录一次）")
    expires_at = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=TokenState.choices)


class TokenListView(APIView):
    """The caller's own tokens (never anyone else's), newest first."""

    @extend_schema(summary="我的 API 令牌", responses=ApiTokenSerializer(many=True))
    def get(self, request: Request) -> Response:
        # A user's own tokens belong to no organization: the owner is the whole scope.
        tokens = request.user.api_tokens.order_by("-created_at")[:100]
        rows = [
            {
                "prefix": t.prefix,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "expires_at": t.expires_at,
                "state": t.state(),
            }
            for t in tokens
        ]
        return Response(ApiTokenSerializer(rows, many=True).data)


class TokenDetailView(APIView):
    """Revoke one of the caller's tokens by its prefix (the token in use included)."""

    @extend_schema(
        summary="撤销我的一个 API 令牌",
        responses={204: None},  # 404 (no such live token of yours) is documented with the shared error statuses
    )
    def delete(self, request: Request, prefix: str) -> Response:
        tokens = request.user.api_tokens.filter(prefix=prefix[:8], revoked_at__isnull=True)
        revoked = [t for t in tokens if services.revoke_token(t, actor=request.user, request=request._request)]
        if not revoked:
            return Response({"detail": _("未找到该令牌，或已撤销。")}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)
