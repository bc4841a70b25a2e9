"""Random-draw pages (R-O2): thin views over `services`, every query through the policy module.

Draws belong to the supervising organization; only who may manage observation there
(OBSERVATION_MANAGE) reaches them. Everyone else gets 404, as for a missing draw.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.paging import page_context
from pangting.observation.services import semester_of
from pangting.orgs.models import Organization

from . import services
from .forms import DrawForm, PerformForm, VisitsFromDrawForm
from .models import Draw

A = policy.Action


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _draw(request: HttpRequest, pk: int) -> Draw:
    qs = Draw.objects.select_related("supervisor_org", "redraw_of", "created_by", "drawn_by")
    return policy.get_for_user(qs, request.user, pk, A.OBSERVATION_MANAGE)


def supervisor_orgs(user: Any) -> list[Organization]:
    """The supervising organizations where the user manages observation: where a draw can be made (R-O23)."""
    return list(policy.seats(user, A.OBSERVATION_MANAGE))


def chosen_seat(request: HttpRequest, orgs: list[Organization]) -> Organization:
    """The seat a page works for: `supervisor_org` of the form or the address when the user has
    several, the first otherwise. A seat that is not the user's is not found."""
    raw = request.POST.get("supervisor_org") or request.GET.get("supervisor_org")
    if not raw:
        return orgs[0]
    for org in orgs:
        if str(org.pk) == raw.strip():
            return org
    raise Http404


@login_required
def draw_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.OBSERVATION_MANAGE)
    draws = Draw.objects.for_user(request.user, A.OBSERVATION_MANAGE).select_related("supervisor_org", "redraw_of")
    return render(request, "planning/draw_list.html", page_context(request, draws.order_by("-created_at", "-pk")))


@login_required
def draw_create(request: HttpRequest) -> HttpResponse:
    """The candidate list: every unit, checked unless excluded with a reason (R-O2)."""
    orgs = supervisor_orgs(request.user)
    if not orgs:
        raise Http404
    supervisor_org = chosen_seat(request, orgs)
    redraw_of = None
    source = request.POST.get("redraw_of") or request.GET.get("redraw_of")
    if source:
        redraw_of = _draw(request, source)
        supervisor_org = redraw_of.supervisor_org
    today = clock.today()
    year, semester = semester_of(today)
    units = services.draw_units(supervisor_org)
    if redraw_of is not None:
        previous = {str(c["id"]) for c in redraw_of.candidates}
        previous_reasons = {str(e["id"]): e["reason"] for e in redraw_of.exclusions}
        rows = [
            {"unit": u, "included": str(u.pk) in previous, "reason": previous_reasons.get(str(u.pk), "")} for u in units
        ]
        initial = {
            "purpose": redraw_of.purpose, "year": redraw_of.year, "count": redraw_of.count,
            "public_value_source": "",
        }  # fmt: skip
    else:
        suggested = services.suggested_exclusions(supervisor_org, year, semester)
        rows = [{"unit": u, "included": u.pk not in suggested, "reason": suggested.get(u.pk, "")} for u in units]
        initial = {"year": year, "count": 1}
    form = DrawForm(request.POST or None, initial=initial)
    if request.method == "POST":
        for row in rows:
            row["included"] = request.POST.get(f"include_{row['unit'].pk}") == "on"
            row["reason"] = request.POST.get(f"reason_{row['unit'].pk}", "").strip()[:200]
        if form.is_valid():
            data = form.cleaned_data
            try:
                draw = services.create_draw(
                    actor=request.user,
                    supervisor_org=supervisor_org,
                    purpose=data["purpose"],
                    year=data["year"],
                    candidates=[r["unit"] for r in rows if r["included"]],
                    exclusions=[(r["unit"], r["reason"]) for r in rows if not r["included"]],
                    count=data["count"],
                    public_value_source=data["public_value_source"],
                    redraw_of=redraw_of,
                    redraw_reason=data["redraw_reason"],
                )
            except ValidationError as error:
                _errors(request, error)
            else:
                messages.success(request, _("已公布候选名单哈希和种子承诺，请在公开随机值产生后进行抽取。"))
                return redirect("planning:draw_detail", pk=draw.pk)
    return render(
        request,
        "planning/draw_form.html",
        {
            "form": form,
            "rows": rows,
            "supervisor_org": supervisor_org,
            "redraw_of": redraw_of,
            "seats": orgs if len(orgs) > 1 and redraw_of is None else [],
        },
    )


@login_required
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The published record; `?projector=1` shows it in large type for witnesses."""
    draw = _draw(request, pk)
    context = {
        "draw": draw,
        "record": draw.to_record(),
        "picks": draw.pick_rows(),
        "superseded_by": services.superseded_by(draw),
        "redraws": draw.redraws.all(),
        "visits": services.live_visits(draw).select_related("unit") if draw.is_drawn else [],
        "perform_form": PerformForm(),
        "visits_form": VisitsFromDrawForm(initial={"semester": semester_of(clock.today())[1]}),
    }
    if request.GET.get("projector"):
        return render(request, "planning/draw_projector.html", context)
    return render(request, "planning/draw_detail.html", context)


@login_required
@require_POST
def draw_perform(request: HttpRequest, pk: int) -> HttpResponse:
    draw = _draw(request, pk)
    form = PerformForm(request.POST)
    if not form.is_valid() and "published_on" in form.errors:
        messages.error(request, _("请填写有效的公布日期，如2026-12-01。"))
        return redirect("planning:draw_detail", pk=draw.pk)
    published_on = form.cleaned_data.get("published_on") if form.is_valid() else None
    try:
        services.perform_draw(draw, form.data.get("public_value", ""), actor=request.user, published_on=published_on)
        messages.success(request, _("抽取完成，种子已公开，任何人均可验证。"))
    except ValidationError as error:
        _errors(request, error)
    return redirect("planning:draw_detail", pk=draw.pk)


@login_required
def draw_verify(request: HttpRequest, pk: int) -> HttpResponse:
    draw = _draw(request, pk)
    return render(request, "planning/draw_verify.html", {"draw": draw, "result": services.verify_draw(draw)})


@login_required
def draw_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The published record as JSON, which tools/verify_draw.py reads (seed only after the draw)."""
    draw = _draw(request, pk)
    response = HttpResponse(draw.to_record().to_json() + "\n", content_type="application/json; charset=utf-8")
    # i18n: not interface (the name of a Chinese document file)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'抽取记录-{draw.draw_id}.json')}"
    return response


@login_required
@require_POST
def draw_visits(request: HttpRequest, pk: int) -> HttpResponse:
    draw = _draw(request, pk)
    form = VisitsFromDrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择学期。"))
        return redirect("planning:draw_detail", pk=draw.pk)
    try:
        visits = services.create_visits_from_draw(draw, actor=request.user, semester=form.cleaned_data["semester"])
        messages.success(request, _("已安排{count}次随机式巡听旁听。").format(count=len(visits)))
    except ValidationError as error:
        _errors(request, error)
    return redirect("planning:draw_detail", pk=draw.pk)
