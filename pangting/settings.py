"""Django settings for Pangting.

Everything a deployment may change comes from the environment through `pangting.env`:
SQLite in `var/` by default, PostgreSQL by `DATABASE_URL`; no secret default outside DEBUG.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

from pangting.env import ConfigurationError, env_bool, env_int, env_list, env_str


def gettext_noop(message: str) -> str:
    """Mark a default label for the catalog; it is translated where shown. (Django's own
    gettext_noop reads the settings, which are being defined here.)"""
    return message


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PANGTING_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("PANGTING_DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY", "")
    if key:
        return key
    key_file = env_str("SECRET_KEY_FILE", "")
    if key_file:
        return Path(key_file).read_text(encoding="utf-8").strip()
    if DEBUG:
        return "pangting-insecure-development-key-never-use-in-production"
    raise ConfigurationError("SECRET_KEY (or SECRET_KEY_FILE) must be set when PANGTING_DEBUG is off.")


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_cas_ng",  # CAS single sign-on: the service tickets of signed-in sessions (single logout)
    "django_tasks",  # the Tasks interface (backport of django.tasks), with its database backend:
    "django_tasks_db",  # jobs are rows, claimed by `manage.py db_worker` with SELECT ... FOR UPDATE SKIP LOCKED
    # Domain apps, in their one-way order of dependence (architecture.md).
    "pangting.core",
    "pangting.workdays",
    "pangting.orgs",
    "pangting.accounts",
    "pangting.study",
    "pangting.observation",
    "pangting.planning",
    "pangting.compliance",
    "pangting.analysis",
    "pangting.reports",
    "pangting.assessment",
    "pangting.help",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Renews a signed-in session at most once a minute, never waiting for a held database.
    "pangting.core.sessions.SessionRenewalMiddleware",
    "pangting.core.middleware.ChineseFirstLocaleMiddleware",
    "pangting.core.middleware.RejectNullCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pangting.core.middleware.AuditMiddleware",
    # Second factor (TOTP): who verified a code this session; who must first verify or enrol.
    "django_otp.middleware.OTPMiddleware",
    "pangting.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "pangting.accounts.middleware.PasswordExpiryMiddleware",
    # Exports and Word documents made in the request carry the watermark / internal mark.
    "pangting.help.middleware.FileMarksMiddleware",
    # AxesMiddleware must be last: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pangting.urls"
WSGI_APPLICATION = "pangting.wsgi.application"
ASGI_APPLICATION = "pangting.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "pangting" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pangting.accounts.context_processors.navigation",
                "pangting.help.context_processors.help_and_watermark",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'pangting.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # A kept connection is tested before a request uses it: after a database restart each
        # server thread would otherwise fail one request on its dead connection (bench/pages).
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the demo server read while a command writes; a busy timeout avoids spurious
    # "database is locked" errors under the threaded development server.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif env_bool("DATABASE_JIT_OFF", True):
    # PostgreSQL compiles a query whose estimated cost passes `jit_above_cost` to machine code
    # first: 100–120 ms for a dashboard query that then runs in 10 ms (issue 15, the theme
    # hints). The pages and checks are many short queries, so each connection turns it off;
    # DATABASE_JIT_OFF=false leaves the server's setting (behind PgBouncer, which refuses the
    # startup option, set `jit = off` on the server: deploy/postgresql/pangting.conf).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out account is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on: each answers only when its provider is configured (see the end of this file).
    "pangting.accounts.sso.cas.CasBackend",
    "pangting.accounts.sso.oidc.OidcBackend",
    "pangting.accounts.sso.oauth.OAuthBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    # Django's checks with Chinese messages (pangting.accounts.validators), plus ours.
    {"NAME": "pangting.accounts.validators.UserAttributeSimilarityValidator"},
    {
        "NAME": "pangting.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PANGTING_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "pangting.accounts.validators.CommonPasswordValidator"},
    {"NAME": "pangting.accounts.validators.NumericPasswordValidator"},
    {
        "NAME": "pangting.accounts.validators.CharacterClassValidator",
        "OPTIONS": {"min_classes": env_int("PANGTING_PASSWORD_MIN_CLASSES", 3)},
    },
    {"NAME": "pangting.accounts.validators.PasswordHistoryValidator"},
]
# No reuse of the last N passwords, the current one included; 0 switches it off.
PANGTING_PASSWORD_HISTORY = env_int("PANGTING_PASSWORD_HISTORY", 5)
# 等保 level 3 expects periodic change; 0 switches it off (ASVS discourages it).
PANGTING_PASSWORD_MAX_AGE_DAYS = env_int("PANGTING_PASSWORD_MAX_AGE_DAYS", 90)

# Lockout after repeated failures (conventions.md: 5 failures → 30 minutes).
AXES_FAILURE_LIMIT = env_int("PANGTING_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = env_int("PANGTING_LOCKOUT_MINUTES", 30) / 60
# Lock an account from one address (issue 14): five wrong passwords from an address lock that
# account there only, so a stranger elsewhere cannot lock its owner out; and an address with
# PANGTING_LOCKOUT_ADDRESS_FAILURES failures over any accounts within the cool-off is refused
# for all of them (pangting/accounts/lockout.py). The address is the audit log's client address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "pangting.accounts.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "pangting.core.audit.client_ip"
PANGTING_LOCKOUT_ADDRESS_FAILURES = env_int("PANGTING_LOCKOUT_ADDRESS_FAILURES", 20)
AXES_RESET_ON_SUCCESS = True
# What a login form may carry as a username is whatever an attacker sends; store it cut to
# the length a username can have, so a 10,000-character attempt is refused, not a 500.
AXES_USERNAME_CALLABLE = "pangting.accounts.axes_username.attempted_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = env_bool("PANGTING_LOCKOUT_ENABLED", True)

# Optional TOTP second factor (django-otp): anyone may enrol on the profile page; users holding
# a role listed here (e.g. "supervisor,system_admin,security_admin,audit_admin") must enrol
# before anything else. Empty: optional for everyone.
PANGTING_REQUIRE_2FA_ROLES = env_list("PANGTING_REQUIRE_2FA_ROLES", [])
# i18n: not interface (the product name in authenticator apps)
OTP_TOTP_ISSUER = env_str("PANGTING_TOTP_ISSUER", "旁听 Pangting")

# Idle timeout: the session expires after 30 idle minutes. Reads do not write: instead of a
# save on every request, a signed-in session is renewed at most every PANGTING_SESSION_RENEW_SECONDS
# (so it ends between 29 and 30 idle minutes), skipped while the database is held
# (pangting/core/sessions.py).
SESSION_COOKIE_AGE = env_int("PANGTING_IDLE_TIMEOUT_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ENGINE = "pangting.core.sessions"
PANGTING_SESSION_RENEW_SECONDS = env_int("PANGTING_SESSION_RENEW_SECONDS", 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

HTTPS = env_bool("PANGTING_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Everything is served by the app itself: no CDN, no external fonts or scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # The nonce admits the one inline <style> of the page watermark (PANGTING_WATERMARK);
        # it is sent only on pages that use it.
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

LANGUAGE_CODE = "zh-hans"
# i18n: not interface (each language is named in itself)
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "pangting" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "pangting" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
PANGTING_MAX_UPLOAD_MB = env_int("PANGTING_MAX_UPLOAD_MB", 20)

# Semester bounds, the one definition (pangting.core.semesters): the first month of spring and
# of autumn. Feb–Aug / Sep–Jan by default, as the seeds' school year.
PANGTING_SEMESTER_START_MONTHS = (
    env_int("PANGTING_SPRING_START_MONTH", 2),
    env_int("PANGTING_AUTUMN_START_MONTH", 9),
)
# Rule parameters a deployment fixes in configuration, {"R-S3": {"min_rate": 85}}, between the
# declared defaults and the values set on the rule-parameters page (pangting.core.parameters).
PANGTING_RULE_PARAMETERS: dict[str, dict[str, object]] = {}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "pangting.accounts.api_auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        # An initial or expired password blocks the API until changed (issue 14 item 3).
        "pangting.accounts.api_permissions.PasswordIsCurrent",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "pangting.core.api_inputs.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "pangting.core.api.exception_handler",
    # DRF's JSON, form and multipart parsers, refusing control characters and non-finite numbers.
    "DEFAULT_PARSER_CLASSES": [
        "pangting.core.api_parsers.StrictJSONParser",
        "pangting.core.api_parsers.StrictFormParser",
        "pangting.core.api_parsers.StrictMultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pangting API",
    "DESCRIPTION": _("理论学习中心组学习与巡听旁听管理系统 API"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for the visit states wherever they appear (state, from_state, to_state).
    "ENUM_NAME_OVERRIDES": {
        "VisitStateEnum": "pangting.observation.models.State",
        # Reports API: "kind" and "status" would otherwise collide with other apps' choice sets.
        "ReportDocumentKindEnum": "pangting.reports.models.DocumentKind",
        "ReportDocumentStatusEnum": "pangting.reports.models.ReportDocument.Status",
    },
    # Every operation documents its error statuses too (400/401/403/404/409/415/429).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "pangting.core.api_schema.document_error_statuses",
        "pangting.core.api_schema.document_empty_form_values",
    ],
}
PANGTING_API_TOKEN_DAYS = env_int("PANGTING_API_TOKEN_DAYS", 30)  # absolute lifetime
# Idle lifetime: a token unused this long stops working (default 7 days, for weekly jobs).
PANGTING_API_TOKEN_IDLE_MINUTES = env_int("PANGTING_API_TOKEN_IDLE_MINUTES", 7 * 24 * 60)
# Reads do not write: a token's last use is written at most this often, and skipped (never
# waited for) while another transaction holds the database.
PANGTING_API_TOKEN_TOUCH_SECONDS = env_int("PANGTING_API_TOKEN_TOUCH_SECONDS", 300)
# Long work (plan generation, exports, scans) is a job (pangting/core/jobs.py) on Django's Tasks
# interface: the request stores it in the database, a `manage.py db_worker` process runs it. Any
# number of workers on any number of servers may run (PostgreSQL hands each job to one of them
# with SKIP LOCKED); SQLite works with one.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# A failed attempt is tried again this many times, after PANGTING_JOB_RETRY_SECONDS, then twice
# that, and so on; finished jobs, their files and the workers' rows are kept this many days.
PANGTING_JOB_RETRIES = env_int("PANGTING_JOB_RETRIES", 2)
# A run of the rule checks holds the findings of this many units at a time (a supervising
# organization's units are never split): its memory, not its result (compliance.services.run_parts).
COMPLIANCE_RUN_PART_UNITS = env_int("PANGTING_COMPLIANCE_RUN_PART_UNITS", 250)
# On PostgreSQL, a run's parts are checked by this many forked processes at once, each with its
# own connection (compliance.services._in_processes); 1 checks them in the running process.
COMPLIANCE_RUN_WORKERS = env_int("PANGTING_COMPLIANCE_RUN_WORKERS", min(4, os.cpu_count() or 1))
PANGTING_JOB_RETRY_SECONDS = env_int("PANGTING_JOB_RETRY_SECONDS", 30)
PANGTING_JOB_KEEP_DAYS = env_int("PANGTING_JOB_KEEP_DAYS", 7)
# An attempt that has reported no progress for this long is taken as interrupted (its worker was
# killed or its server stopped): tried again while attempts are left, else failed with the reason
# (`core.jobs.recover_stale`). A job function reports progress more often than this.
PANGTING_JOB_STALE_SECONDS = env_int("PANGTING_JOB_STALE_SECONDS", 1800)
# A ledger export of more rows than this is written by the worker, not in the request.
PANGTING_LEDGER_JOB_ROWS = env_int("PANGTING_LEDGER_JOB_ROWS", 20_000)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "pangting@localhost")
# Daily reminders (observation/reminders.py): absolute links in messages, optional group robots.
PANGTING_BASE_URL = env_str("PANGTING_BASE_URL", "")
PANGTING_DINGTALK_WEBHOOK = env_str("PANGTING_DINGTALK_WEBHOOK", "")
PANGTING_WECOM_WEBHOOK = env_str("PANGTING_WECOM_WEBHOOK", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Menu entries, to-do providers, reach extensions and demo hooks are not settings: each app
# registers its own in its AppConfig.ready (pangting/core/registry.py).

# Audit log (issue 14 item 4). The client address is taken from PANGTING_CLIENT_IP_HEADER only
# when the connection comes from one of PANGTING_TRUSTED_PROXIES (addresses or CIDRs, e.g. the
# nginx host): then the right-most address in the header that is not a trusted proxy.
PANGTING_TRUSTED_PROXIES = env_list("PANGTING_TRUSTED_PROXIES", [])
PANGTING_CLIENT_IP_HEADER = env_str("PANGTING_CLIENT_IP_HEADER", "X-Forwarded-For")
# Hash of the audit chain: "sha256", or "sm3" for 密评 deployments (needs OpenSSL with SM3).
PANGTING_AUDIT_HASH = env_str("PANGTING_AUDIT_HASH", "sha256")
# Audit events older than this may be archived and purged (never less than 180 days).
PANGTING_AUDIT_RETENTION_DAYS = env_int("PANGTING_AUDIT_RETENTION_DAYS", 1095)
# Events of read paths (denials, downloads) are written by a background thread, so a busy
# database never fails or delays a read; off, they are written at once (errors still swallowed).
PANGTING_AUDIT_BACKGROUND = env_bool("PANGTING_AUDIT_BACKGROUND", True)
CSRF_FAILURE_VIEW = "pangting.core.views.csrf_failure"
# Bad input (pangting/core/inputs.py): the years a date may fall in, and how much of an
# uploaded workbook an import reads before refusing it (rows, columns, cells with values,
# seconds, unpacked megabytes of one part).
PANGTING_MIN_YEAR = env_int("PANGTING_MIN_YEAR", 1900)
PANGTING_MAX_YEAR = env_int("PANGTING_MAX_YEAR", 2100)
PANGTING_IMPORT_MAX_ROWS = env_int("PANGTING_IMPORT_MAX_ROWS", 20_000)
PANGTING_IMPORT_MAX_COLUMNS = env_int("PANGTING_IMPORT_MAX_COLUMNS", 60)
PANGTING_IMPORT_MAX_CELLS = env_int("PANGTING_IMPORT_MAX_CELLS", 1_000_000)
PANGTING_IMPORT_MAX_SECONDS = env_int("PANGTING_IMPORT_MAX_SECONDS", 30)
PANGTING_IMPORT_MAX_SHEET_MB = env_int("PANGTING_IMPORT_MAX_SHEET_MB", 64)

# A faint watermark of the user's name, staff number (or username) and Beijing time on every
# page and in every exported Excel and Word file; 「内部资料 注意保存」 on generated documents.
PANGTING_WATERMARK = env_bool("PANGTING_WATERMARK", False)
PANGTING_INTERNAL_MARK = env_bool("PANGTING_INTERNAL_MARK", False)
# Single sign-on (README "Single sign-on"). Each provider is enabled only when configured; the
# login page shows a button per enabled one. SSO only signs in existing, active accounts, matched
# by PANGTING_SSO_MATCH_ATTRIBUTE (the CAS attribute / OIDC claim carrying the staff number;
# "cas:user" is the CAS principal itself) against PANGTING_SSO_MATCH_FIELD (staff_no, username,
# email or phone). It never creates users or roles, and refuses the three administrator duties,
# who sign in with their local password (and TOTP).
PANGTING_SSO_MATCH_ATTRIBUTE = env_str("PANGTING_SSO_MATCH_ATTRIBUTE", "staff_no")
PANGTING_SSO_MATCH_FIELD = env_str("PANGTING_SSO_MATCH_FIELD", "staff_no")
PANGTING_SSO_TIMEOUT_SECONDS = env_int("PANGTING_SSO_TIMEOUT_SECONDS", 10)
# CAS (django-cas-ng): the server's base URL, e.g. https://cas.example.edu.cn/cas/
CAS_SERVER_URL = env_str("PANGTING_CAS_SERVER_URL", "")
CAS_VERSION = env_str("PANGTING_CAS_VERSION", "3")
PANGTING_CAS_LABEL = env_str("PANGTING_CAS_LABEL", gettext_noop("统一身份认证（CAS）"))
CAS_CREATE_USER = False
CAS_LOGOUT_COMPLETELY = True
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None
CAS_REDIRECT_URL = "/"


def _cas_session() -> object:
    """The HTTP session python-cas validates tickets with: one with a timeout."""
    from pangting.accounts.sso.cas import timeout_session

    return timeout_session()


CAS_SESSION_FACTORY = _cas_session
# OpenID Connect (mozilla-django-oidc): the provider's endpoints as its discovery document lists them.
PANGTING_OIDC_ISSUER = env_str("PANGTING_OIDC_ISSUER", "")
PANGTING_OIDC_LABEL = env_str("PANGTING_OIDC_LABEL", gettext_noop("统一身份认证（OIDC）"))
PANGTING_OIDC_END_SESSION_ENDPOINT = env_str("PANGTING_OIDC_END_SESSION_ENDPOINT", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("PANGTING_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("PANGTING_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("PANGTING_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("PANGTING_OIDC_JWKS_ENDPOINT", "") or None
OIDC_RP_CLIENT_ID = env_str("PANGTING_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("PANGTING_OIDC_CLIENT_SECRET", "")
OIDC_RP_SCOPES = env_str("PANGTING_OIDC_SCOPES", "openid profile")
OIDC_RP_SIGN_ALGO = env_str("PANGTING_OIDC_SIGN_ALGO", "RS256")
OIDC_CREATE_USER = False
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the provider's logout
OIDC_TIMEOUT = PANGTING_SSO_TIMEOUT_SECONDS
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso_oidc_callback"
# WeCom (企业微信) and 政务微信: the same OAuth code flow; every endpoint can point at a
# government deployment.
PANGTING_WECOM_CORP_ID = env_str("PANGTING_WECOM_CORP_ID", "")
PANGTING_WECOM_AGENT_ID = env_str("PANGTING_WECOM_AGENT_ID", "")
PANGTING_WECOM_SECRET = env_str("PANGTING_WECOM_SECRET", "")
PANGTING_WECOM_LABEL = env_str("PANGTING_WECOM_LABEL", gettext_noop("企业微信"))
PANGTING_WECOM_AUTHORIZE_URL = env_str(
    "PANGTING_WECOM_AUTHORIZE_URL", "https://open.weixin.qq.com/connect/oauth2/authorize"
)
PANGTING_WECOM_TOKEN_URL = env_str("PANGTING_WECOM_TOKEN_URL", "https://qyapi.weixin.qq.com/cgi-bin/gettoken")
PANGTING_WECOM_USERINFO_URL = env_str(
    "PANGTING_WECOM_USERINFO_URL", "https://qyapi.weixin.qq.com/cgi-bin/auth/getuserinfo"
)
PANGTING_WECOM_USER_URL = env_str("PANGTING_WECOM_USER_URL", "https://qyapi.weixin.qq.com/cgi-bin/user/get")
# Which value of the WeCom member identifies the account (userid, mobile, or another member field).
PANGTING_WECOM_MATCH_ATTRIBUTE = env_str("PANGTING_WECOM_MATCH_ATTRIBUTE", "userid")
PANGTING_WECOM_MATCH_FIELD = env_str("PANGTING_WECOM_MATCH_FIELD", PANGTING_SSO_MATCH_FIELD)
# DingTalk (钉钉) and 浙政钉: the OAuth 2 code flow of the new API, every endpoint configurable.
PANGTING_DINGTALK_CLIENT_ID = env_str("PANGTING_DINGTALK_CLIENT_ID", "")
PANGTING_DINGTALK_CLIENT_SECRET = env_str("PANGTING_DINGTALK_CLIENT_SECRET", "")
PANGTING_DINGTALK_CORP_ID = env_str("PANGTING_DINGTALK_CORP_ID", "")
PANGTING_DINGTALK_LABEL = env_str("PANGTING_DINGTALK_LABEL", gettext_noop("钉钉"))
PANGTING_DINGTALK_AUTHORIZE_URL = env_str("PANGTING_DINGTALK_AUTHORIZE_URL", "https://login.dingtalk.com/oauth2/auth")
PANGTING_DINGTALK_TOKEN_URL = env_str(
    "PANGTING_DINGTALK_TOKEN_URL", "https://api.dingtalk.com/v1.0/oauth2/userAccessToken"
)
PANGTING_DINGTALK_USERINFO_URL = env_str(
    "PANGTING_DINGTALK_USERINFO_URL", "https://api.dingtalk.com/v1.0/contact/users/me"
)
PANGTING_DINGTALK_SCOPE = env_str("PANGTING_DINGTALK_SCOPE", "openid corpid")
PANGTING_DINGTALK_MATCH_ATTRIBUTE = env_str("PANGTING_DINGTALK_MATCH_ATTRIBUTE", "mobile")
PANGTING_DINGTALK_MATCH_FIELD = env_str("PANGTING_DINGTALK_MATCH_FIELD", "phone")


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


# Logging out of a CAS or OIDC session sends the browser on to the provider: a redirect after the
# logout form, which browsers check against form-action.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] += sorted(
    {origin for origin in (_origin(CAS_SERVER_URL), _origin(PANGTING_OIDC_END_SESSION_ENDPOINT)) if origin}
)

# SMS reminders through an HTTP gateway (outbox channel "sms"): the body is this JSON template
# with $phone, $subject and $text replaced in its string values; the token goes in the
# Authorization header as "Bearer <token>".
PANGTING_SMS_GATEWAY_URL = env_str("PANGTING_SMS_GATEWAY_URL", "")
PANGTING_SMS_GATEWAY_TOKEN = env_str("PANGTING_SMS_GATEWAY_TOKEN", "")
PANGTING_SMS_BODY_TEMPLATE = env_str("PANGTING_SMS_BODY_TEMPLATE", '{"phone": "$phone", "content": "$text"}')
PANGTING_SMS_TIMEOUT_SECONDS = env_int("PANGTING_SMS_TIMEOUT_SECONDS", 5)
