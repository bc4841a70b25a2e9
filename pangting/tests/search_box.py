"""Browser tests fill a searched organization or person (issue 15) the way a user does: type into
the search box, wait for the match, click it; the hidden field then carries the chosen id.

Form tests read the searched fields' refusals from the fields themselves (`OUTSIDE_ORG`,
`OUTSIDE_PERSON`, in the site's language) and the page with `page_text`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation

from pangting.core.widgets import PersonSearchField, SearchField

with translation.override(settings.LANGUAGE_CODE):  # the site language the forms answer in
    OUTSIDE_ORG = str(SearchField.default_error_messages["outside"]).rstrip("。")
    OUTSIDE_PERSON = str(PersonSearchField.default_error_messages["outside"]).rstrip("。")


def page_text(response: Any) -> str:
    """A form page answered 200 (a refused input shows the form again), as text."""
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _search_box(page: Any, name: str) -> Any:
    """The search box of field `name`, once the page's deferred scripts have run: typed into
    before htmx has taken the box, the text sends no search (a loaded machine showed it)."""
    page.wait_for_load_state("load")
    return page.get_by_test_id(f"org-search-{name}")


def pick(page: Any, name: str, text: str, choice: str | None = None) -> None:
    """Type `text` into the search box of field `name` and click the match labelled `choice`
    (the typed text if not given); the chosen record's id lands in the hidden field."""
    box = _search_box(page, name)
    search = box.locator("input[type=search]")
    search.fill("")
    search.press_sequentially(text)
    match = box.locator(".org-search-results").get_by_role("button", name=choice or text)
    match.first.wait_for()
    match.first.click()
    hidden = box.locator("input[type=hidden]")
    assert hidden.input_value().isdigit(), f"{name}: no id chosen for {text!r}"


def add(page: Any, name: str, text: str, choice: str | None = None) -> None:
    """Several people (a training's trainees): each match clicked becomes a ticked box."""
    box = _search_box(page, name)
    before = box.locator("input[type=checkbox]:checked").count()
    search = box.locator("input[type=search]")
    search.fill("")
    search.press_sequentially(text)
    match = box.locator(".org-search-results").get_by_role("button", name=choice or text)
    match.first.wait_for()
    match.first.click()
    assert box.locator("input[type=checkbox]:checked").count() == before + 1, f"{name}: {text!r} not added"
