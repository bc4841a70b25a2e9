#!/usr/bin/env python3
"""Stand-alone verifier for published random draws (R-O2, "双随机、一公开").

Usage:  python3 verify_draw.py RECORD.json      (or:  python3 verify_draw.py - < RECORD.json)

Prints in Chinese whether the record verifies and the re-derived picks; exits 0 if it
verifies, 1 if it does not (an unreadable record does not verify either), 2 on wrong usage.

Why this file repeats the derivation instead of importing `pangting.lib.draw`: an auditor
(a unit, an inspector, a member of the public) must be able to check a draw without trusting
or installing the system that made it. So this script uses only the Python standard library,
fits on a few screens, and can be read in full. `pangting/lib/tests/test_draw.py` keeps the
two implementations in agreement; change both together.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
from typing import Any

ALGORITHM = "pangting-draw-v1"
WORD_RANGE = 1 << 64


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def snapshot_hash(record: dict[str, Any]) -> str:
    snapshot = {
        "candidates": [{"id": c["id"], "name": c["name"]} for c in record["candidates"]],
        "exclusions": [{"id": e["id"], "name": e["name"], "reason": e["reason"]} for e in record["exclusions"]],
    }
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()


def derive(record: dict[str, Any], seed: bytes) -> list[str]:
    """HMAC-SHA256 words -> unbiased indices (rejection sampling) -> partial Fisher-Yates."""
    counter = 0

    def next_word() -> int:
        nonlocal counter
        message = {
            "algorithm": ALGORITHM,
            "draw_id": record["draw_id"],
            "purpose": record["purpose"],
            "created_at": record["created_at"],
            "candidate_hash": record["candidate_hash"],
            "public_value_source": record["public_value_source"],
            "public_value": record["public_value"],
            "count": record["count"],
            "counter": counter,
        }
        counter += 1
        digest = hmac.new(seed, canonical_json(message), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big")

    pool = [c["id"] for c in record["candidates"]]
    for i in range(record["count"]):
        bound = len(pool) - i
        limit = WORD_RANGE - (WORD_RANGE % bound)
        word = next_word()
        while word >= limit:  # reject: keeps every index equally likely
            word = next_word()
        j = i + word % bound
        pool[i], pool[j] = pool[j], pool[i]
    return pool[: record["count"]]


def result_digest(record: dict[str, Any]) -> str:
    """SHA-256 of the canonical result: the draw id and the picked ids in draw order."""
    return hashlib.sha256(
        canonical_json({"draw_id": record["draw_id"], "picks": list(record.get("picks") or [])})
    ).hexdigest()


def check(record: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Return (errors, re-derived picks); no errors means the record verifies."""
    errors: list[str] = []
    if record.get("algorithm") != ALGORITHM:
        return [f"不支持的抽取算法版本：{record.get('algorithm')}。"], []
    candidates = record["candidates"]
    ids = [c["id"] for c in candidates]
    if candidates != sorted(candidates, key=lambda c: (c["id"], c["name"])):
        errors.append("候选名单未按规范顺序（编号、名称）排列。")
    if len(set(ids)) != len(ids):
        errors.append("候选名单中存在重复编号。")
    overlap = sorted({e["id"] for e in record["exclusions"]} & set(ids))
    if overlap:
        errors.append(f"以下对象既在候选名单中又被排除：{'、'.join(overlap)}。")
    if snapshot_hash(record) != record["candidate_hash"]:
        errors.append("候选名单（含排除名单及理由）与公布的哈希值不符，名单可能被改动。")

    seed = None
    if record.get("seed_hex") is None:
        errors.append("种子尚未公开，暂无法验证。")
    else:
        try:
            seed = bytes.fromhex(record["seed_hex"])
        except ValueError:
            errors.append("公开的种子不是有效的十六进制字符串。")
        if seed is not None and hashlib.sha256(seed).hexdigest() != record["seed_commitment"]:
            errors.append("公开的种子与事先公布的承诺值（SHA-256）不符。")
    if not record.get("public_value"):
        errors.append("缺少公开随机值。")
    # Optional: records made before the digest was published have none.
    if record.get("result_digest") is not None and record["result_digest"] != result_digest(record):
        errors.append("公布的抽取结果摘要（SHA-256）与抽取结果不符，结果可能被改动。")

    count = record["count"]
    if not candidates:
        errors.append("候选名单为空，无法抽取。")
        return errors, []
    if not isinstance(count, int) or count < 1 or count > len(candidates):
        errors.append(f"抽取数量（{count}）无效：须在1到候选数量（{len(candidates)}）之间。")
        return errors, []
    derived: list[str] = []
    if seed is not None and record.get("public_value"):
        derived = derive(record, seed)
        if derived != list(record.get("picks") or []):
            published = "、".join(record.get("picks") or []) or "无"
            errors.append(f"公布的抽取结果（{published}）与重新推导的结果（{'、'.join(derived)}）不一致。")
    return errors, derived


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("用法：python3 verify_draw.py 抽签记录.json（或用 - 从标准输入读取）", file=sys.stderr)
        return 2
    try:
        if argv[1] == "-":
            text = sys.stdin.buffer.read().decode("utf-8")
        else:
            with open(argv[1], encoding="utf-8") as handle:
                text = handle.read()
        record = json.loads(text)
        errors, derived = check(record)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"无法读取抽签记录：{exc}")
        print("验证结果：未通过")
        return 1

    names = {c["id"]: c["name"] for c in record["candidates"]}
    print(f"抽签编号：{record['draw_id']}")
    print(f"用途：{record['purpose']}")
    print(f"公开随机值来源：{record['public_value_source']}；取值：{record.get('public_value')}")
    print(f"候选数：{len(record['candidates'])}；排除数：{len(record['exclusions'])}；抽取数：{record['count']}")
    if record.get("result_digest") is not None:
        print(f"抽取结果摘要（SHA-256）：{record['result_digest']}")
    if derived:
        print("重新推导的抽取结果：")
        for position, pick in enumerate(derived, start=1):
            print(f"  {position}. {pick} {names.get(pick, '')}")
    if errors:
        print("验证结果：未通过")
        for error in errors:
            print(f"  - {error}")
        return 1
    print("验证结果：通过（种子与承诺一致，名单与哈希一致，抽取结果可完全复现）")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
