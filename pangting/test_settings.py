"""Settings for the test suite: the real settings, with the testing switch on."""

import os

os.environ["PANGTING_TESTING"] = "1"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from pangting.settings import *  # noqa: F403

STATIC_ROOT = None  # the suite serves static files through the finders (WHITENOISE_USE_FINDERS)
PANGTING_DETACHED_COMMANDS = False  # tests run `generate_plan` in-process
