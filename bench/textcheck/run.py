"""Benchmark near-duplicate detection (pangting.lib.textdup) on a synthetic study corpus.

    .venv/bin/python -m bench.textcheck --docs 20000      # short run, a few minutes
    nice -n 10 .venv/bin/python -m bench.textcheck        # the full 200,000 documents

The corpus (bench/textcheck/corpus.py) has planted near copies at known Jaccard levels and
planted boilerplate. The scan is the whole-corpus path of the `scan_texts` command: shingles,
boilerplate model, signatures into the LSH index, candidate pairs, exact verification. The
run prints the recall curve, precision, timings, the extrapolated cost of exact pairwise
comparison, single-document query latency, index memory, and a PASS/FAIL line per target;
it exits 1 if a target is missed. Not part of the test suite (a smoke test runs 300 documents).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import numpy.typing as npt

from bench.textcheck import vocab
from bench.textcheck.corpus import LEVELS, Corpus, generate, lengths
from pangting.lib.textdup import (
    FLAG_THRESHOLD,
    LSH_BANDS,
    LSH_ROWS,
    MIN_SHARED,
    NUM_PERM,
    RED_THRESHOLD,
    SHINGLE_K,
    SIGNATURE_BYTES,
    BoilerplateModel,
    TextIndex,
    find_matches,
    jaccard,
    jaccard_and_shared,
    shingle_array,
    signature,
)

FULL_SIZE = 200_000
TARGET_RECALL = 0.95
TARGET_PRECISION = 0.95
TARGET_BOILERPLATE_FLAGGED = 0.05
TARGET_SPEEDUP = 1000.0
TARGET_P95_MS = 50.0
Array = npt.NDArray[np.uint32]


@dataclass
class Options:
    docs: int = 20_000
    seed: int = 2026
    subset: int = 20_000
    pair_sample: int = 20_000
    queries: int = 1000
    k: int = SHINGLE_K
    bands: int = LSH_BANDS
    rows: int = LSH_ROWS
    max_share: float = 0.002
    min_docs: int = 20


@dataclass
class LevelRow:
    level: float
    pairs: int
    measured_min: float
    measured_max: float
    candidates: int
    flagged: int
    red: int
    mean_after: float


@dataclass
class Result:
    options: Options
    generate_s: float = 0.0
    length_min: int = 0
    length_max: int = 0
    length_mean: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # wall clock
    cpu: dict[str, float] = field(default_factory=dict)  # this process's CPU time
    boilerplate_shingles: int = 0
    boilerplate_limit: int = 0
    candidates: int = 0
    reported: int = 0
    true_reported: int = 0
    red_reported: int = 0
    true_red: int = 0
    levels: list[LevelRow] = field(default_factory=list)
    false_reports: list[tuple[int, int, float, int, int]] = field(default_factory=list)
    notice_pairs: int = 0
    notice_pairs_raw_flag: int = 0
    notice_pairs_flagged: int = 0
    notice_pairs_max_after: float = 0.0
    pair_cost_set_us: float = 0.0
    pair_cost_array_us: float = 0.0
    pair_cost_cpu_us: float = 0.0  # CPU time of the cheaper of the two
    query_ms: list[float] = field(default_factory=list)
    query_cpu_ms: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    query_candidates: float = 0.0
    query_found_copies: int = 0
    query_copies: int = 0
    index_rss_mb: float = 0.0
    signature_mb: float = 0.0

    @property
    def scan_s(self) -> float:
        return sum(self.timings.values())

    @property
    def scan_cpu_s(self) -> float:
        return sum(self.cpu.values())

    @property
    def recall_high(self) -> float:
        rows = [r for r in self.levels if r.level >= RED_THRESHOLD]
        pairs = sum(r.pairs for r in rows)
        return sum(r.flagged for r in rows) / pairs if pairs else 0.0

    @property
    def precision(self) -> float:
        return self.true_reported / self.reported if self.reported else 1.0

    @property
    def precision_red(self) -> float:
        return self.true_red / self.red_reported if self.red_reported else 1.0

    @property
    def pair_cost_s(self) -> float:
        """The cheaper of the two exact per-pair costs (the fairer baseline)."""
        return min(self.pair_cost_set_us, self.pair_cost_array_us) / 1e6

    def pairwise_s(self, n: int) -> float:
        return n * (n - 1) / 2 * self.pair_cost_s

    def scan_at(self, n: int) -> float:
        """Scan time at `n` documents, linear from the measured one (the measured one at n)."""
        return self.scan_s * n / self.options.docs

    def speedup_cpu(self, n: int) -> float:
        """Exact pairwise CPU time over scan CPU time at `n` documents (scan linear from the measured)."""
        pairwise = n * (n - 1) / 2 * self.pair_cost_cpu_us / 1e6
        return pairwise / (self.scan_cpu_s * n / self.options.docs)

    @property
    def boilerplate_flagged_share(self) -> float:
        return self.notice_pairs_flagged / self.notice_pairs_raw_flag if self.notice_pairs_raw_flag else 0.0


def _rss_mb() -> float:
    """Resident set size of this process, from /proc (Linux); 0 where unavailable."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _timed(result: Result, name: str, work: Callable[[], object]) -> object:
    started, started_cpu = time.perf_counter(), time.process_time()
    value = work()
    result.timings[name] = time.perf_counter() - started
    result.cpu[name] = time.process_time() - started_cpu
    return value


