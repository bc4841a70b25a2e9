"""Deterministic synthetic corpus: study texts, planted near copies, planted boilerplate.

`generate(n_docs, seed)` returns `n_docs` texts of 300–3,000 characters, built sentence by
sentence from the templates in `vocab`, with:

- planted near copies at Jaccard 0.5 … 0.95: a copy of a source document is edited (sentences
  replaced or swapped, then single characters replaced) until the Jaccard of the two texts'
  shingles, boilerplate included, reaches the level; the measured value is recorded;
- planted boilerplate: 8 standard paragraphs, one or two of which open or close 30% of the
  documents, and "notice" documents (2%) that are mostly three or four of them around a short
  text of their own, so that two notices share much text and nothing else.

Documents are shuffled, so a copy is never next to its source.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from bench.textcheck import vocab
from pangting.lib.textdup import SHINGLE_K, jaccard, shingle_array

LEVELS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
PLANTED_SHARE = 0.005  # of n_docs, per level (at least 3 pairs per level)
NOTICE_SHARE = 0.02
BOILERPLATE_SHARE = 0.3
LEVEL_SLACK = 0.01  # a copy stops within [level - slack, level + slack]


@dataclass(frozen=True)
class PlantedPair:
    source: int
    copy: int
    level: float
    measured: float


@dataclass(frozen=True)
class Corpus:
    texts: list[str]
    planted: list[PlantedPair]
    boilerplate: list[frozenset[int]]  # per document: which standard paragraphs it holds
    notices: frozenset[int]  # documents that are mostly boilerplate
    seed: int


class _Writer:
    """Fills templates for one document (its unit, people and details stay with it)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.unit = self._unit()
        self.names = [self._name() for _ in range(3)]

    def _unit(self) -> str:
        return "".join(self.rng.choices(vocab.UNIT_PREFIX, k=2)) + self.rng.choice(vocab.UNIT_SUFFIX)

    def _name(self) -> str:
        return self.rng.choice(vocab.SURNAMES) + "".join(self.rng.choices(vocab.GIVEN, k=self.rng.randint(1, 2)))

    def detail(self) -> str:
        chars = vocab.DETAIL_CHARS
        return "".join(self.rng.choice(chars) + self.rng.choice(chars) for _ in range(self.rng.randint(2, 3)))

    def fill(self, template: str) -> str:
        rng = self.rng
        values = {
            "topic": rng.choice(vocab.TOPICS),
            "action": rng.choice(vocab.ACTIONS),
            "goal": rng.choice(vocab.GOALS),
            "field": rng.choice(vocab.FIELDS),
            "problem": rng.choice(vocab.PROBLEMS),
            "measure": rng.choice(vocab.MEASURES),
            "role": rng.choice(vocab.ROLES),
            "name": rng.choice(self.names),
            "unit": self.unit,
            "detail": self.detail(),
            "number": str(rng.randint(12, 9800)),
            "small": str(rng.randint(2, 36)),
            "percent": str(rng.randint(60, 100)),
            "date": f"{rng.randint(2019, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
        }
        return template.format(**values)

    def sentence(self) -> str:
        return self.fill(self.rng.choice(vocab.BODY))


def _document(rng: random.Random, notice: bool) -> tuple[list[str], frozenset[int]]:
    """A document as a list of pieces (sentences and paragraph breaks "\\n")."""
    writer = _Writer(rng)
    if notice:
        chosen = rng.sample(range(4), k=rng.randint(3, 4))  # notices draw on four standard paragraphs
        pieces = [vocab.BOILERPLATE[i] + "\n" for i in chosen[:2]]
        own = rng.randint(60, 160)
        while sum(len(p) for p in pieces) < 2 * 90 + own:
            pieces.append(writer.sentence())
        pieces.append("\n")
        pieces.extend(vocab.BOILERPLATE[i] + "\n" for i in chosen[2:])
        return pieces, frozenset(chosen)
    target = rng.randint(300, 3000)
    chosen_bp: list[int] = []
    if rng.random() < BOILERPLATE_SHARE:
        chosen_bp = rng.sample(range(len(vocab.BOILERPLATE)), k=rng.randint(1, 2))
    pieces = [vocab.BOILERPLATE[chosen_bp[0]] + "\n"] if chosen_bp else []
    pieces.append(writer.fill(rng.choice(vocab.OPENINGS)))
    closing = writer.fill(rng.choice(vocab.CLOSINGS))
    tail = [vocab.BOILERPLATE[chosen_bp[1]] + "\n"] if len(chosen_bp) > 1 else []
    budget = target - len(closing) - sum(len(p) for p in tail)
    length = sum(len(p) for p in pieces)
    while True:
        piece = "\n" if rng.random() < 0.15 else writer.sentence()
        if length + len(piece) > budget:
            break
        pieces.append(piece)
        length += len(piece)
    while length < 300:  # a short target must still make a 300-character document
        piece = writer.sentence()
        pieces.append(piece)
        length += len(piece)
    pieces.extend(["\n", closing, "\n", *tail])
    return pieces, frozenset(chosen_bp)


