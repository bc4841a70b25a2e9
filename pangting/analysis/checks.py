"""The R-S8 check: study not replaced by a work meeting, judged from the agenda's text.

This is the one home of R-S8. Earlier versions judged only the kinds the secretary declared, so a
session declared 理论学习 whose items read "传达上级文件精神" and "部署招生与就业工作" passed,
and a session without any agenda was told "business items dominate". Now each agenda item and
the session title are classified from their text (`pangting.lib.substitution`, the declared kind
being one input), and every finding says which items were judged what and which words decided.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from pangting.compliance.checks._common import center_group_sessions, format_day, month_period, session_evidence
from pangting.compliance.registry import CheckContext, FindingData, Param, rule
from pangting.lib.substitution import judge_session

from . import services


@rule(
    services.RULE_ID,
    _("不以工作会议代替中心组学习"),
    params=[
        Param("min_study_share", 50, _("理论学习内容最低占比（按议程条数，标题计一条）"), "percent", unit="%"),
        Param(
            "extra_terms",
            [services.NO_EXTRA_TERMS],
            _(
                "附加词表（词=类别:权重，逗号分隔；类别 theory_study、document_relay、work_deployment、"
                "business_training；权重0删除该词；“无”表示不附加）"
            ),
            "list",
        ),
    ],
)
def study_not_replaced(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S8: a session that has taken place whose agenda has no theory study, or too little of it.

    Each agenda item and the title are classified from their text as theory study, relay of
    documents, work deployment or business training. Red: no study item at all, or a study
    share below `min_study_share`. Amber: no agenda was entered, so nothing can be judged.
    """
    params = dict(ctx.params)
    lexicon = services.lexicon_for(params)
    share = services.min_share(params)
    for row in center_group_sessions(ctx):
        if not row.taken_place:
            continue
        session = row.session
        items = [(item.title, item.kind) for item in row.agenda]
        judgement = judge_session(items, session.title, min_share=share, lexicon=lexicon)
        if not judgement.flagged:
            continue
        message, measured = services.finding_details(session, judgement, items=row.agenda)
        yield FindingData(
            session.organization_id, month_period(row.day), f"session:{session.pk}",
            "amber" if judgement.empty_agenda else "red",
            # i18n: not interface (stored finding text: compliance runs write findings in Chinese)
            _shorten(f"{format_day(row.day)}学习会{message}"),
            (session_evidence(session),), measured,
        )  # fmt: skip


def _shorten(message: str, limit: int = 300) -> str:
    """A finding's message fits its column; the full explanation stays in `measured`."""
    return message if len(message) <= limit else message[: limit - 1] + "…"
