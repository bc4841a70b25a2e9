"""The assessment: saving the year's formula, computing the score sheet, filing 述学 reports (R-O14).

The formula language is `pangting.lib.formula`; this module supplies its vocabulary:

Variables, per unit and year:

* `obs_score`: the average composite score (R-O18) of the unit's filed observation records of
  the year; **no value** when the unit was not observed with a scored record, so a formula must
  say what counts then: `coalesce(obs_score, 80)` (the default formula's choice);
* `observed`: 1 if the unit has a scored record in the year, else 0;
* `visits`: visits of the year the team actually attended (state observed or later, R-O5);
* `records`: filed observation records with a composite score;
* `reports`: 述学 reports filed for the unit in the year.

Functions over the compliance findings of the year (R-O14: findings count in the assessment):

* `red(x)`, `amber(x)`: open findings of that severity;
* `findings(x)`: all findings of the year, open or resolved (how often the unit fell short);

where `x` is a rule ID registered as a check ("R-S3"), a group ("R-S*", "R-O*", "R-B*") or "*"
for all. A formula that names a rule the engine does not check is refused when saved.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Avg, Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pangting.accounts import policy
from pangting.analysis import calibration
from pangting.compliance import counts as finding_counts
from pangting.compliance.models import Finding
from pangting.compliance.registry import RULES, ordered_rules
from pangting.core import clock, registry
from pangting.core.i18n import render_error
from pangting.core.lookups import Ids
from pangting.lib.formula import Formula, FormulaError, Signature, compile_formula
from pangting.lib.messages import message_of
from pangting.observation.models import OBSERVED_STATES, ObservationRecord, State, Visit
from pangting.orgs.models import Organization, Person
from pangting.study.parameters import get_parameters
from pangting.study.services.uploads import check_upload

from .models import AssessmentScheme, StudyReport, StudyReportRating

A = policy.Action

DEFAULT_FORMULA = 'clamp(60 + 0.4 * coalesce(obs_score, 80) - 3 * red("*") - 1 * amber("*") - 5 * red("R-S2"), 0, 100)'
# i18n: not interface (stored as the scheme's description, printed on the Chinese score sheet)
DEFAULT_DESCRIPTION = (
    "基础分60分；旁听综合评分均分按40%计入（当年未被旁听的单位按80分计）；"
    "每个未整改的红色问题扣3分、黄色问题扣1分；每月集体学习未落实（R-S2）的红色问题另扣5分；"
    "得分限定在0至100分之间。"
)

VARIABLES: dict[str, Any] = {
    "obs_score": gettext_lazy(
        "本年度旁听记录综合评分的平均分（R-O18）；未被旁听时无值，须用 coalesce(obs_score, 默认分) 指定"
    ),
    "observed": gettext_lazy("本年度是否有评分的旁听记录（是为1，否为0）"),
    "visits": gettext_lazy("本年度实际旁听的次数（已旁听及之后的状态）"),
    "records": gettext_lazy("本年度已填报且有综合评分的旁听记录份数"),
    "reports": gettext_lazy("本年度本单位报送的述学报告份数"),
}
FUNCTIONS: dict[str, Any] = {
    "red": gettext_lazy('未整改的红色问题数，如 red("R-S3")；"R-S*" 表示一类规则，"*" 表示全部'),
    "amber": gettext_lazy("未整改的黄色问题数，参数同上"),
    "findings": gettext_lazy("本年度发现的问题总数（含已整改），参数同上"),
}
RULE_FUNCTIONS = tuple(FUNCTIONS)
SIGNATURES = {name: Signature(1, 1, literal=True) for name in RULE_FUNCTIONS}
GROUPS = ("S", "O", "B")
# Visits the team attended (R-O5); earlier states have not happened yet, cancelled never will.
ATTENDED = OBSERVED_STATES


# -- the formula ------------------------------------------------------------------------------


def _rule_problem(reference: Any) -> str | None:
    """Why `reference` is not something a rule function may count, or None if it is."""
    if not isinstance(reference, str):
        return _('规则函数的参数应为带引号的规则编号，如 "R-S3"，而不是 {reference:g}。').format(reference=reference)
    if reference == "*" or reference in {f"R-{g}*" for g in GROUPS}:
        return None
    if reference not in RULES:
        return _("公式引用了未登记为检查项的规则“{reference}”。").format(reference=reference)
    return None


def parse_formula(text: str) -> Formula:
    """Check a formula as `save_scheme` does: syntax, variables, and every rule it names (R-O14)."""
    ordered_rules()  # registers the checks, so that RULES is complete
    try:
        formula = compile_formula(text, variables=VARIABLES, functions=SIGNATURES)
    except FormulaError as error:
        raise ValidationError({"formula": render_error(error)}) from None
    problems = [p for p in (_rule_problem(r) for r in formula.literal_arguments(RULE_FUNCTIONS)) if p]
    if problems:
        raise ValidationError({"formula": problems})
    # A trial run for an unobserved unit with no findings: catches a missing coalesce or a
    # division by a count that may be zero before the sheet meets it.
    try:
        formula.evaluate(dict.fromkeys(VARIABLES, 0.0) | {"obs_score": None}, dict.fromkeys(RULE_FUNCTIONS, _zero))
    except FormulaError as error:
        raise ValidationError(
            {"formula": _("公式对未被旁听、没有问题的单位无法计算：{error}").format(error=render_error(error))}
        ) from None
    return formula


def _zero(reference: str) -> int:
    return 0


def supervising_org(user: Any) -> Organization | None:
    """The highest organization where `user` manages reports (owns the scheme), or None."""
    return policy.seats(user, A.REPORTS_MANAGE).order_by("depth", "path").first()


def scheme_for(user: Any, year: int) -> AssessmentScheme | None:
    """The year's scheme the user reaches (the nearest supervising organization's), or None."""
    return (
        AssessmentScheme.objects.for_user(user, A.REPORTS_VIEW)
        .filter(year=year)
        .select_related("organization")
        .order_by("-organization__depth")
        .first()
    )


@transaction.atomic
def save_scheme(
    *,
    organization: Organization,
    year: int,
    formula: str,
    description: str = "",
    max_score: Decimal | int = 100,
    confirm: bool = False,
    actor: Any,
) -> AssessmentScheme:
    """Create or change the year's scheme; the formula is checked first (R-O14).

    A formula that names an unknown rule is refused with a message naming it. Confirming
    marks the scheme as the one in force; changing a confirmed scheme takes it back to draft
    unless it is confirmed again (history keeps every version).
    """
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("年度“{year}”无效。").format(year=year)})
    parse_formula(formula)
    if Decimal(max_score) <= 0:
        raise ValidationError({"max_score": _("满分应大于0。")})
    scheme = AssessmentScheme.objects.select_for_update().filter(
        organization=organization, year=year
    ).first() or AssessmentScheme(organization=organization, year=year)
    scheme.formula = formula.strip()
    scheme.description = description.strip()
    scheme.max_score = Decimal(max_score)
    if confirm:
        scheme.status = AssessmentScheme.Status.CONFIRMED
        scheme.confirmed_at = clock.now()
        scheme.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
    else:
        scheme.status = AssessmentScheme.Status.DRAFT
    scheme._history_user = actor if getattr(actor, "is_authenticated", False) else None
    scheme.full_clean(exclude=["organization", "confirmed_by"])
    scheme.save()
    return scheme


# -- the score sheet --------------------------------------------------------------------------


@dataclass
class SheetRow:
    """One unit's inputs, score and rank; `error` says why a score could not be computed."""

    unit: Organization
    obs_score: float | None = None
    # R-O18: the raw average and the calibrated one (teams' severity removed), side by side; the
    # formula's obs_score is the raw one unless the R-O18 parameter switches it to calibrated.
    obs_score_raw: float | None = None
    obs_score_calibrated: float | None = None
    # R-O22: 好评率 (优秀 + 良好) of the 民主评议 of the unit's 述学 reports, in percent.
    report_good_rate: float | None = None
    visits: int = 0
    records: int = 0
    reports: int = 0
    red: dict[str, int] = field(default_factory=dict)  # by group S/O/B
    amber: dict[str, int] = field(default_factory=dict)
    score: float | None = None
    rank: int | None = None
    error: str = ""

    @property
    def observed(self) -> bool:
        return self.obs_score is not None


