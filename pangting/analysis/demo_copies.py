"""Demo: planted copied texts (issue 13 item 1), found by the scan the demo runs at its end.

- two speeches copied across units: a speaker of one unit hands in, nearly word for word, the
  written speech of a speaker of another unit (both longer than R-S6's `min_written_chars`, so
  only the copy is planted, not a short text);
- a reflection re-used from last year: a member's reflection of the main year repeats his own
  reflection of the year before (only when some member has reflections in both years: today's
  demo members write theirs in one year, so this copy is not planted yet);
- an observation record copied from last semester: a unit's latest filed record repeats the
  record of its visit in the semester before. The supervisor has confirmed this pair, so R-O8
  keeps a red finding for the later record (planted: the check must find exactly it).

The texts are changed in place (with a history row by the system actor), so no rule that
counts speeches, reflections or records sees anything else change.
"""

from __future__ import annotations

from typing import Any

from pangting.core import registry
from pangting.core.demo import report_progress
from pangting.core.system import system_actor
from pangting.observation.models import ObservationRecord
from pangting.study import rules as study_rules
from pangting.study.models import Reflection, SessionKind, Speech, StudySession
from pangting.study.parameters import get_parameters

from . import duplicates
from .models import TextDocument, TextPair

# i18n: not interface (demo records, stored in Chinese)
SPEECH = (
    "这次集中学习，我重点研读了关于教育强国建设的重要论述，结合分管的教学工作谈三点体会。"
    "一是要把立德树人作为根本任务，在专业课程中挖掘思政元素，让课程思政真正落到每一堂课。"
    "二是要围绕产教融合深化改革，去年我们与十二家企业共建实训基地，学生顶岗实习的满意度明显提高，"
    "但校企双方在课程标准上的衔接还不够紧密，下一步要组织骨干教师进企业调研，形成可推广的做法。"
    "三是要加强教师队伍建设，实施青年教师导师制，每位新进教师配备一名教学名师，"
    "通过听课评课、集体备课和教学竞赛帮助他们尽快成长。"
    "对照先进找差距，我感到自己在调查研究上下功夫不够，今后要每月至少深入一个教研室，"
    "听取一线教师的意见建议，把学习成果转化为推动工作的实际成效。"
)
# i18n: not interface (demo records, stored in Chinese)
SPEECH_COPY = SPEECH.replace("三点体会", "三点认识").replace("十二家企业", "十余家企业")

# i18n: not interface (demo records, stored in Chinese)
REFLECTION = (
    "通过这次专题学习，我对坚持以人民为中心的发展思想有了更深的理解。作为分管学生工作的负责人，"
    "我体会到学生工作必须从学生最关心的实际问题入手：宿舍条件、食堂价格、就业指导和心理咨询，"
    "每一件都连着学生的切身感受。今后我要坚持每月走访两个学生宿舍，每学期召开一次学生代表座谈会，"
    "建立问题台账，办结一件销号一件，把学习成果体现在解决学生急难愁盼问题的实际行动上。"
)
# i18n: not interface (demo records, stored in Chinese)
REFLECTION_AGAIN = REFLECTION.replace("这次专题学习", "本次集中学习")

# i18n: not interface (demo records, stored in Chinese)
RECORD = {
    "organization_findings": "学习会方案提前报送，书记主持并领学，应到十五人实到十四人，一人请假已安排补学。",
    "content_findings": "学习了关于加强党的政治建设的重要论述，围绕学院事业发展规划开展专题研讨，"
    "内容与年度学习计划一致，第一议题落实到位。",
    "method_findings": "五位成员作交流发言，均有书面材料，能结合分管工作谈认识，但个别发言引用原文较多、联系实际较少。",
    "effect_findings": "会议对下阶段专业建设和师资队伍建设提出了具体举措，学习成果转化清单尚未建立。",
}


