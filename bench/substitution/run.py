"""R-S8 classifier benchmark: precision and recall on the held-out agenda items.

    .venv/bin/python -m bench.substitution              # held-out set, character n-grams
    .venv/bin/python -m bench.substitution --set train  # the set the lexicon was tuned on
    .venv/bin/python -m bench.substitution --matcher jieba   # whole jieba tokens (needs jieba)
    .venv/bin/python -m bench.substitution --errors     # list the misclassified items

Reports precision and recall per class and for "study vs not study" (what R-S8 decides), and
PASS/FAIL against the targets: precision ≥ 0.9 and recall ≥ 0.85 for every class and for both
sides of study vs not study. Exit code 1 when a target is missed.
`pangting/analysis/tests/test_heldout_quality.py` asserts the same targets in the test suite.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pangting.lib import substitution

DATA = Path(__file__).resolve().parents[2] / "pangting" / "analysis" / "data"
SETS = {"heldout": DATA / "agenda_items_heldout.csv", "train": DATA / "agenda_items_train.csv"}
MIN_PRECISION = 0.9
MIN_RECALL = 0.85
STUDY, NOT_STUDY = "study", "not_study"


@dataclass(frozen=True)
class Item:
    text: str
    declared_kind: str
    label: str


@dataclass(frozen=True)
class Score:
    name: str
    precision: float
    recall: float
    support: int

    @property
    def passed(self) -> bool:
        return self.precision >= MIN_PRECISION and self.recall >= MIN_RECALL


def load(path: Path) -> list[Item]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [Item(r["text"], r["declared_kind"], r["label"]) for r in csv.DictReader(handle)]
    unknown = {r.label for r in rows} - set(substitution.CLASSES)
    if unknown:
        raise ValueError(f"{path.name}: unknown labels {sorted(unknown)}")
    return rows


def predict(items: Sequence[Item], matcher: substitution.Matcher = "chars") -> list[str | None]:
    tokenize = substitution.jieba_tokenizer() if matcher == "jieba" else None
    return [
        substitution.classify(item.text, item.declared_kind, matcher=matcher, tokenize=tokenize).label for item in items
    ]


def scores(gold: Sequence[str], predicted: Sequence[str | None], names: Sequence[str]) -> list[Score]:
    pairs = Counter(zip(gold, predicted, strict=True))
    result = []
    for name in names:
        tp = pairs[(name, name)]
        said = sum(n for (_g, p), n in pairs.items() if p == name)
        support = sum(n for (g, _p), n in pairs.items() if g == name)
        result.append(Score(name, tp / said if said else 0.0, tp / support if support else 0.0, support))
    return result


def evaluate(items: Sequence[Item], matcher: substitution.Matcher = "chars") -> tuple[list[Score], list[Score]]:
    """(per class, study vs not study) scores of the classifier on `items`."""
    predicted = predict(items, matcher)
    gold = [i.label for i in items]
    per_class = scores(gold, predicted, substitution.CLASSES)

    def side(label: str | None) -> str:
        return STUDY if label in substitution.STUDY_CLASSES else NOT_STUDY

    binary = scores([side(g) for g in gold], [side(p) for p in predicted], (STUDY, NOT_STUDY))
    return per_class, binary


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.substitution", description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="heldout")
    parser.add_argument("--matcher", choices=["chars", "jieba"], default="chars")
    parser.add_argument("--errors", action="store_true", help="list the misclassified items")
    args = parser.parse_args(argv)
    items = load(SETS[args.set])
    try:
        per_class, binary = evaluate(items, args.matcher)
    except ImportError:
        print("jieba is not installed: `pip install jieba` to measure whole-token matching.")
        return 2
    print(f"R-S8 classifier on {SETS[args.set].name} ({len(items)} items), matcher: {args.matcher}")
    print(f"targets: precision >= {MIN_PRECISION}, recall >= {MIN_RECALL}\n")
    print(f"{'':<20}{'precision':>10}{'recall':>8}{'support':>9}")
    failed = False
    for title, rows in (("per class", per_class), ("study vs not study", binary)):
        print(title)
        for row in rows:
            failed |= not row.passed
            verdict = "PASS" if row.passed else "FAIL"
            print(f"  {row.name:<18}{row.precision:>10.3f}{row.recall:>8.3f}{row.support:>9}  {verdict}")
    if args.errors:
        print("\nmisclassified:")
        for item, label in zip(items, predict(items, args.matcher), strict=True):
            if label != item.label:
                print(f"  {item.label} → {label}: {item.text}（申报 {item.declared_kind}）")
    print("\nFAIL" if failed else "\nPASS")
    return 1 if failed else 0
