"""The help pages: the list of guides and one guide. Content only: no records are read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from pangting.accounts import policy

from . import guides


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Every guide, the reader's own first."""
    mine = guides.for_roles(policy.roles(request.user))
    others = [guide for guide in guides.GUIDES if guide not in mine]
    return render(request, "help/index.html", {"mine": mine, "others": others})


@login_required
def guide(request: HttpRequest, slug: str) -> HttpResponse:
    """One role's guide. Every signed-in user may read every guide: they describe pages, not data."""
    found = guides.get(slug)
    if found is None:
        raise Http404
    return render(request, found.template_name, {"guide": found, "guides": guides.GUIDES})
