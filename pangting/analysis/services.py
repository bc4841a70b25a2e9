"""R-S8 from the text: each agenda item and the session title classified, the study share judged.

The classifier is Django-free (`pangting.lib.substitution`); this module feeds it a session's
agenda and the R-S8 parameters in force (the minimum study share, extra lexicon terms) and turns
its verdict into the Chinese explanation the check, the session page and the API show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pangting.core import parameters
from pangting.lib import substitution
from pangting.lib.substitution import Classification, Lexicon, SessionJudgement
from pangting.study.models import AgendaItem

RULE_ID = "R-S8"
NO_EXTRA_TERMS = "无"  # i18n: not interface (the value a user types for "no extra terms")

CLASS_LABELS = {
    substitution.THEORY_STUDY: gettext_lazy("理论学习"),
    substitution.DOCUMENT_RELAY: gettext_lazy("传达文件"),
    substitution.WORK_DEPLOYMENT: gettext_lazy("工作部署"),
    substitution.BUSINESS_TRAINING: gettext_lazy("业务培训"),
}


def class_label(label: str | None) -> str:
    return str(CLASS_LABELS[label]) if label in CLASS_LABELS else _("无法判断")


def lexicon_for(params: Mapping[str, Any]) -> Lexicon:
    """The repository's lexicon with the configured extra terms (``词=类别:权重``) applied.

    An entry that is not of that form is skipped here: the parameter page shows the entries, and
    `invalid_terms` names the bad ones so the page and the findings can say so.
    """
    terms = []
    for entry in params.get("extra_terms") or ():
        if entry == NO_EXTRA_TERMS:
            continue
        try:
            terms.append(substitution.parse_override(entry))
        except ValueError:
            continue
    base = substitution.default_lexicon()
    return base.with_overrides(terms) if terms else base


def invalid_terms(params: Mapping[str, Any]) -> list[str]:
    bad = []
    for entry in params.get("extra_terms") or ():
        if entry == NO_EXTRA_TERMS:
            continue
        try:
            substitution.parse_override(entry)
        except ValueError:
            bad.append(entry)
    return bad


def min_share(params: Mapping[str, Any]) -> float:
    return float(params.get("min_study_share", 50)) / 100


def judge(session: Any, params: Mapping[str, Any] | None = None) -> SessionJudgement:
    """R-S8 for one session (uses its prefetched agenda items when the caller prefetched them)."""
    params = parameters.values(RULE_ID) if params is None else params
    items = [(item.title, item.kind) for item in session.agenda_items.all()]
    return substitution.judge_session(items, session.title, min_share=min_share(params), lexicon=lexicon_for(params))


@dataclass(frozen=True)
class ItemExplanation:
    """One line of the explanation: what was judged, as what, by which words."""

    text: str
    declared: str  # the declared kind's label ("" for the title)
    label: str | None
    label_display: str
    is_study: bool
    terms: tuple[str, ...]
    scores: Mapping[str, float]
    is_title: bool = False

    def sentence(self) -> str:
        """「部署招生与就业工作」判为工作部署（依据：部署、招生、就业）."""
        if self.label is None:
            return _("「{text}」无法判断（未命中词表）").format(text=self.text)
        basis = _("、").join(self.terms) if self.terms else _("申报类型")
        return _("「{text}」判为{label}（依据：{basis}）").format(text=self.text, label=self.label_display, basis=basis)


def _explain(result: Classification, declared: str, *, is_title: bool = False) -> ItemExplanation:
    return ItemExplanation(
        text=result.text,
        declared=declared,
        label=result.label,
        label_display=class_label(result.label),
        is_study=result.is_study,
        terms=result.decisive_terms[:4],
        scores=dict(result.scores),
        is_title=is_title,
    )


def explain(session: Any, judgement: SessionJudgement, items: Sequence[Any] | None = None) -> list[ItemExplanation]:
    """The title first (when it decided something), then each agenda item in order (`items`: the
    session's agenda items when the caller read them already)."""
    lines = []
    if judgement.title is not None and judgement.title.label is not None:
        lines.append(_explain(judgement.title, "", is_title=True))
    kinds = dict(AgendaItem.Kind.choices)
    items = list(session.agenda_items.all()) if items is None else list(items)
    for item, result in zip(items, judgement.items, strict=True):  # items or their rows (`AgendaRow`)
        lines.append(_explain(result, str(kinds.get(item.kind, item.kind))))
    return lines


def percent_text(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


def verdict(judgement: SessionJudgement) -> str:
    """The one-line judgement in Chinese (the message of a finding, the heading on the page)."""
    if judgement.empty_agenda:
        return _("未填写议程，无法判断学习内容")
    if judgement.study_item_count == 0:
        return _("议程中没有理论学习内容，疑似以工作会议代替学习")
    share = percent_text(judgement.share)
    minimum = percent_text(judgement.min_share)
    if judgement.flagged:
        return _("理论学习内容占比{share}，低于{minimum}，疑似以工作会议代替学习").format(share=share, minimum=minimum)
    return _("理论学习内容占比{share}（不低于{minimum}）").format(share=share, minimum=minimum)


def finding_details(
    session: Any, judgement: SessionJudgement, items: Sequence[Any] | None = None
) -> tuple[str, dict[str, Any]]:
    """A finding's message (verdict and the non-study items with their words) and its measured values."""
    lines = explain(session, judgement, items)
    message = verdict(judgement)
    non_study = [line.sentence() for line in lines if not line.is_study and line.label is not None]
    if non_study:
        message = _("{verdict}：{items}").format(verdict=message, items=_("；").join(non_study))
    measured = {
        "study_items": judgement.study_item_count,  # agenda items judged study
        "judged": judgement.judged_count,  # agenda items and title that decided a class
        "study_share": None if judgement.share is None else round(judgement.share, 3),
        "min_share": judgement.min_share,
        "empty_agenda": judgement.empty_agenda,
        "items": [
            {"text": line.text, "label": line.label, "terms": list(line.terms), "title": line.is_title}
            for line in lines
        ],
    }
    return message, measured


def as_data(session: Any, judgement: SessionJudgement) -> dict[str, Any]:
    """What the API answers for one session."""
    return {
        "session": session.pk,
        "flagged": judgement.flagged,
        "empty_agenda": judgement.empty_agenda,
        "verdict": verdict(judgement),
        "study_share": None if judgement.share is None else round(judgement.share, 3),
        "min_share": judgement.min_share,
        "study_items": judgement.study_item_count,
        "study_judged": judgement.study_count,
        "judged": judgement.judged_count,
        "items": [
            {
                "text": line.text,
                "is_title": line.is_title,
                "declared_kind": line.declared,
                "label": line.label,
                "label_display": line.label_display,
                "is_study": line.is_study,
                "terms": list(line.terms),
                "scores": dict(line.scores),
                "explanation": line.sentence(),
            }
            for line in explain(session, judgement)
        ],
    }
