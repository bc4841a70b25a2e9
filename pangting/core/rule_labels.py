"""A rule ID (R-S3, R-O8, R-B2 …) as people read it: a short plain-language label, the code in a tooltip.

Users do not know the codes of domain.md; pages show the label and keep the code in the
`title` of an `<abbr>` (`{{ "R-S3"|rule_label }}` of `{% load display %}`), so a reader who
knows them can still go from the page to the rule.

The label of a rule that has a check or parameters is the title it registered with the
rule-parameter registry (`core.parameters.TITLES`, filled by the apps' `ready`); the rules
below have neither, and take their label from here.
"""

from __future__ import annotations

import re

from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import parameters

# Not \b: a code is often glued to Chinese text (见R-S4), and Chinese characters are word characters.
RULE_ID = re.compile(r"(?<![A-Za-z0-9-])R-[SOB]\d+(?!\d)")

# Rules no app registers a title for (domain.md), in its order.
OTHER_TITLES: dict[str, str | Promise] = {
    "R-S13": _("领导干部个人自学计划"),
    "R-S15": _("书记审定学习计划"),
    "R-S16": _("必学专题全覆盖"),
    "R-S17": _("上下联动学习主题"),
    "R-S18": _("学习秘书每年培训"),
    "R-S19": _("学习成果转化"),
    "R-S20": _("列席人员不计入参学率"),
    "R-S21": _("会前调查研究"),
    "R-O1": _("年度巡听旁听计划"),
    "R-O2": _("固定、随机、应邀三种方式"),
    "R-O3": _("联系领导带队旁听"),
    "R-O5": _("全程旁听学习会"),
    "R-O6": _("个别谈话与查阅资料"),
    "R-O7": _("访谈、座谈、抽查等方式"),
    "R-O14": _("旁听结果纳入意识形态工作责任制考核"),
    "R-O15": _("年度总结和通报"),
    "R-O16": _("典型经验推广借鉴"),
    "R-O17": _("工作组适时调整"),
    "R-O18": _("旁听记录综合评分"),
    "R-O19": _("现场点评、座谈和理论抽查"),
    "R-O20": _("党委审定年度旁听计划"),
    "R-O21": _("联合督导"),
    "R-O22": _("述学与民主评议"),
    "R-O23": _("分级督导"),
    "R-O24": _("工作组分组表"),
    "R-O25": _("问题清单整改"),
    "R-B6": _("支部书记每年培训"),
    "R-B7": _("领导干部双重组织生活"),
    "R-B8": _("主题党日"),
}


def rule_title(rule_id: str) -> str:
    """The plain-language label of `rule_id`; an unknown ID is returned unchanged."""
    registered = parameters.TITLES.get(rule_id)
    if registered:
        return gettext(registered)
    other = OTHER_TITLES.get(rule_id)
    return str(other) if other is not None else rule_id


def rule_label(rule_id: str) -> SafeString:
    """`<abbr title="R-S3">参学率不低于90%…</abbr>`: the label, with the code in the tooltip."""
    rule_id = str(rule_id).strip()
    return format_html('<abbr class="rule" title="{}">{}</abbr>', rule_id, rule_title(rule_id))


def with_rule_labels(text: str) -> str:
    """Plain `text` with each rule ID in it replaced by its label (for text without markup)."""
    return RULE_ID.sub(lambda match: rule_title(match[0]), text or "")


# i18n: not interface (a pattern matching Chinese and ASCII citation brackets)
_CITED = re.compile(r"^(?P<text>.*?)[（(](?P<codes>R-[SOB]\d+(?:[、，, ]+R-[SOB]\d+)*)[）)]\s*[。.]?$", re.DOTALL)


def split_citation(text: str) -> tuple[str, str]:
    """ "1名发言人无书面发言材料（R-S6）" → ("1名发言人无书面发言材料", "R-S6 发言人有书面发言材料").

    A problem that already says what is wrong does not need the rule's label beside it; the
    citation moves to the tooltip. Text without a trailing citation is returned with "".
    """
    match = _CITED.match(text or "")
    if not match:
        return text, ""
    codes = RULE_ID.findall(match["codes"])
    return match["text"].rstrip(), gettext("；").join(f"{code} {rule_title(code)}" for code in codes)
