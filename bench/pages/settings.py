"""The production settings plus the benchmark's timing header; only `bench.pages` loads this module.

Each response then carries ``Server-Timing: db;dur=…;desc="N", app;dur=…`` (the SQL time and
query count of the request, and the time spent inside Django), which the benchmark reads.
"""

from pangting.settings import *  # noqa: F403
from pangting.settings import MIDDLEWARE as _MIDDLEWARE

# First, so its time covers every other middleware as well as the view.
MIDDLEWARE = ["bench.pages.timing.ServerTimingMiddleware", *_MIDDLEWARE]