def _copy_speeches(context: dict[str, Any], actor: Any) -> tuple[Speech, Speech] | None:
    """The written speech of one unit's speaker handed in again by another unit's speaker.

    Both are speeches already written in full (R-S6): rewriting a speech the study demo left
    short would silently take away the R-S6 case it planted there.
    """
    year = context["dates"].year
    minimum = get_parameters().min_written_chars
    candidates = (
        Speech.objects.filter(
            session__kind=SessionKind.CENTER_GROUP,
            session__status=StudySession.Status.HELD,
            session__starts_at__year=year,
        )
        .exclude(written_text="")
        .select_related("session__organization")
        .order_by("session__starts_at", "pk")
    )
    speeches = [s for s in candidates if study_rules.is_written(s.written_text, bool(s.file), minimum)]
    if not speeches:
        return None
    first = speeches[0]
    second = next((s for s in reversed(speeches) if s.session.organization_id != first.session.organization_id), None)
    if second is None:
        return None
    _rewrite(first, actor, "speech", written_text=SPEECH)
    _rewrite(second, actor, "speech", written_text=SPEECH_COPY)
    return first, second


def _reuse_reflection(context: dict[str, Any], actor: Any) -> tuple[Reflection, Reflection] | None:
    """A member's reflection of the main year repeating his reflection of the year before."""
    dates = context["dates"]
    earlier = Reflection.objects.filter(written_on__year=dates.previous).order_by("written_on", "pk")
    for old in earlier:
        new = Reflection.objects.filter(person=old.person, written_on__year=dates.year).order_by("-written_on").first()
        if new is not None:
            _rewrite(old, actor, "reflection", text=REFLECTION)
            _rewrite(new, actor, "reflection", text=REFLECTION_AGAIN)
            return old, new
    return None


def _copy_record(actor: Any) -> tuple[ObservationRecord, ObservationRecord] | None:
    """A unit's latest filed record repeating its record of the semester before."""
    records = (
        ObservationRecord.objects.filter(filed_at__isnull=False)
        .select_related("visit__unit")
        .order_by("-visit__year", "-visit__semester", "-pk")
    )
    for later in records:
        earlier = (
            records.filter(visit__unit=later.visit.unit)
            .exclude(visit__year=later.visit.year, visit__semester=later.visit.semester)
            .first()
        )
        if earlier is not None:
            _rewrite(earlier, actor, "observation_record", **RECORD)
            _rewrite(later, actor, "observation_record", **RECORD)
            return earlier, later
    return None


def _rewrite(record: Any, actor: Any, kind: str, **fields: str) -> None:
    for name, value in fields.items():
        setattr(record, name, value)
    record._history_user = actor
    record.save(update_fields=[*fields, "updated_at"])
    registry.text_saved(kind, record)


def _pair(a: Any, kind_a: str, b: Any, kind_b: str) -> TextPair | None:
    docs = list(
        TextDocument.objects.filter(kind=kind_a, object_id=a.pk)
        | TextDocument.objects.filter(kind=kind_b, object_id=b.pk)
    )
    if len(docs) != 2:
        return None
    first, second = sorted(doc.pk for doc in docs)
    return TextPair.objects.filter(first_id=first, second_id=second).first()


def plant_copies(context: dict[str, Any]) -> None:
    # i18n: not interface (console output of the demo loader, Chinese like every command)
    report_progress(context, "  正在植入雷同文本并检查全部文本")
    actor = system_actor()
    planted = context.setdefault("planted", [])
    speeches = _copy_speeches(context, actor)
    reflections = _reuse_reflection(context, actor)
    records = _copy_record(actor)
    duplicates.scan_corpus()
    context["copies"] = {"speeches": speeches, "reflections": reflections, "records": records}
    if records is None:
        return
    earlier, later = records
    pair = _pair(earlier, "observation_record", later, "observation_record")
    if pair is None:
        return
    # The supervisor has read both and confirmed the copy: R-O8 keeps a finding for the later record.
    duplicates.decide_pair(pair, "confirm", actor=actor)
    visit = later.visit
    planted.append(("R-O8", visit.unit.code, f"{visit.year}-H{visit.semester}", f"copy:{later.pk}"))