def _text(pieces: list[str]) -> str:
    return "".join(pieces).strip()


def _near_copy(pieces: list[str], level: float, rng: random.Random) -> tuple[str, float]:
    """Edit a copy of `pieces` until its Jaccard with the original reaches `level`."""
    source = shingle_array(_text(pieces), SHINGLE_K)
    writer = _Writer(rng)
    copy = list(pieces)
    current = 1.0
    sentences = [i for i, p in enumerate(copy) if p != "\n"]
    for _ in range(4000):
        if current <= level + LEVEL_SLACK:
            break
        trial = list(copy)
        coarse = current > level + 0.05
        i = rng.choice(sentences)
        if coarse and rng.random() < 0.8:
            trial[i] = writer.sentence()
        elif coarse:
            j = rng.choice(sentences)
            trial[i], trial[j] = trial[j], trial[i]
        else:
            piece = trial[i]
            spots = [n for n, ch in enumerate(piece) if ch.isalnum()]
            if not spots:
                continue
            n = rng.choice(spots)
            trial[i] = piece[:n] + rng.choice(vocab.DETAIL_CHARS) + piece[n + 1 :]
        text = _text(trial)
        if not 300 <= len(text) <= 3000:  # a copy stays within the corpus's lengths
            continue
        measured = jaccard(source, shingle_array(text, SHINGLE_K))
        if measured >= level - LEVEL_SLACK:
            copy, current = trial, measured
    return _text(copy), current


def generate(n_docs: int, seed: int = 2026) -> Corpus:
    """`n_docs` documents, deterministic from `seed` (same arguments, same corpus)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    per_level = max(3, round(n_docs * PLANTED_SHARE))
    n_copies = min(per_level * len(LEVELS), n_docs // 3)
    per_level = n_copies // len(LEVELS)
    n_copies = per_level * len(LEVELS)
    n_base = n_docs - n_copies
    n_notices = max(4, round(n_base * NOTICE_SHARE))
    base: list[tuple[list[str], frozenset[int]]] = []
    for number in range(n_base):
        base.append(_document(rng, notice=number < n_notices))
    sources = rng.sample(range(n_notices, n_base), k=n_copies)
    texts = [_text(pieces) for pieces, _ in base]
    boilerplate = [bp for _, bp in base]
    planted: list[PlantedPair] = []
    for number, source in enumerate(sources):
        level = LEVELS[number % len(LEVELS)]
        text, measured = _near_copy(base[source][0], level, rng)
        planted.append(PlantedPair(source, len(texts), level, measured))
        texts.append(text)
        boilerplate.append(base[source][1])
    order = list(range(len(texts)))
    rng.shuffle(order)
    position = {old: new for new, old in enumerate(order)}
    return Corpus(
        texts=[texts[old] for old in order],
        planted=[
            PlantedPair(position[p.source], position[p.copy], p.level, p.measured)
            for p in sorted(planted, key=lambda p: (p.level, p.source))
        ],
        boilerplate=[boilerplate[old] for old in order],
        notices=frozenset(position[i] for i in range(n_notices)),
        seed=seed,
    )


def lengths(corpus: Corpus) -> tuple[int, int, float]:
    """Shortest, longest and mean text length in characters."""
    sizes = np.array([len(t) for t in corpus.texts])
    return int(sizes.min()), int(sizes.max()), float(sizes.mean())
