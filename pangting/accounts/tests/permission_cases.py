"""The single sign-on pages in the permission matrix (pangting/tests/test_permission_matrix.py).

With no provider configured (the test settings) every one of them answers 404 to everyone; the
configured behaviour is tested against fake providers in test_sso_*.py.
"""

from __future__ import annotations

from pangting.tests.matrix import Case

SSO_PAGES = (
    "accounts:sso_cas_login",
    "accounts:sso_oidc_login",
    "accounts:sso_oidc_callback",
    "accounts:sso_wecom_login",
    "accounts:sso_wecom_callback",
    "accounts:sso_dingtalk_login",
    "accounts:sso_dingtalk_callback",
)

CASES = [Case(name, frozenset(), denied=404, anonymous=404) for name in SSO_PAGES]
