"""Auditable random draw for random-mode visits (R-O2, "双随机、一公开").

A draw must be re-derivable by anyone, and the operator must not be able to steer it. The
procedure (conventions.md, "Random selection"):

1. Snapshot the candidates (id + display name, sorted canonically) and the exclusions with
   their reasons, and publish the SHA-256 of the snapshot's canonical JSON (`candidate_hash`).
2. Draw a 32-byte secret seed and publish SHA-256(seed) (`seed_commitment`) *before* the draw,
   together with the name of a public value nobody controls (`public_value_source`, e.g. a
   future lottery number).
3. Once that public value is known, derive the picks with HMAC-SHA256 keyed by the seed over a
   canonical message that binds every published field plus a counter, turning each MAC into an
   index by rejection sampling (no modulo bias) and picking without replacement by a partial
   Fisher–Yates shuffle.
4. Reveal the seed, and publish `result_digest`, the SHA-256 of the canonical picks (draw id
   and picks in draw order): a short fingerprint of the result to quote in notices, so that a
   copy of the record whose picks were edited afterwards no longer matches. Anyone can then
   re-run `verify` or the stand-alone `tools/verify_draw.py`. Records made before the digest
   existed carry none and still verify.

The seed commitment stops the operator from choosing a seed after seeing the public value; the
public value stops the operator from trying many seeds before committing. Draws are
append-only: a re-draw is a new record with a new id, never an edit of this one.

The derivation is deliberately duplicated in `tools/verify_draw.py` (standard library only),
so auditors need not trust or install this package. Change both together, and bump
`ALGORITHM` when the derivation changes; a test keeps the two in agreement.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pangting.lib.messages import N_, Message, message_of

ALGORITHM = "pangting-draw-v1"
SEED_BYTES = 32
_WORD_BYTES = 8
_WORD_RANGE = 1 << (8 * _WORD_BYTES)


@dataclass(frozen=True, order=True)
class Candidate:
    """One entry of the published candidate list; ordering is the canonical (id, name) order."""

    id: str
    name: str


@dataclass(frozen=True, order=True)
class Exclusion:
    """Someone left out of the draw (回避 and similar), published with the reason."""

    id: str
    name: str
    reason: str


@dataclass(frozen=True)
class DrawRecord:
    """Everything published about one draw; the record is the unit of audit.

    Before the draw `public_value`, `seed_hex` and `picks` are empty; after it they are filled
    and the record verifies on its own. `picks` are candidate ids in draw order.
    """

    draw_id: str
    purpose: str
    created_at: str
    candidates: tuple[Candidate, ...]
    exclusions: tuple[Exclusion, ...]
    candidate_hash: str
    seed_commitment: str
    public_value_source: str
    count: int
    public_value: str | None = None
    seed_hex: str | None = None
    picks: tuple[str, ...] = ()
    algorithm: str = ALGORITHM
    result_digest: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data in a fixed shape (the stand-alone verifier reads this shape)."""
        return {
            "algorithm": self.algorithm,
            "draw_id": self.draw_id,
            "purpose": self.purpose,
            "created_at": self.created_at,
            "candidates": [{"id": c.id, "name": c.name} for c in self.candidates],
            "exclusions": [{"id": e.id, "name": e.name, "reason": e.reason} for e in self.exclusions],
            "candidate_hash": self.candidate_hash,
            "seed_commitment": self.seed_commitment,
            "public_value_source": self.public_value_source,
            "public_value": self.public_value,
            "count": self.count,
            "seed_hex": self.seed_hex,
            "picks": list(self.picks),
            "result_digest": self.result_digest,
        }

    def to_json(self) -> str:
        """Canonical JSON, so two parties publishing the same record publish the same bytes."""
        return canonical_json(self.to_dict())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DrawRecord:
        return cls(
            algorithm=str(data["algorithm"]),
            draw_id=str(data["draw_id"]),
            purpose=str(data["purpose"]),
            created_at=str(data["created_at"]),
            candidates=tuple(Candidate(str(c["id"]), str(c["name"])) for c in data["candidates"]),
            exclusions=tuple(Exclusion(str(e["id"]), str(e["name"]), str(e["reason"])) for e in data["exclusions"]),
            candidate_hash=str(data["candidate_hash"]),
            seed_commitment=str(data["seed_commitment"]),
            public_value_source=str(data["public_value_source"]),
            public_value=None if data.get("public_value") is None else str(data["public_value"]),
            count=int(data["count"]),
            seed_hex=None if data.get("seed_hex") is None else str(data["seed_hex"]),
            picks=tuple(str(p) for p in data.get("picks") or ()),
            result_digest=None if data.get("result_digest") is None else str(data["result_digest"]),
        )

    @classmethod
    def from_json(cls, text: str) -> DrawRecord:
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True)
class VerificationResult:
    """Outcome of re-deriving a draw: `errors` are in Chinese, for the people who audit it."""

    ok: bool
    errors: list[str] = field(default_factory=list)
    derived_picks: list[str] = field(default_factory=list)


