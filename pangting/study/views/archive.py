"""The study archive (R-S14): each unit's completeness for a year and the one-click export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.audit import record_event
from pangting.core.views import chinese_file
from pangting.orgs.models import Organization

from .. import archive
from .. import archive_export as exporter
from ._common import A


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return clock.today().year
    return year if 2000 <= year <= 2100 else clock.today().year


@login_required
def archive_overview(request: HttpRequest) -> HttpResponse:
    """Every unit the user reaches: what its year's archive misses (R-S14), and its export."""
    policy.require(request.user, A.STUDY_VIEW)
    year = _year(request)
    units = Organization.objects.for_user(request.user, A.STUDY_VIEW).filter(study_group__isnull=False).order_by("path")
    archives = archive.archive_gaps(units, year)
    return render(
        request,
        "study/archive_overview.html",
        {
            "year": year,
            "archives": archives,
            "items": [(key, archive.ITEMS[key]) for key in archive.required_items()],
        },
    )


@login_required
@chinese_file
def archive_export(request: HttpRequest, org: int, year: int) -> FileResponse:
    """One unit's archive for one year as a zip of the generated Word/Excel files, with an index."""
    unit = policy.get_for_user(Organization.objects.filter(study_group__isnull=False), request.user, org, A.STUDY_VIEW)
    if not 2000 <= year <= 2100:
        raise Http404(_("年度无效。"))
    (found,) = archive.archive_gaps([unit], year)
    record_event(
        request.user, "study.archive_export", target=f"{unit.code} {year}", request=request, detail={"year": year}
    )
    return FileResponse(exporter.archive_file(found), as_attachment=True, filename=exporter.archive_filename(found))
