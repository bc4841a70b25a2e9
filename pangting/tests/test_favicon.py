"""The favicon: every page links the app's own icon, and /favicon.ico finds it (no 404, no external asset)."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client

pytestmark = pytest.mark.django_db


def test_it_serves_the_favicon_from_the_apps_static_files():
    response = Client().get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == static("favicon.ico")
    path = finders.find("favicon.ico")
    assert path is not None
    with open(path, "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO file


def test_it_links_the_icon_in_the_head_of_every_page():
    page = Client().get("/accounts/login/").content.decode()
    head = page.split("</head>")[0]
    assert f'<link rel="icon" href="{static("favicon.ico")}"' in head