def canonical_json(value: Any) -> str:
    """The one serialization that is hashed and MACed: sorted keys, UTF-8 text, no spaces."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_candidates(candidates: Iterable[Candidate]) -> tuple[Candidate, ...]:
    """Sort by (id, name) code point order, which every language reproduces the same way."""
    return tuple(sorted(candidates))


def candidate_snapshot_hash(candidates: Sequence[Candidate], exclusions: Sequence[Exclusion]) -> str:
    """SHA-256 of the snapshot: candidates and exclusions (with reasons) as published, in order.

    Exclusions are part of the snapshot so that quietly dropping a reason or swapping who was
    excluded is as detectable as editing the candidate list.
    """
    snapshot = {
        "candidates": [{"id": c.id, "name": c.name} for c in candidates],
        "exclusions": [{"id": e.id, "name": e.name, "reason": e.reason} for e in exclusions],
    }
    return sha256_hex(canonical_json(snapshot).encode("utf-8"))


def result_digest(draw_id: str, picks: Sequence[str]) -> str:
    """SHA-256 of the canonical result: the draw id and the picked ids in draw order."""
    return sha256_hex(canonical_json({"draw_id": draw_id, "picks": list(picks)}).encode("utf-8"))


def commit_seed() -> tuple[bytes, str]:
    """A fresh secret seed and its commitment SHA-256(seed), to be published before the draw."""
    seed = secrets.token_bytes(SEED_BYTES)
    return seed, sha256_hex(seed)


def _check_count(count: int, available: int) -> None:
    if available < 1:
        raise ValueError(Message(N_("候选名单为空，无法抽取。")))
    if count < 1:
        raise ValueError(Message(N_("抽取数量必须至少为1（当前为{count}）。"), count=count))
    if count > available:
        raise ValueError(
            Message(N_("抽取数量（{count}）超过候选数量（{available}）。"), count=count, available=available)
        )


def unbiased_index(bound: int, next_word: Callable[[], int]) -> int:
    """A uniform index in [0, bound) from uniform 64-bit words, by rejection sampling.

    Words at or above the largest multiple of `bound` are discarded; taking `word % bound` on
    the rest gives every index exactly the same number of preimages, so there is no modulo bias.
    """
    if bound < 1:
        raise ValueError("bound must be positive")
    limit = _WORD_RANGE - (_WORD_RANGE % bound)
    while True:
        word = next_word()
        if word < limit:
            return word % bound


def _mac_message(
    *,
    draw_id: str,
    purpose: str,
    created_at: str,
    candidate_hash: str,
    public_value_source: str,
    public_value: str,
    count: int,
    counter: int,
) -> bytes:
    """The canonical record MACed for one word: binds every published input of the draw."""
    message = {
        "algorithm": ALGORITHM,
        "draw_id": draw_id,
        "purpose": purpose,
        "created_at": created_at,
        "candidate_hash": candidate_hash,
        "public_value_source": public_value_source,
        "public_value": public_value,
        "count": count,
        "counter": counter,
    }
    return canonical_json(message).encode("utf-8")


def derive_picks(
    seed: bytes,
    candidate_hash: str,
    public_value: str,
    candidates: Sequence[Candidate],
    count: int,
    purpose: str,
    *,
    draw_id: str = "",
    created_at: str = "",
    public_value_source: str = "",
) -> list[Candidate]:
    """Pick `count` distinct candidates, in draw order, from HMAC-SHA256 words keyed by `seed`.

    `candidates` must already be in canonical order (as published). Each word uses a fresh
    counter, also across rejected words, so the sequence is a pure function of the inputs.
    """
    _check_count(count, len(candidates))
    counter = 0

    def next_word() -> int:
        nonlocal counter
        message = _mac_message(
            draw_id=draw_id,
            purpose=purpose,
            created_at=created_at,
            candidate_hash=candidate_hash,
            public_value_source=public_value_source,
            public_value=public_value,
            count=count,
            counter=counter,
        )
        counter += 1
        digest = hmac.new(seed, message, hashlib.sha256).digest()
        return int.from_bytes(digest[:_WORD_BYTES], "big")

    # Partial Fisher–Yates: position i receives a uniform choice among the not yet drawn.
    pool = list(candidates)
    for i in range(count):
        j = i + unbiased_index(len(pool) - i, next_word)
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:count]


def prepare_draw(
    *,
    draw_id: str,
    purpose: str,
    created_at: str,
    candidates: Iterable[Candidate],
    exclusions: Iterable[Exclusion] = (),
    count: int,
    public_value_source: str,
) -> tuple[bytes, DrawRecord]:
    """Snapshot the list and commit to a fresh seed; publish the record, keep the seed secret.

    Raises ValueError (in Chinese) for inputs that cannot make a fair, auditable draw.
    """
    ordered = canonical_candidates(candidates)
    excluded = tuple(sorted(exclusions))
    _check_count(count, len(ordered))
    _check_snapshot(ordered, excluded)
    if not public_value_source.strip():
        raise ValueError(Message(N_("须事先指明用于抽取的公开随机值来源（如某日某彩票开奖号码）。")))
    seed, commitment = commit_seed()
    record = DrawRecord(
        draw_id=draw_id,
        purpose=purpose,
        created_at=created_at,
        candidates=ordered,
        exclusions=excluded,
        candidate_hash=candidate_snapshot_hash(ordered, excluded),
        seed_commitment=commitment,
        public_value_source=public_value_source,
        count=count,
    )
    return seed, record


# i18n: not interface (a pattern reading a date written in Chinese or with dashes)
_SOURCE_DATE = re.compile(r"(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})")


def source_date(public_value_source: str) -> dt.date | None:
    """The day a public value source names ("2026年12月1日上证指数收盘点位", "2026-12-01 …"), if any."""
    match = _SOURCE_DATE.search(public_value_source)
    if match is None:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _day(day: dt.date) -> Message:
    return Message(N_("{year}年{month}月{day}日"), year=day.year, month=day.month, day=day.day)


def not_yet_public(public_value_source: str, today: dt.date, published_on: dt.date | None = None) -> Message | None:
    """Why a public value cannot be known yet on `today`, or None.

    A value dated after today (by the date the operator gives, or the day its source names)
    has not been published: whatever is typed in was chosen by someone, which defeats the
    public value (conventions.md "auditable draws", R-O2). Chinese, for the page."""
    for day in (published_on, source_date(public_value_source)):
        if day is not None and day > today:
            return Message(
                N_("公开随机值的日期（{day}）晚于今天（{today}），该数值尚未公布，不能用于抽取；请在其公布后录入。"),
                day=_day(day),
                today=_day(today),
            )
    return None


def perform_draw(record: DrawRecord, seed: bytes, public_value: str) -> DrawRecord:
    """Mix in the public value, derive the picks and reveal the seed: the published result."""
    if sha256_hex(seed) != record.seed_commitment:
        raise ValueError(Message(N_("种子与事先公布的承诺值不符，不能用于本次抽取。")))
    if not public_value.strip():
        raise ValueError(Message(N_("公开随机值不能为空。")))
    picks = derive_picks(
        seed,
        record.candidate_hash,
        public_value,
        record.candidates,
        record.count,
        record.purpose,
        draw_id=record.draw_id,
        created_at=record.created_at,
        public_value_source=record.public_value_source,
    )
    ids = tuple(c.id for c in picks)
    return replace(
        record,
        public_value=public_value,
        seed_hex=seed.hex(),
        picks=ids,
        result_digest=result_digest(record.draw_id, ids),
    )


def _check_snapshot(candidates: Sequence[Candidate], exclusions: Sequence[Exclusion]) -> None:
    ids = [c.id for c in candidates]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(Message(N_("候选名单中存在重复编号：{ids}。"), ids=duplicates))
    both = sorted({e.id for e in exclusions} & set(ids))
    if both:
        raise ValueError(Message(N_("以下对象既在候选名单中又被排除：{ids}。"), ids=both))
    missing_reason = [e.name or e.id for e in exclusions if not e.reason.strip()]
    if missing_reason:
        raise ValueError(Message(N_("排除须注明理由：{names}。"), names=missing_reason))


def verify(record: DrawRecord) -> VerificationResult:
    """Re-derive the draw from the published record and list every discrepancy, in Chinese."""
    errors: list[str] = []  # Message texts: Chinese as str, translatable on display
    if record.algorithm != ALGORITHM:
        errors.append(Message(N_("不支持的抽取算法版本：{algorithm}。"), algorithm=record.algorithm))
        return VerificationResult(ok=False, errors=errors)

    if list(record.candidates) != list(canonical_candidates(record.candidates)):
        errors.append(Message(N_("候选名单未按规范顺序（编号、名称）排列。")))
    try:
        _check_snapshot(record.candidates, record.exclusions)
    except ValueError as exc:
        errors.append(message_of(exc))
    if candidate_snapshot_hash(record.candidates, record.exclusions) != record.candidate_hash:
        errors.append(Message(N_("候选名单（含排除名单及理由）与公布的哈希值不符，名单可能被改动。")))

    seed: bytes | None = None
    if record.seed_hex is None:
        errors.append(Message(N_("种子尚未公开，暂无法验证。")))
    else:
        try:
            seed = bytes.fromhex(record.seed_hex)
        except ValueError:
            errors.append(Message(N_("公开的种子不是有效的十六进制字符串。")))
        if seed is not None and sha256_hex(seed) != record.seed_commitment:
            errors.append(Message(N_("公开的种子与事先公布的承诺值（SHA-256）不符。")))

    if not record.public_value:
        errors.append(Message(N_("缺少公开随机值。")))
    # Optional: records made before the digest was published have none.
    if record.result_digest is not None and record.result_digest != result_digest(record.draw_id, record.picks):
        errors.append(Message(N_("公布的抽取结果摘要（SHA-256）与抽取结果不符，结果可能被改动。")))

    derived: list[str] = []
    try:
        _check_count(record.count, len(record.candidates))
    except ValueError as exc:
        errors.append(message_of(exc))
    else:
        if seed is not None and record.public_value:
            derived = [
                c.id
                for c in derive_picks(
                    seed,
                    record.candidate_hash,
                    record.public_value,
                    record.candidates,
                    record.count,
                    record.purpose,
                    draw_id=record.draw_id,
                    created_at=record.created_at,
                    public_value_source=record.public_value_source,
                )
            ]
            if derived != list(record.picks):
                errors.append(
                    Message(
                        N_("公布的抽取结果（{published}）与重新推导的结果（{derived}）不一致。"),
                        published=list(record.picks) or Message(N_("无")),
                        derived=derived,
                    )
                )
    return VerificationResult(ok=not errors, errors=errors, derived_picks=derived)
