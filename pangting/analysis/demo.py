"""Demo data for the analysis app (called by `seed_demo` through its registered demo hook).

Plants one disguised substitution (R-S8): a held center-group session of 机电工程学院 whose agenda
is declared as 第一议题, 理论学习 and 交流研讨, but whose items are a relay of a work meeting and two
work deployments dressed in study words. The declared kinds alone pass it; the text does not.
The study demo's own work meetings (R-S8) stay planted where it decides them.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from pangting.core.system import system_actor
from pangting.study import services as study
from pangting.study.models import AgendaItem, SessionKind, StudySession

UNIT_CODE = "JDXY"
K = AgendaItem.Kind
DISGUISED_AGENDA = [
    {"kind": K.FIRST_ITEM, "title": "传达学习学校党委全委（扩大）会议精神"},
    {"kind": K.THEORY, "title": "学习研究学院招生与就业工作方案"},
    {"kind": K.DISCUSSION, "title": "研讨部署下半年重点工作任务"},
]


def disguised_candidate(context: dict[str, Any]) -> StudySession | None:
    """The latest held center-group session of the main year of 机电工程学院 that is plainly study.

    Plainly study: it has a 第一议题 and no item declared 业务工作, so that changing its agenda
    plants R-S8 alone (R-S4 still sees the declared 第一议题).
    """
    year = context["dates"].year
    sessions = (
        StudySession.objects.filter(
            organization__code=UNIT_CODE,
            kind=SessionKind.CENTER_GROUP,
            status=StudySession.Status.HELD,
            starts_at__year=year,
        )
        .prefetch_related("agenda_items")
        .order_by("-starts_at", "-pk")
    )
    for session in sessions:
        kinds = {item.kind for item in session.agenda_items.all()}
        if K.FIRST_ITEM in kinds and K.BUSINESS not in kinds:
            return session
    return None


def disguise(session: StudySession, planted: list[tuple[str, str, str, str]]) -> None:
    """Replace a study session's agenda by the disguised one and plant the R-S8 finding it must give."""
    first = next((i for i in session.agenda_items.all() if i.kind == K.FIRST_ITEM), None)
    kept = {"presenter": first.presenter, "source": first.source, "source_date": first.source_date} if first else {}
    # The 第一议题 keeps what it names (R-S4), so that the disguise plants R-S8 alone.
    agenda = [dict(item, **kept) if item["kind"] == K.FIRST_ITEM else dict(item) for item in DISGUISED_AGENDA]
    study.update_session(session, actor=system_actor(), agenda=agenda)
    day = timezone.localdate(session.starts_at)
    planted.append(("R-S8", session.organization.code, f"{day.year}-{day.month:02d}", f"session:{session.pk}"))


def extend_demo(context: dict[str, Any]) -> None:
    from .demo_copies import plant_copies

    session = disguised_candidate(context)
    if session is not None:  # expected: the unit holds a session most months of the main year
        disguise(session, context.setdefault("planted", []))
    plant_copies(context)
