"""The text-flag seam: a later app flags texts an earlier app's check reads (R-S6 copied speeches)."""

from __future__ import annotations

from pangting.core import registry


def test_it_returns_nothing_when_no_provider_is_registered(monkeypatch):
    monkeypatch.delitem(registry._text_flag_providers, "speech", raising=False)
    assert registry.text_flags("speech", [1, 2]) == {}


def test_it_returns_what_the_registered_provider_flags_for_the_ids_asked(monkeypatch):
    def copies(ids: list[int]) -> dict[int, list[dict]]:
        return {pk: [{"pair": pk * 10, "score": 0.9}] for pk in ids if pk % 2}

    monkeypatch.setitem(registry._text_flag_providers, "speech", registry.Hook("test", copies, 0))
    monkeypatch.delitem(registry._text_flag_providers, "reflection", raising=False)
    assert registry.text_flags("speech", [1, 2, 3]) == {
        1: [{"pair": 10, "score": 0.9}],
        3: [{"pair": 30, "score": 0.9}],
    }
    assert registry.text_flags("reflection", [1, 3]) == {}  # another kind of text
    assert registry.text_flags("speech", []) == {}