@dataclass
class ScoreSheet:
    year: int
    formula: str
    scheme: AssessmentScheme | None
    rows: list[SheetRow]
    calibrated: bool = False  # R-O18: obs_score is the calibrated average
    calibration_sentence: str = ""


# What each rule function counts among a unit's stored finding counts (`compliance.counts`).
_COUNTED = {
    "red": ("open", Q(severity=Finding.Severity.RED)),
    "amber": ("open", Q(severity=Finding.Severity.AMBER)),
    "findings": ("total", Q()),
}


def _rules(reference: str) -> Q:
    """The rules a function's argument names: "*" all, "R-S*" a family, else one rule ID."""
    if reference == "*":
        return Q()
    if reference.endswith("*"):
        return Q(rule_id__startswith=reference[:-1])
    return Q(rule_id=reference)


def _in_group(group: str) -> Q:
    """The rules of a group on the `rule_group` alias of `counts.summed`: the letter after "R-"
    (S, O or B); a rule with any other letter counts in S."""
    others = [g for g in GROUPS if g != "S"]
    return ~Q(rule_group__in=others) if group == "S" else Q(rule_group=group)


class _FindingSums:
    """The sums the sheet reads of each unit's finding counts, in one grouped query: the open red and
    amber ones by group (shown on the sheet), and one per rule function call of the formula."""

    def __init__(self, formula: Formula | None) -> None:
        self.sums = {
            f"{severity}_{group}": Sum("open", filter=Q(severity=severity) & _in_group(group))
            for severity in (Finding.Severity.RED, Finding.Severity.AMBER)
            for group in GROUPS
        }
        # A call's sum is named by its place: an argument is a rule reference, not an SQL name.
        self.calls: dict[tuple[str, Any], str] = {}
        for call in formula.calls if formula is not None else ():
            if call.name in _COUNTED:
                column, condition = _COUNTED[call.name]
                for reference in call.args:
                    name = self.calls.setdefault((call.name, reference), f"call_{len(self.calls)}")
                    self.sums[name] = Sum(column, filter=condition & _rules(str(reference)))

    def read(self, year: int, ids: Ids | Sequence[int]) -> dict[int, dict[str, int]]:
        """Each unit's sums (a unit without counts is left out)."""
        return {
            counted.pop("unit_id"): {name: n or 0 for name, n in counted.items()}
            for counted in finding_counts.summed(year, ids, self.sums)
        }

    def functions(self, sums: Mapping[str, int]) -> dict[str, Any]:
        """The formula's rule functions over one unit's sums."""
        calls = self.calls
        return {
            function: (lambda reference, function=function: sums.get(calls[(function, reference)], 0))
            for function in _COUNTED
        }


