"""The auditable draw (R-O2 random mode, "双随机、一公开") and its stand-alone verifier."""

from __future__ import annotations

import ast
import collections
import copy
import dataclasses
import hashlib
import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pangting.lib import draw
from pangting.lib.draw import Candidate, DrawRecord, Exclusion

VERIFIER = Path(__file__).resolve().parents[3] / "tools" / "verify_draw.py"

UNITS = [
    Candidate("u07", "马克思主义学院党委"),
    Candidate("u02", "机电工程学院党委"),
    Candidate("u11", "财经学院党总支"),
    Candidate("u04", "信息工程学院党委"),
    Candidate("u09", "图书馆直属党支部"),
    Candidate("u01", "艺术设计学院党总支"),
]
RECUSED = [Exclusion("u05", "商贸学院党委", "巡听组组长曾任该院党委书记，回避")]


def _load_verifier() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_draw", VERIFIER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def verifier() -> ModuleType:
    return _load_verifier()


def _fixed_seed(label: str) -> bytes:
    """Deterministic 32-byte seeds, so statistical tests give the same answer on every run."""
    return hashlib.sha256(label.encode()).digest()


def _published_record(seed: bytes | None = None, count: int = 2) -> DrawRecord:
    _, record = draw.prepare_draw(
        draw_id="2026-随机-003",
        purpose="2026年春季学期随机巡听：抽取被巡听单位",
        created_at="2026-03-02T09:00:00+08:00",
        candidates=UNITS,
        exclusions=RECUSED,
        count=count,
        public_value_source="2026年3月5日中国福利彩票3D开奖号码",
    )
    seed = seed or _fixed_seed("operator")
    record = dataclasses.replace(record, seed_commitment=draw.sha256_hex(seed))
    return draw.perform_draw(record, seed, "5 8 1")


