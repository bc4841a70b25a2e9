"""Theme adherence of speeches (R-S6 hints): TF-IDF over jieba tokens, cosine to the themes.

A speech that stays on its session's theme shares the theme's content words. Each text is cut
into words with jieba (Chinese has no spaces; character n-grams would match the shared study
vocabulary everywhere), single characters, digits and a short list of function words dropped.
The IDF is fitted on the speeches compared together (one year of a supervisor's units), so that
words every speech uses (学习, 发言) weigh little and the theme's particular words weigh much.
The similarity is the cosine of sublinear TF-IDF vectors, in [0, 1]. It is a hint for the
supervisor, never a finding: a short outline or an unusual wording scores low without being off
theme.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import jieba  # type: ignore[import-untyped]  # no type information

jieba.setLogLevel(logging.WARNING)

_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9]+$")
# i18n: not interface (Chinese words the tokenizer drops, matched against Chinese text)
STOPWORDS = frozenset(
    # A word list reads better as text than as 37 quoted items.
    (  # noqa: SIM905
        "我们 你们 他们 自己 一个 一些 这个 那个 这些 那些 以及 并且 而且 因此 所以 但是 如果 就是 还是 "
        "可以 进行 通过 对于 关于 作为 已经 不断 切实 认真 进一步 方面 工作 问题 同志 大家 今天 下面"
    ).split()
)
"""Function words and words of every speech; the IDF weighs down the rest of the common vocabulary."""


def tokens(text: str) -> list[str]:
    """The content words of `text` (jieba's precise mode; words of two or more characters)."""
    return [word for word in jieba.lcut(text) if _WORD.match(word) and word not in STOPWORDS]


Vector = dict[str, float]
Counts = Sequence[tuple[str, int]]
"""A document as (word, count) pairs in the order of each word's first use (what is stored)."""


def counts(words: Iterable[str]) -> list[tuple[str, int]]:
    """`words` counted, each word once in the order of its first use (the order `Counter` keeps)."""
    return list(Counter(words).items())


def pack(document: Counts) -> str:
    """Counts as stored: "word count word count …" (a word never holds a space); "" for none."""
    return " ".join(f"{word} {count}" for word, count in document)


def unpack(packed: str) -> list[tuple[str, int]]:
    """`pack` undone. Read for thousands of documents a page: split and zip, nothing per word in Python."""
    parts = packed.split(" ") if packed else []
    return list(zip(parts[::2], map(int, parts[1::2]), strict=True))


@dataclass
class TfIdf:
    """Inverse document frequencies fitted on a list of documents (each a list of tokens)."""

    idf: dict[str, float]
    default_idf: float

    @classmethod
    def fit(cls, documents: Iterable[Sequence[str]]) -> TfIdf:
        return cls.fit_counts(counts(document) for document in documents)

    @classmethod
    def fit_counts(cls, documents: Iterable[Counts]) -> TfIdf:
        """As `fit`, the documents given as (word, count) pairs (each word once)."""
        frequency: Counter[str] = Counter()
        n_docs = 0
        for document in documents:
            n_docs += 1
            frequency.update(word for word, _count in document)
        return cls.from_frequency(frequency, n_docs)

    @classmethod
    def from_frequency(cls, frequency: Mapping[str, int], n_docs: int) -> TfIdf:
        """From the number of documents each word is in, of `n_docs` documents."""
        # Smoothed IDF (as scikit-learn's default): a word in every document still weighs 1.
        idf = {word: math.log((1 + n_docs) / (1 + count)) + 1 for word, count in frequency.items()}
        return cls(idf, math.log(1 + n_docs) + 1)

    def vector(self, document: Sequence[str]) -> Vector:
        """Sublinear TF × IDF, L2-normalized; empty for a document without content words."""
        return self.vector_counts(counts(document))

    def vector_counts(self, document: Counts) -> Vector:
        """`vector` of a document given as (word, count) pairs: the same floats, in the same order."""
        idf, default = self.idf, self.default_idf
        weights = {word: (1 + math.log(count)) * idf.get(word, default) for word, count in document}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {word: w / norm for word, w in weights.items()} if norm else {}


def cosine(a: Vector, b: Vector) -> float:
    """Cosine of two L2-normalized sparse vectors (0.0 when either is empty)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(word, 0.0) for word, weight in a.items())


def shared_words(a: Vector, b: Vector, limit: int = 5) -> list[str]:
    """The words that contribute most to the similarity (the explanation shown with a hint)."""
    common = sorted(((a[word] * b[word], word) for word in a.keys() & b.keys()), reverse=True)
    return [word for _weight, word in common[:limit]]


__all__ = ["STOPWORDS", "Counts", "TfIdf", "Vector", "cosine", "counts", "pack", "shared_words", "tokens", "unpack"]
