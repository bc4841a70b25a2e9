"""The text-flag seam: a later app flags texts an earlier app's check reads (R-S6 copied speeches)."""

from __future__ import annotations

from pangting.core import registry
from pangting.lib.messages import N_, Message


def test_it_returns_nothing_when_no_provider_is_registered():
    assert registry.text_flags("speech", [1, 2]) == {}


def test_it_returns_what_a_registered_provider_flags_for_the_ids_asked():
    def copies(ids: list[int]) -> dict[int, Message]:
        return {pk: Message(N_("与{other}的发言雷同"), other="乙单位") for pk in (*ids, 99) if pk % 2}

    registry.register_text_flags("speech", copies)
    try:
        flags = registry.text_flags("speech", [1, 2, 3])
        assert set(flags) == {1, 3}  # 99 was not asked for
        assert flags[1] == "与乙单位的发言雷同" and flags[1].msgid == "与{other}的发言雷同"
        assert registry.text_flags("reflection", [1, 3]) == {}  # another kind of text
        assert registry.text_flags("speech", []) == {}
    finally:
        registry.unregister_text_flags("speech", copies)
    assert registry.text_flags("speech", [1]) == {}