def _load() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def run(options: Options, log: Callable[[str], None] = lambda _: None) -> Result:
    result = Result(options)
    result.load.append(_load())
    started = time.perf_counter()
    corpus = generate(options.docs, options.seed)
    result.generate_s = time.perf_counter() - started
    result.length_min, result.length_max, result.length_mean = lengths(corpus)
    log(f"corpus: {len(corpus.texts)} documents in {result.generate_s:.1f} s")

    k = options.k
    raw: list[Array] = _timed(result, "shingles", lambda: [shingle_array(t, k) for t in corpus.texts])  # type: ignore[assignment]
    model: BoilerplateModel = _timed(  # type: ignore[assignment]
        result,
        "boilerplate model",
        lambda: BoilerplateModel.fit(raw, max_share=options.max_share, min_docs=options.min_docs),
    )
    result.boilerplate_shingles, result.boilerplate_limit = len(model), model.limit
    kept: list[Array] = _timed(result, "drop boilerplate", lambda: [model.drop(a) for a in raw])  # type: ignore[assignment]
    log("shingles and boilerplate model done")

    gc.collect()
    rss_before = _rss_mb()
    index = TextIndex(bands=options.bands, rows=options.rows)

    def build() -> None:
        for key, shingle_set in enumerate(kept):
            index.insert(key, signature(shingle_set))

    _timed(result, "signatures + LSH insert", build)
    gc.collect()
    gc.freeze()  # what a long-lived process holding the index does (see TextIndex)
    result.index_rss_mb = _rss_mb() - rss_before
    result.signature_mb = len(index) * SIGNATURE_BYTES / 2**20
    log("index built")

    candidates: set[tuple[int, int]] = _timed(result, "candidate pairs", index.candidate_pairs)  # type: ignore[assignment]
    checked: dict[tuple[int, int], tuple[float, int]] = _timed(  # type: ignore[assignment]
        result,
        "exact verification",
        lambda: {pair: jaccard_and_shared(kept[pair[0]], kept[pair[1]]) for pair in candidates},
    )
    # A pair with too little shared evidence is never reported (MIN_SHARED): score it 0 here.
    scores = {pair: (score if shared >= MIN_SHARED else 0.0) for pair, (score, shared) in checked.items()}
    result.candidates = len(candidates)
    log(f"scan done: {len(candidates)} candidate pairs")

    _score_planted(result, corpus, kept, candidates, scores)
    _score_notices(result, corpus, raw, kept, candidates, scores)
    _measure_pair_cost(result, kept)
    _measure_queries(result, corpus, index, model)
    gc.unfreeze()
    result.load.append(_load())
    return result


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _score_planted(
    result: Result,
    corpus: Corpus,
    kept: list[Array],
    candidates: set[tuple[int, int]],
    scores: dict[tuple[int, int], float],
) -> None:
    planted = {_pair(p.source, p.copy) for p in corpus.planted}
    reported = {pair for pair, score in scores.items() if score >= FLAG_THRESHOLD}
    red = {pair for pair, score in scores.items() if score >= RED_THRESHOLD}
    result.reported, result.true_reported = len(reported), len(reported & planted)
    result.false_reports = [
        (a, b, scores[(a, b)], len(corpus.texts[a]), len(corpus.texts[b])) for a, b in sorted(reported - planted)
    ]
    result.red_reported, result.true_red = len(red), len(red & planted)
    for level in LEVELS:
        pairs = [p for p in corpus.planted if p.level == level]
        if not pairs:
            continue
        after = [jaccard(kept[p.source], kept[p.copy]) for p in pairs]
        keys = [_pair(p.source, p.copy) for p in pairs]
        result.levels.append(
            LevelRow(
                level=level,
                pairs=len(pairs),
                measured_min=min(p.measured for p in pairs),
                measured_max=max(p.measured for p in pairs),
                candidates=sum(key in candidates for key in keys),
                flagged=sum(key in reported for key in keys),
                red=sum(key in red for key in keys),
                mean_after=statistics.fmean(after),
            )
        )


