"""The user guides: every guide renders for every role, and shows only real screenshots.

The screenshots are made by the browser tests from the demo (`screens.py`); a guide may show
only a picture that run makes, computed from the menu registry and the policy, so a renamed
or removed page breaks this test rather than leaving a dead picture in a guide.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from pangting.accounts import policy
from pangting.accounts.models import Role
from pangting.help import guides, screens

# The test world's persona with each demo account's role (conftest.World).
DEMO_TO_PERSONA = {
    "admin": "sysadmin",
    "anquan": "secadmin",
    "shenji": "auditor",
    "xuanchuan": "supervisor",
    "dangwei": "viewer",
    "lingdao": "leader",
    "lianluo": "liaison",
    "mishu": "secretary_a",
    "chengyuan": "member",
}
_SCREEN = re.compile(r'data-screen="([^"]+)"')
_ID = re.compile(r'\bid="([^"]+)"')


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _guide_html(world, slug: str) -> str:
    response = _client(world.supervisor).get(reverse("help:guide", args=[slug]))
    assert response.status_code == 200
    return response.content.decode()


def referenced_screens(world) -> dict[str, list[str]]:
    """Guide slug → the screenshot names it shows."""
    return {guide.slug: _SCREEN.findall(_guide_html(world, guide.slug)) for guide in guides.GUIDES}


def test_it_gives_every_demo_account_a_persona_with_its_role(world):
    for username, role in screens.DEMO_ACCOUNTS.items():
        persona = getattr(world, DEMO_TO_PERSONA[username])
        assert policy.roles(persona) == {role}, username


@pytest.mark.parametrize("persona", ["supervisor", "leader", "liaison", "secretary_a", "member", "viewer",
                                     "sysadmin", "secadmin", "auditor", "outsider"])  # fmt: skip
def test_it_renders_every_guide_for_every_role(world, persona):
    client = _client(getattr(world, persona))
    index = client.get(reverse("help:index"))
    assert index.status_code == 200
    for guide in guides.GUIDES:
        response = client.get(reverse("help:guide", args=[guide.slug]))
        assert response.status_code == 200, guide.slug
        assert str(guide.title) in response.content.decode()


def test_it_asks_a_visitor_to_sign_in(client):
    response = client.get(reverse("help:guide", args=["secretary"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_answers_404_for_an_unknown_guide(world):
    assert _client(world.member).get("/help/nosuchguide/").status_code == 404


def test_it_writes_one_guide_per_role():
    """Secretary, liaison, leader (with read-only leadership), supervisor, the administrators."""
    covered = set().union(*(guide.roles for guide in guides.GUIDES))
    assert covered == set(Role)
    assert [guide.slug for guide in guides.GUIDES] == ["secretary", "liaison", "leader", "supervisor", "admin"]


def test_it_shows_only_screenshots_the_personas_navigation_produces(world):
    """Each picture is `{account}-{page}-desktop.png` for an account the guide is about and a page
    in that account's menu (or a session / visit page it can see), computed from the registry."""
    pages = {username: screens.page_slugs(getattr(world, persona)) for username, persona in DEMO_TO_PERSONA.items()}
    for slug, names in referenced_screens(world).items():
        guide = guides.get(slug)
        assert names, f"the {slug} guide shows no screenshot"
        for name in names:
            parsed = screens.parse(name)
            assert parsed is not None, name
            username, page = parsed
            assert username in guide.personas, f"{slug} shows {name}, not one of its accounts"
            assert page in pages[username], f"{slug} shows {name}: {username}'s menu has no such page"


def test_it_knows_a_renamed_page_is_not_in_the_menu(world):
    assert "study-session_list" in screens.page_slugs(world.secretary_a)
    assert "study-session_lists" not in screens.page_slugs(world.secretary_a)
    assert "accounts-audit_log" not in screens.page_slugs(world.secretary_a)
    assert screens.parse("mishu-study-session_list-desktop.png") == ("mishu", "study-session_list")
    assert screens.parse("stranger-home-desktop.png") is None


def test_guide_screenshots_exist(world):
    """THE SCREENSHOT FILES. Fails until the browser tests have taken the demo's screenshots into
    pangting/help/static/help/screens/ (they are generated, not committed by hand): run the
    screenshot browser test, then this one."""
    missing = sorted(
        {name for names in referenced_screens(world).values() for name in names}
        - {path.name for path in screens.SCREENS_DIR.glob("*" + screens.SUFFIX)}
    )
    assert not missing, f"{len(missing)} screenshots not generated yet: {', '.join(missing)}"


@pytest.mark.parametrize(
    ("persona", "path", "expected"),
    [
        ("secretary_a", "/study/", "/help/secretary/#sessions"),
        ("secretary_a", "/study/plans/", "/help/secretary/#plan"),
        ("member", "/study/my/", "/help/secretary/#member"),
        ("liaison", "/observation/", "/help/liaison/#visit"),
        ("leader", "/", "/help/leader/#todos"),
        ("viewer", "/reports/", "/help/leader/#leadership"),
        ("supervisor", "/observation/plan/", "/help/supervisor/#plan"),
        ("sysadmin", "/calendar/", "/help/admin/#calendar"),
        ("auditor", "/accounts/audit/", "/help/admin/#audit"),
        ("outsider", "/", "/help/"),
    ],
)
def test_it_links_each_pages_header_to_the_guide_section_about_it(world, persona, path, expected):
    response = _client(getattr(world, persona)).get(path)
    assert response.status_code == 200
    assert f'href="{expected}" data-testid="help-link"' in response.content.decode()


def test_every_section_the_header_links_to_exists(world):
    for guide in guides.GUIDES:
        ids = set(_ID.findall(_guide_html(world, guide.slug)))
        for key, section in guide.sections.items():
            assert section in ids, f"{guide.slug}: {key} → #{section} has no such section"


def test_it_adds_help_last_to_every_menu(world):
    menu = _client(world.member).get("/").context["nav_menu"]
    assert menu[-1]["url"] == reverse("help:index")


def test_it_shows_a_screenshot_once_it_exists_and_only_its_caption_before(tmp_path, monkeypatch):
    from pangting.help.templatetags.guide import screen

    monkeypatch.setattr(screens, "SCREENS_DIR", tmp_path)
    before = screen("mishu", "study:session_list", "学习会列表")
    assert "<img" not in before and "学习会列表" in before
    (tmp_path / "mishu-study-session_list-desktop.png").write_bytes(b"\x89PNG")
    after = screen("mishu", "study:session_list", "学习会列表")
    assert '<img src="/static/help/screens/mishu-study-session_list-desktop.png"' in after