def compute_sheet(year: int, units: Iterable[Organization], *, scheme: AssessmentScheme | None = None) -> ScoreSheet:
    """Evaluate the scheme's formula (or the default one) for each unit, and rank them (R-O14).

    A fixed number of aggregate queries whatever the number of units: visits, scored records, the
    calibration, 述学 and their ratings, and the findings' stored counts summed per unit.
    """
    units = list(units)
    ids = Ids(u.pk for u in units)
    text = scheme.formula if scheme else DEFAULT_FORMULA
    rows = {u.pk: SheetRow(u, red=dict.fromkeys(GROUPS, 0), amber=dict.fromkeys(GROUPS, 0)) for u in units}
    visits = (
        Visit.objects.filter(year=year, unit_id__any_of=ids, state__in=ATTENDED)
        .values("unit_id")
        .annotate(n=Count("pk"))
    )
    for item in visits:
        rows[item["unit_id"]].visits = item["n"]
    records = (
        ObservationRecord.objects.filter(
            visit__year=year,
            visit__unit_id__any_of=ids,
            visit__deleted_at__isnull=True,
            filed_at__isnull=False,
            composite_score__isnull=False,
        )
        .exclude(visit__state=State.CANCELLED)
        .values("visit__unit_id")
        .annotate(n=Count("pk"), avg=Avg("composite_score"))
    )
    for item in records:
        row = rows[item["visit__unit_id"]]
        row.records = item["n"]
        row.obs_score = row.obs_score_raw = round(float(item["avg"]), 1)
    # R-O18: calibrated over every scored visit of the year (the teams are compared across all
    # units they visited), shown per unit; the score of record unless the parameter says otherwise.
    report = calibration.year_report(Visit.objects.all(), year)
    use_calibrated = calibration.calibrated_in_assessment()
    calibrated: dict[int, list[float]] = defaultdict(list)
    for visit_row in report.visits:
        value = visit_row.calibrated if visit_row.calibrated is not None else visit_row.raw
        calibrated[visit_row.visit.unit_id].append(float(value))
    for pk, unit_values in calibrated.items():
        if pk in rows:
            rows[pk].obs_score_calibrated = round(sum(unit_values) / len(unit_values), 1)
            if use_calibrated:
                rows[pk].obs_score = rows[pk].obs_score_calibrated
    reports = (
        StudyReport.objects.filter(year=year, organization_id__any_of=ids)
        .values("organization_id")
        .annotate(n=Count("pk"))
    )
    for item in reports:
        rows[item["organization_id"]].reports = item["n"]
    # R-O22: the 民主评议 tally over all the unit's reports of the year.
    ratings = (
        StudyReportRating.objects.filter(
            report__year=year, report__organization_id__any_of=ids, report__deleted_at=None
        )
        .values("report__organization_id", "rating")
        .annotate(n=Count("pk"))
    )
    votes: dict[int, dict[str, int]] = defaultdict(dict)
    for item in ratings:
        votes[item["report__organization_id"]][item["rating"]] = item["n"]
    for pk, counts_by_level in votes.items():
        rows[pk].report_good_rate = Tally(counts_by_level, sum(counts_by_level.values())).good_rate
    try:
        formula: Formula | None = compile_formula(text, variables=VARIABLES, functions=SIGNATURES)
    except FormulaError as error:  # a scheme saved before a rule or variable was withdrawn
        formula = None
        for row in rows.values():
            row.error = message_of(error)  # Chinese as str (exports); pages translate it
    # The findings' counts as each run stores them (`compliance.counts`), summed per unit in the
    # database: a province has 1.5 million findings, and 350,000 count rows at 10,000 units.
    finding_sums = _FindingSums(formula)
    sums = finding_sums.read(year, ids)
    for pk, unit_sums in sums.items():
        for severity in (Finding.Severity.RED, Finding.Severity.AMBER):
            shown = getattr(rows[pk], severity)
            for group in GROUPS:
                shown[group] = unit_sums[f"{severity}_{group}"]
    if formula is not None:
        for pk, row in rows.items():
            values = {
                "obs_score": row.obs_score,
                "observed": 1.0 if row.observed else 0.0,
                "visits": float(row.visits),
                "records": float(row.records),
                "reports": float(row.reports),
            }
            try:
                row.score = round(formula.evaluate(values, finding_sums.functions(sums.get(pk, {}))), 1)
            except FormulaError as error:
                row.error = message_of(error)  # Chinese as str (exports); pages translate it
    _rank(rows.values())
    return ScoreSheet(year, text, scheme, list(rows.values()), use_calibrated, report.sentence)


