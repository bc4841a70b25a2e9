"""Settings for the test suite: the real settings, with the testing switch on."""

import os

os.environ["PANGTING_TESTING"] = "1"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from pangting.settings import *  # noqa: F403

STATIC_ROOT = None  # the suite serves static files through the finders (WHITENOISE_USE_FINDERS)
PANGTING_DETACHED_COMMANDS = False  # tests run `generate_plan` in-process

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's default in-memory test database: threads in a test (the concurrency
    # tests) then each get a connection to one shared database with SQLite's real locking and
    # busy timeout, as in production; a shared-cache memory database answers "table is locked".
    # One file per test process, so two runs in one checkout never share (and destroy) it;
    # pytest-django removes it at the end of the run.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-pangting-{os.getpid()}.sqlite3")}  # noqa: F405
