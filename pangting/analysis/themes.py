"""Theme adherence of speeches (issue 13 item 3, R-S6): hints for the supervisor, never findings.

For the held center-group sessions of a year in the user's supervision, each speech with text
(outline, written material, its uploaded file) is compared with its session's theme (title and
content) and, when the session names one, the plan theme (theme and materials) by TF-IDF over
jieba tokens (`pangting.lib.themefit`, the IDF fitted on that year's speeches). The lowest
similarities are listed first, each with the words it shares with the theme.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from pangting.accounts import policy
from pangting.lib import themefit
from pangting.study.models import SessionKind, Speech, StudySession

from . import sources

DEFAULT_LIMIT = 30


@dataclass(frozen=True)
class ThemeHint:
    """One speech, its similarity to the session's theme and to the plan theme, the shared words."""

    speech: Any
    session: Any
    session_score: float
    plan_score: float | None
    words: tuple[str, ...]

    @property
    def score(self) -> float:
        """The better of the two: a speech on either theme is on theme."""
        return max(self.session_score, self.plan_score or 0.0)

    @property
    def percent(self) -> str:
        return f"{self.score * 100:.0f}%"


def _session_theme(session: StudySession) -> str:
    return "\n".join(part for part in (session.title, session.content) if part)


def _plan_theme(session: StudySession) -> str:
    theme = session.plan_theme
    return "\n".join(part for part in (theme.theme, theme.materials) if part) if theme is not None else ""


def speeches_in_reach(user: Any, year: int) -> list[Speech]:
    reach = policy.reach(user, policy.Action.STUDY_SUPERVISE)
    if reach.is_empty:
        return []
    return list(
        Speech.objects.filter(reach.q("session__organization"))
        .filter(
            session__kind=SessionKind.CENTER_GROUP,
            session__status=StudySession.Status.HELD,
            session__starts_at__year=year,
            session__deleted_at__isnull=True,
        )
        .filter(~Q(outline="") | ~Q(written_text="") | ~Q(file=""))
        .select_related("session__organization", "session__plan_theme")
        .order_by("session__starts_at", "session_id", "order", "pk")
    )


def score_speeches(speeches: list[Speech]) -> list[ThemeHint]:
    """Every speech with content words, scored against its themes; lowest first."""
    source = sources.get("speech")
    texts = [themefit.tokens(source.read(speech)[0]) for speech in speeches]
    model = themefit.TfIdf.fit(texts)
    hints = []
    for speech, words in zip(speeches, texts, strict=True):
        if not words:
            continue
        vector = model.vector(words)
        session_vector = model.vector(themefit.tokens(_session_theme(speech.session)))
        plan_text = _plan_theme(speech.session)
        plan_vector = model.vector(themefit.tokens(plan_text)) if plan_text else None
        session_score = themefit.cosine(vector, session_vector)
        plan_score = themefit.cosine(vector, plan_vector) if plan_vector is not None else None
        best = plan_vector if plan_vector is not None and (plan_score or 0) > session_score else session_vector
        hints.append(
            ThemeHint(speech, speech.session, session_score, plan_score, tuple(themefit.shared_words(vector, best)))
        )
    return sorted(hints, key=lambda hint: (hint.score, hint.speech.pk))


def theme_hints(user: Any, year: int, *, limit: int = DEFAULT_LIMIT) -> list[ThemeHint]:
    """The `limit` speeches of the year least similar to their themes, in the user's supervision."""
    return score_speeches(speeches_in_reach(user, year))[:limit]