def _rank(rows: Iterable[SheetRow]) -> None:
    """Competition ranking (1, 2, 2, 4) by score, highest first; rows without a score get none."""
    scored = sorted((r for r in rows if r.score is not None), key=lambda r: -(r.score or 0))
    for index, row in enumerate(scored):
        previous = scored[index - 1] if index else None
        row.rank = previous.rank if previous and previous.score == row.score else index + 1


# -- 述学 reports ------------------------------------------------------------------------------


def can_record_report(user: Any, organization: Organization) -> bool:
    """The unit's study secretary (study.change) and the supervisor (reports.manage) file 述学."""
    return policy.can(user, A.STUDY_CHANGE, organization) or policy.can(user, A.REPORTS_MANAGE, organization)


def can_rate_report(user: Any, organization: Organization) -> bool:
    """The reviewer's rating is the supervisor's (reports.manage on the unit)."""
    return policy.can(user, A.REPORTS_MANAGE, organization)


@transaction.atomic
def record_study_report(
    *,
    actor: Any,
    person: Person,
    organization: Organization,
    year: int,
    title: str,
    delivered_on: dt.date,
    summary: str,
    upload: UploadedFile | None = None,
    rating: str | None = None,
    rating_note: str = "",
    report: StudyReport | None = None,
) -> StudyReport:
    """File a new 述学 report, or change `report`. The rating is given only by a reviewer.

    `rating=None` leaves the rating as it is; "" clears it.
    """
    errors: dict[str, str] = {}
    if not person.organization.path.startswith(organization.path):
        errors["person"] = _("{person}不属于{organization}，请选择本单位的领导干部。").format(
            person=person.name, organization=organization.display_name
        )
    if delivered_on.year != year:
        errors["delivered_on"] = _("述学日期应在{year}年内。").format(year=year)
    if delivered_on > clock.today():
        errors["delivered_on"] = _("述学日期不能晚于今天。")
    if rating is not None and rating not in ("", *StudyReport.Rating.values):
        errors["rating"] = _("评议等次“{rating}”无效。").format(rating=rating)
    if errors:
        raise ValidationError(errors)
    report = report or StudyReport()
    if upload is not None:
        check_upload(upload, get_parameters())
        report.file = upload
        report.original_name = PurePath(upload.name or "").name[:200]
    report.person = person
    report.organization = organization
    report.year = year
    report.title = title.strip()
    report.delivered_on = delivered_on
    report.summary = summary.strip()
    if rating is not None and (rating, rating_note.strip()) != (report.rating, report.rating_note):
        if not can_rate_report(actor, organization):
            raise ValidationError({"rating": _("只有宣传部可以评议述学报告。")})
        report.rating = rating
        report.rating_note = rating_note.strip()
        report.rated_by = actor if rating and getattr(actor, "is_authenticated", False) else None
        report.rated_at = clock.now() if rating else None
    report._history_user = actor if getattr(actor, "is_authenticated", False) else None
    report.full_clean(exclude=["person", "organization", "rated_by", "file"])
    report.save()
    registry.text_saved("study_report", report)  # the near-duplicate check (issue 13)
    return report


