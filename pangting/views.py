"""Project-level pages: the home page of to-dos, a health check, and the web app's manifest and worker."""

from __future__ import annotations

import functools
import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from pangting.accounts import policy
from pangting.core.todos import collect_todos


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {"todos": collect_todos(request.user), "assignments": policy.assignments(request.user)},
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask /favicon.ico on every page: send them to the app's own icon (no external asset)."""
    response = HttpResponseRedirect(static("favicon.ico"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# --- the offline record's web app: manifest and service worker -----------------------------

# The app shell the worker keeps on the phone: what every page needs, and the record form's scripts.
SHELL_FILES = [
    "css/pangting.css",
    "vendor/htmx.min.js",
    "js/offline-store.js",
    "js/offline-record.js",
    "favicon.ico",
    "icons/icon-192.png",
    "icons/icon-512.png",
]


@functools.cache
def _shell() -> tuple[list[str], str]:
    """The shell's URLs (those present) and a version that changes with their content, so a
    new release replaces the phone's copy."""
    digest = hashlib.sha256()
    urls = []
    for name in ["js/service-worker.js", *SHELL_FILES]:  # a new worker, too, gives a new version
        path = finders.find(name)
        if path is None:  # vendor files are installed by `make install`; never let one missing break the worker
            continue
        with open(path, "rb") as handle:
            digest.update(handle.read())
        if name in SHELL_FILES:
            urls.append(static(name))
    return urls, digest.hexdigest()[:12]


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from the site root so its scope covers the record pages (offline record).

    Public like the static files it lists: it holds no data, only what to cache and how. Its
    settings come first, as one line of JSON, so the script itself stays a plain static file."""
    urls, version = _shell()
    settings_line = json.dumps(
        {
            "storeJs": static("js/offline-store.js"),
            "shellFiles": urls,
            "version": version,
            "offlineText": _("网络不可用，且本机没有保存此页面。"),
        }
    )
    path = finders.find("js/service-worker.js")
    with open(str(path), encoding="utf-8") as handle:
        script = handle.read()
    response = HttpResponse(
        f"self.PANGTING_WORKER = {settings_line};\n{script}", content_type="application/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"  # browsers check for a new worker on every visit
    return response


def web_manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: the site can be added to a phone's home screen and opens full screen."""
    manifest = {
        "name": str(_("旁听 · 中心组学习督导")),
        "short_name": str(pgettext("product name", "旁听")),
        "lang": "zh-CN",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f9",
        "theme_color": "#b71c1c",
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    response = JsonResponse(
        manifest, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response
