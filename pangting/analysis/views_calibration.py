"""The score-calibration page (R-O18): each team's severity with its interval, each visit's
calibrated score next to the raw one, the observers' agreement. Supervisors only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pangting.accounts import policy
from pangting.observation.models import Visit

from . import calibration

A = policy.Action


@login_required
def calibration_page(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.OBSERVATION_MANAGE)
    year = calibration.year_of(request.GET.get("year", ""))
    visits = policy.scope(Visit.objects.all(), request.user, A.OBSERVATION_VIEW)
    report = calibration.year_report(visits, year)
    return render(
        request,
        "analysis/calibration.html",
        {
            "year": year,
            "report": report,
            "agreement_sentence": calibration.agreement_sentence(report.agreement)
            if report.agreement is not None
            else "",
            "in_assessment": calibration.calibrated_in_assessment(),
        },
    )