def test_it_verifies_a_fair_draw_with_the_library_and_the_stand_alone_script(tmp_path):
    seed, record = draw.prepare_draw(
        draw_id="2026-随机-001",
        purpose="2026年春季学期随机巡听",
        created_at="2026-03-02T09:00:00+08:00",
        candidates=UNITS,
        exclusions=RECUSED,
        count=3,
        public_value_source="2026年3月5日中国福利彩票3D开奖号码",
    )
    done = draw.perform_draw(record, seed, "5 8 1")

    result = draw.verify(done)
    assert result.ok, result.errors
    assert result.derived_picks == list(done.picks)
    assert len(set(done.picks)) == 3
    assert set(done.picks) <= {c.id for c in UNITS}

    path = tmp_path / "draw.json"
    path.write_text(done.to_json(), encoding="utf-8")
    by_file = subprocess.run([sys.executable, str(VERIFIER), str(path)], capture_output=True, text=True, check=False)
    assert by_file.returncode == 0, by_file.stdout
    assert "验证结果：通过" in by_file.stdout
    for pick in done.picks:
        assert pick in by_file.stdout
    by_stdin = subprocess.run(
        [sys.executable, str(VERIFIER), "-"],
        input=done.to_json(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert by_stdin.returncode == 0, by_stdin.stdout


def _alter_candidate(d: dict[str, Any]) -> None:
    d["candidates"][0]["name"] = "某某学院党委"


def _drop_candidate(d: dict[str, Any]) -> None:
    del d["candidates"][-1]


def _alter_exclusion(d: dict[str, Any]) -> None:
    d["exclusions"][0]["reason"] = "工作安排"


def _move_exclusion_into_candidates(d: dict[str, Any]) -> None:
    d["candidates"].append({"id": "u99", "name": d["exclusions"][0]["name"]})
    d["exclusions"][0]["id"] = "u99"


def _alter_public_value(d: dict[str, Any]) -> None:
    d["public_value"] = "5 8 2"


def _alter_seed(d: dict[str, Any]) -> None:
    d["seed_hex"] = _fixed_seed("another seed").hex()


def _alter_commitment(d: dict[str, Any]) -> None:
    d["seed_commitment"] = hashlib.sha256(b"x").hexdigest()


def _alter_pick(d: dict[str, Any]) -> None:
    others = [c["id"] for c in d["candidates"] if c["id"] not in d["picks"]]
    d["picks"][0] = others[0]


def _reorder_picks(d: dict[str, Any]) -> None:
    d["picks"].reverse()


def _alter_count(d: dict[str, Any]) -> None:
    d["count"] += 1


def _alter_purpose(d: dict[str, Any]) -> None:
    d["purpose"] = "2026年秋季学期随机巡听：抽取被巡听单位"


def _alter_draw_id(d: dict[str, Any]) -> None:
    d["draw_id"] = "2026-随机-004"


def _alter_public_value_source(d: dict[str, Any]) -> None:
    d["public_value_source"] = "2026年3月6日上证综合指数收盘点位"


def _alter_created_at(d: dict[str, Any]) -> None:
    d["created_at"] = "2026-03-01T09:00:00+08:00"


TAMPERINGS: dict[str, Callable[[dict[str, Any]], None]] = {
    "a candidate": _alter_candidate,
    "the candidate list": _drop_candidate,
    "an exclusion reason": _alter_exclusion,
    "an exclusion also drawn from": _move_exclusion_into_candidates,
    "the public value": _alter_public_value,
    "the seed": _alter_seed,
    "the commitment": _alter_commitment,
    "a pick": _alter_pick,
    "the order of picks": _reorder_picks,
    "the count": _alter_count,
    "the purpose": _alter_purpose,
    "the draw id": _alter_draw_id,
    "the public value source": _alter_public_value_source,
    "the creation time": _alter_created_at,
}


@pytest.mark.parametrize("tamper", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_it_fails_verification_when_any_recorded_input_is_altered(tamper, verifier):
    published = _published_record().to_dict()
    assert draw.verify(DrawRecord.from_dict(published)).ok
    assert verifier.check(copy.deepcopy(published))[0] == []

    altered = copy.deepcopy(published)
    tamper(altered)

    result = draw.verify(DrawRecord.from_dict(altered))
    assert not result.ok
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in error) for error in result.errors)
    errors, _ = verifier.check(altered)
    assert errors


def test_it_exits_with_1_and_says_why_when_the_script_finds_a_tampered_record():
    altered = _published_record().to_dict()
    _alter_public_value(altered)
    run = subprocess.run(
        [sys.executable, str(VERIFIER), "-"],
        input=json.dumps(altered, ensure_ascii=False),
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert "验证结果：未通过" in run.stdout
    assert "不一致" in run.stdout


def test_it_exits_with_1_when_the_record_is_not_json():
    run = subprocess.run(
        [sys.executable, str(VERIFIER), "-"], input="not json", capture_output=True, text=True, check=False
    )
    assert run.returncode == 1
    assert "无法读取抽签记录" in run.stdout


def test_it_reproduces_the_same_picks_from_the_same_inputs():
    first = _published_record(_fixed_seed("same"))
    second = _published_record(_fixed_seed("same"))
    assert first.picks == second.picks
    assert first.to_json() == second.to_json()


def test_it_agrees_with_the_stand_alone_verifier_on_many_draws(verifier):
    # The derivation is duplicated on purpose (tools/verify_draw.py); this keeps the copies equal.
    for i in range(200):
        count = 1 + i % len(UNITS)
        record = _published_record(_fixed_seed(f"agree-{i}"), count=count)
        seed = bytes.fromhex(record.seed_hex or "")
        assert verifier.derive(record.to_dict(), seed) == list(record.picks)


def test_it_publishes_the_commitment_and_the_list_hash_before_the_seed():
    seed, record = draw.prepare_draw(
        draw_id="d1",
        purpose="随机巡听",
        created_at="2026-03-02T09:00:00+08:00",
        candidates=UNITS,
        count=1,
        public_value_source="2026年3月5日福彩3D开奖号码",
    )
    assert len(seed) == 32
    assert record.seed_commitment == hashlib.sha256(seed).hexdigest()
    assert record.seed_hex is None and record.public_value is None and record.picks == ()
    assert [c.id for c in record.candidates] == sorted(c.id for c in UNITS)
    result = draw.verify(record)
    assert not result.ok
    assert "种子尚未公开，暂无法验证。" in result.errors


def test_it_refuses_to_draw_with_a_seed_that_does_not_match_the_commitment():
    _, record = draw.prepare_draw(
        draw_id="d1",
        purpose="随机巡听",
        created_at="2026-03-02",
        candidates=UNITS,
        count=1,
        public_value_source="福彩3D",
    )
    with pytest.raises(ValueError, match="承诺值不符"):
        draw.perform_draw(record, _fixed_seed("not the committed one"), "123")


def test_it_makes_a_fresh_secret_seed_for_every_draw():
    seeds = {draw.commit_seed()[0] for _ in range(20)}
    assert len(seeds) == 20


@pytest.mark.parametrize(
    ("candidates", "count", "message"),
    [
        ([], 1, "候选名单为空"),
        (UNITS[:3], 4, "抽取数量（4）超过候选数量（3）"),
        (UNITS, 0, "抽取数量必须至少为1"),
        (UNITS, -2, "抽取数量必须至少为1"),
    ],
    ids=["empty list", "count above candidates", "count zero", "count negative"],
)
def test_it_refuses_impossible_draws_with_a_chinese_message(candidates, count, message):
    with pytest.raises(ValueError, match=message):
        draw.prepare_draw(
            draw_id="d1",
            purpose="随机巡听",
            created_at="2026-03-02",
            candidates=candidates,
            count=count,
            public_value_source="福彩3D",
        )
    with pytest.raises(ValueError, match=message):
        draw.derive_picks(_fixed_seed("s"), "h", "1", candidates, count, "随机巡听")


def test_it_refuses_an_exclusion_that_is_also_a_candidate_or_has_no_reason():
    with pytest.raises(ValueError, match="既在候选名单中又被排除"):
        draw.prepare_draw(
            draw_id="d1",
            purpose="随机巡听",
            created_at="2026-03-02",
            candidates=UNITS,
            exclusions=[Exclusion("u07", "马克思主义学院党委", "回避")],
            count=1,
            public_value_source="福彩3D",
        )
    with pytest.raises(ValueError, match="排除须注明理由"):
        draw.prepare_draw(
            draw_id="d1",
            purpose="随机巡听",
            created_at="2026-03-02",
            candidates=UNITS,
            exclusions=[Exclusion("u05", "商贸学院党委", " ")],
            count=1,
            public_value_source="福彩3D",
        )


def test_it_serializes_the_record_canonically_and_reads_it_back():
    record = _published_record()
    text = record.to_json()
    assert "马克思主义学院党委" in text  # ensure_ascii=False: auditors read the names as published
    assert ", " not in text and ": " not in text
    keys = list(json.loads(text))
    assert keys == sorted(keys)
    assert DrawRecord.from_json(text) == record


def _chi_square(observed: collections.Counter[Any], expected: float) -> float:
    return sum((count - expected) ** 2 / expected for count in observed.values())


def test_it_picks_each_candidate_equally_often_over_many_fixed_seeds():
    # 6 candidates, 6,000 fixed seeds: chi-square with 5 degrees of freedom. The seeds are fixed, so
    # the statistic is the same on every run; 20.52 is the 0.999 quantile, far above a fair draw.
    candidates = draw.canonical_candidates(UNITS)
    firsts: collections.Counter[str] = collections.Counter()
    for i in range(6000):
        (pick,) = draw.derive_picks(_fixed_seed(f"uniform-{i}"), "h", "42", candidates, 1, "p")
        firsts[pick.id] += 1
    assert set(firsts) == {c.id for c in candidates}
    assert _chi_square(firsts, 1000) < 20.52


def test_it_draws_every_ordered_pair_equally_often():
    # 4 candidates, 2 picks: 12 ordered outcomes; 0.999 quantile of chi-square(11) is 31.26.
    candidates = draw.canonical_candidates(UNITS[:4])
    pairs: collections.Counter[tuple[str, str]] = collections.Counter()
    for i in range(6000):
        first, second = draw.derive_picks(_fixed_seed(f"pairs-{i}"), "h", "7", candidates, 2, "p")
        pairs[(first.id, second.id)] += 1
    assert len(pairs) == 12
    assert _chi_square(pairs, 500) < 31.26


def test_it_rejects_words_that_would_bias_the_index():
    # 2**64 leaves remainder 1 modulo 3, so the top word would make index 0 more likely: rejected.
    words = iter([2**64 - 1, 2**64 - 1, 5])
    assert draw.unbiased_index(3, lambda: next(words)) == 2
    assert draw.unbiased_index(4, lambda: 2**64 - 1) == 3  # a power of two needs no rejection


def test_the_stand_alone_verifier_uses_only_the_standard_library():
    tree = ast.parse(VERIFIER.read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


# --- a public value cannot be dated after today (issue 16, R-O2) ------------------------------


def test_it_reads_the_day_a_public_value_source_names():
    import datetime as dt

    from pangting.lib.draw import source_date

    assert source_date("2026年12月1日上证指数收盘点位") == dt.date(2026, 12, 1)
    assert source_date("福利彩票 2026-12-03 开奖号码") == dt.date(2026, 12, 3)
    assert source_date("当日上证指数收盘点位") is None
    assert source_date("2026年13月40日") is None


def test_it_refuses_a_public_value_dated_after_today():
    import datetime as dt

    from pangting.lib.draw import not_yet_public

    source = "2026年12月1日上证指数收盘点位"
    assert "晚于今天" in not_yet_public(source, dt.date(2026, 11, 30))
    assert not_yet_public(source, dt.date(2026, 12, 1)) is None
    assert "2026年12月9日" in not_yet_public("当日收盘点位", dt.date(2026, 12, 1), dt.date(2026, 12, 9))
    assert not_yet_public("当日收盘点位", dt.date(2026, 12, 1), dt.date(2026, 12, 1)) is None
