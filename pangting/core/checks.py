"""System checks of the audit settings: a deployment with a bad value refuses to start."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from pangting.lib import auditchain

MIN_RETENTION_DAYS = 180  # 等保 level 3: audit records kept at least 6 months


@register()
def audit_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    algorithm = getattr(settings, "PANGTING_AUDIT_HASH", "sha256")
    try:
        auditchain.check_algorithm(algorithm)
    except auditchain.UnknownAlgorithm as exc:
        errors.append(
            Error(
                f"PANGTING_AUDIT_HASH: {exc}",
                hint="Use sha256, or install an OpenSSL build with SM3 (OpenSSL 1.1.1 or later) to use sm3.",
                id="pangting.E101",
            )
        )
    retention = getattr(settings, "PANGTING_AUDIT_RETENTION_DAYS", 1095)
    if not isinstance(retention, int) or retention < MIN_RETENTION_DAYS:
        errors.append(
            Error(
                f"PANGTING_AUDIT_RETENTION_DAYS must be at least {MIN_RETENTION_DAYS}, not {retention!r}.",
                id="pangting.E102",
            )
        )
    for entry in getattr(settings, "PANGTING_TRUSTED_PROXIES", []):
        try:
            ipaddress.ip_network(str(entry).strip(), strict=False)
        except ValueError:
            errors.append(
                Error(f"PANGTING_TRUSTED_PROXIES: {entry!r} is not an address or network.", id="pangting.E103")
            )
    return errors
