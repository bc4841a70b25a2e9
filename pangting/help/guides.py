"""The user guides, one per role, and which one (and which part of it) a page's 帮助 opens.

Guides are content, written in Chinese as Django templates under
``templates/help/guides/<slug>.html`` (no Markdown library: Django's templates already give
headings, lists, links to the pages by URL name and the screenshots' static paths).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pangting.accounts.models import Role

Label = str | Promise


@dataclass(frozen=True)
class Guide:
    """One role's guide: who it is for, the demo accounts it shows, where each section starts.

    `sections` maps a URL namespace (``study``) or a full URL name (``study:plan_list``) to the
    id of the guide's section about those pages; a full name wins over its namespace.
    """

    slug: str
    title: Label
    audience: Label
    roles: frozenset[str]
    personas: tuple[str, ...]
    sections: Mapping[str, str] = field(default_factory=dict)

    @property
    def template_name(self) -> str:
        return f"help/guides/{self.slug}.html"

    def section_for(self, url_name: str | None) -> str:
        if not url_name:
            return ""
        namespace = url_name.split(":", 1)[0] if ":" in url_name else ""
        return self.sections.get(url_name) or self.sections.get(namespace, "")


GUIDES: tuple[Guide, ...] = (
    Guide(
        "secretary",
        _("学习秘书使用指南"),
        _("二级党组织理论学习中心组的学习秘书；中心组成员也请阅读其中“中心组成员”一节"),
        frozenset({Role.STUDY_SECRETARY, Role.MEMBER}),
        ("mishu", "chengyuan"),
        {
            "home": "todos",
            "study": "sessions",
            "study:plan_list": "plan",
            "study:plan_detail": "plan",
            "study:my_study": "member",
            "study:branch_overview": "branches",
            "observation": "reply",
            "observation:rectification_list": "rectification",
            "observation:rectification_detail": "rectification",
            "observation:invitation_list": "invite",
            "observation:cross_list": "cross",
            "observation:cross_detail": "cross",
            "assessment": "report",
        },
    ),
    Guide(
        "liaison",
        _("联络员使用指南"),
        _("旁听组联络员（联系学院的党政办主任等）"),
        frozenset({Role.LIAISON}),
        ("lianluo",),
        {
            "home": "todos",
            "study": "arrangement",
            "observation": "visit",
            "observation:record_edit": "record",
        },
    ),
    Guide(
        "leader",
        _("联系领导使用指南"),
        _("联系二级单位的校（区）领导、旁听组组长，以及只读查看的党委书记等党委领导"),
        frozenset({Role.OBSERVATION_LEADER, Role.LEADERSHIP_VIEWER}),
        ("lingdao", "dangwei"),
        {
            "home": "todos",
            "observation": "visit",
            "observation:record_edit": "record",
            "study": "arrangement",
            "reports": "leadership",
            "compliance": "leadership",
            "assessment": "leadership",
        },
    ),
    Guide(
        "supervisor",
        _("宣传部督导使用指南"),
        _("党委宣传部（及会同督导的组织部、机关工委）负责巡听旁听的同志"),
        frozenset({Role.SUPERVISOR, Role.ORG_DEPARTMENT, Role.ORGANS_COMMITTEE}),  # R-O21 partners
        ("xuanchuan",),
        {
            "home": "todos",
            "observation:plan_detail": "plan",
            "planning": "plan",
            "observation": "letter",
            "observation:rectification_list": "verify",
            "observation:rectification_detail": "verify",
            "observation:invitation_list": "invited",
            "observation:cross_list": "cross",
            "observation:practice_list": "practices",
            "study": "study",
            "orgs": "directory",
            "reports": "reports",
            "compliance": "compliance",
            "assessment": "assessment",
        },
    ),
    Guide(
        "admin",
        _("管理员使用指南"),
        _("系统管理员、安全管理员、审计管理员（三员）"),
        frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}),
        ("admin", "anquan", "shenji"),
        {
            "home": "duties",
            "workdays": "calendar",
            "orgs": "directory",
            "accounts": "accounts",
            "accounts:audit_log": "audit",
            "compliance": "parameters",
        },
    ),
)

_BY_SLUG = {guide.slug: guide for guide in GUIDES}


def get(slug: str) -> Guide | None:
    return _BY_SLUG.get(slug)


def for_roles(roles: Iterable[str]) -> list[Guide]:
    """The guides for a user's roles, in the order of `GUIDES` (the main work first)."""
    held = set(roles)
    return [guide for guide in GUIDES if guide.roles & held]
