"""Project-level pages: the home page of to-dos, and a health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static

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
