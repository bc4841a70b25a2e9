"""The result digest of a draw (R-O2, 双随机一公开): SHA-256 over the canonical picks, published with
them and checked by both the library and the stand-alone verifier; records made before it existed
carry none and still verify. Borrows the draw of test_draw.py."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys

import pytest

from pangting.lib import draw
from pangting.lib.tests.test_draw import VERIFIER, _load_verifier, _published_record


@pytest.fixture(scope="module")
def verifier():
    return _load_verifier()


def test_it_publishes_the_sha256_of_the_canonical_picks_with_the_result():
    record = _published_record()
    canonical = json.dumps({"draw_id": record.draw_id, "picks": list(record.picks)}, ensure_ascii=False,
                           sort_keys=True, separators=(",", ":"))  # fmt: skip
    assert record.result_digest == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert json.loads(record.to_json())["result_digest"] == record.result_digest
    assert draw.verify(record).ok


def test_both_verifiers_refuse_a_record_whose_digest_does_not_match_its_picks(verifier, tmp_path):
    record = _published_record(count=3)
    swapped = dataclasses.replace(record, result_digest=draw.result_digest(record.draw_id, record.picks[::-1]))
    result = draw.verify(swapped)
    assert not result.ok and "抽取结果摘要（SHA-256）与抽取结果不符" in "".join(result.errors)
    errors, _derived = verifier.check(swapped.to_dict())
    assert any("抽取结果摘要（SHA-256）与抽取结果不符" in e for e in errors)
    path = tmp_path / "record.json"
    path.write_text(swapped.to_json(), encoding="utf-8")
    run = subprocess.run([sys.executable, str(VERIFIER), str(path)], capture_output=True, text=True, check=False)
    assert run.returncode == 1 and "结果摘要" in run.stdout


def test_a_record_from_before_the_digest_still_verifies_in_both(verifier):
    old = _published_record().to_dict()
    del old["result_digest"]
    assert draw.verify(draw.DrawRecord.from_dict(old)).ok
    assert draw.DrawRecord.from_dict(old).result_digest is None
    errors, derived = verifier.check(old)
    assert errors == [] and derived == list(old["picks"])


def test_the_stand_alone_verifier_prints_the_digest_it_checked(tmp_path):
    record = _published_record()
    path = tmp_path / "record.json"
    path.write_text(record.to_json(), encoding="utf-8")
    run = subprocess.run([sys.executable, str(VERIFIER), str(path)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout
    assert f"抽取结果摘要（SHA-256）：{record.result_digest}" in run.stdout
