import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pangting.settings")
application = get_wsgi_application()

# Issue 15: a supervisor's dashboard at 10,000 units makes some 50,000 objects, enough to set off
# a full garbage collection in most requests, and a full collection walked every object the
# server had loaded (Django, the apps, the URL patterns and the views they import: some 250,000)
# for about 180 ms. Loaded once and kept for the life of the process, those are set apart from
# the collector; a collection walks what requests made. (The views are imported first, so they
# are among them.)
get_resolver().url_patterns  # noqa: B018 - imports every app's URLs and views
gc.freeze()
