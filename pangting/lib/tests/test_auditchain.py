"""The audit chain's serialization and hashes are pinned: changing them would break every stored chain."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from pangting.lib import auditchain

EVENT = {
    "seq": 1,
    "at": dt.datetime(2026, 3, 2, 9, 2, 3, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    "actor_id": 7,
    "username": "张三",
    "action": "download",
    "target": "台账.xlsx",
    "success": True,
    "ip": "203.0.113.7",
    "detail": {"b": [1, 2.5], "a": "甲"},
    "algorithm": "sha256",
}


def test_the_canonical_form_is_sorted_compact_utf8_json_with_utc_microseconds():
    assert auditchain.canonical(EVENT).decode() == (
        '{"action":"download","actor_id":7,"algorithm":"sha256","at":"2026-03-02T01:02:03.000000+00:00",'
        '"detail":{"a":"甲","b":[1,2.5]},"ip":"203.0.113.7","seq":1,"success":true,"target":"台账.xlsx",'
        '"username":"张三"}'
    )


def test_each_link_hashes_the_previous_hash_and_the_canonical_form():
    expected = hashlib.sha256(auditchain.GENESIS.encode() + b"\n" + auditchain.canonical(EVENT)).hexdigest()
    assert auditchain.link(auditchain.GENESIS, EVENT) == expected
    assert expected == "4222b0867ef569b9695f1edae426ea2289b823928f24a41d61fb1590b96e9d05"
    assert auditchain.link("1" * 64, EVENT) != expected
    assert auditchain.link(auditchain.GENESIS, EVENT | {"success": False}) != expected


def test_sm3_is_the_real_sm3():
    # GB/T 32905-2016, appendix A.1: SM3("abc").
    assert hashlib.new("sm3", b"abc").hexdigest() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert auditchain.link(auditchain.GENESIS, EVENT | {"algorithm": "sm3"}) == (
        "98eae2e75515cebce994f632b936bd07bbc3d83363663e3f7945804fe62c858a"
    )


def test_only_known_algorithms_and_complete_events_are_hashed():
    with pytest.raises(auditchain.UnknownAlgorithm):
        auditchain.link(auditchain.GENESIS, EVENT | {"algorithm": "md5"})
    with pytest.raises(KeyError, match="seq"):
        auditchain.canonical({k: v for k, v in EVENT.items() if k != "seq"})
    with pytest.raises(ValueError):
        auditchain.canonical(EVENT | {"detail": {"x": float("nan")}})
