"""What an agenda item really is, from its text (R-S8: study not replaced by business).

R-S8 says a center-group session must not be replaced by a work-deployment meeting, business
training or a general relay of documents. The kind a secretary declares for an agenda item
cannot decide that on its own: an item declared 理论学习 may read "部署招生与就业工作". This
module classifies a text into one of four classes by an explainable method:

* a lexicon (``substitution_lexicon.json`` beside this module) of terms — short character
  n-grams such as 习近平, 传达, 研究部署, 培训 — each with a weight for one class;
* the terms are found in the text longest first and without overlap, so 研究部署 counts once
  and not again as 研究 and 部署, and 思想政治工作 is not read as 工作;
* the declared kind adds a small weight (it is one input, not the answer);
* the class with the highest score wins; the matched terms of that class are the explanation.

Two ways to find terms are offered and measured by ``bench.substitution``: plain character
n-gram matching (the default, no dependency) and matching only on whole jieba tokens (when
the optional ``jieba`` package is installed).

Django-free: the analysis app passes in overrides from the rule-parameter registry.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Literal

from pangting.lib.messages import N_, Message

THEORY_STUDY = "theory_study"
DOCUMENT_RELAY = "document_relay"
WORK_DEPLOYMENT = "work_deployment"
BUSINESS_TRAINING = "business_training"
# The order breaks ties (study first: a tie is not evidence of substitution).
CLASSES: tuple[str, ...] = (THEORY_STUDY, DOCUMENT_RELAY, WORK_DEPLOYMENT, BUSINESS_TRAINING)
STUDY_CLASSES = frozenset({THEORY_STUDY})

LEXICON_PATH = Path(__file__).with_name("substitution_lexicon.json")

Matcher = Literal["chars", "jieba"]


@dataclass(frozen=True)
class Term:
    """One lexicon entry: a character n-gram that speaks for `label` with `weight`."""

    text: str
    label: str
    weight: float


@dataclass(frozen=True)
class Hit:
    """A term found in a text at `start` (character offset in the normalized text)."""

    term: str
    label: str
    weight: float
    start: int


@dataclass(frozen=True)
class Lexicon:
    """The terms and the weight of each declared kind per class."""

    terms: tuple[Term, ...]
    declared: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # `classify` by character n-grams of (text, declared kind) already done with this lexicon: the
    # agendas of a run repeat their titles (issue 15). Bounded; not part of the lexicon's identity.
    _classified: dict[tuple[str, str | None], Classification] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Lexicon:
        raw_terms = data.get("terms", {})
        raw_declared = data.get("declared", {})
        if not isinstance(raw_terms, Mapping) or not isinstance(raw_declared, Mapping):
            raise ValueError("A lexicon has a 'terms' and a 'declared' mapping.")
        terms: dict[str, Term] = {}
        for label, entries in raw_terms.items():
            if label not in CLASSES or not isinstance(entries, Mapping):
                raise ValueError(f"Unknown class in lexicon: {label!r}.")
            for text, weight in entries.items():
                key = normalize(text)
                if key in terms:
                    raise ValueError(f"Term {text!r} is listed twice in the lexicon.")
                terms[key] = Term(key, label, float(weight))
        declared = {
            str(kind): {label: float(w) for label, w in weights.items() if label in CLASSES}
            for kind, weights in raw_declared.items()
            if isinstance(weights, Mapping)
        }
        return cls(tuple(terms.values()), declared)

    def with_overrides(self, overrides: Iterable[Term]) -> Lexicon:
        """A copy where each override replaces the term of the same text (or adds it).

        A weight of 0 removes a term.
        """
        terms = {t.text: t for t in self.terms}
        for term in overrides:
            key = normalize(term.text)
            if term.weight <= 0:
                terms.pop(key, None)
            else:
                terms[key] = Term(key, term.label, term.weight)
        return Lexicon(tuple(terms.values()), self.declared)

    @cached_property
    def by_length(self) -> tuple[Term, ...]:
        """The terms longest first (sorted once per lexicon, not hashed again on every text)."""
        return tuple(sorted(self.terms, key=lambda t: (-len(t.text), t.text)))


@cache
def default_lexicon() -> Lexicon:
    """The lexicon kept in the repository beside this module."""
    return Lexicon.from_dict(json.loads(LEXICON_PATH.read_text(encoding="utf-8")))


def parse_override(entry: str) -> Term:
    """A term from a configuration entry ``词=类别:权重`` (e.g. ``工作例会=work_deployment:3``).

    Raises ValueError with a Chinese message naming the entry when it is malformed.
    """
    text, sep, rest = entry.partition("=")
    label, sep2, weight_text = rest.partition(":")
    text, label = normalize(text), label.strip()
    try:
        weight = float(weight_text)
    except ValueError:
        weight = -1.0
    if not sep or not sep2 or not text or label not in CLASSES or not 0 <= weight <= 20:
        raise ValueError(
            Message(
                N_("词表条目“{entry}”无效：应为“词=类别:权重”，类别为{classes}之一，权重为0到20"),
                entry=entry,
                classes=list(CLASSES),
            )
        )
    return Term(text, label, weight)


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII), no white space, lower case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


@dataclass(frozen=True)
class Classification:
    """The class of one text, its score per class and the evidence that decided it."""

    text: str
    label: str | None  # None: no term found and no declared kind — nothing to judge by
    scores: Mapping[str, float]
    hits: tuple[Hit, ...]
    declared_kind: str | None = None

    @property
    def is_study(self) -> bool:
        return self.label in STUDY_CLASSES

    @property
    def decisive_terms(self) -> tuple[str, ...]:
        """The terms of the winning class, heaviest first: the words that decided."""
        hits = sorted((h for h in self.hits if h.label == self.label), key=lambda h: (-h.weight, h.start))
        seen: list[str] = []
        for hit in hits:
            if hit.term not in seen:
                seen.append(hit.term)
        return tuple(seen)


def find_terms_chars(text: str, lexicon: Lexicon) -> list[Hit]:
    """Lexicon terms in `text` as character n-grams: longest first, no two overlapping."""
    taken = [False] * len(text)
    hits: list[Hit] = []
    for term in lexicon.by_length:
        start = text.find(term.text)
        while start != -1:
            end = start + len(term.text)
            if not any(taken[start:end]):
                hits.append(Hit(term.text, term.label, term.weight, start))
                for i in range(start, end):
                    taken[i] = True
            start = text.find(term.text, start + 1)
    return sorted(hits, key=lambda h: h.start)


def find_terms_tokens(text: str, lexicon: Lexicon, tokenize: Callable[[str], Sequence[str]]) -> list[Hit]:
    """Lexicon terms in `text` that start and end on token boundaries (e.g. jieba's words).

    A term may span several consecutive tokens (研究部署 = 研究 + 部署); it never cuts a token.
    """
    bounds = {0}
    position = 0
    for token in tokenize(text):
        position += len(token)
        bounds.add(position)
    taken = [False] * len(text)
    hits: list[Hit] = []
    for term in lexicon.by_length:
        start = text.find(term.text)
        while start != -1:
            end = start + len(term.text)
            if start in bounds and end in bounds and not any(taken[start:end]):
                hits.append(Hit(term.text, term.label, term.weight, start))
                for i in range(start, end):
                    taken[i] = True
            start = text.find(term.text, start + 1)
    return sorted(hits, key=lambda h: h.start)


def jieba_tokenizer() -> Callable[[str], Sequence[str]]:
    """jieba's precise mode (ImportError when the optional package is missing)."""
    import jieba  # type: ignore[import-not-found,import-untyped,unused-ignore]

    jieba.setLogLevel(60)
    return lambda text: list(jieba.cut(text, HMM=True))


def classify(
    text: str,
    declared_kind: str | None = None,
    *,
    lexicon: Lexicon | None = None,
    matcher: Matcher = "chars",
    tokenize: Callable[[str], Sequence[str]] | None = None,
) -> Classification:
    """Classify one agenda item (or a session title) from its text and its declared kind.

    A pure function of its inputs: by character n-grams, the lexicon remembers the result for
    each (text, declared kind) it has classified (at most `CLASSIFIED_LIMIT` of them).
    """
    lexicon = lexicon or default_lexicon()
    if matcher == "chars":
        memo = lexicon._classified
        key = (text, declared_kind)
        remembered = memo.get(key)
        if remembered is None:
            if len(memo) >= CLASSIFIED_LIMIT:
                memo.clear()
            remembered = memo[key] = _classify(text, declared_kind, lexicon, matcher, tokenize)
        return remembered
    return _classify(text, declared_kind, lexicon, matcher, tokenize)


CLASSIFIED_LIMIT = 20_000


def _classify(
    text: str,
    declared_kind: str | None,
    lexicon: Lexicon,
    matcher: Matcher,
    tokenize: Callable[[str], Sequence[str]] | None,
) -> Classification:
    normalized = normalize(text)
    if matcher == "jieba":
        hits = find_terms_tokens(normalized, lexicon, tokenize or jieba_tokenizer())
    else:
        hits = find_terms_chars(normalized, lexicon)
    scores = dict.fromkeys(CLASSES, 0.0)
    for hit in hits:
        scores[hit.label] += hit.weight
    prior = lexicon.declared.get(declared_kind or "", {})
    for label, weight in prior.items():
        scores[label] += weight
    scores = {label: round(score, 3) for label, score in scores.items()}
    if not hits and not prior:
        return Classification(text, None, scores, (), declared_kind)
    best = max(CLASSES, key=lambda label: (scores[label], -CLASSES.index(label)))
    return Classification(text, best, scores, tuple(hits), declared_kind)


@dataclass(frozen=True)
class SessionJudgement:
    """R-S8 over one session: each item's class, the study share, and whether it is flagged."""

    items: tuple[Classification, ...]
    title: Classification | None
    study_count: int
    judged_count: int
    min_share: float
    empty_agenda: bool
    study_item_count: int = 0  # agenda items judged study (the title not counted)

    @property
    def share(self) -> float | None:
        return self.study_count / self.judged_count if self.judged_count else None

    @property
    def flagged(self) -> bool:
        """Flagged: no agenda, no agenda item of study (a study title alone is no study part), or a
        study share below the minimum."""
        if self.empty_agenda:
            return True
        share = self.share
        return self.study_item_count == 0 or share is None or share < self.min_share


def judge_session(
    items: Sequence[tuple[str, str | None]],
    title: str = "",
    *,
    min_share: float = 0.5,
    lexicon: Lexicon | None = None,
) -> SessionJudgement:
    """Judge a session by its agenda items (text, declared kind) and its title.

    Each item counts once; the title counts as one more item when its text decides a class
    (a title without any lexicon term is left out, it says nothing either way). Items with
    nothing to judge by are left out of the share too.
    """
    classified = tuple(classify(text, kind, lexicon=lexicon) for text, kind in items)
    title_result = classify(title, None, lexicon=lexicon) if title.strip() else None
    judged = [c for c in classified if c.label is not None]
    if title_result is not None and title_result.label is not None:
        judged.append(title_result)
    study = sum(1 for c in judged if c.is_study)
    study_items = sum(1 for c in classified if c.is_study)
    return SessionJudgement(classified, title_result, study, len(judged), min_share, not items, study_items)
