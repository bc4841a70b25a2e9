from __future__ import annotations

from fractions import Fraction

from django import template

from pangting.study.rules import format_rate

register = template.Library()


@register.filter
def rate(value: Fraction | None) -> str:
    """A participation rate as 90% / 83.3% / — (R-S3)."""
    return format_rate(value)


@register.filter
def local_dt(value):  # type: ignore[no-untyped-def]
    from django.utils import formats, timezone

    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{formats.date_format(local.date(), 'DATE_FORMAT')} {local:%H:%M}"