def _score_notices(
    result: Result,
    corpus: Corpus,
    raw: list[Array],
    kept: list[Array],
    candidates: set[tuple[int, int]],
    scores: dict[tuple[int, int], float],
) -> None:
    """Pairs of notices (mostly standard paragraphs) that share at least two paragraphs."""
    rng = random.Random(corpus.seed + 1)  # noqa: S311 - reproducible synthetic data, not secrets
    notices = sorted(corpus.notices)
    pairs = [
        (a, b)
        for i, a in enumerate(notices)
        for b in notices[i + 1 :]
        if len(corpus.boilerplate[a] & corpus.boilerplate[b]) >= 2
    ]
    if len(pairs) > 20_000:
        pairs = rng.sample(pairs, 20_000)
    result.notice_pairs = len(pairs)
    for pair in pairs:
        if jaccard(raw[pair[0]], raw[pair[1]]) < FLAG_THRESHOLD:
            continue
        result.notice_pairs_raw_flag += 1
        after = jaccard(kept[pair[0]], kept[pair[1]])
        result.notice_pairs_max_after = max(result.notice_pairs_max_after, after)
        result.notice_pairs_flagged += pair in candidates and scores[pair] >= FLAG_THRESHOLD


def _measure_pair_cost(result: Result, kept: list[Array]) -> None:
    """Exact Jaccard per pair on random pairs of a subset, as Python sets and as sorted arrays."""
    rng = random.Random(result.options.seed + 2)  # noqa: S311 - reproducible synthetic data, not secrets
    size = min(result.options.subset, len(kept))
    pairs = [tuple(rng.sample(range(size), 2)) for _ in range(result.options.pair_sample)]
    sets = {i: set(kept[i].tolist()) for pair in pairs for i in pair}
    started, started_cpu = time.perf_counter(), time.process_time()
    for a, b in pairs:
        first, second = sets[a], sets[b]
        common = len(first & second)
        _ = common / (len(first) + len(second) - common or 1)
    result.pair_cost_set_us = (time.perf_counter() - started) / len(pairs) * 1e6
    set_cpu = (time.process_time() - started_cpu) / len(pairs) * 1e6
    started, started_cpu = time.perf_counter(), time.process_time()
    for a, b in pairs:
        jaccard(kept[a], kept[b])
    result.pair_cost_array_us = (time.perf_counter() - started) / len(pairs) * 1e6
    result.pair_cost_cpu_us = min(set_cpu, (time.process_time() - started_cpu) / len(pairs) * 1e6)


def _edited(text: str, share: float, rng: random.Random) -> str:
    chars = list(text)
    for position in rng.sample(range(len(chars)), int(len(chars) * share)):
        chars[position] = rng.choice(vocab.DETAIL_CHARS)
    return "".join(chars)