@transaction.atomic
def delete_study_report(report: StudyReport, *, actor: Any) -> None:
    """Soft delete: the report stays in history and can be restored by an administrator."""
    report.soft_delete(actor=actor)
    registry.text_saved("study_report", report)


def report_units(user: Any) -> Sequence[Organization]:
    """Where `user` may file 述学: units with a center group, and the supervising organization itself."""
    return list(policy.study_report_units(user).order_by("path"))


# -- 民主评议 of 述学 reports (R-O22) ------------------------------------------------------------

# Points of each level for the tally's mean (优秀 4 … 较差 1).
RATING_POINTS = {"excellent": 4, "good": 3, "fair": 2, "poor": 1}


@dataclass(frozen=True)
class Tally:
    """The tally of a report's 民主评议 (R-O22): votes by level, shares and mean points."""

    counts: dict[str, int]
    total: int

    @property
    def good_rate(self) -> float | None:
        """好评率: 优秀 and 良好 over all ratings, in percent (None without ratings)."""
        if not self.total:
            return None
        return round(100 * (self.counts.get("excellent", 0) + self.counts.get("good", 0)) / self.total, 1)

    @property
    def excellent_rate(self) -> float | None:
        return round(100 * self.counts.get("excellent", 0) / self.total, 1) if self.total else None

    @property
    def mean_points(self) -> float | None:
        if not self.total:
            return None
        return round(sum(RATING_POINTS[k] * n for k, n in self.counts.items()) / self.total, 2)

    def rows(self) -> list[tuple[str, str, int]]:
        return [(value, str(label), self.counts.get(value, 0)) for value, label in StudyReport.Rating.choices]


def tallies(report_ids: Iterable[int]) -> dict[int, Tally]:
    """The 民主评议 tally of each report (one query)."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        StudyReportRating.objects.filter(report_id__in=list(report_ids))
        .values("report_id", "rating")
        .annotate(n=Count("pk"))
    )
    for item in rows:
        counts[item["report_id"]][item["rating"]] = item["n"]
    return {pk: Tally(c, sum(c.values())) for pk, c in counts.items()}


def tally(report: StudyReport) -> Tally:
    return tallies([report.pk]).get(report.pk, Tally({}, 0))


def can_rate_democratically(user: Any, report: StudyReport) -> bool:
    """R-O22 raters: anyone who sees the unit's study (its center group, the supervisor), except
    the one who reports."""
    person_id = getattr(getattr(user, "person", None), "pk", None)
    return policy.can(user, A.STUDY_VIEW, report.organization) and person_id != report.person_id


@transaction.atomic
def rate_study_report(report: StudyReport, *, actor: Any, rating: str, note: str = "") -> StudyReportRating | None:
    """One rater's 民主评议 of a 述学 report (R-O22); a new rating replaces his earlier one (kept in
    history); an empty rating withdraws it."""
    if not can_rate_democratically(actor, report):
        raise ValidationError(_("您不能评议本人的述学报告，或无权评议该单位的述学报告。"))
    if rating not in ("", *StudyReport.Rating.values):
        raise ValidationError(_("评议等次“{rating}”无效。").format(rating=rating))
    current = StudyReportRating.objects.filter(report=report, rater=actor).first()
    if not rating:
        if current is not None:
            current.soft_delete(actor=actor)
        return None
    item = current or StudyReportRating(report=report, rater=actor)
    item.rating, item.note = rating, note.strip()[:300]
    item._history_user = actor
    item.full_clean(exclude=["report", "rater"])
    item.save()
    return item
