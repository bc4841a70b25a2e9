"""Password rules (等保 level 3), every message in Chinese.

Django's own validators are kept for what they check, with Chinese messages of our own:
Django's zh-Hans catalog leaves the minimum-length message in English (issue 14, "Lesser").
"""

from __future__ import annotations

import string
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation as django_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MinimumLengthValidator(django_validation.MinimumLengthValidator):
    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(self.get_error_message(), code="password_too_short")

    def get_error_message(self) -> str:
        return _("密码太短，至少需要{min_length}个字符。").format(min_length=self.min_length)

    def get_help_text(self) -> str:
        return _("至少{min_length}个字符。").format(min_length=self.min_length)


class UserAttributeSimilarityValidator(django_validation.UserAttributeSimilarityValidator):
    def get_error_message(self) -> str:
        # Django fills %(verbose_name)s with the field's name (用户名, 电子邮件地址…).
        return _("密码与%(verbose_name)s过于相似。")

    def get_help_text(self) -> str:
        return _("不能与用户名、姓名、电子邮件等个人信息过于相似。")


class CommonPasswordValidator(django_validation.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return _("这个密码过于常见。")

    def get_help_text(self) -> str:
        return _("不能是常见密码。")


class NumericPasswordValidator(django_validation.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return _("密码不能全是数字。")

    def get_help_text(self) -> str:
        return _("不能全是数字。")


class CharacterClassValidator:
    """At least `min_classes` of: lowercase, uppercase, digits, punctuation."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(
                _("密码须至少包含小写字母、大写字母、数字、符号中的{min_classes}类。").format(
                    min_classes=self.min_classes
                ),
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("至少包含小写字母、大写字母、数字、符号中的{min_classes}类。").format(min_classes=self.min_classes)


class PasswordHistoryValidator:
    """No reuse of the last N passwords, the current one included (issue 14 item 3).

    N is `PANGTING_PASSWORD_HISTORY` (0 switches the rule off). As a Django password validator it
    applies on every path that validates a password (the change page, administrators' resets,
    `manage.py changepassword`); `password_changed`, which Django calls on every save that sets
    a password, keeps the hashes.
    """

    def __init__(self, history: int | None = None) -> None:
        self._history = history

    @property
    def history(self) -> int:
        return self._history if self._history is not None else settings.PANGTING_PASSWORD_HISTORY

    def _recent(self, user: Any) -> list[str]:
        from .models import PasswordHistory

        return list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[: self.history])

    def validate(self, password: str, user: Any = None) -> None:
        if self.history <= 0 or user is None or user.pk is None:
            return
        hashes = dict.fromkeys([user.password, *self._recent(user)])  # the current one is usually the newest
        if any(check_password(password, encoded) for encoded in hashes if encoded):
            raise ValidationError(
                _("新密码不能与最近{count}次使用过的密码（含当前密码）相同。").format(count=self.history),
                code="password_reused",
            )

    def password_changed(self, password: str, user: Any) -> None:
        from .models import PasswordHistory

        if user.pk is None:
            return
        if self.history > 0 and user.has_usable_password():
            PasswordHistory.objects.create(user=user, password=user.password)
        keep = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[: max(self.history, 0)]
        PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()

    def get_help_text(self) -> str:
        return _("不能与最近{count}次使用过的密码相同。").format(count=self.history)