def _measure_queries(result: Result, corpus: Corpus, index: TextIndex, model: BoilerplateModel) -> None:
    """One new document against the whole index: half fresh texts, half edited copies (0.5–1.5% of characters replaced).

    Each query does what the on-save check does: shingles, boilerplate dropped, signature, LSH
    query, then exact verification of every candidate from its text (shingled again, as the
    Django side reads candidate texts rather than keeping shingles in memory).
    """
    rng = random.Random(result.options.seed + 3)  # noqa: S311 - reproducible synthetic data, not secrets
    fresh = generate(max(3, result.options.queries // 2 * 2 // 2), result.options.seed + 4).texts
    queries: list[tuple[str, int | None]] = []
    for number in range(result.options.queries):
        if number % 2:
            copied = rng.randrange(len(corpus.texts))
            queries.append((_edited(corpus.texts[copied], rng.uniform(0.005, 0.015), rng), copied))
        else:
            queries.append((fresh[(number // 2) % len(fresh)], None))
    k = result.options.k
    found = copies = 0
    candidate_counts = []
    for text, target in queries:
        started, started_cpu = time.perf_counter(), time.thread_time()
        fetched: list[int] = []

        def fetch(key: object, fetched: list[int] = fetched) -> Array:
            fetched.append(int(str(key)))
            return shingle_array(corpus.texts[int(str(key))], k)

        matches = find_matches(model.drop(shingle_array(text, k)), index, fetch, boilerplate=model)
        hits = [match.key for match in matches]
        result.query_ms.append((time.perf_counter() - started) * 1000)
        result.query_cpu_ms.append((time.thread_time() - started_cpu) * 1000)
        candidate_counts.append(len(fetched))
        if target is not None:
            copies += 1
            found += target in hits
    result.query_candidates = statistics.fmean(candidate_counts) if candidate_counts else 0.0
    result.query_found_copies, result.query_copies = found, copies


def _percentile(values: list[float], share: float) -> float:
    return float(np.percentile(values, share * 100)) if values else 0.0


def check_targets(result: Result) -> list[tuple[str, bool]]:
    n = result.options.docs
    full = n >= FULL_SIZE
    at = FULL_SIZE if not full else n
    speedup = result.speedup_cpu(at)
    wall = result.pairwise_s(at) / result.scan_at(at)
    how = "measured" if full else f"scan extrapolated linearly from {n:,} documents"
    p95 = _percentile(result.query_ms, 0.95)
    p95_cpu = _percentile(result.query_cpu_ms, 0.95)
    return [
        (
            f"recall {result.recall_high:.3f} >= {TARGET_RECALL} for planted pairs at Jaccard >= {RED_THRESHOLD}",
            result.recall_high >= TARGET_RECALL,
        ),
        (
            f"precision {result.precision:.3f} >= {TARGET_PRECISION} over all reported pairs "
            f"(Jaccard after boilerplate >= {FLAG_THRESHOLD})",
            result.precision >= TARGET_PRECISION,
        ),
        (
            f"boilerplate-only pairs flagged {result.boilerplate_flagged_share:.3f} <= "
            f"{TARGET_BOILERPLATE_FLAGGED} (of {result.notice_pairs_raw_flag} with raw Jaccard >= {FLAG_THRESHOLD})",
            result.boilerplate_flagged_share <= TARGET_BOILERPLATE_FLAGGED,
        ),
        (
            f"scan {speedup:,.0f}x faster than exact pairwise in CPU time (wall clock {wall:,.0f}x) at {at:,} "
            f"documents ({how}) >= {TARGET_SPEEDUP:,.0f}x",
            speedup >= TARGET_SPEEDUP,
        ),
        (
            f"query p95 {p95:.1f} ms wall clock (CPU {p95_cpu:.1f} ms) < {TARGET_P95_MS:.0f} ms against {n:,} "
            f"documents",
            p95 < TARGET_P95_MS,
        ),
    ]


def report(result: Result) -> list[str]:
    o = result.options
    lines = [
        f"corpus: {o.docs:,} documents (seed {o.seed}), {result.length_min}-{result.length_max} characters, "
        f"mean {result.length_mean:.0f}; generated in {result.generate_s:.1f} s",
        f"parameters: k={o.k}, {NUM_PERM} permutations, LSH {o.bands} bands x {o.rows} rows; boilerplate: "
        f"shingles in more than {result.boilerplate_limit} documents ({result.boilerplate_shingles:,} shingles)",
        "",
        "level  pairs  measured J     LSH cand.  mean J after bp  flagged >=0.6  red >=0.8  curve (flagged)",
    ]
    for row in result.levels:
        share = row.flagged / row.pairs
        lines.append(
            f"{row.level:<5}  {row.pairs:>5}  {row.measured_min:.3f}-{row.measured_max:.3f}  "
            f"{row.candidates / row.pairs:>9.1%}  {row.mean_after:>15.3f}  {share:>13.1%}  "
            f"{row.red / row.pairs:>9.1%}  {'#' * round(share * 20)}"
        )
    lines += [
        "",
        f"reported pairs (>= {FLAG_THRESHOLD}): {result.reported:,}, of them planted: {result.true_reported:,} "
        f"(precision {result.precision:.3f}); red (>= {RED_THRESHOLD}): {result.red_reported:,}, planted "
        f"{result.true_red:,} (precision {result.precision_red:.3f})",
        "unplanted reported pairs (first 5: documents, Jaccard after boilerplate, lengths): "
        + ("; ".join(f"{a}/{b} {score:.3f} {la}/{lb}" for a, b, score, la, lb in result.false_reports[:5]) or "none"),
        f"boilerplate-only pairs (notices sharing >= 2 standard paragraphs): {result.notice_pairs:,}; raw Jaccard "
        f">= {FLAG_THRESHOLD}: {result.notice_pairs_raw_flag:,}; flagged after boilerplate: "
        f"{result.notice_pairs_flagged:,} (highest Jaccard after boilerplate {result.notice_pairs_max_after:.3f})",
        "",
        "scan timings:",
    ]
    lines += [
        f"  {name:<26} {seconds:>8.2f} s wall {result.cpu[name]:>8.2f} s CPU"
        for name, seconds in result.timings.items()
    ]
    n = o.docs
    lines += [
        f"  {'whole scan':<26} {result.scan_s:>8.2f} s wall {result.scan_cpu_s:>8.2f} s CPU   "
        f"({result.candidates:,} candidate pairs verified)",
        "",
        f"exact pairwise cost per pair (random pairs of a {min(o.subset, n):,}-document subset): "
        f"{result.pair_cost_set_us:.2f} us as Python sets, {result.pair_cost_array_us:.2f} us as sorted arrays "
        f"(wall clock); the cheaper is used, {result.pair_cost_cpu_us:.2f} us CPU",
        f"  at {n:,} documents: {n * (n - 1) // 2:,} pairs = {result.pairwise_s(n):,.0f} s "
        f"vs scan {result.scan_s:,.1f} s: {result.pairwise_s(n) / result.scan_s:,.0f}x",
    ]
    if n < FULL_SIZE:
        lines.append(
            f"  at {FULL_SIZE:,} documents (extrapolated): {result.pairwise_s(FULL_SIZE):,.0f} s vs scan "
            f"~{result.scan_at(FULL_SIZE):,.0f} s: {result.pairwise_s(FULL_SIZE) / result.scan_at(FULL_SIZE):,.0f}x"
        )
    lines += [
        "",
        f"single-document query ({len(result.query_ms)} queries, half edited copies of indexed documents): "
        f"p50 {_percentile(result.query_ms, 0.5):.2f} ms, p95 {_percentile(result.query_ms, 0.95):.2f} ms, "
        f"max {max(result.query_ms, default=0):.2f} ms wall clock; CPU p50 {_percentile(result.query_cpu_ms, 0.5):.2f} "
        f"ms, p95 {_percentile(result.query_cpu_ms, 0.95):.2f} ms; {result.query_candidates:.1f} candidates per query; "
        f"copies found {result.query_found_copies}/{result.query_copies}",
        f"index memory: {result.index_rss_mb:,.0f} MB resident growth for {n:,} documents "
        f"({result.index_rss_mb * 2**20 / n:,.0f} bytes per document; signatures alone {result.signature_mb:,.1f} MB)",
        f"machine load average (1 min) at start / end: {' / '.join(f'{v:.1f}' for v in result.load)} on "
        f"{os.cpu_count()} cores",
        "",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.textcheck", description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=FULL_SIZE)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--subset", type=int, default=20_000, help="documents to sample pairs from for the pair cost")
    parser.add_argument("--k", type=int, default=SHINGLE_K)
    parser.add_argument("--bands", type=int, default=LSH_BANDS)
    parser.add_argument("--rows", type=int, default=LSH_ROWS)
    parser.add_argument("--max-share", type=float, default=0.002)
    parser.add_argument("--min-docs", type=int, default=20)
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    if args.docs < 100:
        parser.error("--docs must be at least 100")
    options = Options(
        docs=args.docs,
        seed=args.seed,
        subset=args.subset,
        queries=args.queries,
        k=args.k,
        bands=args.bands,
        rows=args.rows,
        max_share=args.max_share,
        min_docs=args.min_docs,
    )
    started = time.perf_counter()
    result = run(options, log=(lambda _: None) if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True)))
    for line in report(result):
        print(line)
    checks = check_targets(result)
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    print(f"whole run {time.perf_counter() - started:.1f} s")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
