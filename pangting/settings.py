"""Django settings for Pangting.

Everything a deployment may change comes from the environment through `pangting.env`:
SQLite in `var/` by default, PostgreSQL by `DATABASE_URL`; no secret default outside DEBUG.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from pangting.env import ConfigurationError, env_bool, env_int, env_list, env_str

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
    # Domain apps, in their one-way order of dependence (architecture.md).
    "pangting.core",
    "pangting.workdays",
    "pangting.orgs",
    "pangting.accounts",
    "pangting.study",
    "pangting.observation",
    "pangting.planning",
    "pangting.compliance",
    "pangting.reports",
    "pangting.assessment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "pangting.core.middleware.ChineseFirstLocaleMiddleware",
    "pangting.core.middleware.RejectNullCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "pangting.accounts.middleware.PasswordExpiryMiddleware",
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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'pangting.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out account is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PANGTING_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "pangting.accounts.validators.CharacterClassValidator",
        "OPTIONS": {"min_classes": env_int("PANGTING_PASSWORD_MIN_CLASSES", 3)},
    },
]
# 等保 level 3 expects periodic change; 0 switches it off (ASVS discourages it).
PANGTING_PASSWORD_MAX_AGE_DAYS = env_int("PANGTING_PASSWORD_MAX_AGE_DAYS", 90)

# Lockout after repeated failures (conventions.md: 5 failures → 30 minutes).
AXES_FAILURE_LIMIT = env_int("PANGTING_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = env_int("PANGTING_LOCKOUT_MINUTES", 30) / 60
# Lock the account, not the address: a whole office sits behind one intranet NAT address,
# and 等保 asks for account lockout. Hence axes.W006 is silenced below.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
# What a login form may carry as a username is whatever an attacker sends; store it cut to
# the length a username can have, so a 10,000-character attempt is refused, not a 500.
AXES_USERNAME_CALLABLE = "pangting.accounts.axes_username.attempted_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = env_bool("PANGTING_LOCKOUT_ENABLED", True)

# Idle timeout: the session expires after 30 idle minutes; every request renews it.
SESSION_COOKIE_AGE = env_int("PANGTING_IDLE_TIMEOUT_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
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
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

LANGUAGE_CODE = "zh-hans"
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
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "pangting.core.api.exception_handler",
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
}
PANGTING_API_TOKEN_DAYS = env_int("PANGTING_API_TOKEN_DAYS", 30)
# Long work (plan generation) runs as a detached `manage.py` process, never in a request.
PANGTING_DETACHED_COMMANDS = env_bool("PANGTING_DETACHED_COMMANDS", True)

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
