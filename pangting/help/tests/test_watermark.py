"""The watermark on pages and exports, and the internal-material mark on documents.

Pages are read through the test client; exports are opened with python-docx and openpyxl.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import unquote

import docx
import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from pangting.help import watermark
from pangting.lib.marks import INTERNAL_MARK, current
from pangting.observation.models import State
from pangting.observation.tests.scenes import walk

# 06:30 UTC is 14:30 in Beijing: the watermark shows Beijing time whatever the server's zone.
NOW = dt.datetime(2026, 12, 5, 6, 30, tzinfo=dt.UTC)
STAMP = "2026-12-05 14:30"
_STYLE = re.compile(r'<style nonce="([^"]+)">[^<]*url\("data:image/svg\+xml,([^"]+)"\)')

ON = override_settings(PANGTING_WATERMARK=True, PANGTING_INTERNAL_MARK=True)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page_watermark(response) -> str | None:
    match = _STYLE.search(response.content.decode())
    if match is None:
        return None
    nonce, encoded = match.groups()
    # The one inline style is admitted by its nonce, not by loosening the policy.
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    return unquote(encoded)


def test_it_shows_no_watermark_by_default(world):
    response = _client(world.secretary_a).get("/")
    assert _page_watermark(response) is None
    assert "nonce-" not in response["Content-Security-Policy"]


@ON
def test_it_watermarks_every_page_with_name_staff_number_and_beijing_time(world):
    staff_no = world.secretary_a_person.staff_no
    assert staff_no
    with time_machine.travel(NOW, tick=False):
        for path in ("/", reverse("study:session_list"), reverse("help:guide", args=["secretary"])):
            svg = _page_watermark(_client(world.secretary_a).get(path))
            assert svg is not None, path
            assert f"张秘书 {staff_no} {STAMP}" in svg


@ON
def test_it_names_the_username_when_the_person_has_no_staff_number(world):
    world.secretary_a_person.staff_no = ""
    world.secretary_a_person.save()
    with time_machine.travel(NOW, tick=False):
        svg = _page_watermark(_client(world.secretary_a).get("/"))
    assert f"张秘书 secretary_a {STAMP}" in svg


@ON
def test_it_keeps_the_watermark_when_printing(world):
    html = _client(world.member).get("/").content.decode()
    assert "print-color-adjust:exact" in html and "position:fixed" in html and "pointer-events:none" in html


@ON
def test_it_does_not_watermark_the_login_page(client):
    assert _page_watermark(client.get(reverse("accounts:login"))) is None


def test_it_encodes_a_hostile_name_so_it_stays_text():
    url = watermark.data_url('</style><script>alert("x")</script> & \'')
    assert not set("<>\"'&") & set(url.removeprefix("data:image/svg+xml,"))
    assert "&lt;/style&gt;&lt;script&gt;" in unquote(url)


@ON
def test_it_prints_the_watermark_in_an_excel_export(world):
    with time_machine.travel(NOW, tick=False):
        response = _client(world.supervisor).get(reverse("assessment:sheet_export"), {"year": "2026"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    for worksheet in workbook.worksheets:
        assert worksheet.oddHeader.right.text == f"supervisor supervisor {STAMP}"
        assert worksheet.oddFooter.left.text == f"supervisor supervisor {STAMP}"


@pytest.fixture
def notified_visit(world):
    return walk(world, State.NOTIFIED)


def _letter(world, visit) -> docx.document.Document:
    response = _client(world.secretary_a).get(reverse("observation:document", args=[visit.pk, "letter"]))
    assert response.status_code == 200
    return docx.Document(io.BytesIO(response.content))


@ON
def test_it_marks_a_word_letter_as_internal_and_watermarks_its_headers(world, notified_visit):
    with time_machine.travel(NOW, tick=False):
        letter = _letter(world, notified_visit)
    section = letter.sections[0]
    # GB/T 9704 10.1: the mark flush left on the first line, the number flush right on it.
    assert letter.paragraphs[0].text == f"{INTERNAL_MARK}\t{notified_visit.letter_number}"
    for header in (section.header, section.first_page_header, section.even_page_header):
        assert header.paragraphs[0].text == f"张秘书 {world.secretary_a_person.staff_no} {STAMP}"


def test_it_leaves_a_word_letter_unmarked_by_default(world, notified_visit):
    letter = _letter(world, notified_visit)
    assert INTERNAL_MARK not in "\n".join(p.text for p in letter.paragraphs)
    assert letter.paragraphs[0].text == notified_visit.letter_number
    assert current().watermark == "" and current().internal == ""


@override_settings(PANGTING_INTERNAL_MARK=True)
def test_it_can_mark_documents_internal_without_a_watermark(world, notified_visit):
    letter = _letter(world, notified_visit)
    assert letter.paragraphs[0].text.startswith(INTERNAL_MARK)
    assert not letter.sections[0].header.paragraphs[0].text
