"""Rule parameters (compliance.configure) and findings (compliance.view): thin views over `services`;
a full run of the checks is a background job (`jobs`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pangting.accounts import policy
from pangting.core import clock, parameters
from pangting.core.paging import KnownCount, paginate
from pangting.core.views import flash_errors
from pangting.orgs.models import Organization
from pangting.orgs.units import units as unit_set

from . import jobs, services
from .forms import FindingFilterForm, RuleParameterForm, form_error
from .listing import OPEN, FindingFilter
from .models import Finding, FindingCount
from .registry import ordered_rules

A = policy.Action


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    """Every rule ID of the one registry with its parameters: default and current value, editable."""
    policy.require(request.user, A.COMPLIANCE_CONFIGURE)
    titles = {r.id: r.title for r in ordered_rules()}  # importing the checks registers their parameters
    stored = parameters.all_values()
    declared = dict(parameters.declared())
    rules = [
        {
            "rule": {"id": rule_id, "title": titles.get(rule_id) or parameters.TITLES.get(rule_id, "")},
            "params": [
                {
                    "param": p,
                    "value": _shown(stored[rule_id][p.name]),
                    "default": _shown(p.default),
                    "changed": stored[rule_id][p.name] != p.default,
                }
                for p in declared.get(rule_id, [])
            ],
        }
        for rule_id in sorted(set(titles) | set(declared), key=parameters.rule_sort_key)
    ]
    return render(request, "compliance/rule_list.html", {"rules": rules})


def _shown(value: object) -> str:
    """A parameter value as the form shows it (a list as comma-separated text)."""
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


@login_required
@require_POST
def rule_parameter(request: HttpRequest) -> HttpResponse:
    """Set one parameter (validated by its kind); the new value applies from the next run."""
    policy.require(request.user, A.COMPLIANCE_CONFIGURE)
    form = RuleParameterForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form_error(form))
        return redirect("compliance:rule_list")
    data = form.cleaned_data
    try:
        services.set_rule_parameter(data["rule"], data["name"], data["value"], actor=request.user, note=data["note"])
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已保存{rule_id}的参数，下次检查时生效。").format(rule_id=data["rule"]))
    return redirect("compliance:rule_list")


@login_required
@require_GET
def finding_list(request: HttpRequest) -> HttpResponse:
    """Findings of a year in the user's reach, filtered by unit, rule and open/resolved."""
    policy.require(request.user, A.COMPLIANCE_VIEW)
    rules = ordered_rules()
    units = unit_set(Organization.objects.for_user(request.user, A.COMPLIANCE_VIEW))
    form = FindingFilterForm(request.GET, rule_ids=[r.id for r in rules], units=units, default_year=clock.today().year)
    chosen = form.filters()
    year, unit, rule_id, show = chosen["year"], chosen["unit"], chosen["rule"], chosen["show"]
    wanted = FindingFilter(year=year, unit=unit, rule_id=rule_id or "", status=OPEN if show == "open" else "")
    findings = wanted.findings(Finding.objects.for_user(request.user, A.COMPLIANCE_VIEW)).select_related("unit")
    total = wanted.count(FindingCount.objects.for_user(request.user, A.COMPLIANCE_VIEW))
    titles = {r.id: r.title for r in rules}
    ordered = findings.order_by("unit__path", "rule_id", "period", "key", "pk")
    page, query_string = paginate(request, KnownCount(ordered, total))
    rows = list(page.object_list)
    for finding in rows:
        finding.rule_title = titles.get(finding.rule_id, "")
    context = {
        "findings": rows, "page_obj": page, "query_string": query_string, "form": form, "year": year,
        "unit": unit, "rules": rules, "rule_id": rule_id, "show": show,
        "can_run": policy.can(request.user, A.COMPLIANCE_CONFIGURE),
    }  # fmt: skip
    return render(request, "compliance/finding_list.html", context)


@login_required
@require_POST
def run_all(request: HttpRequest) -> HttpResponse:
    """Check every rule over every unit for a year, in the background; the job's page shows each rule
    as it is checked, then links back to the findings."""
    policy.require(request.user, A.COMPLIANCE_CONFIGURE)
    raw = request.POST.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else clock.today().year
    job = jobs.start_run(year, actor=request.user)
    return redirect("job_detail", pk=job.pk)
