"""Settings for the test suite and lint checks: the real settings plus what only tests want.

Nothing here is switched on in `settings.py`; a deployment never imports this module.
"""

import os

# A fixed key, so the production settings (which refuse to start without one) load under test.
TEST_SECRET_KEY = "pangting-test-key-not-secret-never-use-in-production"  # noqa: S105 - tests only  # nosec B105
os.environ.setdefault("SECRET_KEY", TEST_SECRET_KEY)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from pangting.settings import *  # noqa: E402, F403
from pangting.settings import PASSWORD_HASHERS as _PRODUCTION_HASHERS  # noqa: E402

# Hashing cost is not what the suite tests; MD5 keeps thousands of logins fast.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *_PRODUCTION_HASHERS]
STATIC_ROOT = None  # the suite serves static files through the finders (WHITENOISE_USE_FINDERS)

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's default in-memory test database: threads in a test (the concurrency
    # tests) then each get a connection to one shared database with SQLite's real locking and
    # busy timeout, as in production; a shared-cache memory database answers "table is locked".
    # One file per test process, so two runs in one checkout never share (and destroy) it;
    # pytest-django removes it at the end of the run.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-pangting-{os.getpid()}.sqlite3")}  # noqa: F405
else:
    # A test that waits on a lock fails after two minutes, naming the lock in its error, instead
    # of waiting until the suite's timeout for a transaction an earlier test left open. No single
    # statement of the suite takes minutes: one that does is stopped after three (the root
    # conftest also cancels the query of a test the suite's timeout stops).
    options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    timeouts = "-c lock_timeout=120s -c statement_timeout=180s"
    options["options"] = f"{options.get('options', '')} {timeouts}".strip()  # after the settings' own (jit)
# Read-path audit events are written in the request's thread under test (a test's transaction
# would hide its rows from a background writer); test_audit_coverage switches the thread on.
PANGTING_AUDIT_BACKGROUND = False

# Tests marked serialized_rollback reload the rows the migrations wrote (default rules, parameters)
# after their flush. Content types and permissions are not among them: the flush after any other
# transactional test re-creates those under new ids, and reloading the old ids would collide.
TEST_NON_SERIALIZED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
