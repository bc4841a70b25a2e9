"""Screenshots the guides show, named after the demo account and the page they show.

The browser tests sign in as each demo account, open every page of that account's menu and
save ``{username}-{slug}-desktop.png`` under ``static/help/screens/`` (slug: the URL name with
":" turned into "-"). A guide may show only pictures that such a run produces, so the names
are computed here from the menu registry and the access policy, never listed by hand: a page
renamed or taken out of a menu breaks the guide's test instead of leaving a dead picture.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pangting.accounts import policy
from pangting.accounts.models import Role
from pangting.core import registry

SCREENS_DIR = Path(__file__).resolve().parent / "static" / "help" / "screens"
STATIC_PREFIX = "help/screens/"
SUFFIX = "-desktop.png"

# The demo accounts (`manage.py seed_demo`, README) and the role each one has there.
DEMO_ACCOUNTS: dict[str, str] = {
    "admin": Role.SYSTEM_ADMIN,
    "anquan": Role.SECURITY_ADMIN,
    "shenji": Role.AUDIT_ADMIN,
    "xuanchuan": Role.SUPERVISOR,
    "dangwei": Role.LEADERSHIP_VIEWER,
    "lingdao": Role.OBSERVATION_LEADER,
    "lianluo": Role.LIAISON,
    "mishu": Role.STUDY_SECRETARY,
    "chengyuan": Role.MEMBER,
}

# Pages outside the menu that the screenshot run also opens, with the action that shows
# them: a study session and an observation visit of the account's unit.
DETAIL_PAGES: dict[str, str] = {
    "study:session_detail": policy.Action.STUDY_VIEW,
    "observation:visit_detail": policy.Action.OBSERVATION_VIEW,
}

_NAME = re.compile(r"^(?P<username>[a-z0-9_]+)-(?P<slug>[a-z0-9_-]+)" + re.escape(SUFFIX) + "$")


def slug(url_name: str) -> str:
    """`study:session_list` → `study-session_list`; `home` stays `home`."""
    return url_name.replace(":", "-")


def screenshot_name(username: str, url_name: str) -> str:
    return f"{username}-{slug(url_name)}{SUFFIX}"


def parse(name: str) -> tuple[str, str] | None:
    """(username, slug) of a screenshot file name, or None when it is not one."""
    match = _NAME.match(name)
    if match is None or match["username"] not in DEMO_ACCOUNTS:
        return None
    return match["username"], match["slug"]


def page_slugs(user: Any) -> set[str]:
    """The slugs of every page the screenshot run opens for `user`: his menu and the detail pages."""
    names = {
        entry.url_name for entry in registry.navigation() if entry.action is None or policy.can(user, entry.action)
    }
    names |= {name for name, action in DETAIL_PAGES.items() if policy.can(user, action)}
    return {slug(name) for name in names}
